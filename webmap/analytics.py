"""The analysts' numbers: heat frames, incidents, choropleths, repeat addresses (reads only).

Analysts see every category but never personal data: addresses are buildings from the registry,
never the appeal's flat, applicant or free text.
"""

from __future__ import annotations

import datetime as dt
import json

from django.utils import timezone

from gis.replica import read_connection
from gis.srid import METRIC_SRID
from outages import detection as inc
from webmap.clusters import MAX_FEATURES

_POSITION = "coalesce(b.point, ST_Transform(ST_SnapToGrid(ST_Transform(a.point, 32637), 100), 4326))"


def _bounds(since: dt.date, until: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (dt.datetime.combine(since, dt.time.min, tzinfo=tz),
            dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=tz))


def heat_frames(*, since: dt.date, until: dt.date, category_codes: list[str], step: str = "day") -> list[dict]:
    """Heat points per time step: [{start, points: [[lat, lon, weight], ...]}], weight = appeals at the building.

    ``step`` is "day" or "week" (weeks start on Monday, Kyiv time). At most MAX_FEATURES points per frame:
    the heaviest buildings first.
    """
    if step not in {"day", "week"}:
        raise ValueError("step must be day or week")
    t0, t1 = _bounds(since, until)
    sql = f"""
        WITH pts AS (
            SELECT date_trunc(%(step)s, a.created_at AT TIME ZONE 'Europe/Kyiv')::date AS frame,
                   ST_Y({_POSITION}) AS lat, ST_X({_POSITION}) AS lon, count(*) AS n
            FROM appeals_appeal AS a
            JOIN layers_category AS c ON c.id = a.category_id
            LEFT JOIN layers_building AS b ON b.id = a.building_id
            WHERE a.created_at >= %(t0)s AND a.created_at < %(t1)s AND (%(all)s OR c.code = ANY(%(codes)s))
            GROUP BY 1, 2, 3
        ), ranked AS (
            SELECT *, row_number() OVER (PARTITION BY frame ORDER BY n DESC, lat, lon) AS rank,
                   sum(n) OVER (PARTITION BY frame) AS frame_appeals FROM pts
        )
        SELECT frame, json_agg(json_build_array(round(lat::numeric, 6), round(lon::numeric, 6), n) ORDER BY n DESC)::text,
               max(frame_appeals)::int
        FROM ranked WHERE rank <= %(cap)s GROUP BY frame ORDER BY frame
    """
    with read_connection().cursor() as cur:
        cur.execute(sql, {"step": step, "t0": t0, "t1": t1, "all": not category_codes, "codes": category_codes,
                          "cap": MAX_FEATURES})
        return [{"start": frame.isoformat(), "points": json.loads(points), "appeals": appeals}
                for frame, points, appeals in cur.fetchall()]


def category_trend(*, since: dt.date, until: dt.date, category_codes: list[str], step: str = "week") -> dict:
    """Appeals per category and time step (Kyiv days or Monday weeks), every step present (zeros kept).

    {"step", "starts": [iso dates], "categories": [{"code", "name", "total", "counts": [...]}]},
    biggest category first.
    """
    if step not in {"day", "week"}:
        raise ValueError("step must be day or week")
    t0, t1 = _bounds(since, until)
    sql = """
        SELECT c.code, c.name_uk, date_trunc(%(step)s, a.created_at AT TIME ZONE 'Europe/Kyiv')::date AS frame,
               count(*)
        FROM appeals_appeal AS a JOIN layers_category AS c ON c.id = a.category_id
        WHERE a.created_at >= %(t0)s AND a.created_at < %(t1)s AND (%(all)s OR c.code = ANY(%(codes)s))
        GROUP BY 1, 2, 3
    """
    with read_connection().cursor() as cur:
        cur.execute(sql, {"step": step, "t0": t0, "t1": t1, "all": not category_codes, "codes": category_codes})
        rows = cur.fetchall()
    first = since - dt.timedelta(days=since.weekday()) if step == "week" else since
    starts: list[dt.date] = []
    day = first
    while day <= until:
        starts.append(day)
        day += dt.timedelta(days=7 if step == "week" else 1)
    index = {d: i for i, d in enumerate(starts)}
    by_code: dict[str, dict] = {}
    for code, name, frame, n in rows:
        entry = by_code.setdefault(code, {"code": code, "name": name, "total": 0, "counts": [0] * len(starts)})
        if frame in index:
            entry["counts"][index[frame]] += n
        entry["total"] += n
    categories = sorted(by_code.values(), key=lambda e: (-e["total"], e["name"]))
    return {"step": step, "starts": [d.isoformat() for d in starts], "categories": categories}


