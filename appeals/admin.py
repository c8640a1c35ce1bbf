"""Admin of appeals: read-only views of appeals, calls, history and shift reports (changes go through
the services, which keep the history and the locking), and the staff profiles that scope the roles.

The admin obeys the one scoping rule (appeals.roles.scope_appeals): an operator or a supervisor sees
their appeals only, a staff user with no role none. Opening an appeal (its applicant's data) and any
search by phone are written to the audit log.
"""

from django.contrib import admin

from appeals import access_log, models, roles
from audit.admin_mixins import AuditedAdminMixin


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

    def get_queryset(self, request):
        return roles.scope_appeals(user=request.user, queryset=super().get_queryset(request))

    def get_search_results(self, request, queryset, search_term):
        if access_log.looks_like_phone(search_term):
            access_log.log_phone_search(user=request.user, phone=search_term, where="admin: appeals", request=request)
        return super().get_search_results(request, queryset, search_term)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        appeal = self.get_queryset(request).filter(pk=object_id).first() if str(object_id).isdigit() else None
        if appeal is not None and getattr(response, "status_code", 200) == 200:
            access_log.log_card_read(user=request.user, appeal=appeal, request=request, where="admin")
        return response


@admin.register(models.Call)
class CallAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "phone", "outcome", "appeal", "dispatcher"]
    list_filter = ["outcome"]
    search_fields = ["phone", "appeal__number"]
    date_hierarchy = "started_at"
    raw_id_fields = ["appeal"]
    show_full_result_count = False

    def get_queryset(self, request):
        # Calls of appeals outside the user's scope are out of scope too; plain calls (no appeal) are the
        # contact centre's own (dispatchers, supervisors, administrators have the permission).
        qs = super().get_queryset(request)
        if roles.scope_of(request.user).nothing:
            return qs.none()
        if roles.scope_of(request.user).everything:
            return qs
        return qs.filter(appeal__in=roles.scope_appeals(user=request.user))

    def get_search_results(self, request, queryset, search_term):
        if access_log.looks_like_phone(search_term):
            access_log.log_phone_search(user=request.user, phone=search_term, where="admin: calls", request=request)
        return super().get_search_results(request, queryset, search_term)


@admin.register(models.ShiftReport)
class ShiftReportAdmin(ReadOnlyAdmin):
    list_display = ["shift_end", "shift_start", "count", "created_at"]


@admin.register(models.StaffProfile)
class StaffProfileAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["user", "provider", "supervised_kinds"]
    list_select_related = ["user", "provider"]
    raw_id_fields = ["user"]


@admin.register(models.CrewMember)
class CrewMemberAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "provider", "phone", "active"]
    list_filter = ["active", "provider__kind"]
    search_fields = ["name", "provider__name"]
    list_select_related = ["provider"]
