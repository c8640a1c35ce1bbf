"""REST API of appeals: /api/v1/appeals. Token or session auth; every answer honours the user's role.

GET  /api/v1/appeals                     list (paginated; filters: number, phone, address, building,
                                         provider, status (comma list), category, created_from,
                                         created_to (YYYY-MM-DD), overdue, control_level)
POST /api/v1/appeals                     intake (dispatchers); Idempotency-Key header or field
GET  /api/v1/appeals/<number>            one appeal with its routes and history
POST /api/v1/appeals/<number>/status     {to, version, ...}: 200, 400 invalid, 403 role, 404 scope, 409 stale
POST /api/v1/appeals/<number>/reroute    {version, providers?, note}: by the rules, or to chosen providers
POST /api/v1/appeals/<number>/extend     {version, deadline, reason}: at most 45 days in total
POST /api/v1/appeals/<number>/plan       {version, plan_date, note}: second-level control (supervisors)
GET  /api/v1/appeals/duplicates          likely duplicates for (category, building | lon+lat)

An appeal outside the user's scope is a 404, never a 403: its existence is not told.
"""

from __future__ import annotations

from datetime import date

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from appeals import access_log, roles, selectors, services, workflow
from appeals.errors import AddressNotFound, AppealError, AppealNotFound, Conflict, NotAllowed
from appeals.serializers import (
    AppealAnalystSerializer,
    AppealDetailAnalystSerializer,
    AppealDetailPersonalSerializer,
    AppealPersonalSerializer,
    AppealSerializer,
    ErrorSerializer,
    ExtendSerializer,
    IntakeSerializer,
    PlanSerializer,
    RerouteSerializer,
    StatusChangeSerializer,
)
from layers.models import Building, Category

_HTTP = [(Conflict, status.HTTP_409_CONFLICT), (AppealNotFound, status.HTTP_404_NOT_FOUND),
         (NotAllowed, status.HTTP_403_FORBIDDEN)]


def error_response(exc: Exception) -> Response:
    """A refusal of the appeals app as an HTTP answer: {detail, code}."""
    code = status.HTTP_400_BAD_REQUEST
    for cls, http in _HTTP:
        if isinstance(exc, cls):
            code = http
            break
    return Response({"detail": str(exc), "code": type(exc).__name__}, status=code)


_REFUSALS = (AppealError, workflow.WorkflowError, services.DeadlineError)


class HasAppealsRole(permissions.BasePermission):
    """Signed in and in one of the five roles."""

    message = "потрібна роль у системі звернень"

    def has_permission(self, request, view) -> bool:
        return roles.role_of(request.user) is not None


class AppealPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def _date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError({name: "очікується дата YYYY-MM-DD"}) from exc


