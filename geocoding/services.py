"""Free text ⇄ building: the three functions every other app calls.

    geocode(query=..., limit=5)      -> list[GeocodeResult]   (raises InvalidQuery on empty/over-long input)
    reverse(lon=..., lat=..., max_distance_m=50) -> ReverseResult | None
    suggest(prefix=..., limit=10)    -> list[Suggestion]

The gazetteer behind them is an in-memory index over the registry (geocoding/gazetteer.py), rebuilt
automatically when buildings, streets or aliases change.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.utils.translation import gettext

# Longer input is refused: no dispatcher types 300 characters of address, and capping keeps every query fast.
MAX_QUERY_LENGTH = 300


class InvalidQuery(ValueError):
    """The input cannot be an address (empty, blank, longer than MAX_QUERY_LENGTH). Views answer 400."""


class MatchKind:
    EXACT = "exact"  # canonical street name, house number as written
    ALIAS = "alias"  # a Russian, old or misspelt name from StreetAlias
    FUZZY = "fuzzy"  # one or two typos in the street name
    APPROXIMATE = "approximate"  # the street is right, the house is a letter/fraction variant or the nearest number
    STREET = "street"  # the street alone: no house number given, or none at all on that street
    AMBIGUOUS = "ambiguous"  # several streets fit and nothing decides: candidates, ranked

    ALL = (EXACT, ALIAS, FUZZY, APPROXIMATE, STREET, AMBIGUOUS)


@dataclass(frozen=True)
class GeocodeResult:
    building_id: int | None  # None for match="street" (and ambiguous street-level candidates)
    address: str  # canonical Ukrainian: "вулиця Паркова, 12А"
    street: str  # canonical name without the type word: "Паркова"
    street_type: str  # "вулиця", "провулок", ...
    housenumber: str  # as in the registry: "12А"
    neighbourhood: str
    flat: str  # from the query ("кв. 5" -> "5"); never part of the house number
    lon: float | None
    lat: float | None
    match: str  # one of MatchKind.ALL
    score: float  # 0..1, higher is surer
    street_id: int | None = None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ReverseResult:
    building_id: int
    address: str
    street: str
    street_type: str
    housenumber: str
    neighbourhood: str
    lon: float  # the building's inner point
    lat: float
    distance_m: float  # 0 when the point lies inside (or on the edge of) the footprint
    inside: bool

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Suggestion:
    building_id: int
    address: str
    street: str
    street_type: str
    housenumber: str
    neighbourhood: str
    lon: float
    lat: float

    def as_dict(self) -> dict:
        return asdict(self)


def _checked(text: str | None) -> str:
    if text is None or not text.strip():
        raise InvalidQuery(gettext("Порожній запит: введіть адресу."))
    if len(text) > MAX_QUERY_LENGTH:
        raise InvalidQuery(gettext("Запит довший за %(n)d символів.") % {"n": MAX_QUERY_LENGTH})
    return text


def geocode(*, query: str, limit: int = 5) -> list[GeocodeResult]:
    """Free text → buildings, best first. An empty list means nothing fits; InvalidQuery means bad input."""
    from django.conf import settings

    from geocoding import gazetteer

    limit = max(1, min(int(limit), 50))
    results = gazetteer.get_index().geocode(_checked(query), limit=limit)
    if not results and getattr(settings, "GEOCODER_FALLBACK_URL", ""):
        from geocoding.geopy_geocoder import fallback_geocode

        results = fallback_geocode(query, limit=limit)
    return results


def reverse(*, lon: float, lat: float, max_distance_m: float = 50.0) -> ReverseResult | None:
    """lon/lat → the building containing the point, else the nearest within max_distance_m, else None."""
    from geocoding import gazetteer

    return gazetteer.reverse(lon=lon, lat=lat, max_distance_m=max_distance_m)


def suggest(*, prefix: str, limit: int = 10) -> list[Suggestion]:
    """What the dispatcher has typed so far → up to `limit` addresses."""
    from geocoding import gazetteer

    return gazetteer.get_index().suggest(_checked(prefix), limit=max(1, min(int(limit), 50)))


def registry_changed() -> None:
    """Drop the in-memory index now (importers call this after a commit; it is also detected by itself)."""
    from geocoding import gazetteer

    gazetteer.invalidate()
