"""Demo city: load from an empty database, reload with --force (target under 60 s), and the idempotent second run."""

from __future__ import annotations

import time

from benchmarks.common import setup_bench_database


def main() -> None:
    setup_bench_database("bench_demo")
    from django.core.management import call_command

    from layers.demo.service import delete_demo_city, generate_demo_city, load_demo_city
    from layers.models import (
        Building,
        BuildingAssignment,
        Neighbourhood,
        Provider,
        ServiceArea,
        ServiceAreaPart,
        Street,
        StreetAlias,
    )

    delete_demo_city()
    started = time.perf_counter()
    generate_demo_city()
    generate_s = time.perf_counter() - started

    started = time.perf_counter()
    call_command("load_demo_city", verbosity=0)
    fresh_s = time.perf_counter() - started

    started = time.perf_counter()
    call_command("load_demo_city", "--force", verbosity=0)
    force_s = time.perf_counter() - started

    again = load_demo_city()
    rows = {
        "buildings": Building.objects.filter(source="demo").count(),
        "streets": Street.objects.filter(source="demo").count(),
        "aliases": StreetAlias.objects.filter(street__source="demo").count(),
        "neighbourhoods": Neighbourhood.objects.filter(source="demo").count(),
        "providers": Provider.objects.filter(source="demo").count(),
        "areas": ServiceArea.objects.filter(source="demo").count(),
        "area parts": ServiceAreaPart.objects.filter(area__source="demo").count(),
        "assignments": BuildingAssignment.objects.filter(source="demo").count(),
    }
    total = sum(rows.values())
    print(f"   generate in memory (no database): {generate_s:.2f} s", flush=True)
    print(f"   load into an empty database: {fresh_s:.2f} s for {total} rows", flush=True)
    print(f"   reload with --force (delete + generate + write): {force_s:.2f} s", flush=True)
    print("   rows: " + ", ".join(f"{k} {v}" for k, v in rows.items()), flush=True)
    print(f"   second run (already loaded, nothing written): {again.seconds * 1000:.1f} ms", flush=True)
