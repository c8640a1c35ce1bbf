"""The machinery every importer shares.

- ``import_transaction``: one transaction per import; a dry run (the default) does all the work and rolls
  it back, so its counts are exact and nothing is written; any fatal error leaves the database as it was.
- CRS checks and reprojection to EPSG:4326 (a file without a CRS is refused, never guessed).
- Polygon repair at the import boundary (gis.geometry.repair_polygonal), reported per row.
- ``BuildingLoader``: bulk upsert of buildings by (source, source_id) through COPY into a temporary
  table and a few set-based statements, instead of one ORM save per row.
- ``prefetch``: run the reading and parsing of the next batch in a background thread while this one is
  written (the database works while Python parses: wall time nears the larger of the two, not their sum).
- ``upsert``: the same rule for the small tables (boundaries, neighbourhoods, streets, providers, areas).
"""

from __future__ import annotations

import queue
import re
import sys
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import numpy as np
import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.db import DatabaseError, connection, transaction
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from tqdm import tqdm

from audit import services as audit
from audit.models import AuditAction
from gis.geometry import GeometryError, repair_polygonal
from gis.srid import STORAGE_SRID
from importers.report import ImportReport
from layers.housenumbers import parse_housenumber
from layers.models import StreetType


class ImportFileError(ValueError):
    """The file cannot be imported at all (missing, unreadable, empty, no CRS). Nothing is written."""


class ImportAborted(RuntimeError):
    """The import stopped part-way (strict mode, or the database refused a row). Nothing is written."""


# ---------------------------------------------------------------------------------------------------
# Transactions, progress


@contextmanager
def import_transaction(report: ImportReport, *, commit: bool, strict: bool = False) -> Iterator[None]:
    """All or nothing: commit only when asked and nothing fatal happened; a dry run rolls back.

    With ``strict`` any rejected row is fatal (for files that must be loaded whole or not at all).
    """
    label = f"import:{report.importer}"
    try:
        with transaction.atomic(), audit.acting_as(f"{label} ({audit.describe_actor(None)[1]})"):
            yield
            if strict and report.rejected:
                first = report.rejected[0]
                raise ImportAborted(f"strict import: {len(report.rejected)} row(s) rejected, first {first}")
            if not commit:
                transaction.set_rollback(True)
            else:
                # One entry per committed run (the rows of providers, areas, assignments have their own).
                audit.record(action=AuditAction.IMPORT, actor_label=f"{label} ({audit.describe_actor(None)[1]})",
                             object_type=report.importer, object_id=report.source, object_repr=str(report.path),
                             detail={"counts": {k: vars(c) for k, c in report.counts.items()},
                                     "rejected": len(report.rejected), "repaired": len(report.repaired)})
    except DatabaseError as exc:
        raise ImportAborted(f"the database refused the import, nothing was written: {exc}".strip()) from exc
    report.committed = commit


def progress(*, total: int | None, desc: str, enabled: bool) -> tqdm:
    """A progress bar on stderr (silent unless enabled: tests and dry runs in scripts stay quiet)."""
    return tqdm(total=total, desc=desc, unit=" rows", file=sys.stderr, disable=not enabled, mininterval=0.5)


T = TypeVar("T")


@contextmanager
def prefetch(items: Iterable[T], *, depth: int = 1) -> Iterator[Iterator[T]]:
    """What ``items`` yields, computed in a background thread up to ``depth`` items ahead.

    Use for work that needs no database (reading a file, parsing): Django's connection belongs to the
    calling thread. An exception in the background is raised here, in the caller; leaving the block
    early (an error while writing) stops the background thread before the block is left.

    >>> with prefetch(x * x for x in range(4)) as squares:
    ...     list(squares)
    [0, 1, 4, 9]
    """
    slots: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                slots.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((item, None)):
                    return
            put((done, None))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, raised there
            put((None, exc))

    def consume() -> Iterator[T]:
        while True:
            item, exc = slots.get()
            if exc is not None:
                raise exc
            if item is done:
                return
            yield item

    thread = threading.Thread(target=produce, name="import-prefetch", daemon=True)
    thread.start()
    try:
        yield consume()
    finally:
        stop.set()
        thread.join()


