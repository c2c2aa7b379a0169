"""Run every ``benchmarks/bench_*.py`` module's ``main()`` in one process.

Usage:
    python -m benchmarks                       # all benchmarks
    python -m benchmarks numpy_mlp             # only bench_numpy_mlp.py
    python -m benchmarks gpu --out gpu.md      # options after the names go to each main()
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    split = next((i for i, a in enumerate(argv) if a.startswith("-")), len(argv))
    wanted = [f"bench_{a.removeprefix('bench_')}" for a in argv[:split]]
    options = argv[split:]
    unknown = sorted(set(wanted) - set(names))
    if unknown:
        print(f"Unknown benchmark(s) {unknown}. Available: {[n[6:] for n in names]}")
        return 2
    for name in wanted or names:
        print(f"\n=== {name} ===", flush=True)
        run = importlib.import_module(f"benchmarks.{name}").main
        if inspect.signature(run).parameters:
            run(options)
        elif options:
            print(f"{name} takes no options; ignoring {options}.")
            run()
        else:
            run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
