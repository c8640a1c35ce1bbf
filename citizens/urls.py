from django.urls import path

from citizens import api, views

urlpatterns = [
    path("report/", views.report, name="citizens-report"),
    path("report/nearby.json", views.report_nearby, name="citizens-report-nearby"),
    path("track/", views.track, name="citizens-track"),
    path("track/confirm", views.track_confirm, name="citizens-track-confirm"),
    path("photos/<int:pk>.jpg", views.photo, name="citizens-photo"),
    path("dispatch/online/", views.online_queue, name="citizens-online-queue"),
    path("dispatch/callbacks/", views.callbacks, name="citizens-callbacks"),
    path("api/v1/callbacks/queue", api.CallbackQueueView.as_view(), name="callbacks-queue"),
    path("api/v1/callbacks/<str:number>/result", api.CallbackResultView.as_view(), name="callbacks-result"),
]