# ---------------------------------------------------------------------------------------------------
# Files, CRS, geometry


def gdal_path(path: str | Path) -> str:
    """The path GDAL should open: a zipped shapefile is read in place through /vsizip/."""
    p = Path(path)
    if not p.exists():
        raise ImportFileError(f"{p}: no such file")
    if p.stat().st_size == 0:
        raise ImportFileError(f"{p}: the file is empty")
    if p.suffix.lower() == ".zip":
        return f"/vsizip/{p.resolve()}"
    return str(p)


def require_crs(crs: str | None, path: str | Path) -> CRS:
    """The file's CRS, or a clear refusal: coordinates without a CRS are never guessed."""
    if not crs:
        raise ImportFileError(
            f"{path}: the file has no coordinate reference system (a shapefile without its .prj?). "
            "It is not guessed: add one, e.g. `ogr2ogr -a_srs EPSG:4326 fixed.shp file.shp`, and import again."
        )
    try:
        return CRS.from_user_input(crs)
    except CRSError as exc:
        raise ImportFileError(f"{path}: unreadable CRS {crs!r}: {exc}") from exc


def to_storage(geoms: np.ndarray, crs: CRS) -> np.ndarray:
    """Reproject an array of shapely geometries to EPSG:4326 (lon, lat order)."""
    if crs.to_epsg() == STORAGE_SRID:
        return geoms
    transformer = Transformer.from_crs(crs, CRS.from_epsg(STORAGE_SRID), always_xy=True)

    def _tx(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, _tx)


@dataclass
class PolygonBatch:
    """The polygonal rows of a batch as valid MultiPolygons; ``keep`` marks which input rows survived."""

    keep: np.ndarray
    geoms: np.ndarray


def polygonal(geoms: np.ndarray, *, rows: Sequence[int], ids: Sequence[str], report: ImportReport) -> PolygonBatch:
    """Valid MultiPolygons for a batch: the common case vectorised, the rest repaired one by one and reported."""
    n = len(geoms)
    out = np.empty(n, dtype=object)
    keep = np.zeros(n, dtype=bool)
    missing = shapely.is_missing(geoms)
    types = shapely.get_type_id(geoms)
    fine = ~missing & shapely.is_valid(geoms) & ~shapely.is_empty(geoms)
    simple_poly = fine & (types == shapely.GeometryType.POLYGON)
    multi = fine & (types == shapely.GeometryType.MULTIPOLYGON)
    if simple_poly.any():
        idx = np.flatnonzero(simple_poly)
        out[idx] = shapely.multipolygons(geoms[idx], indices=np.arange(len(idx)))
        keep[idx] = True
    out[multi] = geoms[multi]
    keep[multi] = True
    for i in np.flatnonzero(~keep):
        if missing[i]:
            report.reject(rows[i], ids[i], "no geometry")
            continue
        try:
            fixed, repaired = repair_polygonal(geoms[i])
        except GeometryError as exc:
            report.reject(rows[i], ids[i], str(exc))
            continue
        if repaired:
            report.repair(rows[i], ids[i], f"invalid {geoms[i].geom_type} made valid ({shapely.is_valid_reason(geoms[i])})")
        out[i] = fixed
        keep[i] = True
    return PolygonBatch(keep=keep, geoms=out[keep])


def to_geos(geom: shapely.Geometry) -> GEOSGeometry:
    """A shapely geometry (already in 4326) as a GEOS geometry for the ORM."""
    return GEOSGeometry(memoryview(shapely.to_wkb(geom)), srid=STORAGE_SRID)


# Little-endian EWKB headers with the SRID flag and SRID 4326, for 2D geometries of one type.
_SRID_HEX = STORAGE_SRID.to_bytes(4, "little").hex().upper()
_POINT_HEADER = "0101000020" + _SRID_HEX
_MULTIPOLYGON_HEADER = "0106000020" + _SRID_HEX


