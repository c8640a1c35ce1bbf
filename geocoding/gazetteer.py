"""The gazetteer: an in-memory index over the registry (streets, aliases, neighbourhoods, addresses).

Every address is searched (layers.Address: a building's main address, its other addresses, address
points with no building); a result names the address (address_id) and its building (building_id, None
for an address point). Addresses in a village without streets (addr:place) are found under the place's
name, as if it were a street.

Lookup order for a street: exact key → alias key (Russian, old, misspelt) → the key without given names
and initials → fuzzy (rapidfuzz, OSA distance — a swap of two letters is one typo — 1 for names of 5–8
letters, 2 for longer ones, none below 5). Then the house: exact
key → a letter/fraction/block variant → the nearest number on that street (both flagged
"approximate") → the street alone ("street"). Several streets of one name in different neighbourhoods
are never picked silently: a neighbourhood hint decides, otherwise the answer is "ambiguous" with the
candidates ranked.

The index is built from the database on first use and rebuilt when the registry changes: model signals
mark it stale in this process, and a cheap version query (max ids, small-table counts, PostgreSQL's row
change counters) catches writes from other processes and bulk imports, at most once per second outside
transactions and on every call inside one (tests, where rolled-back rows must not linger).
"""

from __future__ import annotations

import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from functools import lru_cache

from django.db import connection
from rapidfuzz import process
from rapidfuzz.distance import OSA

from geocoding.normalize import (
    ParsedAddress,
    clean,
    parse_address,
    parse_readings,
    short_key,
    split_type,
    street_key,
    translit_key,
)
from geocoding.results import GeocodeResult, MatchKind, ReverseResult, Suggestion
from gis.srid import METRIC_SRID
from layers.housenumbers import parse_housenumber

CHECK_INTERVAL_S = 1.0  # outside a transaction, look at the registry version at most this often
MIN_REBUILD_INTERVAL_S = 2.0  # outside a transaction, rebuild at most this often while the registry keeps changing


@dataclass
class BuildingRec:
    """One address of the index (the name is historical: it was one per building)."""

    id: int | None  # the building, None for an address point
    street_id: int | None
    housenumber: str
    key: str
    number: int | None
    lon: float
    lat: float
    address_id: int | None = None


@dataclass
class StreetRec:
    id: int
    name: str
    street_type: str
    neighbourhood_id: int | None
    neighbourhood: str
    lon: float | None = None
    lat: float | None = None
    shared_name: bool = False  # the same name and type exists in another neighbourhood
    houses: dict[str, list[BuildingRec]] = field(default_factory=dict)
    by_number: dict[int, list[BuildingRec]] = field(default_factory=dict)
    ordered: list[BuildingRec] = field(default_factory=list)  # by number, then key (for suggest)

    def label(self, housenumber: str = "") -> str:
        text = f"{self.street_type} {self.name}" if self.street_type else self.name
        if housenumber:
            text += f", {housenumber}"
        if self.shared_name and self.neighbourhood:
            text += f" ({self.neighbourhood})"
        return text


@dataclass(frozen=True)
class _Entry:
    street_id: int
    alias: bool  # False: the street's own name


_LATIN = re.compile("[A-Za-z]")
SAME_ADDRESS_M = 150.0  # one street and number this close (metres, Manhattan in METRIC_SRID) is one address


@lru_cache(maxsize=65536)
def _other_keys(housenumber: str, key: str) -> tuple[str, ...]:
    """Keys besides ``key`` under which a query finds this house number: the key the query parser reads
    from it, and the number as written without spaces (a range "30-34", a number with words)."""
    out = []
    for k in (parse_address(f"вулиця Х {housenumber}").house_key, _raw_key(housenumber)):
        if k and k != key and k not in out:
            out.append(k)
    return tuple(out)


def _raw_key(text: str) -> str:
    return "".join(clean(text).split()).upper()


def _max_typos(key: str) -> int:
    n = len(key.replace(" ", ""))
    if n < 5:
        return 0
    return 1 if n < 9 else 2


