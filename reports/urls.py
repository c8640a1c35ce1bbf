"""Report pages under /reports/."""

from django.urls import path

from reports import views

urlpatterns = [
    path("reports/daily/", views.daily_list, name="reports-daily"),
    path("reports/daily/<str:day>/", views.daily_detail, name="reports-daily-detail"),
    path("reports/daily/<str:day>/pdf/", views.daily_pdf, name="reports-daily-pdf"),
    path("reports/provider-report/", views.provider_report, name="reports-provider-report"),
]
