"""Appeals with a million in the database: intake, provider journal, search by number and phone, escalation sweep.

In the bench database (benchmarks.common.setup_bench_database()) with the demo city and
`generate_appeals --count 1000000` (ECITY_BENCH_APPEALS to change it). The generated set is kept and
reused by later runs; the time to generate it is printed when it is made.

Targets (issue 5): intake (geocode + route + create) p95 ≤ 150 ms; a provider journal page p95 ≤ 300 ms;
search by number or phone p95 ≤ 50 ms; the escalation sweep ≤ 5 s.

    .venv/bin/python benchmarks/run.py bench_appeals
"""

from __future__ import annotations

import os
import random
import time
import uuid

from benchmarks.common import percentiles, report, setup_bench_database, time_each

TARGET = int(os.environ.get("ECITY_BENCH_APPEALS", "1000000"))
REPEAT = int(os.environ.get("ECITY_BENCH_REPEAT", "200"))
WARM_UP = 5  # untimed runs first: caches, prepared statements, in-memory indexes


def _prepare() -> int:
    """The demo city and the generated million, made once and kept."""
    from django.core.management import call_command
    from django.db import IntegrityError, transaction
    from django.db.models import ProtectedError

    from appeals.demo import history
    from appeals.models import Appeal

    try:
        call_command("load_demo_city", verbosity=0)
    except (ProtectedError, IntegrityError):
        # A newer demo city replaces the old one, whose buildings the old history still points at.
        print("   the demo city changed: emptying the appeal tables and loading it again", flush=True)
        with transaction.atomic():
            history.clear_appeal_tables()
        call_command("load_demo_city", verbosity=0)
    count = Appeal.objects.count()
    if count >= TARGET and history.has_generated():
        print(f"   reusing the generated history: {count} appeals", flush=True)
        return count
    print(f"   generating {TARGET} appeals (kept for later runs)...", flush=True)
    # Only the demo city's buildings: other benchmarks import (and delete) buildings of their own here.
    result = history.generate_history(count=TARGET, replace=True, source="demo",
                                      log=lambda m: print("   " + m, flush=True))
    c = result.counters
    print(f"   generated {c.appeals} appeals, {c.calls} calls, {c.routes} routes, {c.history} history events "
          f"in {result.seconds:.0f} s ({c.appeals / result.seconds:,.0f} appeals/s)", flush=True)
    return Appeal.objects.count()


def _user(name: str, role: str, **profile):
    from django.contrib.auth.models import Group, User

    from appeals.models import StaffProfile

    u, _ = User.objects.get_or_create(username=f"bench_appeals_{name}")
    u.groups.set([Group.objects.get_or_create(name=role)[0]])
    if profile:
        StaffProfile.objects.update_or_create(user=u, defaults=profile)
    return u


def _busiest_provider():
    from django.db.models import Count

    from appeals.models import OPEN_STATUSES, AppealRoute
    from layers.models import Provider

    row = (AppealRoute.objects.filter(active=True, appeal__status__in=OPEN_STATUSES).values("provider")
           .annotate(n=Count("id")).order_by("-n").first())
    return Provider.objects.get(pk=row["provider"]), row["n"]


def _sample(column: str, n: int) -> list[str]:
    from django.db import connection
    from psycopg import sql

    with connection.cursor() as cur:
        cur.execute(sql.SQL("SELECT {} FROM appeals_appeal TABLESAMPLE SYSTEM (1) WHERE {} <> '' LIMIT %s").format(
            sql.Identifier(column), sql.Identifier(column)), [n])
        return [r[0] for r in cur.fetchall()]


def bench_intake(dispatcher) -> None:
    from appeals import services
    from appeals.demo.history import mobile_phone
    from appeals.errors import AppealError
    from layers.models import Building, Category

    rng = random.Random(1505)
    categories = list(Category.objects.filter(is_consultation=False, code__in=[
        "no_cold_water", "no_power", "flat_leak", "roof_leak", "sewage", "garbage"]))
    buildings = list(Building.objects.filter(source="demo", street__isnull=False, kind="apartment").select_related("street")
                     .order_by("id")[::20])
    failures: dict[str, int] = {}
    samples = []
    for i in range(REPEAT + WARM_UP):
        b = rng.choice(buildings)
        kwargs = {"dispatcher": dispatcher, "category": rng.choice(categories), "phone": mobile_phone(rng),
                  "address_text": b.address, "flat": str(rng.randint(1, 60)), "description": "бенчмарк",
                  "applicant_name": "Бенчмарк", "idempotency_key": uuid.uuid4().hex}
        t = time.perf_counter()
        try:
            services.register_intake(**kwargs)
        except AppealError as exc:
            failures[type(exc).__name__] = failures.get(type(exc).__name__, 0) + 1
            continue
        if i >= WARM_UP:  # the first ones build the geocoder's and the router's in-memory indexes
            samples.append(time.perf_counter() - t)
    report(f"intake: register_intake by typed address (geocode + route + create), n={len(samples)}; target p95 ≤ 150",
           percentiles(samples))
    if failures:
        print(f"   intake refusals (not timed): {failures}", flush=True)


