"""What the geocoder answers: the result types, in a module of their own.

gazetteer.py builds them, services.py hands them out, geopy_geocoder.py converts an external geocoder's
answers into them; none of those needs another to name a result, so the three import one way:
services → geopy_geocoder → gazetteer → results (and normalize).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


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
    # The address found (layers.Address): a building may have several, and an address point has no
    # building (building_id None, lon/lat its point). None for street-level results.
    address_id: int | None = None

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
    address_id: int | None = None  # the building's address nearest the point (its main one, if it has one)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Suggestion:
    building_id: int | None  # None for an address point with no building
    address: str
    street: str
    street_type: str
    housenumber: str
    neighbourhood: str
    lon: float
    lat: float
    address_id: int | None = None

    def as_dict(self) -> dict:
        return asdict(self)
