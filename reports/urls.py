"""Report pages under /reports/."""

from django.urls import path

from reports import views

urlpatterns = [
    path("reports/", views.period_page, name="reports-period"),
    path("reports/period.xlsx", views.period_xlsx, name="reports-period-xlsx"),
    path("reports/period.pdf", views.period_pdf, name="reports-period-pdf"),
    path("reports/chart/<str:name>.png", views.period_chart, name="reports-period-chart"),
    path("reports/providers/", views.providers_page, name="reports-providers"),
    path("reports/providers.xlsx", views.providers_xlsx, name="reports-providers-xlsx"),
    path("reports/daily/", views.daily_list, name="reports-daily"),
    path("reports/daily/<str:day>/", views.daily_detail, name="reports-daily-detail"),
    path("reports/daily/<str:day>/pdf/", views.daily_pdf, name="reports-daily-pdf"),
    path("reports/provider-report/", views.provider_report, name="reports-provider-report"),
]
