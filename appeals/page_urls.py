"""Staff pages: /dispatch/, /journal/, /control/ (owned by the appeals-pages engineer)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
