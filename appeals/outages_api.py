"""REST API of outages: /api/v1/outages. Token or session auth.

POST  /api/v1/outages                  declare (dispatcher, deputy mayor, administrator, or a provider
                                       operator for its own provider only): service_kind, provider?, area
                                       (GeoJSON, EPSG:4326) | buildings (ids) | service_area, expected_end,
                                       kind, cause, note → 201 {id, affected_buildings, affected_residents, …}
GET   /api/v1/outages                  open outages (any staff role)
GET   /api/v1/outages/{id}             one outage with its history
PATCH /api/v1/outages/{id}             expected_end, note, cause, area | buildings, status (confirmed | cancelled)
POST  /api/v1/outages/{id}/resolve     {note, ended_at?}: resolves the linked appeals, notifies subscribers

Errors: {detail (Ukrainian), code (English)}; a refused input creates nothing.
"""

from __future__ import annotations

import json

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from appeals import outage_services, roles, workflow
from appeals.errors import AppealError
from appeals.serializers import ErrorSerializer
from gis.api_errors import error_body
from layers.models import Provider
from outages import selectors as outage_selectors
from outages.errors import OutageError, OutageNotFound
from outages.models import Outage, OutageKind, OutageStatus

DECLARE_ROLES = (workflow.DISPATCHER, workflow.SUPERVISOR, workflow.ADMINISTRATOR, workflow.PROVIDER_OPERATOR)


def _refusal(exc: Exception) -> Response:
    if isinstance(exc, OutageNotFound):
        return Response(error_body(str(exc), code=exc.code), status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, OutageError):
        return Response(error_body(str(exc), code=exc.code), status=status.HTTP_400_BAD_REQUEST)
    return Response(error_body(str(exc), code="invalid"), status=status.HTTP_400_BAD_REQUEST)


def _forbidden(message: str, code: str = "forbidden") -> Response:
    return Response(error_body(message, code=code), status=status.HTTP_403_FORBIDDEN)


class HasStaffRole(permissions.BasePermission):
    message = "потрібна роль у системі звернень"

    def has_permission(self, request, view) -> bool:
        return roles.role_of(request.user) is not None


class OutageWriteSerializer(serializers.Serializer):
    service_kind = serializers.CharField(required=False, help_text="код виду послуги (water, power, …)")
    service_kinds = serializers.ListField(child=serializers.CharField(), required=False,
                                          help_text="кілька видів послуг замість service_kind")
    provider = serializers.IntegerField(required=False, allow_null=True)
    area = serializers.JSONField(required=False, allow_null=True, help_text="геометрія GeoJSON (Polygon / MultiPolygon) в EPSG:4326")
    buildings = serializers.ListField(child=serializers.IntegerField(), required=False, allow_null=True,
                                      help_text="ідентифікатори будинків замість area")
    service_area = serializers.IntegerField(required=False, allow_null=True, help_text="зона обслуговування замість area")
    kind = serializers.ChoiceField(choices=OutageKind.choices, default=OutageKind.EMERGENCY)
    cause = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="", help_text="примітка для мешканців")
    started_at = serializers.DateTimeField(required=False, allow_null=True)
    expected_end = serializers.DateTimeField(required=False, allow_null=True)


class OutagePatchSerializer(serializers.Serializer):
    expected_end = serializers.DateTimeField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True)
    cause = serializers.CharField(required=False, allow_blank=True)
    area = serializers.JSONField(required=False, allow_null=True)
    buildings = serializers.ListField(child=serializers.IntegerField(), required=False, allow_null=True)
    status = serializers.ChoiceField(choices=[OutageStatus.CONFIRMED, OutageStatus.CANCELLED], required=False,
                                     help_text="confirmed: підтвердити імовірне; cancelled: скасувати")


class ResolveSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="",
                                 help_text="що зроблено: стане рішенням пов'язаних звернень")
    ended_at = serializers.DateTimeField(required=False, allow_null=True)


class OutageEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = serializers.CharField(allow_null=True)
    action = serializers.CharField()
    old = serializers.CharField()
    new = serializers.CharField()
    note = serializers.CharField()


class OutageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.CharField()
    service_kinds = serializers.ListField(child=serializers.CharField())
    service_kind_name = serializers.CharField()
    provider = serializers.DictField(allow_null=True)
    cause = serializers.CharField()
    public_note = serializers.CharField()
    notice = serializers.CharField(help_text="те, що читає диспетчер першим")
    area = serializers.DictField(help_text="GeoJSON, EPSG:4326")
    area_source = serializers.CharField()
    started_at = serializers.DateTimeField()
    expected_end = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    affected_buildings = serializers.IntegerField()
    affected_flats = serializers.IntegerField()
    affected_residents = serializers.IntegerField()
    detected_buildings = serializers.IntegerField()
    detected_appeals = serializers.IntegerField()
    repaired = serializers.BooleanField(required=False)
    notes = serializers.ListField(child=serializers.CharField(), required=False)
    history = OutageEventSerializer(many=True, required=False)


def outage_dict(o: Outage, *, history: bool = False, repaired: bool = False, notes=()) -> dict:
    """An outage for staff (no personal data: subscriptions and callers are not in it)."""
    kinds = sorted(o.service_kinds.all(), key=lambda k: k.code)
    body = {
        "id": o.pk, "kind": o.kind, "status": o.status, "service_kinds": [k.code for k in kinds],
        "service_kind_name": ", ".join(k.name_uk for k in kinds),
        "provider": {"id": o.provider.pk, "name": str(o.provider)} if o.provider_id else None,
        "cause": o.cause, "public_note": o.public_note, "notice": outage_services.outage_notice(o),
        "area": json.loads(o.area.json), "area_source": o.area_source,
        "started_at": o.started_at.isoformat(), "expected_end": o.expected_end.isoformat() if o.expected_end else None,
        "ended_at": o.ended_at.isoformat() if o.ended_at else None,
        "affected_buildings": o.affected_buildings, "affected_flats": o.affected_flats,
        "affected_residents": o.affected_residents, "detected_buildings": o.detected_buildings,
        "detected_appeals": o.detected_appeals, "repaired": repaired, "notes": list(notes),
    }
    if history:
        body["history"] = [{"at": e.at.isoformat(), "actor": e.actor.get_username() if e.actor_id else None,
                            "action": e.action, "old": e.old, "new": e.new, "note": e.note}
                           for e in o.events.select_related("actor").order_by("at", "id")]
    return body


def _may_write(user, *, provider_id: int | None) -> Response | None:
    """None if the user may declare or change an outage of this provider; else the 403 answer."""
    role = roles.role_of(user)
    if role not in DECLARE_ROLES:
        return _forbidden("оголошує відключення диспетчер, заступник міського голови або виконавець (свої)")
    if role == workflow.PROVIDER_OPERATOR:
        own = roles.provider_of(user)
        if own is None or provider_id != own.pk:
            return _forbidden("оператор виконавця оголошує відключення лише своєї мережі", code="not_own_provider")
    return None


_EXAMPLE = OpenApiExample("вода, намальована територія", value={
    "service_kind": "water", "provider": 3, "kind": "emergency", "expected_end": "2026-12-03T14:00:00+02:00",
    "note": "Пошкодження водогону, працює аварійна бригада",
    "area": {"type": "Polygon", "coordinates": [[[37.55, 48.73], [37.56, 48.73], [37.56, 48.74], [37.55, 48.73]]]}},
    request_only=True)


