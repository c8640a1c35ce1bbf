"""Project-wide views: the error pages and the favicon.

Error pages never show a stack or the URL list (DEBUG is off unless asked for). A browser gets a Ukrainian
page in the house style; an API client (a path under /api/) gets JSON with a Ukrainian `detail` and a
stable English `code`, as every API error does.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template import loader
from django.templatetags.static import static
from django.utils.translation import gettext as _

# status → (stable code, Ukrainian detail for API clients); the pages say more.
_ERRORS = {
    400: ("bad_request", "Некоректний запит."),
    403: ("forbidden", "Доступ заборонено."),
    404: ("not_found", "Не знайдено."),
    500: ("server_error", "Внутрішня помилка сервера. Спробуйте пізніше."),
}


def _error(request: HttpRequest, status: int, *, context: bool = True) -> HttpResponse:
    code, detail = _ERRORS[status]
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _(detail), "code": code}, status=status,
                            json_dumps_params={"ensure_ascii": False})
    template = loader.get_template(f"{status}.html")
    # The 500 page renders without the request: context processors may be what failed.
    return HttpResponse(template.render({}, request if context else None), status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error(request, 400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error(request, 403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(request, 500, context=False)


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on their own; send them to the hashed, cached icon."""
    return HttpResponseRedirect(static("webmap/favicon.svg"), status=301)
