"""The project's URLs plus views that fail on purpose, for tests/integration/test_error_pages.py."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from gis.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


def _boom(request):
    raise RuntimeError("a bug that must not show its stack")


def _forbidden(request):
    raise PermissionDenied


def _bad(request):
    raise SuspiciousOperation("bad input")


urlpatterns = [
    path("test-errors/500", _boom),
    path("test-errors/403", _forbidden),
    path("test-errors/400", _bad),
    path("api/v1/test-errors/500", _boom),
    *urlpatterns,
]
