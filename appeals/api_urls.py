"""REST API of appeals: /api/v1/appeals... (see appeals/api.py)."""

from django.urls import path

from appeals import api, outages_api

urlpatterns = [
    path("api/v1/appeals", api.AppealListView.as_view(), name="api-appeals"),
    path("api/v1/appeals/duplicates", api.DuplicatesView.as_view(), name="api-appeal-duplicates"),
    path("api/v1/appeals/<str:number>", api.AppealDetailView.as_view(), name="api-appeal"),
    path("api/v1/appeals/<str:number>/status", api.AppealStatusView.as_view(), name="api-appeal-status"),
    path("api/v1/appeals/<str:number>/reroute", api.AppealRerouteView.as_view(), name="api-appeal-reroute"),
    path("api/v1/appeals/<str:number>/extend", api.AppealExtendView.as_view(), name="api-appeal-extend"),
    path("api/v1/appeals/<str:number>/plan", api.AppealPlanView.as_view(), name="api-appeal-plan"),
    path("api/v1/outages", outages_api.OutageListView.as_view(), name="api-outages"),
    path("api/v1/outages/<int:outage_id>", outages_api.OutageDetailView.as_view(), name="api-outage"),
    path("api/v1/outages/<int:outage_id>/resolve", outages_api.OutageResolveView.as_view(), name="api-outage-resolve"),
]
