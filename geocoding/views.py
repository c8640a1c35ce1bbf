"""GET /api/v1/geocode, /api/v1/reverse, /api/v1/suggest: thin adapters over geocoding.services.

Bad input is a 400 with {"detail": Ukrainian text, "code": English code, "errors": {field: [...]}}
(gis.api_errors); no result is 200 with an empty list; never a 500.
"""

from __future__ import annotations

import re

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from geocoding import services
from geocoding.normalize import parse_address
from geocoding.services import MAX_QUERY_LENGTH, InvalidQuery, MatchKind
from gis.api_errors import error_body, invalid_input_body


class GeocodeQuery(serializers.Serializer):
    q = serializers.CharField(max_length=MAX_QUERY_LENGTH, trim_whitespace=True,
                              help_text="Адреса як її сказали: «ул. Парковая 12а», «пос. Семеновка, Школьная 4».")
    limit = serializers.IntegerField(min_value=1, max_value=50, default=5, required=False)


class SuggestQuery(serializers.Serializer):
    q = serializers.CharField(max_length=MAX_QUERY_LENGTH, trim_whitespace=True, help_text="Те, що вже введено.")
    limit = serializers.IntegerField(min_value=1, max_value=50, default=10, required=False)


class ReverseQuery(serializers.Serializer):
    lon = serializers.FloatField(min_value=-180, max_value=180)
    lat = serializers.FloatField(min_value=-90, max_value=90)
    max_distance_m = serializers.FloatField(min_value=0, max_value=1000, default=50, required=False)


class GeocodeResultOut(serializers.Serializer):
    building_id = serializers.IntegerField(allow_null=True, help_text="Будинок; null — адресна точка без будинку або вулиця")
    address_id = serializers.IntegerField(allow_null=True, help_text="Знайдена адреса (у будинку їх може бути кілька)")
    address = serializers.CharField(help_text="Канонічна українська адреса")
    street = serializers.CharField(help_text="Назва без типу")
    street_type = serializers.CharField(help_text="вулиця, провулок, проспект, …")
    housenumber = serializers.CharField()
    neighbourhood = serializers.CharField()
    flat = serializers.CharField()
    lon = serializers.FloatField(allow_null=True)
    lat = serializers.FloatField(allow_null=True)
    match = serializers.ChoiceField(choices=MatchKind.ALL)
    score = serializers.FloatField(min_value=0, max_value=1)


class GeocodeResponse(serializers.Serializer):
    query = serializers.CharField()
    results = GeocodeResultOut(many=True)


class SuggestionOut(serializers.Serializer):
    building_id = serializers.IntegerField(allow_null=True, help_text="null — адресна точка без будинку")
    address_id = serializers.IntegerField(allow_null=True)
    address = serializers.CharField()
    street = serializers.CharField()
    street_type = serializers.CharField()
    housenumber = serializers.CharField()
    neighbourhood = serializers.CharField()
    lon = serializers.FloatField()
    lat = serializers.FloatField()


class TypedParts(serializers.Serializer):
    """What the typed text says beyond the building, so a form never drops it: the flat goes to its field,
    a range of houses or a dashed pair is asked about."""

    flat = serializers.CharField(help_text="квартира, якщо її введено в адресі («Паркова 12 кв 45» → 45)")
    house_range = serializers.ListField(child=serializers.IntegerField(), allow_null=True,
                                        help_text="діапазон будинків «19-21» → [19, 21]: уточніть номер")
    dash_pair = serializers.ListField(child=serializers.CharField(), allow_null=True,
                                      help_text="«7-1» → [\"7\", \"1\"]: кутовий будинок 7/1 чи будинок 7, кв. 1?")


class SuggestResponse(serializers.Serializer):
    query = serializers.CharField()
    typed = TypedParts()
    results = SuggestionOut(many=True)


_RANGE = re.compile(r"^(\d{1,4})\s*-\s*(\d{1,4})$")


