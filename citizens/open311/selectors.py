"""Read side of Open311: services, service definitions, requests, tokens and status updates.

Every function returns plain dicts in GeoReport v2 field order, the same for JSON and XML (formats.py
renders them). Public output only, as on the public map: public categories, the appeal number, status,
dates, the provider responsible, the building's address and point. Never a name, phone, e-mail, flat or
the resident's own text (address_text and description may hold them). Position and address follow the
public map's one rule (appeals.precision): private houses and buildings with fewer than
PUBLIC_EXACT_MIN_FLATS flats at street level (the street's name, a point on its axis), pins on a 100 m
grid.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection

from appeals import precision
from appeals.models import OPEN_STATUSES, Status
from gis.db import fetch_prepared

KYIV = ZoneInfo("Europe/Kyiv")
MAX_SPAN = dt.timedelta(days=90)  # the spec's longest start_date..end_date
MAX_ROWS = 1000  # the spec's default and our ceiling of one page
UPDATES_DEFAULT_SPAN = dt.timedelta(hours=24)
_OPEN = frozenset(s.value for s in OPEN_STATUSES)
_LABELS = {s.value: str(s.label) for s in Status}

# Our statuses in the update extension FixMyStreet reads (it maps these names to its own states).
UPDATE_STATUS = {
    Status.REGISTERED: "open", Status.SENT: "open", Status.ACCEPTED: "action_scheduled",
    Status.REJECTED: "open", Status.IN_PROGRESS: "in_progress", Status.RESOLVED: "fixed",
    Status.CONFIRMED: "fixed", Status.REOPENED: "open", Status.CLOSED: "closed",
    Status.CANCELLED: "closed", Status.DUPLICATE: "duplicate",
}


def w3c(value: dt.datetime | None) -> str | None:
    """A W3C datetime in Kyiv time with its offset, to the second.

    >>> w3c(dt.datetime(2026, 12, 3, 10, 0, 5, 123, tzinfo=dt.timezone.utc))
    '2026-12-03T12:00:05+02:00'
    """
    return value.astimezone(KYIV).isoformat(timespec="seconds") if value is not None else None


def public_status(status: str) -> str:
    """open or closed, as GeoReport v2 knows only these two.

    >>> public_status("in_progress"), public_status("resolved")
    ('open', 'closed')
    """
    return "open" if status in _OPEN else "closed"


# --- services ------------------------------------------------------------------------------------

_PUBLIC_CATEGORY = "c.is_public AND NOT c.is_consultation"

_SERVICES_SQL = f"""
SELECT c.hint, c.code, c.name_uk, c.name_ru, c.is_emergency,
       (SELECT string_agg(k.name_uk, ', ' ORDER BY k.name_uk)
          FROM layers_category_service_kinds AS ck JOIN layers_servicekind AS k ON k.code = ck.servicekind_id
         WHERE ck.category_id = c.id) AS kinds,
       EXISTS (SELECT 1 FROM open311_serviceattribute AS a WHERE a.category_id = c.id) AS metadata