def heat_points(*, since: dt.date, until: dt.date, category_codes: list[str]) -> list[list[float]]:
    """The whole period in one frame: [[lat, lon, weight], ...] (heaviest first, at most MAX_FEATURES)."""
    t0, t1 = _bounds(since, until)
    sql = f"""
        SELECT round(ST_Y(p)::numeric, 6)::float, round(ST_X(p)::numeric, 6)::float, n FROM (
            SELECT {_POSITION} AS p, count(*) AS n
            FROM appeals_appeal AS a JOIN layers_category AS c ON c.id = a.category_id
            LEFT JOIN layers_building AS b ON b.id = a.building_id
            WHERE a.created_at >= %(t0)s AND a.created_at < %(t1)s AND (%(all)s OR c.code = ANY(%(codes)s))
            GROUP BY 1 ORDER BY 2 DESC LIMIT %(cap)s) AS q
    """
    with read_connection().cursor() as cur:
        cur.execute(sql, {"t0": t0, "t1": t1, "all": not category_codes, "codes": category_codes, "cap": MAX_FEATURES})
        return [list(r) for r in cur.fetchall()]


def find_incidents(*, since: dt.date, until: dt.date, category_codes: list[str], eps_m: float = inc.DEFAULT_EPS_M,
                   window_hours: float = inc.DEFAULT_WINDOW_HOURS,
                   min_buildings: int = inc.DEFAULT_MIN_BUILDINGS) -> dict:
    """Incidents in the period as GeoJSON (extent polygons in 4326): category, count, buildings, start, end, numbers.

    The rule is outages.detection's, the very one live detection applies at intake.
    """
    t0, t1 = _bounds(since, until)
    sql = f"""
        SELECT a.id, a.number, c.code, ST_X(m), ST_Y(m), extract(epoch FROM a.created_at) / 3600.0, a.building_id
        FROM appeals_appeal AS a JOIN layers_category AS c ON c.id = a.category_id
        LEFT JOIN layers_building AS b ON b.id = a.building_id
        CROSS JOIN LATERAL (SELECT ST_Transform({_POSITION}, {METRIC_SRID}) AS m) AS q
        WHERE a.created_at >= %(t0)s AND a.created_at < %(t1)s AND (%(all)s OR c.code = ANY(%(codes)s))
    """
    with read_connection().cursor() as cur:
        cur.execute(sql, {"t0": t0, "t1": t1, "all": not category_codes, "codes": category_codes})
        rows = cur.fetchall()
    numbers = {r[0]: r[1] for r in rows}
    points = [inc.AppealPoint(id=r[0], category=r[2], x=r[3], y=r[4], t=float(r[5]), building_id=r[6]) for r in rows]
    found = inc.find_incidents(points, eps_m=eps_m, window_hours=window_hours, min_buildings=min_buildings)
    features = []
    if found:
        with read_connection().cursor() as cur:
            cur.execute("SELECT ST_AsGeoJSON(ST_Transform(ST_GeomFromText(w, %s), 4326), 6) FROM unnest(%s::text[]) "
                        "WITH ORDINALITY AS u(w, i) ORDER BY i", [METRIC_SRID, [i.extent_wkt for i in found]])
            extents = [json.loads(r[0]) for r in cur.fetchall()]
        for i, geom in zip(found, extents, strict=True):
            features.append({"type": "Feature", "geometry": geom, "properties": {
                "category": i.category, "count": i.count, "buildings": i.buildings,
                "start": dt.datetime.fromtimestamp(i.start_t * 3600, tz=dt.UTC).astimezone(timezone.get_current_timezone()).isoformat(),
                "end": dt.datetime.fromtimestamp(i.end_t * 3600, tz=dt.UTC).astimezone(timezone.get_current_timezone()).isoformat(),
                "numbers": [numbers[a] for a in i.appeal_ids][:50],
            }})
    return {"type": "FeatureCollection", "features": features, "appeals": len(points)}