def typed_parts(query: str) -> dict:
    """The flat, house range or dashed pair in what was typed.

    >>> typed_parts("Паркова 12 кв 45")
    {'flat': '45', 'house_range': None, 'dash_pair': None}
    >>> typed_parts("Паркова 19-21")["house_range"], typed_parts("Дружби 7-1")["dash_pair"]
    ([19, 21], ['7', '1'])
    """
    parsed = parse_address(query)
    found = _RANGE.match(parsed.housenumber) if parsed.housenumber and not parsed.dash_pair else None
    return {"flat": parsed.flat,
            "house_range": [int(found[1]), int(found[2])] if found else None,
            "dash_pair": [str(parsed.dash_pair[0]), parsed.dash_pair[1]] if parsed.dash_pair else None}


class ReverseResultOut(SuggestionOut):
    distance_m = serializers.FloatField(help_text="0, якщо точка всередині контуру")
    inside = serializers.BooleanField()


class ReverseResponse(serializers.Serializer):
    lon = serializers.FloatField()
    lat = serializers.FloatField()
    results = ReverseResultOut(many=True)


class ErrorResponse(serializers.Serializer):
    detail = serializers.CharField(help_text="українською")
    code = serializers.CharField(help_text="стабільний англійський код: invalid, invalid_query")
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


def _bad(errors) -> Response:
    if isinstance(errors, InvalidQuery):
        return Response(error_body(str(errors), code="invalid_query"), status=400)
    return Response(invalid_input_body(errors), status=400)


def _public(result) -> dict:
    data = result.as_dict()
    data.pop("street_id", None)
    return data


class GeocodeView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="geocode",
        summary="Адреса → будинок",
        description=(
            "Вільний текст українською або російською → будинки реєстру, найкращий перший. "
            "match: exact | alias (російська, стара назва, помилка) | fuzzy (1–2 помилки) | approximate "
            "(інша літера/дріб або найближчий номер) | street (лише вулиця) | ambiguous (кілька вулиць, "
            "потрібна підказка мікрорайону). Порожній список — нічого не знайдено."
        ),
        parameters=[GeocodeQuery],
        responses={200: GeocodeResponse, 400: ErrorResponse},
    )
    def get(self, request):
        params = GeocodeQuery(data=request.query_params)
        if not params.is_valid():
            return _bad(params.errors)
        q = params.validated_data["q"]
        try:
            results = services.geocode(query=q, limit=params.validated_data["limit"])
        except InvalidQuery as exc:
            return _bad(exc)
        return Response({"query": q, "results": [_public(r) for r in results]})


class ReverseView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="reverse_geocode",
        summary="Точка → будинок",
        description="Будинок, що містить точку (lon, lat у EPSG:4326), інакше найближчий у межах max_distance_m "
                    "(50 м), з відстанню в метрах. Порожній список — поруч немає будинку.",
        parameters=[ReverseQuery],
        responses={200: ReverseResponse, 400: ErrorResponse},
    )
    def get(self, request):
        params = ReverseQuery(data=request.query_params)
        if not params.is_valid():
            return _bad(params.errors)
        d = params.validated_data
        result = services.reverse(lon=d["lon"], lat=d["lat"], max_distance_m=d["max_distance_m"])
        return Response({"lon": d["lon"], "lat": d["lat"], "results": [result.as_dict()] if result else []})


class SuggestView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="suggest_address",
        summary="Підказки адрес під час введення",
        description="Початок адреси («Парк», «Паркова 1») → до 10 адрес.",
        parameters=[SuggestQuery],
        responses={200: SuggestResponse, 400: ErrorResponse},
    )
    def get(self, request):
        params = SuggestQuery(data=request.query_params)
        if not params.is_valid():
            return _bad(params.errors)
        q = params.validated_data["q"]
        try:
            results = services.suggest(prefix=q, limit=params.validated_data["limit"])
        except InvalidQuery as exc:
            return _bad(exc)
        return Response({"query": q, "typed": typed_parts(q), "results": [r.as_dict() for r in results]})
