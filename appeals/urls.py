"""Appeals URLs: the REST API (appeals/api_urls.py) and the staff pages (appeals/page_urls.py)."""

from django.urls import include, path

urlpatterns = [
    path("", include("appeals.api_urls")),
    path("", include("appeals.page_urls")),
]
