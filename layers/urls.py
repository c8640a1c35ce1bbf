from django.urls import path

from layers import views

urlpatterns = [
    path("api/v1/layers/basemap", views.basemap, name="layers-basemap"),
]
