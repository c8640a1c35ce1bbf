""""Who serves this address": GET /api/v1/lookup and the dispatcher page /dispatch/lookup.

The view only adapts: geocoding.services finds the building, layers.routing decides per service kind.

    GET /api/v1/lookup?q=Паркова 12        (any spelling geocoding accepts, Ukrainian or Russian)
    GET /api/v1/lookup?lon=37.55&lat=48.73 (the building there, or the bare point)
    GET /api/v1/lookup?building=42
    optional: at=YYYY-MM-DD (areas valid at that date), geometry=1 (GeoJSON of the building and its areas)

400 on bad input, 404 when no building or point is found; never 500 for what a caller types.

Public, with one difference by caller (decided for issue 9): staff in a role get every provider's phones;
anyone else gets the public variant, where the phones of homeowners' associations (ОСББ) are left out
(``phones_hidden: true``): an ОСББ's "dispatch phone" is usually its chair's own mobile. Residents reach
an ОСББ through the 1505 line, whose dispatchers see the number.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.contrib.gis.geos import Point
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from geocoding import services as geocoding
from gis.api_errors import error_body
from gis.geometry import GeometryError, parse_lon_lat
from gis.srid import STORAGE_SRID
from layers import routing
from layers.models import Building, Provider, ProviderKind, ServiceArea
from webmap import access


def _error(status: int, message: str, *, code: str, **extra: object) -> JsonResponse:
    return JsonResponse({**error_body(message, code=code), **extra}, status=status,
                        json_dumps_params={"ensure_ascii": False})


# Provider kinds whose phones are a private person's (an ОСББ's chair): staff only.
PRIVATE_PHONE_KINDS = (ProviderKind.CONDOMINIUM,)


def _provider(p: Provider | None, kind_names: dict[str, str], *, staff: bool = True) -> dict | None:
    if p is None:
        return None
    hidden = not staff and p.kind in PRIVATE_PHONE_KINDS
    return {"id": p.pk, "name": p.name, "short_name": p.short_name, "kind": p.kind,
            "kind_name": kind_names.get(p.kind, p.kind),
            "phones": [] if hidden else list(p.phones or []), "hours": p.hours, "is_24_7": p.is_24_7,
            "emergency_phone": "" if hidden else p.emergency_phone, "phones_hidden": hidden}


def _building(b: routing.BuildingBrief) -> dict:
    return {"id": b.id, "address": b.address, "lon": round(b.lon, 7), "lat": round(b.lat, 7),
            "kind": b.kind, "floors": b.floors, "flats": b.flats, "neighbourhood": b.neighbourhood or ""}


def _services(decisions: list[routing.Decision], *, staff: bool = True) -> list[dict]:
    names = routing.service_kind_names()
    # get_kind_display() re-hashes the lazy choices on every call; translate them once per response.
    kind_names = {value: str(label) for value, label in ProviderKind.choices}
    return [
        {"service_kind": d.service_kind, "service_kind_name": names.get(d.service_kind, d.service_kind),
         "provider": _provider(d.provider, kind_names, staff=staff), "outcome": d.outcome, "rule": d.rule, "reason": d.reason,
         "area_id": d.area_id, "assignment_id": d.assignment_id,
         "candidates": [_provider(c, kind_names, staff=staff) for c in d.candidates]}
        for d in decisions
    ]


def _outages(*, building: routing.BuildingBrief | None, lon: float, lat: float) -> list[dict]:
    """Active outages covering the building (its precomputed rows, one prepared statement) or the bare point."""
    from outages import selectors as outage_selectors

    out = []
    if building is not None:
        for o in outage_selectors.active_outages_brief_at(building_id=building.id):
            out.append(_outage(o, kinds=list(o.kind_codes), kind_name=outage_selectors.service_kind_label(o),
                               provider={"id": o.provider_id, "name": o.provider_name} if o.provider_id else None))
        return out
    for o in outage_selectors.active_outages_at(lon=lon, lat=lat):
        kinds = sorted(o.service_kinds.all(), key=lambda k: k.code)
        out.append(_outage(o, kinds=[k.code for k in kinds], kind_name=", ".join(k.name_uk for k in kinds),
                           provider={"id": o.provider.pk, "name": str(o.provider)} if o.provider_id else None))
    return out


def _outage(o, *, kinds: list[str], kind_name: str, provider: dict | None) -> dict:
    return {"id": o.id, "kind": o.kind, "status": o.status, "service_kinds": kinds,
            "service_kind_name": kind_name, "provider": provider,
            "started_at": timezone.localtime(o.started_at).isoformat(),
            "expected_end": timezone.localtime(o.expected_end).isoformat() if o.expected_end else None,
            "public_note": o.public_note}


def _geometry(*, building: routing.BuildingBrief | None, lon: float, lat: float, at: dt.date) -> dict:
    """The building footprint and every area covering the point valid at the date, as GeoJSON features."""
    features = []
    if building is not None:
        geom = Building.objects.only("geom").get(pk=building.id).geom
        features.append({"type": "Feature", "geometry": _geojson(geom),
                         "properties": {"layer": "building", "id": building.id, "address": building.address}})
    point = Point(lon, lat, srid=STORAGE_SRID)
    areas = (ServiceArea.objects.filter(parts__geom__covers=point).distinct().select_related("provider")
             .prefetch_related("service_kinds").order_by("id"))
    for a in areas:
        if (a.valid_from and a.valid_from > at) or (a.valid_to and a.valid_to < at):
            continue
        features.append({"type": "Feature", "geometry": _geojson(a.geom.simplify(0.00002, preserve_topology=True)),
                         "properties": {"layer": "area", "id": a.pk, "name": a.name, "provider": str(a.provider),
                                        "service_kinds": sorted(k.code for k in a.service_kinds.all()),
                                        "priority": a.priority}})
    return {"type": "FeatureCollection", "features": features}


def _geojson(geom) -> dict:
    import json

    return json.loads(geom.geojson)


@require_GET
def lookup_api(request):
    """GET /api/v1/lookup: one entry per service kind with the provider, outcome and the reason."""
    params = request.GET
    at = timezone.localdate()
    if params.get("at"):
        try:
            at = dt.date.fromisoformat(params["at"])
        except ValueError:
            return _error(400, _("Параметр at: очікується дата РРРР-ММ-ДД."), code="invalid_date")
    building: routing.BuildingBrief | None = None
    decisions: list[routing.Decision] = []
    geocoded: dict | None = None
    if params.get("building"):
        try:
            building_id = int(params["building"])
        except ValueError:
            return _error(400, _("Параметр building: очікується цілий номер будинку в реєстрі."), code="invalid_building")
        building, decisions = routing.route_building_id(building_id=building_id, at=at)
        if building is None:
            return _error(404, _("Такого будинку в реєстрі немає."), code="building_not_found")
        lon, lat = building.lon, building.lat
    elif params.get("q") is not None:
        try:
            results = geocoding.geocode(query=params["q"], limit=5)
        except geocoding.InvalidQuery as exc:
            return _error(400, str(exc), code="invalid_query")
        if results and results[0].match == "ambiguous":
            # Never pick one of several streets silently: the caller (a dispatcher) chooses.
            return _error(300, _("Адреса неоднозначна: підходять кілька вулиць; додайте мікрорайон або оберіть кандидата."),
                          code="ambiguous_address",
                          candidates=[r.as_dict() for r in results])
        found = next((r for r in results if r.building_id is not None or r.address_id is not None), None)
        if found is None:
            return _error(404, _("Адресу не знайдено."), code="address_not_found", candidates=[r.as_dict() for r in results])
        if found.building_id is not None:
            building, decisions = routing.route_building_id(building_id=found.building_id, at=at)
            if building is None:  # the gazetteer is a moment behind a deletion
                return _error(404, _("Адресу не знайдено."), code="address_not_found")
            lon, lat = building.lon, building.lat
        else:  # an address point with no building outline: routed by its point
            lon, lat = found.lon, found.lat
        geocoded = {"match": found.match, "score": found.score, "address": found.address, "flat": found.flat,
                    "address_id": found.address_id,
                    "alternatives": [r.as_dict() for r in results if r is not found]}
    elif params.get("lon") is not None or params.get("lat") is not None:
        try:
            lon, lat = parse_lon_lat(params.get("lon"), params.get("lat"))
        except GeometryError:
            return _error(400, _("lon і lat: очікуються числа, довгота від -180 до 180, широта від -90 до 90."),
                          code="invalid_coordinates")
        near = geocoding.reverse(lon=lon, lat=lat, max_distance_m=50)
        if near is not None and near.inside:
            building, decisions = routing.route_building_id(building_id=near.building_id, at=at)
    else:
        return _error(400, _("Вкажіть q (адресу), lon і lat або building."), code="missing_parameters")

    if building is None:
        decisions = routing.route_point(lon=lon, lat=lat, at=at)
    body = {
        "building": _building(building) if building is not None else None,
        "point": {"lon": round(lon, 7), "lat": round(lat, 7)},
        "at": at.isoformat(),
        "geocoding": geocoded,
        "services": _services(decisions, staff=access.is_staff_member(request.user)),
        "outages": _outages(building=building, lon=lon, lat=lat),
    }
    if params.get("geometry") in {"1", "true", "yes"}:
        body["geometry"] = _geometry(building=building, lon=lon, lat=lat, at=at)
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


@login_required
@require_GET
def lookup_page(request):
    """GET /dispatch/lookup: the dispatcher's "who serves this address" map."""
    text = {
        "notFound": _("Адресу не знайдено"),
        "error": _("Помилка"),
        "ambiguous": _("Кілька вулиць з такою назвою, уточніть мікрорайон"),
        "noBuilding": _("Будинку тут немає; показано виконавців для точки"),
        "nobody": _("не визначено"),
        "outcomes": {"assigned": "", "gap": _("прогалина: потрібне рішення людини"),
                     "overlap": _("перекриття: потрібне рішення людини")},
        "suggest": _("пропозиція"),
        "h24": _("цілодобово"),
    }
    return render(request, "webmap/lookup.html", {"q": request.GET.get("q", ""), "lookup_text": text})
