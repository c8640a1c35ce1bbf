from django.urls import path, re_path

from citizens.open311 import views

FMT = r"\.(?P<fmt>json|xml)\Z"

urlpatterns = [
    re_path(r"^discovery" + FMT, views.discovery, name="open311-discovery"),
    re_path(r"^v2/services" + FMT, views.services_list, name="open311-services"),
    re_path(r"^v2/services/(?P<service_code>[\s\S]+?)" + FMT, views.service_definition, name="open311-service"),
    re_path(r"^v2/requests" + FMT, views.requests, name="open311-requests"),
    re_path(r"^v2/requests/(?P<service_request_id>[\s\S]+?)" + FMT, views.request_one, name="open311-request"),
    re_path(r"^v2/tokens/(?P<token>[\s\S]+?)" + FMT, views.token, name="open311-token"),
    re_path(r"^v2/servicerequestupdates" + FMT, views.updates, name="open311-updates"),
    path("", views.discovery_redirect),
]