def _int(value: str | None, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise ValidationError({name: "очікується ціле число"}) from exc


def _list_serializer(user):
    return AppealPersonalSerializer if roles.sees_personal_data(user) else AppealAnalystSerializer


def _detail_serializer(user):
    return AppealDetailPersonalSerializer if roles.sees_personal_data(user) else AppealDetailAnalystSerializer


_FILTERS = [
    OpenApiParameter("number", str), OpenApiParameter("phone", str), OpenApiParameter("address", str),
    OpenApiParameter("building", int), OpenApiParameter("provider", int),
    OpenApiParameter("status", str, description="через кому"), OpenApiParameter("category", str),
    OpenApiParameter("created_from", date), OpenApiParameter("created_to", date),
    OpenApiParameter("overdue", bool), OpenApiParameter("control_level", int),
]


class AppealListView(APIView):
    permission_classes = [HasAppealsRole]

    @extend_schema(parameters=_FILTERS, responses={200: AppealPersonalSerializer(many=True), 400: ErrorSerializer},
                   summary="Звернення в межах ролі користувача")
    def get(self, request: Request) -> Response:
        q = request.query_params
        statuses = tuple(s for s in (q.get("status") or "").split(",") if s)
        filters = selectors.SearchFilters(
            number=q.get("number", ""), phone=q.get("phone", ""), address=q.get("address", ""),
            building_id=_int(q.get("building"), "building"), provider_id=_int(q.get("provider"), "provider"),
            status=statuses, category=q.get("category", ""), created_from=_date(q.get("created_from"), "created_from"),
            created_to=_date(q.get("created_to"), "created_to"),
            overdue=True if q.get("overdue") in ("1", "true") else None,
            control_level=_int(q.get("control_level"), "control_level"),
        )
        if filters.phone and not roles.sees_personal_data(request.user):
            # Searching by phone would let an analyst learn who called: not their business.
            return error_response(NotAllowed("пошук за телефоном недоступний для цієї ролі"))
        if filters.phone:
            access_log.log_phone_search(user=request.user, phone=filters.phone, where="api", request=request)
        paginator = AppealPagination()
        page = paginator.paginate_queryset(selectors.search_appeals(user=request.user, filters=filters), request)
        return paginator.get_paginated_response(_list_serializer(request.user)(page, many=True).data)

    @extend_schema(request=IntakeSerializer, responses={201: AppealPersonalSerializer, 200: AppealPersonalSerializer,
                                                       400: ErrorSerializer, 403: ErrorSerializer},
                   parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
                   summary="Зареєструвати звернення (або додати дзвінок до наявного)")
    def post(self, request: Request) -> Response:
        if roles.role_of(request.user) not in (workflow.DISPATCHER, workflow.SUPERVISOR, workflow.ADMINISTRATOR):
            return error_response(NotAllowed("реєструє звернення диспетчер"))
        form = IntakeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        d = form.validated_data
        category = Category.objects.filter(code=d["category"]).first()
        if category is None:
            return Response({"detail": f"невідома категорія «{d['category']}»", "code": "ValidationError"},
                            status=status.HTTP_400_BAD_REQUEST)
        key = request.headers.get("Idempotency-Key") or d["idempotency_key"] or None
        try:
            result = services.register_intake(
                dispatcher=request.user, category=category, phone=d["phone"], address_text=d["address_text"],
                building=d["building"], lon=d["lon"], lat=d["lat"], description=d["description"], flat=d["flat"],
                applicant_name=d["applicant_name"], channel=d["channel"], idempotency_key=key,
                link_to_appeal=d["link_to_appeal"] or None,
            )
        except Building.DoesNotExist:
            return error_response(AddressNotFound("такого будинку немає"))
        except _REFUSALS as exc:
            return error_response(exc)
        appeal = selectors.appeal_detail(user=request.user, appeal=result.appeal.number)
        data = AppealPersonalSerializer(appeal).data
        data["created"] = result.created
        data["replayed"] = result.replayed
        return Response(data, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


class AppealDetailView(APIView):
    permission_classes = [HasAppealsRole]

    @extend_schema(responses={200: AppealDetailPersonalSerializer, 404: ErrorSerializer},
                   summary="Звернення за номером")
    def get(self, request: Request, number: str) -> Response:
        try:
            appeal = selectors.appeal_detail(user=request.user, appeal=number)
        except AppealNotFound as exc:
            return error_response(exc)
        access_log.log_card_read(user=request.user, appeal=appeal, request=request, where="api")
        serializer = _detail_serializer(request.user)(appeal, context={"role": roles.role_of(request.user)})
        return Response(serializer.data)


class AppealStatusView(APIView):
    permission_classes = [HasAppealsRole]

    @extend_schema(request=StatusChangeSerializer,
                   responses={200: AppealPersonalSerializer, 400: ErrorSerializer, 403: ErrorSerializer,
                              404: ErrorSerializer, 409: ErrorSerializer},
                   summary="Змінити стан (з версією, яку ви бачили)")
    def post(self, request: Request, number: str) -> Response:
        form = StatusChangeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        d = form.validated_data
        try:
            # Scope first: outside it the answer is 404 whatever the body says.
            appeal = selectors.appeal_detail(user=request.user, appeal=number)
            services.change_status(appeal=appeal, actor=request.user, to_status=d["to"], version=d["version"],
                                   note=d["note"], reason=d["reason"], resolution=d["resolution"],
                                   duplicate_of=d["duplicate_of"] or None, rating=d["rating"])
        except _REFUSALS as exc:
            return error_response(exc)
        appeal = selectors.appeal_detail(user=request.user, appeal=number)
        return Response(_list_serializer(request.user)(appeal).data)


class DuplicatesView(APIView):
    permission_classes = [HasAppealsRole]

    @extend_schema(parameters=[OpenApiParameter("category", str, required=True), OpenApiParameter("building", int),
                               OpenApiParameter("lon", float), OpenApiParameter("lat", float)],
                   responses={200: AppealSerializer(many=True), 400: ErrorSerializer},
                   summary="Ймовірні дублікати (48 год; 150 м для вуличних); аналітику без вільного тексту")
    def get(self, request: Request) -> Response:
        q = request.query_params
        category = Category.objects.filter(code=q.get("category", "")).first()
        if category is None:
            raise ValidationError({"category": "невідома категорія"})
        building_id = _int(q.get("building"), "building")
        building = Building.objects.filter(pk=building_id).first() if building_id else None
        try:
            lon = float(q["lon"]) if q.get("lon") else None
            lat = float(q["lat"]) if q.get("lat") else None
        except ValueError as exc:
            raise ValidationError({"lon": "очікується число"}) from exc
        found = selectors.duplicate_candidates(category=category, building=building, lon=lon, lat=lat)
        visible = set(roles.scope_appeals(user=request.user).filter(pk__in=[a.pk for a in found])
                      .values_list("pk", flat=True))
        # No personal data for anyone here (the number is enough to link a call); analysts get no free text.
        shape = AppealSerializer if roles.sees_personal_data(request.user) else AppealAnalystSerializer
        return Response(shape([a for a in found if a.pk in visible], many=True).data)


class _AppealActionView(APIView):
    """POST one action with the version the client saw; the same answers as the status change."""

    permission_classes = [HasAppealsRole]
    form_class: type

    def act(self, *, user, appeal, data) -> None:
        raise NotImplementedError

    def post(self, request: Request, number: str) -> Response:
        form = self.form_class(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            appeal = selectors.appeal_detail(user=request.user, appeal=number)
            self.act(user=request.user, appeal=appeal, data=form.validated_data)
        except _REFUSALS as exc:
            return error_response(exc)
        appeal = selectors.appeal_detail(user=request.user, appeal=number)
        return Response(_list_serializer(request.user)(appeal).data)


_ACTION_RESPONSES = {200: AppealPersonalSerializer, 400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer,
                     409: ErrorSerializer}


class AppealRerouteView(_AppealActionView):
    form_class = RerouteSerializer

    @extend_schema(request=RerouteSerializer, responses=_ACTION_RESPONSES, summary="Перенаправити звернення")
    def post(self, request: Request, number: str) -> Response:
        return super().post(request, number)

    def act(self, *, user, appeal, data) -> None:
        services.reroute(appeal=appeal, actor=user, version=data["version"], providers=data["providers"],
                         note=data["note"])


class AppealExtendView(_AppealActionView):
    form_class = ExtendSerializer

    @extend_schema(request=ExtendSerializer, responses=_ACTION_RESPONSES, summary="Продовжити строк (з підставою)")
    def post(self, request: Request, number: str) -> Response:
        return super().post(request, number)

    def act(self, *, user, appeal, data) -> None:
        services.extend_deadline(appeal=appeal, actor=user, version=data["version"], new_deadline=data["deadline"],
                                 reason=data["reason"])


class AppealPlanView(_AppealActionView):
    form_class = PlanSerializer

    @extend_schema(request=PlanSerializer, responses=_ACTION_RESPONSES, summary="Планова дата (контроль 2 рівня)")
    def post(self, request: Request, number: str) -> Response:
        return super().post(request, number)

    def act(self, *, user, appeal, data) -> None:
        services.set_plan_date(appeal=appeal, actor=user, version=data["version"], plan_date=data["plan_date"],
                               note=data["note"])
