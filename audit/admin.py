"""The audit log in the admin: read-only, for administrators (superusers or the administrator role)."""

from django.contrib import admin

from audit.models import AuditEntry

ADMINISTRATOR_GROUP = "administrator"  # appeals.workflow.ADMINISTRATOR (this app sits below appeals)


def _is_admin(user) -> bool:
    return bool(user.is_active and (user.is_superuser or user.groups.filter(name=ADMINISTRATOR_GROUP).exists()))


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id", "object_repr", "ip"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor", "object_id", "object_repr"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEntry._meta.fields]
    show_full_result_count = False

    def has_module_permission(self, request) -> bool:
        return _is_admin(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return _is_admin(request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
