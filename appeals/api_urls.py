"""REST API of appeals: /api/v1/appeals... (see appeals/api.py)."""

from django.urls import path

from appeals import api

urlpatterns = [
    path("api/v1/appeals", api.AppealListView.as_view(), name="api-appeals"),
    path("api/v1/appeals/duplicates", api.DuplicatesView.as_view(), name="api-appeal-duplicates"),
    path("api/v1/appeals/<str:number>", api.AppealDetailView.as_view(), name="api-appeal"),
    path("api/v1/appeals/<str:number>/status", api.AppealStatusView.as_view(), name="api-appeal-status"),
]
