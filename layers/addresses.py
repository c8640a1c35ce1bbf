"""Addresses → buildings: which footprint an address point belongs to.

An address belongs to the one building whose footprint covers its point (the edge included, STYLE.md
rule 4), else to the one building within ``within_m`` metres of it (measured in METRIC_SRID, never in
degrees); several candidates, or none, leave it an address point of its own (rule 5: never `.first()`).
Main addresses (is_main, kept by the database from the building itself) are never moved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection

from gis.srid import METRIC_SRID

_ATTACH_SQL = """
WITH pts AS (
    SELECT a.id, a.point FROM layers_address a WHERE a.id = ANY(%(ids)s) AND NOT a.is_main
), covering AS (
    SELECT p.id, min(b.id) AS bid, count(*) AS n
    FROM pts p JOIN layers_building b ON ST_Covers(b.geom, p.point) GROUP BY p.id
), near AS (
    SELECT p.id, min(b.id) AS bid, count(*) AS n
    FROM pts p JOIN layers_building b
      ON b.geom && ST_Expand(p.point, %(deg)s)
     AND ST_DWithin(ST_Transform(b.geom, %(metric)s), ST_Transform(p.point, %(metric)s), %(m)s)
    WHERE p.id NOT IN (SELECT id FROM covering) GROUP BY p.id
), target AS (
    SELECT p.id, CASE WHEN c.n = 1 THEN c.bid WHEN c.n IS NULL AND nr.n = 1 THEN nr.bid END AS bid
    FROM pts p LEFT JOIN covering c ON c.id = p.id LEFT JOIN near nr ON nr.id = p.id
)
UPDATE layers_address a SET building_id = t.bid FROM target t
WHERE a.id = t.id AND a.building_id IS DISTINCT FROM t.bid
"""


@dataclass(frozen=True)
class Attached:
    changed: int  # addresses whose building changed
    points: int  # addresses (of those asked about) left with no building


def attach_addresses(*, address_ids: Sequence[int], within_m: float = 3.0) -> Attached:
    """Give each of these addresses its building (or none); returns what changed. Use inside a transaction."""
    ids = list(address_ids)
    if not ids:
        return Attached(0, 0)
    with connection.cursor() as cur:
        cur.execute(_ATTACH_SQL, {"ids": ids, "metric": METRIC_SRID, "m": float(within_m),
                                  "deg": float(within_m) / 60_000.0 + 1e-6})
        changed = cur.rowcount
        cur.execute("SELECT count(*) FROM layers_address WHERE id = ANY(%(ids)s) AND building_id IS NULL", {"ids": ids})
        points = cur.fetchone()[0]
    return Attached(changed, points)
