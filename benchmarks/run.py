#!/usr/bin/env python
"""Run every benchmark in benchmarks/ (files bench_*.py, each with a main()) and print its figures.

    .venv/bin/python benchmarks/run.py            # all
    .venv/bin/python benchmarks/run.py geocode    # those whose name contains "geocode"

Benchmarks run against the database in DATABASE_URL (default: the private cluster) in a database of
their own (ecity_bench), created from scratch, so the demo data is never touched.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis.settings")


def main(argv: list[str]) -> int:
    wanted = argv[1:]
    names = sorted(p.stem for p in (ROOT / "benchmarks").glob("bench_*.py"))
    names = [n for n in names if not wanted or any(w in n for w in wanted)]
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"== {name}: {(module.__doc__ or '').strip().splitlines()[0] if module.__doc__ else ''}", flush=True)
        started = time.perf_counter()
        module.main()
        print(f"   ({time.perf_counter() - started:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
