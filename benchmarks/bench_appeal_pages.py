"""Staff pages on a big history: dispatcher panels and intake, provider journal, search, control (Django client, in process).

Runs in a database of its own (<bench>_pages) with the demo city and a generated history of
ECITY_BENCH_APPEALS appeals (default 1,000,000; generated once, kept for later runs). Every figure is
a whole request through Django's test client: URL routing, session, role check, selectors, template.

    .venv/bin/python benchmarks/run.py appeal_pages
    ECITY_BENCH_APPEALS=100000 .venv/bin/python benchmarks/run.py appeal_pages
"""

from __future__ import annotations

import os
import random
import time
import uuid

from benchmarks.common import percentiles, report, setup_bench_database, time_each

TARGET = int(os.environ.get("ECITY_BENCH_APPEALS", "1000000"))
# A realistic history of BASE appeals is generated (generate_appeals); older "years" are copies of it,
# shifted back in time and closed, until TARGET is reached: an old city's table is mostly closed appeals.
BASE = min(TARGET, int(os.environ.get("ECITY_BENCH_BASE", "100000")))
REPEAT = int(os.environ.get("ECITY_BENCH_REPEAT", "200"))


def _prepare() -> int:
    from django.core.management import call_command
    from django.db import connection

    from appeals.models import Appeal
    from layers.models import Building

    if not Building.objects.filter(source="demo").exists():
        print("   loading the demo city...", flush=True)
        call_command("load_demo_city", verbosity=0)
    count = Appeal.objects.count()
    if count < TARGET * 0.95:
        print(f"   generating {BASE} appeals, then copies back in time up to {TARGET} (once; kept)...", flush=True)
        started = time.perf_counter()
        call_command("generate_appeals", count=BASE, replace=True, verbosity=0)
        base = Appeal.objects.count()
        copy = 1
        while base * (copy + 1) <= TARGET * 1.01:
            _copy_history(copy)
            copy += 1
        print(f"   prepared in {time.perf_counter() - started:.0f} s", flush=True)
        count = Appeal.objects.count()
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return count


def _columns(model, *, skip: tuple[str, ...] = ("id",)) -> list[str]:
    return [f.column for f in model._meta.concrete_fields if f.column not in skip]


def _copy_history(k: int) -> None:
    """Copy the generated appeals (with their routes and calls) 3*k years back, every copy closed."""
    from django.db import connection, transaction

    from appeals.models import Appeal, AppealRoute, Call

    a_cols = _columns(Appeal)
    shifted = {"created_at", "updated_at", "deadline", "resolved_at", "closed_at", "escalated_at", "last_report_at"}
    select = []
    for col in a_cols:
        if col == "number":
            select.append(f"'c{k}-' || number")
        elif col == "idempotency_key":
            select.append("NULL")
        elif col == "status":
            select.append("CASE WHEN status IN ('closed', 'cancelled') THEN status ELSE 'closed' END")
        elif col == "closed_at":
            select.append("coalesce(closed_at, deadline) - %(shift)s::interval")
        elif col == "control_level":
            select.append("0")
        elif col == "duplicate_of_id":
            select.append("NULL")
        elif col in shifted:
            select.append(f"{col} - %(shift)s::interval")
        else:
            select.append(col)
    r_cols = [c for c in _columns(AppealRoute) if c != "appeal_id"]
    c_cols = [c for c in _columns(Call) if c not in ("appeal_id", "idempotency_key")]
    shift = f"{3 * k} years"
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"INSERT INTO appeals_appeal ({', '.join(a_cols)}) SELECT {', '.join(select)} "
                    f"FROM appeals_appeal WHERE number NOT LIKE 'c%%'", {"shift": shift})
        # Column lists come from the models, never from input; the copy maps old → new by number.
        cur.execute(f"""
            INSERT INTO appeals_appealroute (appeal_id, {', '.join(r_cols)})
            SELECT n.id, {', '.join('r.' + c for c in r_cols).replace('r.created_at', 'r.created_at - %(shift)s::interval')}
            FROM appeals_appealroute r JOIN appeals_appeal o ON o.id = r.appeal_id
            JOIN appeals_appeal n ON n.number = 'c{k}-' || o.number""", {"shift": shift})
        cur.execute(f"""
            INSERT INTO appeals_call (appeal_id, {', '.join(c_cols)})
            SELECT n.id, {', '.join('c.' + c for c in c_cols).replace('c.started_at', 'c.started_at - %(shift)s::interval')}
            FROM appeals_call c JOIN appeals_appeal o ON o.id = c.appeal_id
            JOIN appeals_appeal n ON n.number = 'c{k}-' || o.number""", {"shift": shift})


