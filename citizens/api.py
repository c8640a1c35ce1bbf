"""The outbound-call queue for a PBX auto-dialler (Asterisk and the like): pull whom to call, report back.

Authentication: `Authorization: Bearer <PBX_API_TOKEN>` (settings; empty turns the API off). The dialler
is a machine, not a person: it gets phone numbers (it has to dial them) and nothing else personal.

    GET  /api/v1/callbacks/queue?limit=20 → {"results": [{"number", "phone", "category", "resolved_at",
                                              "attempts", "version", "script"}]}
    POST /api/v1/callbacks/<number>/result {"outcome": "confirmed"|"disputed"|"no_answer",
                                              "rating": 1-5 (optional), "comment": "...", "version": n}
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from appeals import confirmation
from appeals.errors import AppealError, AppealNotFound, Conflict

SCRIPT = ("Добрий день! Контакт-центр 1505, м. Краматорськ. Ви зверталися щодо «{category}» (звернення {number}). "
          "Виконавець повідомив, що проблему усунуто. Чи це так? Оцініть, будь ласка, роботу від 1 до 5.")


class PbxToken(permissions.BasePermission):
    message = {"detail": "потрібен токен автодозвону", "code": "pbx_token_required"}

    def has_permission(self, request, view) -> bool:
        token = settings.PBX_API_TOKEN
        given = request.headers.get("Authorization", "")
        return bool(token) and given.startswith("Bearer ") and hmac.compare_digest(given[7:].strip(), token)


class ErrorOut(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()


class QueueItem(serializers.Serializer):
    number = serializers.CharField()
    phone = serializers.CharField()
    category = serializers.CharField()
    resolved_at = serializers.DateTimeField()
    attempts = serializers.IntegerField()
    version = serializers.IntegerField()
    script = serializers.CharField()


class ResultIn(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=["confirmed", "disputed", "no_answer"])
    rating = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")
    version = serializers.IntegerField(required=False)


def _error(detail: str, code: str, status: int) -> Response:
    return Response({"detail": detail, "code": code}, status=status)


def script_for(appeal) -> str:
    return SCRIPT.format(category=appeal.category.name_uk, number=appeal.number)


class CallbackQueueView(APIView):
    authentication_classes: list = []
    permission_classes = [PbxToken]

    @extend_schema(summary="Черга передзвонів для автодозвону (найстаріші спершу)",
                   parameters=[OpenApiParameter("limit", int, description="скільки (1–100, типово 20)")],
                   responses={200: inline_serializer("CallbackQueue", {"results": QueueItem(many=True)}),
                              403: ErrorOut})
    def get(self, request):
        try:
            limit = max(1, min(100, int(request.query_params.get("limit", "20"))))
        except ValueError:
            return _error("limit — ціле число", "invalid_limit", 400)
        rows = confirmation.callback_worklist(now=timezone.now(), limit=limit)
        return Response({"results": [
            {"number": a.number, "phone": a.applicant_phone, "category": a.category.name_uk,
             "resolved_at": a.resolved_at, "attempts": a.callback_attempts, "version": a.version,
             "script": script_for(a)} for a in rows]})


class CallbackResultView(APIView):
    authentication_classes: list = []
    permission_classes = [PbxToken]

    @extend_schema(summary="Результат дзвінка автодозвону", request=ResultIn,
                   responses={200: inline_serializer("CallbackResult", {
                       "number": serializers.CharField(), "status": serializers.CharField(),
                       "confirmation": serializers.CharField()}),
                       400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut})
    def post(self, request, number: str):
        body = ResultIn(data=request.data)
        if not body.is_valid():
            return _error("некоректний запит: " + "; ".join(f"{k}: {v[0]}" for k, v in body.errors.items()),
                          "invalid", 400)
        d = body.validated_data
        kwargs = {"appeal": number, "source": "pbx", "version": d.get("version")}
        try:
            if d["outcome"] == "confirmed":
                appeal = confirmation.confirm(rating=d.get("rating"), comment=d["comment"], **kwargs)
            elif d["outcome"] == "disputed":
                appeal = confirmation.dispute(rating=d.get("rating"), comment=d["comment"] or "не виконано (автодозвон)",
                                              **kwargs)
            else:
                appeal = confirmation.no_answer(**kwargs)
        except AppealNotFound as exc:
            return _error(str(exc), "not_found", 404)
        except Conflict as exc:
            return _error(str(exc), "conflict", 409)
        except (confirmation.ConfirmationError, AppealError) as exc:
            return _error(str(exc), "not_awaiting_confirmation", 409)
        return Response({"number": appeal.number, "status": appeal.status, "confirmation": appeal.confirmation})