def ewkb_hex(geoms: np.ndarray) -> list[str]:
    """Hex EWKB with SRID 4326: what PostGIS reads fastest in COPY text format.

    2D points or multipolygons (what buildings are) get the SRID spliced into plain WKB's header:
    shapely.set_srid would copy every geometry first, which costs more than writing it. Binary WKB
    turned to hex by Python (bytes.hex) is ~2.5x faster than GEOS's hex writer; points are written
    straight from their coordinates. PostGIS reads hex digits in either case.

    >>> g = np.array([shapely.box(37.5, 48.7, 37.6, 48.8).buffer(0), shapely.Point(37.5, 48.7)])
    >>> g[0] = shapely.multipolygons([g[0]])
    >>> all(ewkb_hex(g[i:i + 1])[0].upper() == shapely.to_wkb(shapely.set_srid(g[i], 4326), hex=True,
    ...                                                       include_srid=True) for i in range(2))
    True
    """
    if not len(geoms):
        return []
    types = np.unique(shapely.get_type_id(geoms))
    single = int(types[0]) if len(types) == 1 else None
    if single not in (shapely.GeometryType.POINT, shapely.GeometryType.MULTIPOLYGON) or shapely.has_z(geoms).any():
        return list(shapely.to_wkb(shapely.set_srid(geoms, STORAGE_SRID), hex=True, include_srid=True))
    if single == shapely.GeometryType.POINT and not shapely.is_empty(geoms).any():
        # 1 + 4 header bytes, then x and y as little-endian doubles: 32 hex digits a point.
        digits = np.ascontiguousarray(shapely.get_coordinates(geoms), dtype="<f8").tobytes().hex()
        return [_POINT_HEADER + digits[i:i + 32] for i in range(0, len(digits), 32)]
    header = _POINT_HEADER if single == shapely.GeometryType.POINT else _MULTIPOLYGON_HEADER
    return [header + w[5:].hex() for w in shapely.to_wkb(geoms, byte_order=1, output_dimension=2)]


# ---------------------------------------------------------------------------------------------------
# Street names


_TYPE_WORDS = {
    # as written (lower case, no dot) → StreetType
    "вулиця": StreetType.STREET, "вул": StreetType.STREET, "улица": StreetType.STREET, "ул": StreetType.STREET,
    "провулок": StreetType.LANE, "пров": StreetType.LANE, "переулок": StreetType.LANE, "пер": StreetType.LANE,
    "проспект": StreetType.AVENUE, "просп": StreetType.AVENUE, "пр-т": StreetType.AVENUE,
    "бульвар": StreetType.BOULEVARD, "бул": StreetType.BOULEVARD, "б-р": StreetType.BOULEVARD,
    "площа": StreetType.SQUARE, "пл": StreetType.SQUARE, "площадь": StreetType.SQUARE,
    "шосе": StreetType.HIGHWAY, "шоссе": StreetType.HIGHWAY,
    "тупик": StreetType.DEAD_END, "туп": StreetType.DEAD_END,
    "проїзд": StreetType.PASSAGE, "проезд": StreetType.PASSAGE,
    "узвіз": StreetType.DESCENT, "спуск": StreetType.DESCENT,
    "набережна": StreetType.EMBANKMENT, "наб": StreetType.EMBANKMENT, "набережная": StreetType.EMBANKMENT,
    "майдан": StreetType.MAIDAN,
    "мікрорайон": StreetType.MICRODISTRICT, "мкр": StreetType.MICRODISTRICT, "микрорайон": StreetType.MICRODISTRICT,
    "квартал": StreetType.QUARTER, "лінія": StreetType.LINE, "линия": StreetType.LINE,
}
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class StreetName:
    name: str
    street_type: str | None  # a StreetType value, or None when the text carries no type word
    type_as_written: str


