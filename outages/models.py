"""Outages (аварії, відключення): one failure, many calls.

An Outage has an area (EPSG:4326), the service kinds that are off, the provider whose network failed
(optional) and a life cycle suspected → confirmed → resolved | cancelled. Its affected buildings are
kept as OutageBuilding rows (computed in PostGIS by outages.services.recompute_affected) so lookups and
reports never recompute them. OutageEvent is the append-only history (a database trigger refuses
UPDATE and DELETE, migration 0002): who changed the status, the expected end, the area, when.

No personal data lives here: the callers subscribed to an outage's end are kept in appeals/.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gis.srid import STORAGE_SRID
from layers.models import Building, Category, Provider, ServiceArea, ServiceKind


class OutageKind(models.TextChoices):
    EMERGENCY = "emergency", _("аварійне")
    PLANNED = "planned", _("планові роботи")


class OutageStatus(models.TextChoices):
    SUSPECTED = "suspected", _("імовірне")
    CONFIRMED = "confirmed", _("підтверджене")
    RESOLVED = "resolved", _("усунуто")
    CANCELLED = "cancelled", _("скасовано")


# The statuses of an outage that still matters (a suspected one only to dispatchers).
OPEN_STATUSES = (OutageStatus.SUSPECTED, OutageStatus.CONFIRMED)


class AreaSource(models.TextChoices):
    DRAWN = "drawn", _("намальовано на карті")
    BUILDINGS = "buildings", _("перелік будинків")
    SERVICE_AREA = "service_area", _("зона обслуговування")
    DETECTED = "detected", _("виявлено за зверненнями")


class Outage(models.Model):
    kind = models.CharField(_("вид"), max_length=16, choices=OutageKind.choices, default=OutageKind.EMERGENCY)
    status = models.CharField(_("стан"), max_length=16, choices=OutageStatus.choices, default=OutageStatus.CONFIRMED)
    service_kinds = models.ManyToManyField(ServiceKind, related_name="outages", verbose_name=_("види послуг"))
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, null=True, blank=True, related_name="outages",
                                 verbose_name=_("виконавець"))
    cause = models.TextField(_("причина"), blank=True, default="")
    public_note = models.TextField(_("примітка для мешканців"), blank=True, default="")
    area = models.MultiPolygonField(_("територія"), srid=STORAGE_SRID)
    area_source = models.CharField(_("звідки територія"), max_length=16, choices=AreaSource.choices,
                                   default=AreaSource.DRAWN)
    service_area = models.ForeignKey(ServiceArea, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                     verbose_name=_("зона обслуговування"))
    # The buildings a building-list outage was declared for (the area is their footprints' union).
    declared_buildings = models.JSONField(_("задані будинки"), default=list, blank=True)
    started_at = models.DateTimeField(_("початок"))
    expected_end = models.DateTimeField(_("очікуване відновлення"), null=True, blank=True)
    ended_at = models.DateTimeField(_("завершено"), null=True, blank=True)
    # A suspected outage found by live detection: the category and how many buildings called.
    detected_category = models.ForeignKey(Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                          verbose_name=_("категорія звернень"))
    detected_buildings = models.PositiveIntegerField(_("будинків зі зверненнями"), default=0)
    detected_appeals = models.PositiveIntegerField(_("звернень у скупченні"), default=0)
    affected_buildings = models.PositiveIntegerField(_("будинків без послуги"), default=0)
    affected_flats = models.PositiveIntegerField(_("квартир"), default=0)
    affected_residents = models.PositiveIntegerField(_("мешканців"), default=0)
    created_at = models.DateTimeField(_("створено"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("створив"))
    updated_at = models.DateTimeField(_("змінено"))

    class Meta:
        verbose_name = _("відключення")
        verbose_name_plural = _("відключення")
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["status", "started_at"], name="outage_status_started",
                         condition=Q(status__in=["suspected", "confirmed"])),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(area__isvalid=True), name="outage_area_valid"),
            models.CheckConstraint(condition=Q(expected_end__isnull=True) | Q(expected_end__gt=models.F("started_at")),
                                   name="outage_expected_end_after_start"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class OutageBuilding(models.Model):
    """A building without the service: counts copied from the registry when computed."""

    outage = models.ForeignKey(Outage, on_delete=models.CASCADE, related_name="buildings")
    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="outage_rows")
    flats = models.PositiveIntegerField(default=0)
    residents = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("будинок без послуги")
        verbose_name_plural = _("будинки без послуги")
        constraints = [models.UniqueConstraint(fields=["outage", "building"], name="outagebuilding_unique")]
        indexes = [models.Index(fields=["building", "outage"], name="outagebuilding_building")]


class OutageAction(models.TextChoices):
    CREATED = "created", _("створено")
    STATUS = "status", _("зміна стану")
    EXPECTED_END = "expected_end", _("очікуване відновлення")
    AREA = "area", _("територія")
    NOTE = "note", _("примітка")


class OutageEvent(models.Model):
    """Append-only history of an outage; the database refuses UPDATE and DELETE (migration 0002)."""

    outage = models.ForeignKey(Outage, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("час"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("хто"))
    action = models.CharField(_("дія"), max_length=16, choices=OutageAction.choices)
    old = models.CharField(_("було"), max_length=64, blank=True, default="")
    new = models.CharField(_("стало"), max_length=64, blank=True, default="")
    note = models.TextField(_("примітка"), blank=True, default="")

    class Meta:
        verbose_name = _("подія відключення")
        verbose_name_plural = _("історія відключень")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["outage", "at"], name="outageevent_outage_at")]