def _users():
    from django.contrib.auth.models import Group, User
    from django.db.models import Count

    from appeals.models import AppealRoute, StaffProfile
    from layers.models import Provider

    def user(name: str, role: str, **profile):
        u, _ = User.objects.get_or_create(username=f"bench_{name}")
        u.groups.set([Group.objects.get_or_create(name=role)[0]])
        if profile:
            StaffProfile.objects.update_or_create(user=u, defaults=profile)
        return u

    busiest = (AppealRoute.objects.filter(active=True).values("provider").annotate(n=Count("id")).order_by("-n")
               .first())
    provider = Provider.objects.get(pk=busiest["provider"])
    return {
        "dispatcher": user("dispatcher", "dispatcher"),
        "operator": user("operator", "provider_operator", provider=provider),
        "supervisor": user("supervisor", "supervisor"),
        "provider": provider,
    }


def _client(user):
    from django.test import Client

    c = Client()
    c.force_login(user)
    return c


def _check(response, status: int = 200):
    if response.status_code != status:
        raise RuntimeError(f"{response.request['PATH_INFO']}: HTTP {response.status_code}")
    return response


def main() -> None:
    setup_bench_database("bench_pages")
    count = _prepare()
    from django.urls import reverse

    from appeals.models import Appeal, Call
    from layers.models import Building, Category

    rng = random.Random(5)
    users = _users()
    disp, oper, sup = (_client(users[k]) for k in ("dispatcher", "operator", "supervisor"))
    print(f"   {count} appeals, {Call.objects.count()} calls; operator of «{users['provider']}» "
          f"({Appeal.objects.filter(routes__provider=users['provider'], routes__active=True).count()} appeals)",
          flush=True)

    building_ids = list(Building.objects.filter(source="demo").values_list("id", flat=True))
    categories = list(Category.objects.filter(is_consultation=False).values_list("id", flat=True))
    max_id = Appeal.objects.order_by("-id").values_list("id", flat=True).first()
    sample_ids = [rng.randint(1, max_id) for _ in range(REPEAT * 2)]
    sample = list(Appeal.objects.filter(id__in=sample_ids).values_list("number", "applicant_phone")[:REPEAT])
    numbers = [n for n, _ in sample]
    phones = [p for _, p in sample if p]

    def pick(xs):
        return xs[rng.randrange(len(xs))]

    def run(label, fn, repeat=REPEAT):
        fn()  # warm up (gazetteer index, template caches)
        report(label, percentiles(time_each(fn, repeat=repeat)))

    run("GET /dispatch/ (empty form)", lambda: _check(disp.get(reverse("dispatch"))))
    run("building panel (providers, open and nearby appeals)",
        lambda: _check(disp.get(reverse("dispatch-building"), {"building": pick(building_ids)})))
    run("category preview (route, deadline, duplicates)",
        lambda: _check(disp.get(reverse("dispatch-preview"),
                                {"building": pick(building_ids), "category": pick(categories)})))
    run("phone panel (earlier calls and appeals)",
        lambda: _check(disp.get(reverse("dispatch-phone"), {"phone": pick(phones)})))

    def save():
        data = {"phone": f"050{rng.randrange(10_000_000):07d}", "building": pick(building_ids),
                "category": pick(categories), "outcome": "new_appeal", "description": "бенчмарк",
                "idempotency_key": uuid.uuid4().hex}
        _check(disp.post(reverse("dispatch"), data), 302)

    run("POST /dispatch/ (intake: route + create, then redirect)", save, repeat=max(REPEAT // 2, 20))
    run("search page by number", lambda: _check(disp.get(reverse("dispatch-search"), {"number": pick(numbers)})))
    run("search page by phone", lambda: _check(disp.get(reverse("dispatch-search"), {"phone": pick(phones)})))
    run("appeal card (history, routes, actions)",
        lambda: _check(disp.get(reverse("appeal-detail", args=[pick(numbers)]))))
    filters = [{}, {"deadline": "overdue"}, {"status": "all"}, {"status": "all", "page": "20"},
               {"category": pick(categories)}, {"deadline": "today"}]
    run("journal page of the busiest provider (filters rotate)",
        lambda: _check(oper.get(reverse("journal"), pick(filters))))
    run("control page (escalation queue, summary)", lambda: _check(sup.get(reverse("control"))),
        repeat=max(REPEAT // 4, 10))