def choropleth(*, by: str, since: dt.date, until: dt.date, category_codes: list[str]) -> dict:
    """Appeal counts per neighbourhood or per service area, as GeoJSON polygons (count, per 1000 residents).

    An appeal counts in an area when the area covers its public position (house rule 4: covers).
    """
    t0, t1 = _bounds(since, until)
    if by == "neighbourhood":
        areas = "SELECT id, name_uk AS name, geom FROM layers_neighbourhood WHERE geom IS NOT NULL"
        residents = "(SELECT sum(residents) FROM layers_building AS rb WHERE rb.neighbourhood_id = g.id)"
    elif by == "service_area":
        areas = ("SELECT sa.id, sa.name || ' — ' || coalesce(nullif(p.short_name, ''), p.name) AS name, sa.geom "
                 "FROM layers_servicearea AS sa JOIN layers_provider AS p ON p.id = sa.provider_id "
                 "WHERE sa.valid_to IS NULL OR sa.valid_to >= CURRENT_DATE")
        residents = "(SELECT sum(rb.residents) FROM layers_building AS rb WHERE ST_Covers(g.geom, rb.point))"
    else:
        raise ValueError("by must be neighbourhood or service_area")
    sql = f"""
        WITH pts AS (
            SELECT {_POSITION} AS p, count(*) AS n
            FROM appeals_appeal AS a JOIN layers_category AS c ON c.id = a.category_id
            LEFT JOIN layers_building AS b ON b.id = a.building_id
            WHERE a.created_at >= %(t0)s AND a.created_at < %(t1)s AND (%(all)s OR c.code = ANY(%(codes)s))
            GROUP BY 1
        ), g AS ({areas})
        SELECT coalesce(json_agg(json_build_object(
            'type', 'Feature', 'id', g.id,
            'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(g.geom, 0.0001), 6)::json,
            'properties', json_build_object('name', g.name, 'count', coalesce(q.n, 0), 'residents', {residents},
                                            'per_1000', round(1000.0 * coalesce(q.n, 0) / nullif({residents}, 0), 2))
        ) ORDER BY g.id), '[]'::json)::text
        FROM g LEFT JOIN LATERAL (SELECT sum(pts.n)::int AS n FROM pts WHERE ST_Covers(g.geom, pts.p)) AS q ON true
    """
    with read_connection().cursor() as cur:
        cur.execute(sql, {"t0": t0, "t1": t1, "all": not category_codes, "codes": category_codes})
        return {"type": "FeatureCollection", "features": json.loads(cur.fetchone()[0])}


def repeat_addresses(*, since: dt.date, until: dt.date, category_codes: list[str], min_appeals: int = 3,
                     limit: int = 100) -> list[dict]:
    """Buildings with at least ``min_appeals`` appeals in the period, most first: address, counts, categories."""
    t0, t1 = _bounds(since, until)
    sql = """
        SELECT b.id, coalesce(s.street_type || ' ' || s.name || ', ' || b.housenumber, b.housenumber),
               ST_X(b.point), ST_Y(b.point), count(*)::int, count(DISTINCT a.category_id)::int,
               string_agg(DISTINCT c.name_uk, ', ' ORDER BY c.name_uk), max(a.created_at)
        FROM appeals_appeal AS a JOIN layers_category AS c ON c.id = a.category_id
        JOIN layers_building AS b ON b.id = a.building_id
        LEFT JOIN layers_street AS s ON s.id = b.street_id
        WHERE a.created_at >= %(t0)s AND a.created_at < %(t1)s AND (%(all)s OR c.code = ANY(%(codes)s))
        GROUP BY b.id, s.street_type, s.name
        HAVING count(*) >= %(min)s
        ORDER BY count(*) DESC, b.id
        LIMIT %(limit)s
    """
    with read_connection().cursor() as cur:
        cur.execute(sql, {"t0": t0, "t1": t1, "all": not category_codes, "codes": category_codes,
                          "min": min_appeals, "limit": min(limit, 1000)})
        return [{"building_id": bid, "address": addr, "lon": round(lon, 6), "lat": round(lat, 6), "count": n,
                 "categories_count": nc, "categories": cats, "last": timezone.localtime(last).isoformat()}
                for bid, addr, lon, lat, n, nc, cats, last in cur.fetchall()]
