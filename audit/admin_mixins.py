"""A ModelAdmin mixin that writes every add, change and delete made in the admin to the audit log.

Django's admin already calls log_addition / log_change / log_deletions for each of them (with the
changed fields, inlines included); this adds our own append-only entry beside its LogEntry.
"""

from __future__ import annotations

import json

from audit.models import AuditAction
from audit.services import record_model_change


def _changed_fields(message) -> list[str]:
    """Field names out of the admin's change message (a JSON list, or a list of dicts)."""
    if isinstance(message, str):
        try:
            message = json.loads(message or "[]")
        except ValueError:
            return []
    names: list[str] = []
    for part in message or []:
        for verb, info in part.items():
            if verb == "changed":
                names += [str(f) for f in info.get("fields", [])]
            if "object" in info:
                names.append(f"{info.get('name', '')} {verb}: {info['object']}".strip())
    return names


class AuditedAdminMixin:
    def construct_change_message(self, request, form, formsets, add=False):
        # Field names (not their translated labels) for the audit entry; inlines by their model.
        fields = list(form.changed_data)
        for formset in formsets or ():
            if formset.has_changed():
                fields.append(formset.model._meta.model_name)
        request._audit_fields = fields
        return super().construct_change_message(request, form, formsets, add)

    def _fields(self, request, message) -> list[str]:
        return getattr(request, "_audit_fields", None) or _changed_fields(message)

    def log_addition(self, request, obj, message):
        record_model_change(action=AuditAction.CREATE, obj=obj, actor=request.user, request=request,
                            changed=self._fields(request, message))
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        record_model_change(action=AuditAction.UPDATE, obj=obj, actor=request.user, request=request,
                            changed=self._fields(request, message))
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            record_model_change(action=AuditAction.DELETE, obj=obj, actor=request.user, request=request)
        return super().log_deletions(request, queryset)