@lru_cache(maxsize=65536)
def parse_street(text: str) -> StreetName:
    """Split "вулиця Паркова" / "Паркова вулиця" / "ул. Парковая" into name and type.

    >>> parse_street("вулиця Паркова")
    StreetName(name='Паркова', street_type='вулиця', type_as_written='вулиця')
    >>> parse_street("Миру просп.")
    StreetName(name='Миру', street_type='проспект', type_as_written='просп.')
    >>> parse_street("ул. Парковая").street_type, parse_street("Паркова").street_type
    ('вулиця', None)
    """
    words = _SPACES.sub(" ", (text or "").strip()).split(" ")
    for pos in (0, -1):
        if len(words) > 1:
            word = words[pos]
            kind = _TYPE_WORDS.get(word.lower().rstrip("."))
            if kind is not None:
                rest = words[1:] if pos == 0 else words[:-1]
                return StreetName(" ".join(rest).strip(" ,"), str(kind), word)
    return StreetName(" ".join(words).strip(" ,"), None, "")


# ---------------------------------------------------------------------------------------------------
# Values in files


_BUILDING_KINDS = {
    "apartment": "apartment", "apartments": "apartment", "residential": "apartment", "dormitory": "apartment",
    "багатоквартирний": "apartment", "многоквартирный": "apartment",
    "house": "house", "detached": "house", "semidetached_house": "house", "bungalow": "house",
    "farm": "house", "terrace": "house", "приватний": "house", "частный": "house",
    "public": "public", "civic": "public", "government": "public", "school": "public", "kindergarten": "public",
    "hospital": "public", "college": "public", "university": "public", "clinic": "public",
    "громадський": "public", "общественный": "public",
}


def building_kind(text: object) -> str | None:
    """Our Building.kind for a value in a file or an OSM building=* tag; None when nothing is said.

    >>> building_kind("apartments"), building_kind("Приватний"), building_kind("garage"), building_kind("")
    ('apartment', 'house', 'other', None)
    """
    value = str(text or "").strip().lower()
    if not value or value == "yes":
        return None
    return _BUILDING_KINDS.get(value, "other")


def to_int(value: object) -> int | None:
    """A non-negative whole number from a cell ("5", "5.0", 5), else None.

    >>> to_int("5"), to_int(" 9.0 "), to_int("п'ять"), to_int(None), to_int(-3)
    (5, 9, None, None, None)
    """
    if value is None or isinstance(value, bool):
        return None
    if type(value) is int:  # the common case, fast
        return value if 0 <= value <= 2_000_000_000 else None
    try:
        number = float(str(value).strip().replace(",", "."))
    except ValueError:
        return None
    if not np.isfinite(number) or number < 0 or number != int(number) or number > 2_000_000_000:
        return None
    return int(number)


# ---------------------------------------------------------------------------------------------------
# Buildings in bulk


_TMP_COLUMNS = (
    "row integer, source_id text, geom geometry, point geometry, street_name text, street_type text, "
    "housenumber text, number integer, letter text, fraction text, block text, housenumber_key text, "
    "kind text, floors integer, flats integer, residents integer, street_id bigint, neighbourhood_id bigint"
)
_COPY_COLUMNS = ("row", "source_id", "geom", "point", "street_name", "street_type", "housenumber", "number",
                 "letter", "fraction", "block", "housenumber_key", "kind", "floors", "flats", "residents")


@lru_cache(maxsize=65536)
def _street_columns(text: str | None) -> tuple[str | None, str | None]:
    """street_name, street_type of the COPY row (cached: a file names few streets many times)."""
    if not text:
        return None, None
    street = parse_street(text)
    return street.name, street.street_type


@lru_cache(maxsize=65536)
def housenumber_columns(text: str | None) -> tuple:
    """housenumber … housenumber_key of the COPY row (cached: house numbers repeat from street to street).

    >>> housenumber_columns(" 12А/1 ")
    ('12А/1', 12, 'А', '1', '', '12А/1')
    >>> housenumber_columns(None)
    ('', None, '', '', '', '')
    """
    text = (text or "").strip()
    hn = parse_housenumber(text) if text else None
    if hn is None:
        return text[:32], None, "", "", "", ""
    return text[:32], hn.number, hn.letter, hn.fraction[:8], hn.block[:8], hn.key