class Index:
    """Everything geocode() and suggest() need, in memory. Build with Index.from_db()."""

    def __init__(self) -> None:
        self.streets: dict[int, StreetRec] = {}
        self.full: dict[str, list[_Entry]] = defaultdict(list)
        self.short: dict[str, list[_Entry]] = defaultdict(list)
        self.latin: set[str] = set()  # keys of names written in Latin script in the registry
        self.translit: dict[str, list[_Entry]] = defaultdict(list)  # normalize.translit_key of full and short
        self.initials: dict[int, set[str]] = defaultdict(set)  # first letters of the words of a street's names
        self.neighbourhood_keys: dict[str, int] = {}
        self.neighbourhood_names: dict[int, str] = {}
        self.choices: list[str] = []
        self.suggest_keys: list[tuple[str, int, bool]] = []  # (key, street_id, alias)
        self.building_count = 0
        self.built_in_s = 0.0

    # -- building -----------------------------------------------------------------------------------------

    @classmethod
    def from_db(cls) -> Index:
        from layers.models import Neighbourhood, StreetAlias

        started = time.perf_counter()
        idx = cls()
        for nid, name_uk, name_ru in Neighbourhood.objects.values_list("id", "name_uk", "name_ru"):
            idx.neighbourhood_names[nid] = name_uk
            for n in (name_uk, name_ru):
                if n:
                    idx.neighbourhood_keys.setdefault(street_key(n), nid)
        with connection.cursor() as cur:
            cur.execute(
                "SELECT s.id, s.name, s.street_type, s.neighbourhood_id,"
                " ST_X(ST_ClosestPoint(s.geom, ST_Centroid(s.geom))), ST_Y(ST_ClosestPoint(s.geom, ST_Centroid(s.geom)))"
                " FROM layers_street s"
            )
            for sid, name, stype, nid, lon, lat in cur.fetchall():
                idx.streets[sid] = StreetRec(sid, name, stype, nid, idx.neighbourhood_names.get(nid, ""), lon, lat)
            cur.execute(
                "SELECT a.id, a.building_id, a.street_id, a.place, a.housenumber, a.housenumber_key, a.number,"
                " ST_X(a.point), ST_Y(a.point), ST_X(ST_Transform(a.point, %(metric)s)),"
                " ST_Y(ST_Transform(a.point, %(metric)s))"
                " FROM layers_address a"
                " ORDER BY a.number NULLS LAST, a.housenumber_key, NOT a.is_main, a.building_id NULLS LAST, a.id",
                {"metric": METRIC_SRID},
            )
            rows = cur.fetchall()
        places: dict[str, int] = {}
        where: dict[int, tuple[float, float]] = {}  # address id → metric x, y
        for aid, bid, sid, place, housenumber, hkey, number, lon, lat, x, y in rows:
            if sid is None:
                # A village without streets: its addresses hang on a street-like entry named after the place
                # (negative ids, never shown: a result says street_id None).
                sid = places.get(place)
                if sid is None:
                    sid = places[place] = -(len(places) + 1)
                    idx.streets[sid] = StreetRec(sid, place, "", None, "", lon, lat)
            street = idx.streets.get(sid)
            if street is None:
                continue
            parsed = parse_housenumber(hkey or housenumber)
            if parsed.number is None and hkey:
                parsed = parse_housenumber(housenumber)
            key = parsed.key
            same = street.houses.get(key, ())
            if any(abs(where[o.address_id][0] - x) + abs(where[o.address_id][1] - y) < SAME_ADDRESS_M for o in same):
                # One address written twice near by (on the outline and on a node inside, on two entrances,
                # on a house and its annex): one place to go, the building's main address first.
                continue
            where[aid] = (x, y)
            b = BuildingRec(bid, sid, housenumber or hkey, key, parsed.number if parsed.number is not None else number,
                            lon, lat, aid)
            street.houses.setdefault(key, []).append(b)
            for other in _other_keys(housenumber or hkey, key):
                # How a query may read what is written ("15 B", "13 A, 5. krs.", "30-34"): found there as well.
                street.houses.setdefault(other, []).append(b)
            if b.number is not None:
                street.by_number.setdefault(b.number, []).append(b)
            street.ordered.append(b)
        idx.building_count = len(rows)

        names = defaultdict(set)
        for s in idx.streets.values():
            names[(street_key(s.name), s.street_type)].add(s.neighbourhood_id)
            if s.lon is None and s.ordered:
                mid = s.ordered[len(s.ordered) // 2]
                s.lon, s.lat = mid.lon, mid.lat
        for s in idx.streets.values():
            s.shared_name = len(names[(street_key(s.name), s.street_type)]) > 1 and s.id > 0
            idx._add(s.name, _Entry(s.id, False))
        for sid, name in StreetAlias.objects.values_list("street_id", "name"):
            if sid in idx.streets:
                idx._add(name, _Entry(sid, True))
        idx.choices = sorted(set(idx.full) | set(idx.short))
        idx.suggest_keys.sort(key=lambda t: (t[2], t[0]))
        idx.built_in_s = time.perf_counter() - started
        return idx

    def _add(self, name: str, entry: _Entry) -> None:
        full, short = street_key(name), short_key(name)
        if not full:
            return
        if _LATIN.search(name):
            self.latin.update((full, short))
        for table, key in ((self.full, full), (self.short, short), (self.translit, translit_key(full)),
                           (self.translit, translit_key(short))):
            if entry not in table[key]:
                table[key].append(entry)
        self.suggest_keys.append((full, entry.street_id, entry.alias))
        self.initials[entry.street_id].update(w[0] for w in full.split() if not w[0].isdigit())
        if short != full:
            self.suggest_keys.append((short, entry.street_id, entry.alias))

    # -- geocoding ----------------------------------------------------------------------------------------

    def _neighbourhood_hints(self, p: ParsedAddress) -> set[int]:
        found: set[int] = set()
        for text in (p.neighbourhood, *p.extra):
            if not text:
                continue
            key = street_key(text)
            nid = self.neighbourhood_keys.get(key)
            if nid is None and len(key) >= 5:
                best = process.extractOne(key, list(self.neighbourhood_keys), scorer=OSA.distance,
                                          score_cutoff=_max_typos(key))
                if best is not None:
                    nid = self.neighbourhood_keys[best[0]]
            if nid is not None:
                found.add(nid)
        return found

    def _peel_neighbourhood(self, p: ParsedAddress) -> ParsedAddress | None:
        """"Семенівка Шкільна 4": leading words that name a neighbourhood are a hint, the rest the street."""
        words = p.street.split()
        for n in (1, 2, 3):
            if len(words) <= n:
                break
            head = street_key(" ".join(words[:n]))
            if head in self.neighbourhood_keys:
                return replace(p, street=" ".join(words[n:]), neighbourhood=" ".join(words[:n]))
        return None

    def _street_candidates(self, p: ParsedAddress, *, fuzzy: bool = True) -> tuple[list[int], str, float]:
        """Street ids that fit, the match kind of the street stage, and its score."""
        for table, key in ((self.full, p.key), (self.short, p.short)):
            entries = table.get(key)
            if entries and table is self.short and p.initials:
                # "Б. Садовая" is not Садова: an initial must stand for a word of the street's names.
                fits = [e for e in entries if all(i in self.initials[e.street_id] for i in p.initials)]
                if not fits:
                    return list(dict.fromkeys(e.street_id for e in entries)), MatchKind.FUZZY, 0.7
                entries = fits
            if entries:
                names = [e.street_id for e in entries if not e.alias]
                if names:
                    return list(dict.fromkeys(names)), MatchKind.EXACT, 1.0
                return list(dict.fromkeys(e.street_id for e in entries)), MatchKind.ALIAS, 0.95
        for tkey in p.translit_keys:
            # Transliteration systems disagree (h is г or х, ts is ц or т+с): the skeleton they share. A guess.
            entries = self.translit.get(tkey)
            if entries:
                return list(dict.fromkeys(e.street_id for e in entries)), MatchKind.FUZZY, 0.85
        key = p.key
        limit = _max_typos(key)
        if limit == 0 or not fuzzy:
            return [], "", 0.0
        hits = process.extract(key, self.choices, scorer=OSA.distance, score_cutoff=limit, limit=20)
        if p.short != key and _max_typos(p.short):
            hits += process.extract(p.short, self.choices, scorer=OSA.distance,
                                    score_cutoff=_max_typos(p.short), limit=20)
        if not hits:
            return [], "", 0.0
        best = min(h[1] for h in hits)
        ids: list[int] = []
        for choice, dist, _ in sorted(hits, key=lambda h: h[1]):
            if dist != best:
                continue
            for table in (self.full, self.short):
                ids.extend(e.street_id for e in table.get(choice, ()))
        return list(dict.fromkeys(ids)), MatchKind.FUZZY, round(0.9 - 0.1 * best, 2)

    def _result(self, street: StreetRec, b: BuildingRec | None, *, match: str, score: float, flat: str) -> GeocodeResult:
        return GeocodeResult(
            building_id=b.id if b else None,
            address=street.label(b.housenumber if b else ""),
            street=street.name,
            street_type=street.street_type,
            housenumber=b.housenumber if b else "",
            neighbourhood=street.neighbourhood,
            flat=flat,
            lon=b.lon if b else street.lon,
            lat=b.lat if b else street.lat,
            match=match,
            score=score,
            street_id=street.id if street.id > 0 else None,
            address_id=b.address_id if b else None,
        )

    def _dash_pair(self, street: StreetRec, p: ParsedAddress, *, limit: int) -> list[GeocodeResult] | None:
        """"Дружби 7-1": the corner building 7/1 if the street has it, else house 7 with flat 1 — both
        approximate (the caller may have meant either). None when neither exists: the nearest number decides."""
        number, tail = p.dash_pair
        out: list[GeocodeResult] = []
        corner = street.houses.get(f"{number}/{tail}", [])
        house = street.houses.get(str(number), [])
        if len(corner) > 1 or len(house) > 1:
            # Two buildings carry one address in the registry: say so, as for an exact number.
            return [self._result(street, b, match=MatchKind.AMBIGUOUS, score=0.4, flat=p.flat)
                    for b in corner + house][:limit]
        if corner:
            out.append(self._result(street, corner[0], match=MatchKind.APPROXIMATE, score=0.6, flat=p.flat))
        if house:
            # Second to the corner building when both exist; "7-1" is then house 7, flat 1 only as a candidate.
            out.append(self._result(street, house[0], match=MatchKind.APPROXIMATE, score=0.55 if not corner else 0.5,
                                    flat=p.flat or tail))
        return out[:limit] or None

    def _houses(self, street: StreetRec, p: ParsedAddress, *, match: str, score: float, limit: int) -> list[GeocodeResult]:
        if not p.house_key and p.housenumber and street.houses.get(_raw_key(p.housenumber)):
            # A number the parser does not read ("30-34") written as the registry has it.
            p = replace(p, house_key=_raw_key(p.housenumber))
        if p.dash_pair and not p.house_key and street.ordered:
            found = self._dash_pair(street, p, limit=limit)
            if found:
                return found
            p = replace(p, house_key=str(p.dash_pair[0]), number=p.dash_pair[0])  # the nearest number, approximate
        if not p.house_key or not street.ordered:
            return [self._result(street, None, match=MatchKind.STREET, score=min(score, 0.5), flat=p.flat)]
        exact = street.houses.get(p.house_key)
        if exact and len(exact) == 1:
            return [self._result(street, exact[0], match=match, score=score, flat=p.flat)]
        if exact:  # two buildings carry one address in the registry: say so
            return [self._result(street, b, match=MatchKind.AMBIGUOUS, score=0.4, flat=p.flat) for b in exact][:limit]
        q = parse_housenumber(p.house_key)
        variants = list(street.by_number.get(q.number, ())) if q.number is not None else []
        if variants:
            variants.sort(key=lambda b: (parse_housenumber(b.key).letter != q.letter, len(b.key), b.key))
            out = variants
            s = 0.6
        else:
            numbers = sorted(street.by_number, key=lambda n: (abs(n - (q.number or 0)), (n - (q.number or 0)) % 2, n))
            out = [b for n in numbers[:limit] for b in street.by_number[n]]
            s = 0.5
        return [self._result(street, b, match=MatchKind.APPROXIMATE, score=round(s - 0.05 * i, 2), flat=p.flat)
                for i, b in enumerate(out[:limit])]

    def geocode(self, text: str, *, limit: int = 5) -> list[GeocodeResult]:
        """Every reading of the text (normalize.parse_readings) without typo tolerance first, then with it."""
        readings = parse_readings(text)
        for fuzzy in (False, True):
            for p in readings:
                found = self._geocode(p, limit=limit, fuzzy=fuzzy)
                if found:
                    return found
        return []

    def _geocode(self, p: ParsedAddress, *, limit: int, fuzzy: bool) -> list[GeocodeResult]:
        if not p.key:
            return []
        ids, match, score = self._street_candidates(p, fuzzy=fuzzy and not p.house_first)
        if not ids and p.house_first:
            # "26 Бакинських Комісарів": the leading number taken for the house is the start of a street's name.
            joined = replace(p, street=f"{p.housenumber} {p.street}", housenumber="", house_key="", number=None,
                             house_first=False)
            ids, match, score = self._street_candidates(joined, fuzzy=False)
            if ids:
                p = joined
            else:
                ids, match, score = self._street_candidates(p, fuzzy=fuzzy)
        if not ids:
            p = self._peel_neighbourhood(p)
            if p is None:
                return []
            ids, match, score = self._street_candidates(p, fuzzy=fuzzy)
            if not ids:
                return []
        if p.transliterated and match in (MatchKind.EXACT, MatchKind.ALIAS) and not (
                p.key in self.latin or p.short in self.latin):
            # (A street the registry itself names in Latin script, as a foreign extract does, is no guess.)
            match, score = MatchKind.FUZZY, 0.85  # a Latin reading is a guess, however well it fits
        cands = [self.streets[i] for i in ids]
        if p.street_type:
            typed = [s for s in cands if s.street_type == p.street_type]
            if typed:
                cands = typed
            else:
                score = round(score - 0.1, 2)  # the caller said "вулиця" of what is a "провулок"
        hints = self._neighbourhood_hints(p)
        if hints:
            hinted = [s for s in cands if s.neighbourhood_id in hints]
            if hinted:
                cands = hinted
        if len(cands) > 1 and p.house_key and any(s.ordered for s in cands):
            # A registry street without a single building cannot hold the house asked for.
            cands = [s for s in cands if s.ordered]
        if len(cands) > 1 and len({s.neighbourhood_id for s in cands}) == 1 and p.house_key:
            # One neighbourhood, several types (вулиця Миру, проспект Миру) and no type said: the house decides.
            with_house = [s for s in cands if p.house_key in s.houses]
            if len(with_house) == 1:
                cands = with_house
        if len(cands) > 1 and match == MatchKind.FUZZY and p.house_key:
            # Two streets one typo away: the one that has the house is the one meant (a tie stays ambiguous).
            with_house = [s for s in cands if p.house_key in s.houses]
            if len(with_house) == 1 and not with_house[0].shared_name:
                cands = with_house
        if len(cands) == 1:
            return self._houses(cands[0], p, match=match, score=score, limit=limit)
        ranked = sorted(cands, key=lambda s: (p.house_key not in s.houses, s.neighbourhood, s.street_type, s.id))
        out = []
        for s in ranked:
            bs = s.houses.get(p.house_key) if p.house_key else None
            out.append(self._result(s, bs[0] if bs else None, match=MatchKind.AMBIGUOUS,
                                    score=round(0.4 if bs else 0.3, 2), flat=p.flat))
        return out[:limit]

    # -- suggest --------------------------------------------------------------------------------------------

    def suggest(self, text: str, *, limit: int = 10) -> list[Suggestion]:
        p = parse_address(text)
        name, _ = split_type(clean(text).strip(" ,."))
        if p.house_first:
            # "8 Бер" is 8-го Березня half typed before it is house 8 of a street "Бер…": the whole text as a
            # street prefix first (no typo tolerance), then the leading number as the house.
            found = self._suggest(p, street_key(name), "", limit=limit, fuzzy=False)
            if found:
                return found
        if p.house_key or p.housenumber:
            return self._suggest(p, p.key, (p.house_key or p.housenumber).upper(), limit=limit)
        return self._suggest(p, street_key(name), "", limit=limit)

    def _suggest(self, p: ParsedAddress, name_key: str, house_prefix: str, *, limit: int,
                 fuzzy: bool = True) -> list[Suggestion]:
        if not name_key:
            return []
        words_key = " " + name_key
        ranked: dict[int, tuple] = {}
        for key, sid, alias in self.suggest_keys:
            if key.startswith(name_key):
                rank = (0 if key == name_key else 1, alias, len(key))
            elif (" " + key).find(words_key) >= 0:
                rank = (2, alias, len(key))
            else:
                continue
            if sid not in ranked or rank < ranked[sid]:
                ranked[sid] = rank
        if not ranked and fuzzy and _max_typos(name_key):
            # A typo in what is typed so far: compare with the same number of letters of every name.
            n = len(name_key)
            heads = list(dict.fromkeys(key[:n] for key, _, _ in self.suggest_keys))
            close = {h for h, _, _ in process.extract(name_key, heads, scorer=OSA.distance, limit=10,
                                                      score_cutoff=_max_typos(name_key))}
            for key, sid, alias in self.suggest_keys:
                if key[:n] in close:
                    rank = (3, alias, len(key))
                    if sid not in ranked or rank < ranked[sid]:
                        ranked[sid] = rank
        if p.street_type:
            typed = {sid: r for sid, r in ranked.items() if self.streets[sid].street_type == p.street_type}
            ranked = typed or ranked
        out: list[Suggestion] = []
        for sid in sorted(ranked, key=lambda i: (ranked[i], self.streets[i].name, self.streets[i].neighbourhood)):
            s = self.streets[sid]
            for b in s.ordered:
                if house_prefix and not b.key.upper().startswith(house_prefix):
                    continue
                out.append(Suggestion(b.id, s.label(b.housenumber), s.name, s.street_type, b.housenumber,
                                      s.neighbourhood, b.lon, b.lat, b.address_id))
                if len(out) >= limit:
                    return out
        return out


# -- the shared index and its freshness --------------------------------------------------------------------

_lock = threading.Lock()
_index: Index | None = None
_version: tuple | None = None
_checked_at = 0.0
_built_at = 0.0
_stale = False


def invalidate(**_kwargs) -> None:
    """Mark the index stale (connected to the registry models' save/delete signals)."""
    global _stale
    _stale = True


_VERSION_SQL = """
SELECT (SELECT coalesce(max(id), 0) FROM layers_building), (SELECT coalesce(max(id), 0) FROM layers_address),
       (SELECT count(*) FROM layers_street), (SELECT coalesce(max(id), 0) FROM layers_street),
       (SELECT count(*) FROM layers_streetalias), (SELECT coalesce(max(id), 0) FROM layers_streetalias),
       (SELECT count(*) FROM layers_neighbourhood),
       (SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_user_tables
         WHERE relname IN ('layers_building', 'layers_address', 'layers_street', 'layers_streetalias',
                           'layers_neighbourhood')),
       (SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_user_tables
         WHERE relname IN ('layers_building', 'layers_address', 'layers_street', 'layers_streetalias',
                           'layers_neighbourhood'))
"""


def _db_version() -> tuple:
    """A cheap fingerprint of the registry: max ids, small-table counts, and the row-change counters.

    No count(*) over buildings (too slow for a per-second check); a change to buildings shows in the
    max id (inserts), in the statistics counters (updates and deletes by any process, committed, and
    this transaction's own) and, in this process, through the model signals.
    """
    with connection.cursor() as cur:
        cur.execute(_VERSION_SQL)
        return (connection.settings_dict["NAME"], *cur.fetchone())


def get_index() -> Index:
    """The current index, rebuilt if the registry changed since it was built.

    Outside a transaction two things keep lookups fast while the registry changes: a thread that finds
    another one rebuilding serves the index it has instead of waiting, and changes made by other
    processes (an import) rebuild it at most every MIN_REBUILD_INTERVAL_S (or twice its build time).
    A write in this process (the signals) and any call inside a transaction (tests, a service that
    writes and then looks up) rebuild at once.
    """
    global _index, _version, _checked_at, _stale, _built_at
    now = time.monotonic()
    current = _index
    in_tx = connection.in_atomic_block
    if current is not None and not in_tx:
        if not _stale and now - _checked_at < CHECK_INTERVAL_S:
            return current
        if not _lock.acquire(blocking=False):
            return current  # another thread is rebuilding: serve what we have
    else:
        _lock.acquire()
    try:
        version = _db_version()
        _checked_at = time.monotonic()
        if _index is None or _stale or version != _version:
            if _index is not None and not in_tx and not _stale and _checked_at - _built_at < max(
                    MIN_REBUILD_INTERVAL_S, 2 * _index.built_in_s):
                # Rebuilt moments ago and changed again by someone else: an import is running. A write in
                # this process (_stale, from the signals) is never made to wait.
                return _index
            _stale = False
            _index = Index.from_db()
            _version = version
            _built_at = time.monotonic()
        return _index
    finally:
        _lock.release()


# -- reverse -------------------------------------------------------------------------------------------------

# The candidate box around the point, in degrees: wide enough for max_distance_m at Kramatorsk's latitude
# (1° of longitude ≈ 73 km there); the exact distance is then measured in the metric CRS.
# One statement for the whole answer (the building, its street and neighbourhood, and the building's address
# nearest the point, its main one first on a tie: the one on its outline), prepared once per connection:
# three round trips to the database cost more than the search itself.
_REVERSE_SQL = """
WITH pt AS (SELECT ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326) AS g),
hit AS (
  SELECT b.id, ST_Covers(b.geom, pt.g) AS inside,
         ST_Distance(ST_Transform(b.geom, %(metric)s), ST_Transform(pt.g, %(metric)s)) AS d
  FROM layers_building b, pt
  WHERE b.geom && ST_Expand(pt.g, %(deg)s)
  ORDER BY inside DESC, d, b.geom <-> pt.g
  LIMIT 1
)
SELECT hit.id, hit.inside, hit.d, ST_X(b.point), ST_Y(b.point), b.housenumber,
       s.name, s.street_type, n.name_uk,
       a.id, a.is_main, a.housenumber, a.place, sa.name, sa.street_type
FROM hit
JOIN layers_building b ON b.id = hit.id
LEFT JOIN layers_street s ON s.id = b.street_id
LEFT JOIN layers_neighbourhood n ON n.id = b.neighbourhood_id
LEFT JOIN LATERAL (
  SELECT a.id, a.is_main, a.housenumber, a.place, a.street_id
  FROM layers_address a, pt
  WHERE a.building_id = hit.id
  ORDER BY ST_Distance(ST_Transform(a.point, %(metric)s), ST_Transform(pt.g, %(metric)s)), a.is_main DESC, a.id
  LIMIT 1
) a ON true
LEFT JOIN layers_street sa ON sa.id = a.street_id
"""


def _label(street_name: str | None, street_type: str | None, place: str, housenumber: str) -> str:
    """As Building.address / Address.label write it ("вулиця Паркова, 12")."""
    if street_name is None:
        where = place
    else:
        where = f"{street_type} {street_name}" if street_type else street_name
    return f"{where}, {housenumber}" if housenumber else where


def reverse(*, lon: float, lat: float, max_distance_m: float = 50.0) -> ReverseResult | None:
    from gis.db import fetch_prepared

    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise ValueError("lon must be within -180..180 and lat within -90..90")
    max_distance_m = max(0.0, min(float(max_distance_m), 1000.0))
    deg = max_distance_m / 60_000.0 + 1e-6  # generous: 1° ≥ 60 km in both axes below 56° latitude
    rows = fetch_prepared(_REVERSE_SQL, {"lon": float(lon), "lat": float(lat), "metric": METRIC_SRID, "deg": deg})
    if not rows:
        return None
    (bid, inside, distance, x, y, housenumber, street_name, street_type, neighbourhood,
     address_id, address_is_main, address_number, address_place, address_street, address_street_type) = rows[0]
    if not inside and distance > max_distance_m:
        return None
    common = {"building_id": bid, "neighbourhood": neighbourhood or "", "lon": x, "lat": y,
              "distance_m": 0.0 if inside else round(float(distance), 1), "inside": bool(inside),
              "address_id": address_id}
    if address_id is not None and not address_is_main:
        return ReverseResult(address=_label(address_street, address_street_type, address_place, address_number),
                             street=address_street if address_street is not None else address_place,
                             street_type=address_street_type or "", housenumber=address_number, **common)
    address = _label(street_name, street_type, "", housenumber) if street_name is not None else (housenumber or f"#{bid}")
    return ReverseResult(address=address, street=street_name or "", street_type=street_type or "",
                         housenumber=housenumber, **common)
