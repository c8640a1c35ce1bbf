"""The reports' own archive: the 07:00 summaries, their recipients, and the providers' daily reports.

Everything else reports show is read from appeals, layers and outages through reports.selectors;
this app writes only these tables.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from layers.models import Provider


class SummaryRecipient(models.Model):
    """Who gets the 07:00 summary by e-mail (the mayor, the appeals and housing departments); kept in the admin."""

    name = models.CharField(_("хто"), max_length=200)
    email = models.EmailField(_("e-mail"), unique=True)
    active = models.BooleanField(_("надсилати"), default=True)
    note = models.CharField(_("примітка"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("отримувач зведення")
        verbose_name_plural = _("отримувачі зведення")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class DailySummary(models.Model):
    """Зведення о 7:00: one per morning. `date` is the morning it is for; the window runs from 07:00 the day
    before to 07:00 on `date`, Kyiv time (23 or 25 hours on the days clocks change)."""

    date = models.DateField(_("дата зведення"), unique=True)
    window_start = models.DateTimeField(_("з"))
    window_end = models.DateTimeField(_("до"))
    generated_at = models.DateTimeField(_("складено"))
    body_html = models.TextField(_("зміст (HTML)"))  # the document's body, as rendered (autoescaped)
    document_html = models.TextField(_("документ (HTML, тіло листа)"))
    pdf = models.BinaryField(_("PDF"))
    figures = models.JSONField(_("показники"), default=dict)

    class Meta:
        verbose_name = _("зведення о 7:00")
        verbose_name_plural = _("зведення о 7:00")
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y}"


class ProviderDailyReport(models.Model):
    """A provider's own report to the dispatcher for one day (the Horlivka practice): what was done, what is
    still open and why, which outages are planned. One per provider and day; the summary includes them."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="daily_reports",
                                 verbose_name=_("виконавець"))
    date = models.DateField(_("за день"))
    done_today = models.TextField(_("виконано за день"))
    still_open = models.TextField(_("не виконано і чому"), blank=True, default="")
    planned_outages = models.TextField(_("заплановані відключення"), blank=True, default="")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("подав"))
    submitted_at = models.DateTimeField(_("подано"))

    class Meta:
        verbose_name = _("щоденний звіт виконавця")
        verbose_name_plural = _("щоденні звіти виконавців")
        ordering = ["-date", "provider__name"]
        constraints = [models.UniqueConstraint(fields=["provider", "date"], name="provider_daily_report_unique")]

    def __str__(self) -> str:
        return f"{self.provider} {self.date:%d.%m.%Y}"
