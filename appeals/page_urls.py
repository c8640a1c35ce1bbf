"""Staff pages: /dispatch/, /journal/, /control/, appeal cards, and sign-in (/accounts/...)."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from appeals import two_factor_views, views

urlpatterns = [
    path("accounts/login/", views.StaffLoginView.as_view(), name="login"),
    path("accounts/login/code/", two_factor_views.login_code, name="login-code"),
    path("accounts/two-factor/", two_factor_views.setup, name="two-factor"),
    path("accounts/two-factor/qr.svg", two_factor_views.qr, name="two-factor-qr"),
    path("accounts/logout/", auth_views.LogoutView.as_view(template_name="appeals/logged_out.html"), name="logout"),
    # The rest of Django's auth views (password change and reset) under the same prefix.
    path("accounts/", include("django.contrib.auth.urls")),
    path("staff/", views.home, name="appeals-home"),
    path("dispatch/", views.dispatch, name="dispatch"),
    path("dispatch/search/", views.search, name="dispatch-search"),
    path("dispatch/shift/", views.shift_report, name="dispatch-shift"),
    path("dispatch/phone.json", views.phone_history, name="dispatch-phone"),
    path("dispatch/building.json", views.building_info, name="dispatch-building"),
    path("dispatch/preview.json", views.category_preview, name="dispatch-preview"),
    path("dispatch/outages/<int:outage_id>/<str:action>", views.outage_action, name="dispatch-outage-action"),
    path("journal/", views.journal, name="journal"),
    path("journal/bulk", views.journal_bulk, name="journal-bulk"),
    path("control/", views.control, name="control"),
    path("appeals/<str:number>/", views.appeal_detail, name="appeal-detail"),
    path("appeals/<str:number>/<str:action>/", views.appeal_action, name="appeal-action"),
]