def bench_journal(operator, provider, held: int) -> None:
    from django.test import Client

    from appeals.selectors import provider_journal

    print(f"   journal of «{provider}» ({provider.get_kind_display()}): {held} open appeals held", flush=True)
    for _ in range(WARM_UP):
        list(provider_journal(user=operator)[:50])
    report("journal selector: first page of 50 (query + rows)",
           percentiles(time_each(lambda: list(provider_journal(user=operator)[:50]), repeat=REPEAT)))
    client = Client()
    client.force_login(operator)
    response = client.get("/journal/")
    if response.status_code != 200:
        print(f"   /journal/ answered {response.status_code}: page not measured", flush=True)
        return
    for label, urls in (
        ("open appeals, nearest deadline first (the default)", ["/journal/", "/journal/?page=2"]),
        ("overdue only", ["/journal/?deadline=overdue"]),
        ("whole history, newest first (status=all)", ["/journal/?status=all", "/journal/?status=all&page=5"]),
    ):
        rng = random.Random(7)

        def page(urls=urls, rng=rng) -> None:
            r = client.get(rng.choice(urls))
            assert r.status_code == 200, r.status_code

        for _ in range(WARM_UP):
            page()
        report(f"journal page /journal/, {label} (Django client: session, role, selector, template); "
               f"target p95 ≤ 300", percentiles(time_each(page, repeat=max(REPEAT // 2, 1))))


def bench_search(dispatcher) -> None:
    from appeals.selectors import SearchFilters, search_appeals

    numbers = _sample("number", REPEAT)
    phones = _sample("applicant_phone", REPEAT)
    for n, p in zip(numbers[:WARM_UP], phones[:WARM_UP], strict=False):
        list(search_appeals(user=dispatcher, filters=SearchFilters(number=n))[:20])
        list(search_appeals(user=dispatcher, filters=SearchFilters(phone=p))[:20])
    it = iter(numbers * 2)
    report(f"search by number (first page of 20), n={len(numbers)}; target p95 ≤ 50", percentiles(time_each(
        lambda: list(search_appeals(user=dispatcher, filters=SearchFilters(number=next(it)))[:20]), repeat=len(numbers))))
    it2 = iter(phones * 2)
    report(f"search by phone (first page of 20), n={len(phones)}; target p95 ≤ 50", percentiles(time_each(
        lambda: list(search_appeals(user=dispatcher, filters=SearchFilters(phone=next(it2)))[:20]), repeat=len(phones))))


def bench_sweep() -> None:
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from appeals.control import run_escalation_sweep

    samples = []
    for _ in range(5):
        t = time.perf_counter()
        rep = run_escalation_sweep(now=timezone.now())
        samples.append(time.perf_counter() - t)
    report(f"escalation sweep, steady state (every few minutes; last escalated {sum(rep.escalated.values())}); "
           f"target ≤ 5000", percentiles(samples))
    # A backlog: the sweep run as if two days had passed with no sweep at all (rolled back afterwards).
    with transaction.atomic():
        t = time.perf_counter()
        rep = run_escalation_sweep(now=timezone.now() + timedelta(days=2))
        dt = time.perf_counter() - t
        transaction.set_rollback(True)
    print(f"   escalation sweep with a two-day backlog: {dt * 1000:.0f} ms, escalated {rep.escalated} "
          f"(rolled back); target ≤ 5000 ms", flush=True)


def main() -> None:
    setup_bench_database()
    count = _prepare()
    print(f"   appeals in the database: {count}", flush=True)
    dispatcher = _user("dispatcher", "dispatcher")
    provider, held = _busiest_provider()
    operator = _user(f"operator_{provider.pk}", "provider_operator", provider=provider)
    bench_search(dispatcher)
    bench_journal(operator, provider, held)
    bench_sweep()
    bench_intake(dispatcher)


if __name__ == "__main__":
    main()
