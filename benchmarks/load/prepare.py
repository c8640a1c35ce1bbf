"""What the load test's clients need, written to one JSON file (the "plan") for benchmarks/load/locustfile.py.

    DATABASE_URL=... .venv/bin/python benchmarks/load/prepare.py var/loadtest/plan.json

Made in the served database, idempotently (run again, it reuses the accounts and makes a new Open311 key):
- a dispatcher `loadtest-dispatcher` (with an API token for phone intake) and a provider operator
  `loadtest-operator` of the provider holding the most appeals, each with a fresh random password;
- an Open311 API key `loadtest-<time>` without a rate of its own (OPEN311_RATE_LIMIT_PER_MINUTE applies);
- places in the city: buildings spread over the whole registry (id, lon/lat, address as a dispatcher types it);
- the categories: phone intake takes any that is not a consultation, residents and Open311 the public
  ones that are routed at once, so the load files what a real evening does;
- numbers of appeals the public map shows (for /track/ and the public card) and of recent appeals (cards,
  search), and phones that called (the dispatcher's phone panel).
The file holds the passwords and the key: it is written with mode 600 and lives under var/.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLACES = int(os.environ.get("LOADTEST_PLACES", "3000"))
# Every appeal the load files starts its description so (locustfile.py): left out of the history's figures.
LOAD_MARK = "Навантажувальний тест"
# What appeals.services.resolve_place files without asking the dispatcher to pick a house.
SURE_MATCHES = ("exact", "alias", "fuzzy")


def prepare() -> dict:
    """Make the accounts and the key, sample the data; return the plan (a dict that json.dumps takes)."""
    from django.contrib.auth.models import User
    from django.db import connection, transaction
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from appeals import roles, workflow
    from appeals.models import Appeal, StaffProfile
    from citizens.open311 import keys
    from citizens.open311.models import ServiceAttribute
    from layers.models import Building, Category, Provider

    with transaction.atomic():
        groups = roles.ensure_groups()
        accounts = {}
        for username, role in (("loadtest-dispatcher", workflow.DISPATCHER),
                               ("loadtest-operator", workflow.PROVIDER_OPERATOR)):
            user, _ = User.objects.get_or_create(username=username)
            password = secrets.token_urlsafe(18)
            user.set_password(password)
            user.is_active = True
            user.save()
            user.groups.set([groups[role]])
            accounts[role] = {"username": username, "password": password, "user": user}
        with connection.cursor() as cur:
            cur.execute("SELECT provider_id FROM appeals_appealroute GROUP BY provider_id ORDER BY count(*) DESC "
                        "LIMIT 1")
            row = cur.fetchone()
        provider = Provider.objects.filter(pk=row[0]).first() if row else Provider.objects.order_by("id").first()
        StaffProfile.objects.update_or_create(user=accounts[workflow.PROVIDER_OPERATOR]["user"],
                                              defaults={"provider": provider, "supervised_kinds": []})
        token, _ = Token.objects.get_or_create(user=accounts[workflow.DISPATCHER]["user"])
        open311_key = keys.create_key(name=f"loadtest-{int(time.time() * 1000)}", note="make loadtest").key

    # Places: every n-th building by id, so the sample covers the whole city and not one street.
    step = max(1, Building.objects.count() // PLACES)
    places = []
    ids = list(Building.objects.order_by("id").values_list("id", flat=True))[::step][:PLACES]
    from geocoding import services as geocoding

    for b in Building.objects.select_related("street").filter(pk__in=ids).order_by("id"):
        # A dispatcher types the address only where it names one house: the same street and number in two
        # villages is answered "not unambiguous" (the dispatcher then picks one), which is not a failure.
        address = b.address if b.street_id else ""
        if address:
            found = geocoding.geocode(query=address, limit=1)
            if not (found and found[0].building_id == b.pk and found[0].match in SURE_MATCHES):
                address = ""
        places.append({"building": b.pk, "lon": round(b.point.x, 7), "lat": round(b.point.y, 7),
                       "address": address})
    intake = list(Category.objects.filter(is_consultation=False).values_list("code", flat=True))
    public = list(Category.objects.filter(is_public=True, is_consultation=False, online_review_required=False)
                  .order_by("id").values("id", "code"))
    # Open311 clients answer each category's extra questions (a required one unanswered is a 400): answers a
    # client would send, per datatype.
    since = (timezone.now() - timezone.timedelta(hours=2)).isoformat(timespec="seconds")
    by_type = {"number": ["1", "2", "5"], "datetime": [since], "string": ["так"], "text": ["Навантажувальний тест"]}
    for category in public:
        category["attributes"] = {
            a.code: [v["key"] for v in a.values] if a.values else by_type.get(a.datatype, ["1"])
            for a in ServiceAttribute.objects.filter(category_id=category["id"])}
    now = timezone.now()
    from webmap import selectors as map_selectors

    window = now - timezone.timedelta(days=map_selectors.public_window_days())
    public_numbers = list(Appeal.objects.filter(category__is_public=True, created_at__gte=window)
                          .order_by("?").values_list("number", flat=True)[:2000])
    recent = list(Appeal.objects.filter(created_at__gte=now - timezone.timedelta(days=30))
                  .order_by("-created_at").values_list("number", flat=True)[:2000])
    phones = list(Appeal.objects.exclude(applicant_phone="").filter(created_at__gte=now - timezone.timedelta(days=60))
                  .order_by("-created_at").values_list("applicant_phone", flat=True)[:2000])
    # How much busier the busiest hour of the history is than its average hour (seasons, outages, evenings):
    # the factor that turns a year's volume into a peak-hour rate in the report.
    with connection.cursor() as cur:
        cur.execute("SELECT max(n), sum(n), extract(epoch FROM max(h) - min(h)) / 3600 + 1 FROM "
                    "(SELECT date_trunc('hour', created_at) AS h, count(*) AS n FROM appeals_appeal "
                    "WHERE description NOT LIKE %s GROUP BY 1) AS x", [LOAD_MARK + "%"])
        busiest, total_rows, hours = cur.fetchone()
    peak_factor = float(busiest) / (float(total_rows) / float(hours)) if busiest else None
    streets = sorted({p["address"].split(",")[0] for p in places if p["address"]})
    return {
        "made_at": now.isoformat(),
        "appeals": Appeal.objects.count(),
        "history_hours": float(hours or 0), "busiest_hour_appeals": int(busiest or 0),
        "peak_hour_factor": peak_factor,
        "dispatcher": {k: accounts[workflow.DISPATCHER][k] for k in ("username", "password")} | {"token": token.key},
        "operator": {k: accounts[workflow.PROVIDER_OPERATOR][k] for k in ("username", "password")},
        "open311_key": open311_key,
        "places": places,
        "intake_categories": intake,
        "public_categories": public,
        "public_numbers": public_numbers or recent,
        "recent_numbers": recent,
        "phones": sorted(set(phones)),
        "streets": streets,
        "providers": list(Provider.objects.order_by("id").values_list("id", flat=True)[:200]),
    }


def write(plan: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(plan, f, ensure_ascii=False)


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: prepare.py PLAN.json")
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis.settings")
    import django

    django.setup()
    plan = prepare()
    write(plan, Path(sys.argv[1]))
    print(f"plan: {plan['appeals']:,} appeals, {len(plan['places'])} places, {len(plan['public_numbers'])} public "
          f"numbers, {len(plan['phones'])} phones → {sys.argv[1]}", flush=True)


if __name__ == "__main__":
    main()
