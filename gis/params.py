"""Query parameters the public APIs share, and the 400 a malformed one gets.

>>> parse_bbox("37.5,48.7,37.6,48.8")
(37.5, 48.7, 37.6, 48.8)
>>> parse_bbox("37.6,48.7,37.5,48.8")
Traceback (most recent call last):
...
gis.params.BadParameter: bbox порожній або поза межами градусів.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from gis.api_errors import error_json


class BadParameter(ValueError):
    """A malformed query parameter, answered with 400 {detail (Ukrainian), code}."""

    def __init__(self, detail: str, *, code: str = "invalid_parameter"):
        super().__init__(detail)
        self.code = code

    def response(self):
        return error_json(str(self), code=self.code)


def parse_bbox(value: str | None) -> tuple[float, float, float, float]:
    """'west,south,east,north' in lon/lat (EPSG:4326) → a tuple; rejects anything else."""
    try:
        west, south, east, north = (float(v) for v in (value or "").split(","))
    except ValueError as exc:
        raise BadParameter(_("bbox: чотири числа через кому — захід,південь,схід,північ у градусах (lon, lat)."),
                           code="invalid_bbox") from exc
    if not (-180 <= west < east <= 180 and -85.06 <= south < north <= 85.06):
        raise BadParameter(_("bbox порожній або поза межами градусів."), code="invalid_bbox")
    return west, south, east, north