FROM layers_category AS c
WHERE {_PUBLIC_CATEGORY} AND (%(code)s::text IS NULL OR c.code = %(code)s)
ORDER BY c.sort_order, c.name_uk
"""


def _service(row: tuple) -> dict:
    hint, code, name, name_ru, emergency, kinds, metadata = row
    keywords = [w for w in (name_ru, kinds, "аварійна" if emergency else "") if w]
    return {
        "service_code": code,
        "service_name": name,
        "description": hint or name,
        "metadata": bool(metadata),
        "type": "realtime",
        "keywords": ", ".join(keywords),
        "group": (kinds or "інше").split(", ")[0].capitalize(),
    }


def services() -> list[dict]:
    """Every public category as a GeoReport v2 service."""
    with connection.cursor() as cur:
        cur.execute(_SERVICES_SQL, {"code": None})
        rows = cur.fetchall()
    return [_service(r) for r in rows]


def service(*, code: str) -> dict | None:
    with connection.cursor() as cur:
        cur.execute(_SERVICES_SQL, {"code": code})
        row = cur.fetchone()
    return _service(row) if row else None


def service_definition(*, code: str) -> dict | None:
    """The attributes (extra questions) of a public category, or None when there is no such service."""
    from citizens.open311.models import ServiceAttribute

    if service(code=code) is None:
        return None
    attrs = ServiceAttribute.objects.filter(category__code=code).order_by("order", "code")
    return {
        "service_code": code,
        "attributes": [
            {"variable": True, "code": a.code, "datatype": a.datatype, "required": a.required,
             "datatype_description": a.datatype_description or None, "order": a.order,
             "description": a.description,
             "values": [{"key": str(v["key"]), "name": v["name"]} for v in a.values or []]}
            for a in attrs
        ],
    }


def changeset() -> dt.datetime | None:
    """When the services or their definitions last changed (discovery's changeset)."""
    with connection.cursor() as cur:
        cur.execute("SELECT max(updated_at) FROM open311_serviceattribute")
        return cur.fetchone()[0]


# --- requests ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RequestQuery:
    """A validated GET requests query (the view parses and checks the parameters)."""

    numbers: tuple[str, ...] = ()  # service_request_id list: overrides every other filter
    codes: tuple[str, ...] = ()
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    statuses: tuple[str, ...] = ()  # "open" / "closed"
    page: int = 1
    page_size: int = MAX_ROWS


def _w3c(column: str) -> str:
    """A timestamptz as W3C text in Kyiv time with its offset (+02:00 or +03:00: Kyiv is always east of
    UTC), made by PostgreSQL: parsing and formatting 3,000 datetimes a page in Python costs more."""
    local = f"({column} AT TIME ZONE 'Europe/Kyiv')"
    return (f"""(to_char({local}, 'YYYY-MM-DD"T"HH24:MI:SS') || '+' || """
            f"""to_char({local} - ({column} AT TIME ZONE 'UTC'), 'HH24:MI'))""")


# One page of appeal ids first (index order, no projections for the rows skipped by OFFSET), then their
# public columns, the approved photo among them (an ORM lookup of 1,000 numbers costs more than the page).
# The providers' names come with each row (a few index lookups a row): one round trip for the whole answer,
# which is what counts on the small requests (one appeal, a page of ten).
def _request_sql(where: str) -> str:
    return f"""
WITH page AS (
    SELECT a.id, a.created_at
    FROM appeals_appeal AS a
    JOIN layers_category AS c ON c.id = a.category_id AND {_PUBLIC_CATEGORY}
    WHERE {where} AND {_released_sql()}
    ORDER BY a.created_at DESC, a.id DESC
    LIMIT %(limit)s OFFSET %(offset)s
)
SELECT a.number, a.status, c.code, c.name_uk, {_w3c("a.created_at")}, {_w3c("a.updated_at")}, {_w3c("a.deadline")}, b.id,
       (b.id IS NULL OR NOT {precision.exact_sql("b")}) AS private,
       coalesce(s.street_type || ' ' || s.name, ''), coalesce(b.housenumber, ''),
       ST_X(p.pos), ST_Y(p.pos),
       ARRAY(SELECT pr.name FROM appeals_appealroute AS r JOIN layers_provider AS pr ON pr.id = r.provider_id
             WHERE r.appeal_id = a.id AND r.active ORDER BY r.id),
       -- only a photo a dispatcher approved is public
       (SELECT ph.id FROM appeals_appealphoto AS ph WHERE ph.appeal_id = a.id AND ph.approved
        ORDER BY ph.id LIMIT 1)
FROM page
JOIN appeals_appeal AS a ON a.id = page.id
JOIN layers_category AS c ON c.id = a.category_id
LEFT JOIN layers_building AS b ON b.id = a.building_id
LEFT JOIN layers_street AS s ON s.id = b.street_id
CROSS JOIN LATERAL (SELECT {precision.position_sql(b="b", street_geom="s.geom", pin="a.point")} AS pos) AS p
ORDER BY page.created_at DESC, page.id DESC
"""


def _released_sql() -> str:
    """What Open311 publishes of an appeal: filed within the public window (%(floor)s, see public_floor) and,
    when filed online into a category held for a dispatcher's check, checked (an Open311 client follows its
    token meanwhile)."""
    return "a.created_at >= %(floor)s AND NOT (a.needs_review AND c.online_review_required)"


def public_floor(now: dt.datetime) -> dt.datetime:
    """The oldest appeal Open311 answers for: the public map's window (PUBLIC_MAP_WINDOW_DAYS, 90 days by
    default), the same rule as /track/ without the code. Older appeals are archive: their numbers answer
    404 and lists stop at the window, so the public API publishes no more than the public map."""
    return now - dt.timedelta(days=int(getattr(settings, "PUBLIC_MAP_WINDOW_DAYS", 90)))


def _positions(rows: list[tuple]) -> list[tuple[float, float]]:
    """(lon, lat) per row, to 6 decimals, as appeals.precision placed it (in the query)."""
    return [(round(r[11], 6), round(r[12], 6)) for r in rows]


def _request_rows(rows: list[tuple]) -> list[dict]:
    photo_url = settings.PUBLIC_BASE_URL.rstrip("/") + "/photos/{}.jpg"  # citizens' photo view: approved only
    out = []
    for row, (lon, lat) in zip(rows, _positions(rows), strict=True):
        number, status, code, name, created, updated, deadline, building_id, private, street, housenumber = row[:11]
        if private:
            address = street
        else:
            address = f"{street}, {housenumber}" if street else housenumber
        out.append({
            "service_request_id": number,
            "status": public_status(status),
            "status_notes": _LABELS.get(status, status),
            "service_name": name,
            "service_code": code,
            "description": None,  # the resident's own text is never published (it may name people)
            "agency_responsible": "; ".join(dict.fromkeys(row[13])) or None,
            "service_notice": None,
            "requested_datetime": created,
            "updated_datetime": updated,
            "expected_datetime": deadline,
            "address": address or None,
            "address_id": None if private or building_id is None else str(building_id),
            "zipcode": None,
            "lat": lat,
            "long": lon,
            "media_url": photo_url.format(row[14]) if row[14] else None,
        })
    return out


def _fetch(sql: str, params: dict) -> list[tuple]:
    params = {"limit": MAX_ROWS, "offset": 0, **params}  # every caller gives its public floor
    # One statement, no transaction around it, prepared once per connection (planning a statement of this
    # size costs more than running it for one appeal or a page of ten): each round trip counts on the small
    # requests.
    return fetch_prepared(sql, params)


def requests(*, query: RequestQuery, now: dt.datetime) -> list[dict]:
    """GET requests: newest first, at most one page of at most 1,000 rows."""
    if query.numbers:
        rows = _fetch(_request_sql("a.number = ANY(%(numbers)s)"),
                      {"numbers": list(query.numbers), "floor": public_floor(now)})
    else:
        end = query.end or now
        start = query.start or (end - MAX_SPAN)
        where = ["a.created_at >= %(t0)s", "a.created_at <= %(t1)s"]
        params: dict = {"t0": max(start, public_floor(now)), "t1": end, "floor": public_floor(now),
                        "limit": query.page_size, "offset": (query.page - 1) * query.page_size}
        if query.codes:
            where.append("c.code = ANY(%(codes)s)")
            params["codes"] = list(query.codes)
        if set(query.statuses) == {"open"}:
            where.append("a.status = ANY(%(open)s)")
            params["open"] = sorted(_OPEN)
        elif set(query.statuses) == {"closed"}:
            where.append("NOT (a.status = ANY(%(open)s))")
            params["open"] = sorted(_OPEN)
        rows = _fetch(_request_sql(" AND ".join(where)), params)
    return _request_rows(rows)


def request(*, number: str, now: dt.datetime) -> dict | None:
    rows = _fetch(_request_sql("a.number = %(number)s"), {"number": number, "floor": public_floor(now)})
    return _request_rows(rows)[0] if rows else None


# --- tokens and updates --------------------------------------------------------------------------

def token(*, token: str) -> dict | None:
    """The token of a held request: its service_request_id once a dispatcher released it, else none yet."""
    with connection.cursor() as cur:
        cur.execute("SELECT a.number, a.needs_review AND c.online_review_required FROM open311_submission AS s "
                    "JOIN appeals_appeal AS a ON a.id = s.appeal_id JOIN layers_category AS c ON c.id = a.category_id "
                    "WHERE s.token = %s", [token])
        row = cur.fetchone()
    if row is None:
        return None
    number, held = row
    return {"service_request_id": None if held else number, "token": token}


_UPDATES_SQL = f"""
SELECT e.id, a.number, e.action, e.to_status, {_w3c("e.at")}
FROM appeals_appealevent AS e
JOIN appeals_appeal AS a ON a.id = e.appeal_id
JOIN layers_category AS c ON c.id = a.category_id AND {_PUBLIC_CATEGORY}
WHERE e.at >= %(t0)s AND e.at <= %(t1)s AND (e.action = 'created' OR (e.action = 'status' AND e.to_status <> ''))
  AND {_released_sql()}
ORDER BY e.at, e.id
LIMIT %(limit)s OFFSET %(offset)s
"""


def updates(*, start: dt.datetime, end: dt.datetime, now: dt.datetime, page: int = 1,
            page_size: int = MAX_ROWS) -> list[dict]:
    """Status changes of public appeals between start and end, oldest first (FixMyStreet's extension); only
    of appeals within the public window, as the requests themselves.

    The description is the status in words, never a note someone typed.
    """
    rows = _fetch(_UPDATES_SQL, {"t0": start, "t1": end, "floor": public_floor(now), "limit": page_size,
                                 "offset": (page - 1) * page_size})
    out = []
    for event_id, number, _action, to_status, at in rows:
        status = to_status or Status.REGISTERED
        out.append({
            "update_id": str(event_id),
            "service_request_id": number,
            "status": UPDATE_STATUS.get(status, "open"),
            "external_status_code": status,
            "updated_datetime": at,
            "description": _LABELS.get(status, status),
            "media_url": None,
        })
    return out
