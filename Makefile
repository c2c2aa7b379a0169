# nncourse: the three commands a newcomer needs are `make book`, `make lab` and `make test`.
# Each one creates .venv and installs requirements.txt on first use.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Every process writes the bytecode of what it imports (into .venv and the repository's
# __pycache__ folders, which git ignores), so the first kernel, worker or build to import a
# module compiles it for all the others. Where PYTHONDONTWRITEBYTECODE is set, none would write
# it and each would compile its imports again; compiling every installed file up front instead
# takes 50 CPU-seconds for the four files in ten that anything here imports.
unexport PYTHONDONTWRITEBYTECODE

# The labs in each language (notebooks/pt-br/ is generated from the English labs by
# `make translations`).
ENGLISH_LABS := $(wildcard notebooks/lab*.ipynb)
TRANSLATED_LABS := $(wildcard notebooks/pt-br/lab*.ipynb)
ALTERNATE_BLAS_KERNEL := $(if $(filter Sandybridge,$(OPENBLAS_CORETYPE)),Nehalem,Sandybridge)

# The learner's own folder for the labs (`make lab WORKSPACE=~/my-labs` puts it elsewhere).
WORKSPACE ?= workspace
# JupyterLab refuses to start as root (a container) without this flag.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: setup book lab workspace test test-notebooks test-grading bench lint \
	browser-deps sandbox-deps site-perf clean translations gettext-deps

# The grader's attack and class-fault batteries start real sandboxes (`make test-grading` runs
# them alone; `make test` runs them with every other test).
GRADING_TESTS := tests/test_grading_adversarial.py tests/test_grading_escapes.py \
	tests/test_grading_class_faults.py

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	# uv installs the packages, several at a time (scripts/install_requirements.py; pip where
	# uv is not at hand), and compiles nothing: the modules are compiled when first imported
	# (see PYTHONDONTWRITEBYTECODE above). The library is compiled now, for the grading
	# sandboxes, which read it but cannot write beside it.
	$(PY) scripts/install_requirements.py requirements.txt
	$(PY) -m compileall -q -j 0 nncourse
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (nncourse)" >/dev/null
	touch $(STAMP)

# Widget JavaScript for the static site comes from the npm registry, never a CDN. It needs no
# Python, so `make -j2` installs it while .venv is installed.
widget-js:
	bash scripts/build-widget-js.sh

# Two editions from one tree: English into _build/html/en, Portuguese into _build/html/pt-br
# (scripts/i18n.py). Both share one execution cache, so each chapter runs once.
book: setup widget-js
	$(PY) scripts/i18n.py build
	bash scripts/build-widget-js.sh --copy-into _build/html/en
	bash scripts/build-widget-js.sh --copy-into _build/html/pt-br

# After changing English text: regenerate the translation templates, merge them into the
# catalogues (changed sentences become fuzzy) and regenerate notebooks/pt-br/. README,
# "Updating a translation".
translations: setup
	$(PY) scripts/i18n.py update

# GNU gettext for `msgfmt -c` on the catalogues (Debian package).
gettext-deps:
	bash scripts/ensure-gettext.sh

# The student labs (solutions stubbed out) in the learner's workspace: created once, a learner's
# edits never overwritten, a newer course version added beside them (scripts/workspace.py).
# The solved labs stay in notebooks/; the answers are on the answers page after each lab.
workspace: setup
	$(PY) scripts/workspace.py "$(WORKSPACE)"

lab: workspace
	$(VENV)/bin/jupyter lab --notebook-dir="$(WORKSPACE)" $(ROOT_FLAG)

# Headless Chromium for the browser test (Debian package; never a downloaded browser).
browser-deps:
	bash scripts/ensure-chromium.sh

# bubblewrap for the grading sandbox (Debian package; the grader refuses to run without it).
sandbox-deps:
	bash scripts/ensure-bwrap.sh

