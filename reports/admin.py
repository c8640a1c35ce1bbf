"""Admin of reports: the recipients of the 07:00 summary are kept here; archives and provider reports are read-only."""

from django.contrib import admin

from reports import models


@admin.register(models.SummaryRecipient)
class SummaryRecipientAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "active", "note"]
    list_filter = ["active"]
    search_fields = ["name", "email"]


@admin.register(models.DailySummary)
class DailySummaryAdmin(admin.ModelAdmin):
    list_display = ["date", "window_start", "window_end", "generated_at"]
    fields = ["date", "window_start", "window_end", "generated_at", "figures"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.ProviderDailyReport)
class ProviderDailyReportAdmin(admin.ModelAdmin):
    list_display = ["date", "provider", "submitted_at", "submitted_by"]
    list_filter = ["date"]
    readonly_fields = ["provider", "date", "done_today", "still_open", "planned_outages", "submitted_by",
                       "submitted_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False
