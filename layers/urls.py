from django.urls import path

from layers import views

urlpatterns = [
    path("api/v1/layers/basemap", views.basemap, name="layers-basemap"),
    path("api/v1/layers/housenumbers", views.house_numbers, name="layers-housenumbers"),
]
