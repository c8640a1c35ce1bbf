"""REST API of appeals: /api/v1/appeals... (see appeals/api.py)."""

from django.urls import path

from appeals import api

urlpatterns = [
    path("api/v1/appeals", api.AppealListView.as_view(), name="api-appeals"),
    path("api/v1/appeals/duplicates", api.DuplicatesView.as_view(), name="api-appeal-duplicates"),
    path("api/v1/appeals/<str:number>", api.AppealDetailView.as_view(), name="api-appeal"),
    path("api/v1/appeals/<str:number>/status", api.AppealStatusView.as_view(), name="api-appeal-status"),
    path("api/v1/appeals/<str:number>/reroute", api.AppealRerouteView.as_view(), name="api-appeal-reroute"),
    path("api/v1/appeals/<str:number>/extend", api.AppealExtendView.as_view(), name="api-appeal-extend"),
    path("api/v1/appeals/<str:number>/plan", api.AppealPlanView.as_view(), name="api-appeal-plan"),
]