@dataclass
class BuildingBatch:
    """One batch of buildings, column-wise; geoms are valid MultiPolygons in EPSG:4326."""

    rows: Sequence[int]
    source_ids: Sequence[str]
    geoms: np.ndarray
    streets: Sequence[str | None]
    housenumbers: Sequence[str | None]
    kinds: Sequence[str | None]
    floors: Sequence[int | None]
    flats: Sequence[int | None]
    residents: Sequence[int | None]


class BuildingLoader:
    """Stream buildings into a temporary table, then upsert them by (source, source_id) in set-based SQL.

    Street and neighbourhood are resolved in the database: the neighbourhood whose polygon covers the
    building's point (only when exactly one does), the street by name and type (in the building's
    neighbourhood first, else the only street of that name). Use inside import_transaction.

    ``streaming``: each batch is resolved and upserted as soon as it is written (the streets and
    neighbourhoods must already be in the database: a vector file of buildings); otherwise everything is
    resolved at ``finish`` (the OSM importer saves the streets it met in the same file first).
    ``prepare`` (pure Python, no database) and ``write`` (the database) may run in two threads, one
    batch apart; ``add`` does both. Memory: the ids seen so far (to reject duplicates) and a batch or two.
    """

    def __init__(self, *, source: str, report: ImportReport, streaming: bool = False) -> None:
        self.source = source
        self.report = report
        self.streaming = streaming
        self.table = "import_buildings"
        self.has_streets = False
        self.seen: dict[str, int] = {}
        self.created = self.updated = 0
        self.deferred_indexes: list[str] = []
        with connection.cursor() as cur:
            # Temporary tables live in temp_buffers (8 MB by default): 200k footprints would go to disk at
            # every step. Postgres allows a bigger value only before a session's first temporary table.
            try:
                with transaction.atomic():
                    cur.execute("SET temp_buffers = '512MB'")
            except DatabaseError:
                pass  # this session has used temporary tables already: keep its setting
            cur.execute(f"CREATE TEMP TABLE {self.table} ({_TMP_COLUMNS}) ON COMMIT DROP")
        self._defer_spatial_indexes()

    def _defer_spatial_indexes(self) -> None:
        """Into an empty table, build the GiST indexes once at the end instead of row by row.

        Keeping two GiST indexes up to date costs ~20 µs a row (4 of the ~7 s PostgreSQL spends on 200k
        new buildings); building them afterwards from sorted data, under a second. The buildings' main
        addresses are written by the database with them (layers/0008), so an empty address layer defers
        its point index the same way. Dropping an index locks the table until commit, so this is done only
        when it is empty (a first load: nothing to read yet) and the lock is free within a second;
        otherwise the indexes are kept as they are.
        """
        try:
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute("SELECT NOT EXISTS (SELECT 1 FROM layers_building), NOT EXISTS (SELECT 1 FROM layers_address)")
                buildings_empty, addresses_empty = cur.fetchone()
                if not buildings_empty:
                    return
                tables = ["layers_building"] + (["layers_address"] if addresses_empty else [])
                cur.execute("SELECT current_setting('lock_timeout')")
                timeout = cur.fetchone()[0]
                cur.execute("SELECT set_config('lock_timeout', '1s', true)")
                cur.execute(f"LOCK TABLE {', '.join(tables)} IN ACCESS EXCLUSIVE MODE")  # names from code
                cur.execute("SELECT set_config('lock_timeout', %s, true)", [timeout])
                cur.execute("""
                    SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i
                    JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
                    WHERE i.indrelid = ANY(%s::regclass[]) AND am.amname = 'gist'
                      AND NOT i.indisunique ORDER BY c.relname""", [tables])
                found = cur.fetchall()
                for name, _definition in found:
                    cur.execute(f'DROP INDEX "{name}"')  # a name read from the catalogue
        except DatabaseError:
            return  # the table is in use: keep its indexes
        self.deferred_indexes = [definition for _name, definition in found]

    def add(self, batch: BuildingBatch) -> None:
        self.write(self.prepare(batch))

    def prepare(self, batch: BuildingBatch) -> list[tuple]:
        """The COPY rows of a batch; a repeated id is rejected here (the first row of an id wins)."""
        points = shapely.point_on_surface(batch.geoms)  # inside the footprint, unlike the centroid
        geom_hex = ewkb_hex(batch.geoms)
        point_hex = ewkb_hex(points)
        records = []
        append, seen, reject = records.append, self.seen, self.report.reject
        self.has_streets = self.has_streets or any(batch.streets)
        for row, source_id, geom, point, street, hn, kind, floors, flats, residents in zip(
                batch.rows, batch.source_ids, geom_hex, point_hex, batch.streets, batch.housenumbers, batch.kinds,
                batch.floors, batch.flats, batch.residents, strict=True):
            first = seen.setdefault(source_id, row)
            if first != row:  # the first row of an id wins; the others are rejected with a reason
                reject(row, source_id, f"duplicate id in the file (first at row {first})")
                continue
            append((row, source_id, geom, point) + _street_columns(street) + housenumber_columns(hn)
                   + (kind, floors, flats, residents))
        return records

    def write(self, records: list[tuple]) -> None:
        """COPY prepared rows into the temporary table (and, streaming, upsert them at once)."""
        if not records:
            return
        with connection.cursor() as cur:
            with cur.cursor.copy(f"COPY {self.table} ({', '.join(_COPY_COLUMNS)}) FROM STDIN") as copy:
                for rec in records:
                    copy.write_row(rec)
            if self.streaming:
                self._apply(cur)
                cur.execute(f"TRUNCATE {self.table}")

    def finish(self) -> None:
        """Resolve and upsert what is still in the temporary table; count created, updated, unchanged."""
        with connection.cursor() as cur:
            if not self.streaming:
                self._apply(cur)
            cur.execute(f"DROP TABLE {self.table}")
        if self.deferred_indexes:
            # PostgreSQL builds no index on a table with deferred checks pending: run the foreign-key
            # checks of the new rows now (they would run at commit anyway), as Django's loaddata does.
            connection.check_constraints(table_names=["layers_building", "layers_address"])
            with connection.cursor() as cur:
                for definition in self.deferred_indexes:
                    cur.execute(definition)
            self.deferred_indexes = []
        total = len(self.seen)
        created, updated = self.created, self.updated
        self.report.count("building", created=created, updated=updated, unchanged=total - created - updated)

    def _apply(self, cur) -> None:
        """Resolve neighbourhoods and streets of the rows in the temporary table, update changed, insert new."""
        t = self.table
        # Row counts and the join keys are what the plans need; statistics of the geometry columns would
        # cost more than the rest of the batch's resolving (PostGIS samples every footprint's extent).
        cur.execute(f"ANALYZE {t} (row, source_id, street_name, street_type)")
        cur.execute("SELECT EXISTS (SELECT 1 FROM layers_neighbourhood WHERE geom IS NOT NULL)")
        if cur.fetchone()[0]:
            self._resolve(cur, "neighbourhood_id", f"""
                SELECT t.row, min(n.id) FROM {t} t JOIN layers_neighbourhood n
                  ON n.geom IS NOT NULL AND ST_Covers(n.geom, t.point)
                GROUP BY t.row HAVING count(*) = 1""")
        if self.has_streets:
            # The street of that name in the building's own neighbourhood (a name may repeat in two
            # of them), else the only street of that name; several candidates stay unresolved.
            self._resolve(cur, "street_id", f"""
                SELECT t.row, CASE
                    WHEN count(*) FILTER (WHERE s.neighbourhood_id = t.neighbourhood_id) = 1
                        THEN min(s.id) FILTER (WHERE s.neighbourhood_id = t.neighbourhood_id)
                    WHEN count(*) = 1 THEN min(s.id) END
                FROM {t} t JOIN layers_street s
                  ON lower(s.name) = lower(t.street_name) AND (t.street_type IS NULL OR s.street_type = t.street_type)
                WHERE t.street_name IS NOT NULL GROUP BY t.row""")
            cur.execute(f"""
                SELECT row, source_id, concat_ws(' ', street_type, street_name) FROM {t}
                WHERE street_name IS NOT NULL AND street_id IS NULL ORDER BY row""")
            for row, source_id, name in cur.fetchall():
                self.report.warn(row, source_id, f"street «{name}» not found or ambiguous; building kept without street")
        updated, created = self._upsert(cur)
        self.updated += updated
        self.created += created

    def _resolve(self, cur, column: str, query: str) -> None:
        """Set one column of the temporary table from (row, value) pairs; only rows that match are rewritten."""
        cur.execute(f"UPDATE {self.table} b SET {column} = m.v FROM ({query}) AS m(row, v) "
                    "WHERE b.row = m.row AND m.v IS NOT NULL")

    def _upsert(self, cur) -> tuple[int, int]:
        t = self.table
        cur.execute(f"""
            UPDATE layers_building b SET
                geom = t.geom, point = t.point,
                street_id = COALESCE(t.street_id, b.street_id),
                neighbourhood_id = COALESCE(t.neighbourhood_id, b.neighbourhood_id),
                housenumber = CASE WHEN t.housenumber <> '' THEN t.housenumber ELSE b.housenumber END,
                number = CASE WHEN t.housenumber <> '' THEN t.number ELSE b.number END,
                letter = CASE WHEN t.housenumber <> '' THEN t.letter ELSE b.letter END,
                fraction = CASE WHEN t.housenumber <> '' THEN t.fraction ELSE b.fraction END,
                block = CASE WHEN t.housenumber <> '' THEN t.block ELSE b.block END,
                housenumber_key = CASE WHEN t.housenumber <> '' THEN t.housenumber_key ELSE b.housenumber_key END,
                kind = COALESCE(t.kind, b.kind), floors = COALESCE(t.floors, b.floors),
                flats = COALESCE(t.flats, b.flats), residents = COALESCE(t.residents, b.residents)
            FROM {t} t
            WHERE b.source = %(source)s AND b.source_id = t.source_id AND b.source_id <> ''
              AND (b.geom, b.street_id, b.neighbourhood_id, b.housenumber, b.kind, b.floors, b.flats, b.residents)
                  IS DISTINCT FROM
                  (t.geom, COALESCE(t.street_id, b.street_id), COALESCE(t.neighbourhood_id, b.neighbourhood_id),
                   CASE WHEN t.housenumber <> '' THEN t.housenumber ELSE b.housenumber END,
                   COALESCE(t.kind, b.kind), COALESCE(t.floors, b.floors), COALESCE(t.flats, b.flats),
                   COALESCE(t.residents, b.residents))""", {"source": self.source})
        updated = cur.rowcount
        # What is left in the temporary table is new. (An anti-join inside the INSERT would be planned
        # against the table as it was, and a nested loop over it re-reads every row being inserted.)
        cur.execute(f"DELETE FROM {t} t USING layers_building b "
                    "WHERE b.source = %(source)s AND b.source_id = t.source_id AND b.source_id <> ''",
                    {"source": self.source})
        cur.execute(f"""
            INSERT INTO layers_building (source, source_id, geom, point, street_id, neighbourhood_id, housenumber,
                number, letter, fraction, block, housenumber_key, kind, floors, flats, residents)
            SELECT %(source)s, t.source_id, t.geom, t.point, t.street_id, t.neighbourhood_id, t.housenumber,
                t.number, t.letter, t.fraction, t.block, t.housenumber_key, COALESCE(t.kind, 'other'),
                t.floors, t.flats, t.residents
            FROM {t} t""", {"source": self.source})
        return updated, cur.rowcount


