"""DRF serializers of appeals. Adapters only: the rules live in services and selectors.

Read shapes: AppealSerializer (no personal data fields), AppealPersonalSerializer (adds the
applicant's name, phone, flat and the calls' phones) for roles that work the appeal, and
AppealAnalystSerializer (no personal fields and no free text, which may quote a caller) for
analysts. roles.sees_personal_data decides; views never pick by hand.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from appeals import workflow
from appeals.models import PERSONAL_FIELDS, Appeal, AppealEvent, AppealRoute, Call, Channel, Status
from appeals.phones import phone_problem


class RouteSerializer(serializers.ModelSerializer):
    provider_name = serializers.SerializerMethodField()

    class Meta:
        model = AppealRoute
        fields = ["service_kind", "provider", "provider_name", "outcome", "rule", "reason", "area_id",
                  "assignment_id", "active", "rejected", "rejection_reason", "created_at", "ended_at"]

    def get_provider_name(self, obj: AppealRoute) -> str:
        return str(obj.provider) if obj.provider_id else ""


class AnalystRouteSerializer(RouteSerializer):
    """A route without the provider's free-text rejection reason (it may quote the caller)."""

    class Meta(RouteSerializer.Meta):
        fields = [f for f in RouteSerializer.Meta.fields if f != "rejection_reason"]


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = AppealEvent
        fields = ["at", "actor", "action", "from_status", "to_status", "note"]


class CallSerializer(serializers.ModelSerializer):
    class Meta:
        model = Call
        fields = ["id", "started_at", "phone", "outcome", "consultation_office"]


class AppealSerializer(serializers.ModelSerializer):
    """An appeal without personal data."""

    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    category_name = serializers.CharField(source="category.name_uk", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    lon = serializers.SerializerMethodField()
    lat = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    routes = serializers.SerializerMethodField()
    duplicate_of = serializers.SlugRelatedField(slug_field="number", read_only=True)
    route_serializer_class = RouteSerializer

    class Meta:
        model = Appeal
        fields = ["number", "channel", "category", "category_name", "status", "status_label", "building",
                  "address_text", "lon", "lat", "description", "created_at", "deadline", "deadline_extended",
                  "deadline_extension_reason", "resolved_at", "closed_at", "resolution", "control_level",
                  "escalation_reason", "escalated_at", "plan_date", "rejection_count", "reopen_count",
                  "duplicate_of", "rating", "overdue", "version", "routes"]
        read_only_fields = fields

    def get_lon(self, obj: Appeal) -> float:
        return round(obj.point.x, 6)

    def get_lat(self, obj: Appeal) -> float:
        return round(obj.point.y, 6)

    def get_overdue(self, obj: Appeal) -> bool:
        return obj.is_open and obj.deadline < timezone.now()

    @extend_schema_field(RouteSerializer(many=True))
    def get_routes(self, obj: Appeal) -> list[dict]:
        routes = getattr(obj, "active_routes", None)
        if routes is None:
            routes = obj.routes.filter(active=True).select_related("provider")
        return self.route_serializer_class(routes, many=True).data


class AppealPersonalSerializer(AppealSerializer):
    """An appeal with the applicant's data, for the roles that work it."""

    class Meta(AppealSerializer.Meta):
        fields = AppealSerializer.Meta.fields + list(PERSONAL_FIELDS)
        read_only_fields = fields


class AppealDetailSerializer(AppealSerializer):
    all_routes = RouteSerializer(source="routes", many=True, read_only=True)
    history = EventSerializer(source="events", many=True, read_only=True)
    calls_count = serializers.IntegerField(source="calls.count", read_only=True)
    allowed_transitions = serializers.SerializerMethodField()

    class Meta(AppealSerializer.Meta):
        fields = AppealSerializer.Meta.fields + ["all_routes", "history", "calls_count", "allowed_transitions"]
        read_only_fields = fields

    def get_allowed_transitions(self, obj: Appeal) -> list[str]:
        role = self.context.get("role") or ""
        return workflow.allowed_targets(from_status=obj.status, role=role)


class AnonymousEventSerializer(EventSerializer):
    """History without the free-text note (a note may quote a caller) and without who wrote it."""

    class Meta(EventSerializer.Meta):
        fields = ["at", "action", "from_status", "to_status"]


# Free text a caller dictated may name people or flats: analysts get the structured fields only.
# Free text can carry names and flats ("вул. Дружби 3, кв. 47"): analysts never get it.
FREE_TEXT_FIELDS = ("description", "resolution", "deadline_extension_reason", "address_text")


class AppealAnalystSerializer(AppealSerializer):
    route_serializer_class = AnalystRouteSerializer

    class Meta(AppealSerializer.Meta):
        fields = [f for f in AppealSerializer.Meta.fields if f not in FREE_TEXT_FIELDS]
        read_only_fields = fields


class AppealDetailAnalystSerializer(AppealDetailSerializer):
    history = AnonymousEventSerializer(source="events", many=True, read_only=True)
    all_routes = AnalystRouteSerializer(source="routes", many=True, read_only=True)
    route_serializer_class = AnalystRouteSerializer

    class Meta(AppealDetailSerializer.Meta):
        fields = [f for f in AppealDetailSerializer.Meta.fields if f not in FREE_TEXT_FIELDS]
        read_only_fields = fields


class AppealDetailPersonalSerializer(AppealDetailSerializer):
    calls = CallSerializer(many=True, read_only=True)

    class Meta(AppealDetailSerializer.Meta):
        fields = AppealDetailSerializer.Meta.fields + list(PERSONAL_FIELDS) + ["calls"]
        read_only_fields = fields


class IntakeSerializer(serializers.Serializer):
    """What a dispatcher (or a client system) submits. One of: building, lon+lat, address_text."""

    category = serializers.CharField(help_text="код категорії, напр. no_cold_water")
    address_text = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    building = serializers.IntegerField(required=False, allow_null=True, default=None)
    lon = serializers.FloatField(required=False, allow_null=True, default=None, min_value=-180, max_value=180)
    lat = serializers.FloatField(required=False, allow_null=True, default=None, min_value=-90, max_value=90)
    phone = serializers.CharField(required=False, allow_blank=True, default="", max_length=32)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    flat = serializers.CharField(required=False, allow_blank=True, default="", max_length=16)
    applicant_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.API)
    idempotency_key = serializers.CharField(required=False, allow_blank=True, default="", max_length=64,
                                            help_text="або заголовок Idempotency-Key")
    link_to_appeal = serializers.CharField(required=False, allow_blank=True, default="", max_length=16,
                                           help_text="номер звернення, до якого додати дзвінок")

    def validate_phone(self, value: str) -> str:
        problem = phone_problem(value)
        if problem:
            raise serializers.ValidationError(problem)
        return value

    def validate(self, attrs):
        if (attrs["lon"] is None) != (attrs["lat"] is None):
            raise serializers.ValidationError("lon і lat задаються разом")
        return attrs


class StatusChangeSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Status.choices)
    version = serializers.IntegerField(min_value=1, help_text="версія, яку ви бачили (оптимістичне блокування)")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    resolution = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    duplicate_of = serializers.CharField(required=False, allow_blank=True, default="", max_length=16)
    rating = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1, max_value=5)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()


class RerouteSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    providers = serializers.DictField(child=serializers.IntegerField(), required=False, allow_null=True, default=None,
                                      help_text="{код виду послуги: id виконавця}; без нього — за правилами")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class ExtendSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    deadline = serializers.DateTimeField()
    reason = serializers.CharField(max_length=4000, allow_blank=True)


class PlanSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    plan_date = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