# One BLAS thread per process: tests run in two xdist workers on two cores, and
# oversubscribed multi-threaded BLAS is many times slower than a single thread.
test: export OMP_NUM_THREADS = 1
test: export OPENBLAS_NUM_THREADS = 1
test: export MKL_NUM_THREADS = 1
# The pt-BR labs' kernels run under another OpenBLAS kernel than this machine's (conftest.py).
test: export NNCOURSE_TRANSLATED_LABS_BLAS = $(ALTERNATE_BLAS_KERNEL)
test: setup book browser-deps sandbox-deps gettext-deps
	$(VENV)/bin/ruff check nncourse tests benchmarks
	# mypy runs beside the tests' first seconds (it uses one core; their start-up and collection
	# leave the other one half idle); its report follows the tests', and either one failing
	# fails the target.
	# Every test in one session on two workers: the unit tests, the grader's sandbox batteries
	# and nbval over the labs in both languages (one session starts once and leaves no worker
	# idle between batches). --dist loadscope keeps each test module on one worker (its module
	# fixtures, such as the browser's survey of the site, are made once) and each notebook's
	# cells in order on one worker, in one kernel, as nbval needs. The English labs run under
	# this machine's OpenBLAS kernel; the pt-BR labs (the same code, outputs stored from a run in
	# Portuguese, tests/test_translations.py) run in Portuguese under another one (conftest.py),
	# so that a stored output that holds on this CPU only fails here and not on a learner's
	# laptop: Sandybridge (AVX) runs on any x86-64 CPU with AVX and rounds matrix products
	# differently from the Haswell/SkylakeX kernels OpenBLAS picks on newer CPUs (Nehalem when
	# this machine already runs Sandybridge). Each lab's code thus runs once per kernel and once
	# per language.
	mkdir -p _build
	$(PY) -m mypy nncourse > _build/mypy.log 2>&1 & mypy=$$!; \
	$(PY) -m pytest tests $(ENGLISH_LABS) $(TRANSLATED_LABS) -n 2 --dist loadscope \
		--timeout 900 -m "not perf" \
		--nbval --nbval-sanitize-with tests/nbval_sanitize.cfg; tests=$$?; \
	wait $$mypy; typed=$$?; echo "mypy nncourse:"; cat _build/mypy.log; \
	test $$tests -eq 0 && test $$typed -eq 0

# The labs alone under nbval, as `make test` runs them.
test-notebooks: export OMP_NUM_THREADS = 1
test-notebooks: export OPENBLAS_NUM_THREADS = 1
test-notebooks: export NNCOURSE_TRANSLATED_LABS_BLAS = $(ALTERNATE_BLAS_KERNEL)
test-notebooks: setup
	$(PY) -m pytest $(ENGLISH_LABS) $(TRANSLATED_LABS) -n 2 --dist loadscope --timeout 300 \
		--nbval --nbval-sanitize-with tests/nbval_sanitize.cfg

# The grader's attack and class-fault batteries alone (`make test` runs them with the rest).
test-grading: export OMP_NUM_THREADS = 1
test-grading: export OPENBLAS_NUM_THREADS = 1
test-grading: export MKL_NUM_THREADS = 1
test-grading: setup sandbox-deps
	$(PY) -m pytest $(GRADING_TESTS) -n 2 --timeout 300 -m "not perf"

# The site's speed on a slow phone, in wall-clock time: frame latency of the explorers (CPU slowed
# 4x, slow mobile network) and total blocking time of every chapter page, with their planted
# faults. Timings depend on the machine and its load, so `make test` never runs them (it checks
# the same guarantees by construction: frames in memory before the first touch, no MathJax, no
# large script before first paint, no forced layout at load). Run on a quiet machine.
site-perf: setup book browser-deps
	$(PY) -m pytest tests/test_site_browser.py -m perf -s --timeout 900

# Benchmarks compare ratios in one process; one BLAS thread keeps them stable on a shared machine.
bench: export OMP_NUM_THREADS = 1
bench: export OPENBLAS_NUM_THREADS = 1
bench: export NNCOURSE_BENCH_THREADS = 1
bench: setup
	$(PY) -m benchmarks

lint: setup
	$(VENV)/bin/ruff check .

clean:
	rm -rf _build .jupyter_cache release grades