# ---------------------------------------------------------------------------------------------------
# Small tables: one ORM upsert per row


def _same(a: object, b: object) -> bool:
    if isinstance(a, GEOSGeometry) or isinstance(b, GEOSGeometry):
        return a is not None and b is not None and a.equals_exact(b, 1e-12)  # type: ignore[union-attr]
    return a == b


def upsert(model: type, *, source: str, source_id: str, values: dict, m2m: dict | None = None,
           lookup: dict | None = None) -> tuple[object, str]:
    """Create or update one row found by (source, source_id) (or ``lookup`` for rows another source owns).

    Returns (row, "created" | "updated" | "unchanged"). Many-to-many values are sets of primary keys.
    """
    obj = model.objects.filter(source=source, source_id=source_id).first() if source_id else None
    if obj is None and lookup:
        matches = list(model.objects.filter(**lookup)[:2])
        obj = matches[0] if len(matches) == 1 else None
    if obj is None:
        obj = model.objects.create(source=source, source_id=source_id, **values)
        for name, pks in (m2m or {}).items():
            getattr(obj, name).set(pks)
        _audit_row(obj, AuditAction.CREATE, list(values) + list(m2m or {}))
        return obj, "created"
    changed = [k for k, v in values.items() if not _same(getattr(obj, k), v)]
    for k in changed:
        setattr(obj, k, values[k])
    if changed:
        obj.save(update_fields=changed)
    for name, pks in (m2m or {}).items():
        manager = getattr(obj, name)
        if set(manager.values_list("pk", flat=True)) != set(pks):
            manager.set(pks)
            changed.append(name)
    if changed:
        _audit_row(obj, AuditAction.UPDATE, changed)
    return obj, "updated" if changed else "unchanged"


