"""Top-level URLs; each app owns its own urls.py."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/schema", SpectacularAPIView.as_view(), name="api-schema"),
    path("", include("layers.urls")),
    path("", include("geocoding.urls")),
    path("", include("appeals.urls")),
    path("", include("webmap.urls")),
    path("", include("reports.urls")),
]
