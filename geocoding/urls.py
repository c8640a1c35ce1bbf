from django.urls import path

from geocoding import views

urlpatterns = [
    path("api/v1/geocode", views.GeocodeView.as_view(), name="geocode"),
    path("api/v1/reverse", views.ReverseView.as_view(), name="reverse-geocode"),
    path("api/v1/suggest", views.SuggestView.as_view(), name="suggest-address"),
]
