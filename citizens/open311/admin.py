"""Open311 in the admin: keys (made here or with manage.py open311_keys; the key shown once), the
categories' extra questions, and what each POST brought in (read-only)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from citizens.open311 import keys
from citizens.open311.models import ApiKey, ServiceAttribute, Submission


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "rate_limit_per_minute", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "note"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    fields = ["name", "note", "rate_limit_per_minute", "prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # appeals name their key: revoke it instead

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "name"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        made = keys.create_key(name=obj.name, rate_limit_per_minute=obj.rate_limit_per_minute, note=obj.note)
        obj.pk = made.api_key.pk
        obj.prefix, obj.digest, obj.created_at = made.api_key.prefix, made.api_key.digest, made.api_key.created_at
        self.message_user(request, _("Новий ключ «%(name)s»: %(key)s — скопіюйте його зараз, він більше не "
                                     "показується.") % {"name": obj.name, "key": made.key}, messages.WARNING)

    @admin.action(description=_("Відкликати вибрані ключі"))
    def revoke(self, request, queryset):
        for api_key in queryset:
            keys.revoke_key(name=api_key.name)
        self.message_user(request, _("Відкликано: %(n)d") % {"n": queryset.count()})


@admin.register(ServiceAttribute)
class ServiceAttributeAdmin(admin.ModelAdmin):
    list_display = ["category", "order", "code", "description", "datatype", "required"]
    list_filter = ["category", "datatype", "required"]
    ordering = ["category__sort_order", "order"]


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["appeal", "api_key", "created_at", "token"]
    list_filter = ["api_key"]
    list_select_related = ["appeal", "api_key"]
    # Appeal numbers only: the client's ids and e-mail-like account ids are personal data.
    search_fields = ["appeal__number"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
