"""Admin of appeals: read-only views of appeals, calls, history and shift reports (changes go through
the services, which keep the history and the locking), and the staff profiles that scope the roles.
"""

from django.contrib import admin

from appeals import models


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class RouteInline(admin.TabularInline):
    model = models.AppealRoute
    extra = 0
    fields = ["service_kind", "provider", "outcome", "rule", "reason", "active", "rejected", "rejection_reason"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class EventInline(admin.TabularInline):
    model = models.AppealEvent
    extra = 0
    fields = ["at", "actor", "action", "from_status", "to_status", "note"]
    readonly_fields = fields
    can_delete = False
    ordering = ["at", "id"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ["number", "created_at", "category", "address_text", "status", "deadline", "control_level"]
    list_filter = ["status", "control_level", "channel", "category"]
    search_fields = ["number", "applicant_phone", "address_text"]
    date_hierarchy = "created_at"
    list_select_related = ["category"]
    inlines = [RouteInline, EventInline]
    show_full_result_count = False  # a million rows: no COUNT(*) per page


@admin.register(models.Call)
class CallAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "phone", "outcome", "appeal", "dispatcher"]
    list_filter = ["outcome"]
    search_fields = ["phone", "appeal__number"]
    date_hierarchy = "started_at"
    raw_id_fields = ["appeal"]
    show_full_result_count = False


@admin.register(models.ShiftReport)
class ShiftReportAdmin(ReadOnlyAdmin):
    list_display = ["shift_end", "shift_start", "count", "created_at"]


@admin.register(models.StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "provider", "supervised_kinds"]
    list_select_related = ["user", "provider"]
    raw_id_fields = ["user"]
