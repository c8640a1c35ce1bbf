"""Free text ⇄ address and building: the three functions every other app calls.

    geocode(query=..., limit=5)      -> list[GeocodeResult]   (raises InvalidQuery on empty/over-long input)
    reverse(lon=..., lat=..., max_distance_m=50) -> ReverseResult | None
    suggest(prefix=..., limit=10)    -> list[Suggestion]

The gazetteer behind them is an in-memory index over the registry (geocoding/gazetteer.py), rebuilt
automatically when buildings, streets or aliases change.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext

from geocoding import gazetteer
from geocoding.geopy_geocoder import fallback_geocode
from geocoding.results import GeocodeResult, MatchKind, ReverseResult, Suggestion

__all__ = ["MAX_QUERY_LENGTH", "GeocodeResult", "InvalidQuery", "MatchKind", "ReverseResult", "Suggestion",
           "geocode", "registry_changed", "reverse", "suggest"]

# Longer input is refused: no dispatcher types 300 characters of address, and capping keeps every query fast.
MAX_QUERY_LENGTH = 300


class InvalidQuery(ValueError):
    """The input cannot be an address (empty, blank, longer than MAX_QUERY_LENGTH). Views answer 400."""


def _checked(text: str | None) -> str:
    if text is None or not text.strip():
        raise InvalidQuery(gettext("Порожній запит: введіть адресу."))
    if len(text) > MAX_QUERY_LENGTH:
        raise InvalidQuery(gettext("Запит довший за %(n)d символів.") % {"n": MAX_QUERY_LENGTH})
    return text


def geocode(*, query: str, limit: int = 5) -> list[GeocodeResult]:
    """Free text → buildings, best first. An empty list means nothing fits; InvalidQuery means bad input."""
    limit = max(1, min(int(limit), 50))
    results = gazetteer.get_index().geocode(_checked(query), limit=limit)
    if not results and getattr(settings, "GEOCODER_FALLBACK_URL", ""):
        results = fallback_geocode(query, limit=limit)
    return results


def reverse(*, lon: float, lat: float, max_distance_m: float = 50.0) -> ReverseResult | None:
    """lon/lat → the building containing the point, else the nearest within max_distance_m, else None."""
    return gazetteer.reverse(lon=lon, lat=lat, max_distance_m=max_distance_m)


def suggest(*, prefix: str, limit: int = 10) -> list[Suggestion]:
    """What the dispatcher has typed so far → up to `limit` addresses."""
    return gazetteer.get_index().suggest(_checked(prefix), limit=max(1, min(int(limit), 50)))


def registry_changed() -> None:
    """Drop the in-memory index now (importers call this after a commit; it is also detected by itself)."""
    gazetteer.invalidate()
