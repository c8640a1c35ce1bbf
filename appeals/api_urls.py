"""REST API of appeals: /api/v1/appeals... (owned by the appeals-core engineer)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
