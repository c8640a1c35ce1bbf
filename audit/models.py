"""One row per audited act: who, when, what. Append-only in the database (migration 0001's triggers).

The actor is kept as an id and a username copied at the time, not as a foreign key: deleting a user
must neither cascade into the log nor rewrite it (a SET NULL is an UPDATE, which the log refuses).

This app sits low (above gis only) so that layers, appeals and the apps above them may all write to it.
"""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    READ_PERSONAL = "read_personal", _("перегляд персональних даних")
    PHONE_SEARCH = "phone_search", _("пошук за телефоном")
    EXPORT = "export", _("експорт")
    CREATE = "create", _("створення")
    UPDATE = "update", _("зміна")
    DELETE = "delete", _("видалення")
    IMPORT = "import", _("імпорт")
    ANONYMISE = "anonymise", _("знеособлення")


# Registry changes; the other actions are reads of personal data (and retention).
CHANGE_ACTIONS = (AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE, AuditAction.IMPORT)


class AuditEntry(models.Model):
    at = models.DateTimeField(_("час"), db_default=Now(), db_index=True)
    actor_id = models.BigIntegerField(_("id користувача"), null=True, blank=True, db_index=True)
    actor = models.CharField(_("хто"), max_length=150, blank=True, default="",
                             help_text=_("ім'я користувача або «import:…», «system»"))
    action = models.CharField(_("дія"), max_length=16, choices=AuditAction.choices)
    object_type = models.CharField(_("тип об'єкта"), max_length=64, blank=True, default="")
    object_id = models.CharField(_("id об'єкта"), max_length=64, blank=True, default="")
    object_repr = models.CharField(_("об'єкт"), max_length=200, blank=True, default="")
    detail = models.JSONField(_("подробиці"), default=dict, blank=True)
    path = models.CharField(_("шлях"), max_length=300, blank=True, default="")
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)

    class Meta:
        verbose_name = _("запис аудиту")
        verbose_name_plural = _("журнал аудиту")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_type} {self.object_id}"
