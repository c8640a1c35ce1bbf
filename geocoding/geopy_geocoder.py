"""geopy adapters: `ECity` speaks to our API, and an optional external fallback (e.g. a Nominatim server).

Analysts can use geopy's tools against E-City::

    from geopy.extra.rate_limiter import RateLimiter
    from geocoding.geopy_geocoder import ECity
    ecity = ECity(domain="127.0.0.1:8000", scheme="http")
    df["location"] = df["address"].apply(RateLimiter(ecity.geocode, min_delay_seconds=0.05))
    ecity.reverse("48.738, 37.556")            # geopy's order: "lat, lon"

Each Location's ``raw`` is our JSON result (building_id, match, score...). The fallback is off unless
settings.GEOCODER_FALLBACK_URL is set ("http://nominatim.local:8080"); it is asked only when our own
gazetteer finds nothing, and what it returns is flagged approximate, never exact.
"""

from __future__ import annotations

from functools import partial
from urllib.parse import urlencode, urlsplit

from geopy.exc import GeopyError
from geopy.geocoders import Nominatim
from geopy.geocoders.base import DEFAULT_SENTINEL, Geocoder
from geopy.location import Location
from geopy.point import Point

from geocoding import gazetteer
from geocoding.results import GeocodeResult, MatchKind

__all__ = ["ECity", "external_geocoder", "fallback_geocode"]


class ECity(Geocoder):
    """A geopy geocoder for E-City's /api/v1/geocode and /api/v1/reverse."""

    def __init__(self, *, domain: str = "127.0.0.1:8000", scheme: str | None = None, api_path: str = "/api/v1",
                 timeout=DEFAULT_SENTINEL, proxies=DEFAULT_SENTINEL, user_agent: str | None = None,
                 ssl_context=DEFAULT_SENTINEL, adapter_factory=None):
        super().__init__(scheme=scheme, timeout=timeout, proxies=proxies, user_agent=user_agent,
                         ssl_context=ssl_context, adapter_factory=adapter_factory)
        self.api = f"{self.scheme}://{domain.strip('/')}{api_path.rstrip('/')}"

    def geocode(self, query: str, *, exactly_one: bool = True, limit: int | None = None, timeout=DEFAULT_SENTINEL):
        params: dict = {"q": query}
        if limit:
            params["limit"] = int(limit)
        url = f"{self.api}/geocode?{urlencode(params)}"
        return self._call_geocoder(url, partial(self._parse, exactly_one=exactly_one), timeout=timeout)

    def reverse(self, query, *, exactly_one: bool = True, max_distance_m: float | None = None, timeout=DEFAULT_SENTINEL):
        """query is geopy's "lat, lon" string, (lat, lon) tuple or Point."""
        point = Point(query)
        params: dict = {"lon": point.longitude, "lat": point.latitude}
        if max_distance_m is not None:
            params["max_distance_m"] = max_distance_m
        url = f"{self.api}/reverse?{urlencode(params)}"
        return self._call_geocoder(url, partial(self._parse, exactly_one=exactly_one), timeout=timeout)

    @staticmethod
    def _parse(data: dict, *, exactly_one: bool):
        results = [r for r in (data or {}).get("results", []) if r.get("lat") is not None]
        locations = [Location(r["address"], (r["lat"], r["lon"]), r) for r in results]
        if not locations:
            return None
        return locations[0] if exactly_one else locations


def external_geocoder(url: str, *, user_agent: str = "e-city-1505", timeout: float = 3.0) -> Nominatim:
    """A geopy Nominatim client for the server at url ("http://host:port[/path]")."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"GEOCODER_FALLBACK_URL must be http(s)://host[:port][/path], not {url!r}")
    return Nominatim(domain=parts.netloc + parts.path.rstrip("/"), scheme=parts.scheme, user_agent=user_agent,
                     timeout=timeout)


def fallback_geocode(query: str, *, limit: int = 1):
    """Ask the external geocoder in settings (if any) → list[GeocodeResult], flagged approximate.

    Each hit is tied to our building under or next to its point (reverse, 50 m) when there is one.
    Network or server errors give an empty list: the fallback never breaks a lookup.
    """
    from django.conf import settings

    url = getattr(settings, "GEOCODER_FALLBACK_URL", "")
    if not url:
        return []
    geocoder = external_geocoder(url, timeout=getattr(settings, "GEOCODER_FALLBACK_TIMEOUT", 3.0))
    try:
        hits = geocoder.geocode(query, exactly_one=False, limit=limit) or []
    except GeopyError:
        return []
    out = []
    for loc in hits[:limit]:
        near = gazetteer.reverse(lon=loc.longitude, lat=loc.latitude)
        out.append(GeocodeResult(
            building_id=near.building_id if near else None,
            address=near.address if near else loc.address,
            street=near.street if near else "",
            street_type=near.street_type if near else "",
            housenumber=near.housenumber if near else "",
            neighbourhood=near.neighbourhood if near else "",
            flat="",
            lon=loc.longitude,
            lat=loc.latitude,
            match=MatchKind.APPROXIMATE,
            score=0.2,
            address_id=near.address_id if near else None,
        ))
    return out
