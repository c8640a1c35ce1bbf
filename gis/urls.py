"""Top-level URLs; each app owns its own urls.py."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from gis import health, views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/schema", SpectacularAPIView.as_view(), name="api-schema"),
    path("healthz", health.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    # Prefixed includes before the apps mounted at "": Django tries patterns in order, and an Open311 request
    # would otherwise be matched against every pattern of six apps first.
    path("open311/", include("citizens.open311.urls")),
    path("", include("layers.urls")),
    path("", include("geocoding.urls")),
    path("", include("appeals.urls")),
    path("", include("citizens.urls")),
    path("", include("webmap.urls")),
    path("", include("reports.urls")),
]

handler400 = views.bad_request
handler403 = views.permission_denied
handler404 = views.page_not_found
handler500 = views.server_error
