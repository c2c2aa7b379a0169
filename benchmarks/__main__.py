"""Run every ``benchmarks/bench_*.py`` module's ``main()`` in one process.

Usage:
    python -m benchmarks            # all benchmarks
    python -m benchmarks numpy_mlp  # only bench_numpy_mlp.py
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    wanted = [f"bench_{a.removeprefix('bench_')}" for a in argv]
    unknown = sorted(set(wanted) - set(names))
    if unknown:
        print(f"Unknown benchmark(s) {unknown}. Available: {[n[6:] for n in names]}")
        return 2
    for name in wanted or names:
        print(f"\n=== {name} ===", flush=True)
        importlib.import_module(f"benchmarks.{name}").main()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