# Registry rows whose every change is audited one by one (buildings and streets come by the thousand:
# their import run is one audit entry, written by import_transaction).
AUDITED_MODELS = ("layers.provider", "layers.servicearea", "layers.buildingassignment", "layers.category")


def _audit_row(obj, action: str, changed: list[str]) -> None:
    if obj._meta.label_lower in AUDITED_MODELS:
        audit.record_model_change(action=action, obj=obj, changed=changed)


# ---------------------------------------------------------------------------------------------------
# References shared by several importers: service kinds, providers, dates


_LIST_SPLIT = re.compile(r"\s*[;,|]\s*")


def service_kind_codes(text: object) -> tuple[list[str], list[str]]:
    """Service-kind codes from "water; heating" or Ukrainian names; returns (codes, unknown words).

    Needs the database (the service kinds are rows).
    """
    from layers.models import ServiceKind

    known = {}
    for code, name_uk, name_en in ServiceKind.objects.values_list("code", "name_uk", "name_en"):
        for label in (code, name_uk, name_en):
            if label:
                known[label.strip().lower()] = code
    codes, unknown = [], []
    for word in _LIST_SPLIT.split(str(text or "").strip()):
        if not word:
            continue
        code = known.get(word.lower())
        if code is None:
            unknown.append(word)
        elif code not in codes:
            codes.append(code)
    return codes, unknown


def find_provider(ref: object) -> tuple[object | None, str]:
    """The one provider a cell names (by source id, then name or short name); (None, why) otherwise."""
    from layers.models import Provider

    text = str(ref or "").strip()
    if not text:
        return None, "no provider given"
    for query in ({"source_id": text}, {"name__iexact": text}, {"short_name__iexact": text}):
        found = list(Provider.objects.filter(**query)[:2])
        if len(found) == 1:
            return found[0], ""
        if len(found) > 1:
            return None, f"provider «{text}» is ambiguous ({len(found)} match)"
    return None, f"unknown provider «{text}»"


def to_date(value: object):
    """A date from an ISO string, dd.mm.yyyy, or a spreadsheet date; None if blank; ValueError if unreadable.

    >>> to_date("2024-01-31"), to_date("31.01.2024"), to_date("")
    (datetime.date(2024, 1, 31), datetime.date(2024, 1, 31), None)
    """
    import datetime as dt

    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"unreadable date «{text}» (use YYYY-MM-DD or DD.MM.YYYY)")