class OutageListView(APIView):
    permission_classes = [HasStaffRole]

    @extend_schema(responses={200: OutageSerializer(many=True), 403: ErrorSerializer},
                   summary="Відкриті відключення (імовірні та підтверджені)")
    def get(self, request: Request) -> Response:
        return Response([outage_dict(o) for o in outage_selectors.open_outages()])

    @extend_schema(request=OutageWriteSerializer, examples=[_EXAMPLE],
                   responses={201: OutageSerializer, 400: ErrorSerializer, 403: ErrorSerializer},
                   summary="Оголосити відключення (area, buildings або service_area)")
    def post(self, request: Request) -> Response:
        form = OutageWriteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        d = form.validated_data
        provider_id = d.get("provider")
        if roles.role_of(request.user) == workflow.PROVIDER_OPERATOR and provider_id is None:
            own = roles.provider_of(request.user)
            provider_id = own.pk if own else None
        refused = _may_write(request.user, provider_id=provider_id)
        if refused is not None:
            return refused
        if provider_id is not None and not Provider.objects.filter(pk=provider_id).exists():
            return Response(error_body(f"немає виконавця №{provider_id}", code="unknown_provider"), status=400)
        kinds = d.get("service_kinds") or ([d["service_kind"]] if d.get("service_kind") else [])
        try:
            result = outage_services.outage_services.declare_outage(
                service_kinds=kinds, actor=request.user, provider=provider_id, area_geojson=d.get("area"),
                building_ids=d.get("buildings"), service_area=d.get("service_area"), kind=d["kind"],
                cause=d["cause"], public_note=d["note"], started_at=d.get("started_at"),
                expected_end=d.get("expected_end"))
        except OutageError as exc:
            return _refusal(exc)
        o = outage_selectors.get_outage(outage_id=result.outage.pk)
        return Response(outage_dict(o, history=True, repaired=result.repaired, notes=result.notes),
                        status=status.HTTP_201_CREATED)


class OutageDetailView(APIView):
    permission_classes = [HasStaffRole]

    @extend_schema(responses={200: OutageSerializer, 404: ErrorSerializer}, summary="Відключення з історією")
    def get(self, request: Request, outage_id: int) -> Response:
        try:
            o = outage_selectors.get_outage(outage_id=outage_id)
        except OutageNotFound as exc:
            return _refusal(exc)
        return Response(outage_dict(o, history=True))

    @extend_schema(request=OutagePatchSerializer,
                   responses={200: OutageSerializer, 400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer},
                   summary="Змінити відключення (очікуване відновлення, територію, примітку) або підтвердити / скасувати")
    def patch(self, request: Request, outage_id: int) -> Response:
        form = OutagePatchSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        d = form.validated_data
        try:
            o = outage_selectors.get_outage(outage_id=outage_id)
            refused = _may_write(request.user, provider_id=o.provider_id)
            if refused is not None:
                return refused
            changes = {}
            if "expected_end" in d:
                changes["expected_end"] = d["expected_end"]
            if "note" in d:
                changes["public_note"] = d["note"]
            if "cause" in d:
                changes["cause"] = d["cause"]
            if d.get("area") is not None:
                changes["area_geojson"] = d["area"]
            if d.get("buildings") is not None:
                changes["building_ids"] = d["buildings"]
            result = None
            if changes:
                result = outage_services.change_outage(outage=o, actor=request.user, **changes)
            if d.get("status") == OutageStatus.CONFIRMED:
                outage_services.confirm_outage(outage=o, actor=request.user)
            elif d.get("status") == OutageStatus.CANCELLED:
                outage_services.cancel_outage(outage=o, actor=request.user, note=d.get("note", ""))
        except (OutageError, AppealError) as exc:
            return _refusal(exc)
        o = outage_selectors.get_outage(outage_id=outage_id)
        return Response(outage_dict(o, history=True, repaired=bool(result and result.repaired),
                                    notes=result.notes if result else ()))


class OutageResolveView(APIView):
    permission_classes = [HasStaffRole]

    @extend_schema(request=ResolveSerializer,
                   responses={200: OutageSerializer, 400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer},
                   summary="Відключення усунуто: пов'язані звернення виконано, підписників повідомлено")
    def post(self, request: Request, outage_id: int) -> Response:
        form = ResolveSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        d = form.validated_data
        try:
            o = outage_selectors.get_outage(outage_id=outage_id)
            refused = _may_write(request.user, provider_id=o.provider_id)
            if refused is not None:
                return refused
            result = outage_services.resolve_outage(outage=o, actor=request.user, note=d["note"],
                                                    ended_at=d.get("ended_at"))
        except (OutageError, AppealError) as exc:
            return _refusal(exc)
        body = outage_dict(outage_selectors.get_outage(outage_id=outage_id), history=True)
        body["appeals_resolved"] = result.appeals_resolved
        body["notified"] = result.notified
        return Response(body)
