"""Helpers shared by benchmarks: a database of their own, timing and percentiles."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable

_ORIGINAL_NAME: str | None = None


def setup_bench_database(suffix: str = "bench") -> str:
    """Point Django at a separate database <name>_<suffix>, create it with PostGIS, migrate it. Idempotent.

    Benchmarks whose data would skew others (200k imported buildings, a copied history) pass their own
    suffix; the rest share <name>_bench. Returns the database name.
    """
    global _ORIGINAL_NAME
    import django
    from django.apps import apps
    from django.conf import settings

    if not apps.ready:
        django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    if _ORIGINAL_NAME is None:
        _ORIGINAL_NAME = settings.DATABASES["default"]["NAME"]
    name = f"{_ORIGINAL_NAME}_{suffix}"
    if settings.DATABASES["default"]["NAME"] != name:
        with connection.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{name}"')  # name from settings and code, not user input
        connections.close_all()
        settings.DATABASES["default"]["NAME"] = name
        connections["default"].settings_dict["NAME"] = name
    with connections["default"].cursor() as cur:
        cur.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        cur.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    call_command("migrate", verbosity=0)
    return name


def percentiles(samples_s: Iterable[float]) -> dict[str, float]:
    """p50/p95/p99/max in milliseconds."""
    xs = sorted(samples_s)
    if not xs:
        return {}
    q = statistics.quantiles(xs, n=100, method="inclusive") if len(xs) > 1 else [xs[0]] * 99
    return {"p50": q[49] * 1000, "p95": q[94] * 1000, "p99": q[98] * 1000, "max": xs[-1] * 1000}


def time_each(fn: Callable[[], object], *, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def report(label: str, stats: dict[str, float], unit: str = "ms") -> None:
    print("   " + label + ": " + ", ".join(f"{k} {v:.2f} {unit}" for k, v in stats.items()), flush=True)
