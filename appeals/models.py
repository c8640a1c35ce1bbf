"""Calls and appeals.

A Call is one phone conversation; an Appeal is one problem to fix. One call
creates an appeal, adds to an existing one, asks for status or is a
consultation only; reports count both, separately.

Personal data lives only in the fields listed in PERSONAL_FIELDS (Appeal) and
CALL_PERSONAL_FIELDS (Call); serializers for analysts and the public leave them out.

Writes go through appeals.services, reads through appeals.selectors.
AppealEvent is append-only: a database trigger (migration 0002) refuses UPDATE and DELETE.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gis.srid import STORAGE_SRID
from layers.models import Building, Category, Provider, ProviderKind, ServiceKind
from outages.models import Outage

# The only fields with personal data; everything else may be shown to analysts.
PERSONAL_FIELDS = ("applicant_name", "applicant_phone", "flat", "applicant_email")
CALL_PERSONAL_FIELDS = ("phone",)
# OutageSubscription.address (a phone or an e-mail) is personal data as a whole.


class Channel(models.TextChoices):
    PHONE = "phone", _("телефон")
    ONLINE = "online", _("онлайн")
    WALK_IN = "walk_in", _("особистий прийом")
    API = "api", _("API")
    OPEN311 = "open311", _("Open311")


class ConfirmationOutcome(models.TextChoices):
    """What the applicant said after the provider reported the fix (the callback the city planned)."""

    NONE = "", _("не підтверджувалось")
    CONFIRMED = "confirmed", _("підтверджено")
    DISPUTED = "disputed", _("не виконано")
    UNREACHABLE = "unreachable", _("не вдалося підтвердити")


# A fix reported (again) waits for the applicant's word on *this* fix: an earlier dispute, its rating and the
# callbacks made about the earlier fix are history (kept in the events), not this fix's outcome. Set with every
# move to "resolved" (appeals.services.change_status, appeals.outage_services.resolve_outage).
AWAITING_CONFIRMATION = {"confirmation": ConfirmationOutcome.NONE, "confirmed_at": None, "rating": None,
                         "callback_attempts": 0, "callback_due_at": None}


class CallOutcome(models.TextChoices):
    NEW_APPEAL = "new_appeal", _("нове звернення")
    ADDED_TO_APPEAL = "added", _("додано до наявного звернення")
    STATUS_INQUIRY = "status", _("запит про стан")
    CONSULTATION = "consultation", _("лише консультація")
    OUTAGE_KNOWN = "outage_known", _("відоме відключення")
    OTHER = "other", _("інше")


class Status(models.TextChoices):
    REGISTERED = "registered", _("зареєстровано")
    SENT = "sent", _("передано виконавцю")
    ACCEPTED = "accepted", _("прийнято виконавцем")
    REJECTED = "rejected", _("відхилено: не наше")
    IN_PROGRESS = "in_progress", _("у роботі")
    RESOLVED = "resolved", _("виконано")
    CONFIRMED = "confirmed", _("підтверджено заявником")
    REOPENED = "reopened", _("відкрито повторно")
    CLOSED = "closed", _("закрито")
    CANCELLED = "cancelled", _("скасовано")
    DUPLICATE = "duplicate", _("дублікат")


# Statuses in which the appeal still needs work (deadlines and control apply).
OPEN_STATUSES = (
    Status.REGISTERED, Status.SENT, Status.ACCEPTED, Status.REJECTED, Status.IN_PROGRESS, Status.REOPENED,
)
# Statuses in which a provider holds the appeal and owes a report each shift.
WITH_PROVIDER_STATUSES = (Status.SENT, Status.ACCEPTED, Status.IN_PROGRESS, Status.REOPENED)
FINAL_STATUSES = (Status.CLOSED, Status.CANCELLED, Status.DUPLICATE)


class ControlLevel(models.IntegerChoices):
    NONE = 0, _("без контролю")
    SHIFT = 1, _("1 рівень: зміна диспетчера")
    SUPERVISOR = 2, _("2 рівень: заступник міського голови")


class EscalationReason(models.TextChoices):
    OVERDUE = "overdue", _("прострочено")
    REJECTED_TWICE = "rejected_twice", _("відхилено двічі")
    REOPENED = "reopened", _("відкрито повторно")


class AppealNumberCounter(models.Model):
    """The last sequence number given out in a year (Kyiv time): numbers are yy-NNNNNN, e.g. 26-004817."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("лічильник номерів")
        verbose_name_plural = _("лічильники номерів")


class Appeal(models.Model):
    """Звернення: one problem at one building (or a point with no building), routed to providers."""

    number = models.CharField(_("номер"), max_length=16)
    channel = models.CharField(_("канал"), max_length=16, choices=Channel.choices, default=Channel.PHONE)
    # FK indexes are left to the composite indexes below: every index costs each write (the sweep updates in bulk).
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="appeals", verbose_name=_("категорія"),
                                 db_index=False)
    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, null=True, blank=True, related_name="appeals", verbose_name=_("будинок"),
        db_index=False,
    )
    # The building's point, or the pin when there is no building. Always set; what maps draw.
    point = models.PointField(_("точка"), srid=STORAGE_SRID)
    address_text = models.CharField(_("адреса"), max_length=255, blank=True, default="")
    description = models.TextField(_("опис"), blank=True, default="")

    # --- personal data (PERSONAL_FIELDS): never in public or analyst output ---
    flat = models.CharField(_("квартира"), max_length=16, blank=True, default="")
    applicant_name = models.CharField(_("заявник"), max_length=200, blank=True, default="")
    applicant_phone = models.CharField(_("телефон заявника"), max_length=32, blank=True, default="")
    applicant_email = models.EmailField(_("e-mail заявника"), max_length=254, blank=True, default="")
    # --- end of personal data ---
    # A formal appeal under the Law on citizens' appeals (name and phone given) or a report to the map
    # without contact: both are routed and fixed; reports count them apart.
    is_formal = models.BooleanField(_("звернення за Законом"), default=True)
    # sha256 of the private tracking code given to an online applicant (the code itself is never stored).
    tracking_code_hash = models.CharField(max_length=64, blank=True, default="")
    confirmation = models.CharField(_("підтвердження заявником"), max_length=16, choices=ConfirmationOutcome.choices,
                                    blank=True, default="")
    confirmed_at = models.DateTimeField(_("підтверджено"), null=True, blank=True)
    # The callback after a fix: attempts made, and when the next one is due (appeals.confirmation).
    callback_attempts = models.PositiveSmallIntegerField(_("спроб передзвонити"), default=0)
    callback_due_at = models.DateTimeField(_("передзвонити після"), null=True, blank=True)
    # The applicant asked for messages on status changes (e-mail, else SMS; appeals.notifications).
    notify_applicant = models.BooleanField(_("сповіщати заявника"), default=False)
    # Online and Open311 appeals wait in the dispatcher's "online — to check" queue until checked.
    needs_review = models.BooleanField(_("онлайн: чекає перевірки"), default=False)
    reviewed_at = models.DateTimeField(_("перевірено диспетчером"), null=True, blank=True)

    status = models.CharField(_("стан"), max_length=16, choices=Status.choices, default=Status.REGISTERED)
    created_at = models.DateTimeField(_("зареєстровано"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("зареєстрував"), db_index=False,
    )
    updated_at = models.DateTimeField(_("змінено"))
    deadline = models.DateTimeField(_("строк"))
    deadline_extended = models.BooleanField(_("строк продовжено"), default=False)
    deadline_extension_reason = models.TextField(_("підстава продовження"), blank=True, default="")
    resolved_at = models.DateTimeField(_("виконано"), null=True, blank=True)
    closed_at = models.DateTimeField(_("закрито"), null=True, blank=True)
    resolution = models.TextField(_("що зроблено"), blank=True, default="")

    # Control: the last report from a provider (accept, reject, progress, resolve) drives level 1.
    last_report_at = models.DateTimeField(_("останній звіт виконавця"), null=True, blank=True)
    control_level = models.PositiveSmallIntegerField(_("рівень контролю"), choices=ControlLevel.choices, default=0)
    escalated_at = models.DateTimeField(_("ескальовано"), null=True, blank=True)
    escalation_reason = models.CharField(
        _("причина ескалації"), max_length=16, choices=EscalationReason.choices, blank=True, default="",
    )
    plan_date = models.DateField(_("планова дата (план робіт)"), null=True, blank=True)
    rejection_count = models.PositiveSmallIntegerField(_("відхилень"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("повторних відкриттів"), default=0)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates", verbose_name=_("дублікат звернення"),
        db_index=False,
    )
    rating = models.PositiveSmallIntegerField(_("оцінка заявника"), null=True, blank=True)
    # Who of the provider's crew does the work (set by the provider's operator; staff only).
    crew_member = models.ForeignKey("CrewMember", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                    verbose_name=_("виконує"), db_index=False)
    # The outage this appeal is part of (detected in its cluster, or filed inside a known outage):
    # resolving the outage resolves the appeal.
    outage = models.ForeignKey(Outage, on_delete=models.PROTECT, null=True, blank=True, related_name="appeals",
                               verbose_name=_("відключення"), db_index=False)
    # Optimistic locking: every write bumps it; a write with a stale version is a Conflict.
    version = models.PositiveIntegerField(_("версія"), default=1)
    # A client's key for "this submit": a double submit finds the first appeal (unique, so no race).
    idempotency_key = models.CharField(max_length=64, null=True, blank=True)

    class Meta:
        verbose_name = _("звернення")
        verbose_name_plural = _("звернення")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "deadline"], name="appeal_status_deadline"),
            models.Index(fields=["building", "category", "created_at"], name="appeal_building_cat_created"),
            models.Index(fields=["category", "created_at"], name="appeal_category_created"),
            models.Index(fields=["created_at"], name="appeal_created_at"),
            models.Index(fields=["applicant_phone"], name="appeal_applicant_phone"),
            models.Index(fields=["duplicate_of"], name="appeal_duplicate_of", condition=Q(duplicate_of__isnull=False)),
            models.Index(fields=["resolved_at"], name="appeal_resolved_at"),
            # Journals and queues: open appeals in deadline order, without sorting the open set.
            models.Index(
                fields=["deadline", "id"], name="appeal_open_deadline",
                condition=Q(status__in=[s.value for s in OPEN_STATUSES]),
            ),
            # The escalation sweep reads only open, not yet escalated rows.
            models.Index(
                fields=["deadline"], name="appeal_sweep_open",
                condition=Q(control_level__lt=2, status__in=[s.value for s in OPEN_STATUSES]),
            ),
            models.Index(
                fields=["last_report_at"], name="appeal_with_provider",
                condition=Q(status__in=[s.value for s in WITH_PROVIDER_STATUSES]),
            ),
            models.Index(fields=["control_level", "escalated_at"], name="appeal_escalated",
                         condition=Q(control_level=2)),
            models.Index(fields=["outage"], name="appeal_outage", condition=Q(outage__isnull=False)),
            models.Index(fields=["created_at"], name="appeal_needs_review", condition=Q(needs_review=True)),
            # The callback worklist: resolved, not yet confirmed, oldest first.
            models.Index(fields=["resolved_at"], name="appeal_awaits_confirmation",
                         condition=Q(status="resolved", confirmation="")),
        ]
        constraints = [
            # Plain unique indexes (no varchar_pattern_ops twin): numbers are matched exactly.
            models.UniqueConstraint(fields=["number"], name="appeal_number_unique"),
            models.UniqueConstraint(fields=["idempotency_key"], name="appeal_idempotency_key_unique",
                                    condition=Q(idempotency_key__isnull=False)),
            models.CheckConstraint(condition=Q(control_level__gte=0, control_level__lte=2), name="appeal_control_level"),
            models.CheckConstraint(condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="appeal_rating_1_5"),
            models.CheckConstraint(
                condition=~Q(status="duplicate") | Q(duplicate_of__isnull=False), name="appeal_duplicate_has_target",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class RouteOutcome(models.TextChoices):
    ASSIGNED = "assigned", _("призначено")
    GAP = "gap", _("немає виконавця")
    OVERLAP = "overlap", _("кілька виконавців")
    MANUAL = "manual", _("призначено диспетчером")


class AppealRoute(models.Model):
    """One provider (or a gap/overlap) per service kind the appeal's category needs, with the routing reason.

    A reroute or a rejection makes a route inactive; the row stays as the record of it. Closing an
    appeal does not: the active routes of a closed appeal name who did the work.
    Provider journals read the active routes of their provider (and open statuses); an operator may
    read any appeal ever routed to their provider but act only on those it holds now (an active route).
    """

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="routes", verbose_name=_("звернення"))
    service_kind = models.ForeignKey(ServiceKind, on_delete=models.PROTECT, related_name="+", verbose_name=_("вид послуги"))
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, null=True, blank=True, related_name="appeal_routes", verbose_name=_("виконавець"),
    )
    outcome = models.CharField(_("результат"), max_length=16, choices=RouteOutcome.choices)
    rule = models.CharField(_("правило"), max_length=64, blank=True, default="")
    reason = models.TextField(_("пояснення"), blank=True, default="")
    area_id = models.BigIntegerField(_("зона"), null=True, blank=True)
    assignment_id = models.BigIntegerField(_("призначення будинку"), null=True, blank=True)
    candidates = models.JSONField(_("кандидати"), default=list, blank=True)
    active = models.BooleanField(_("діє"), default=True)
    created_at = models.DateTimeField(_("створено"))
    ended_at = models.DateTimeField(_("припинено"), null=True, blank=True)
    rejected = models.BooleanField(_("відхилено виконавцем"), default=False)
    rejection_reason = models.TextField(_("причина відхилення"), blank=True, default="")

    class Meta:
        verbose_name = _("маршрут звернення")
        verbose_name_plural = _("маршрути звернень")
        indexes = [
            models.Index(fields=["provider", "appeal"], name="route_active_provider", condition=Q(active=True)),
            models.Index(fields=["appeal", "active"], name="route_appeal_active"),
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id}: {self.service_kind_id} → {self.provider_id or self.outcome}"


class Call(models.Model):
    """Дзвінок: a phone conversation. Counted in reports separately from appeals."""

    phone = models.CharField(_("телефон"), max_length=32, blank=True, default="")  # personal data
    started_at = models.DateTimeField(_("час"), db_index=True)
    dispatcher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="calls",
        verbose_name=_("диспетчер"),
    )
    outcome = models.CharField(_("результат"), max_length=16, choices=CallOutcome.choices)
    appeal = models.ForeignKey(
        Appeal, on_delete=models.PROTECT, null=True, blank=True, related_name="calls", verbose_name=_("звернення"),
    )
    consultation_office = models.CharField(
        _("куди скеровано"), max_length=200, blank=True, default="", help_text=_("для консультацій: яка установа"),
    )
    note = models.TextField(_("примітка"), blank=True, default="")
    idempotency_key = models.CharField(max_length=64, null=True, blank=True)
    # outage_known: the caller was told of this outage (no appeal).
    outage = models.ForeignKey(Outage, on_delete=models.PROTECT, null=True, blank=True, related_name="calls",
                               verbose_name=_("відключення"))

    class Meta:
        verbose_name = _("дзвінок")
        verbose_name_plural = _("дзвінки")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["phone", "started_at"], name="call_phone_started")]
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="call_idempotency_key_unique",
                                    condition=Q(idempotency_key__isnull=False)),
            models.CheckConstraint(
                condition=~Q(outcome__in=["new_appeal", "added"]) | Q(appeal__isnull=False), name="call_appeal_outcome_has_appeal",
            ),
            models.CheckConstraint(condition=~Q(outcome="outage_known") | Q(outage__isnull=False),
                                   name="call_outage_known_has_outage"),
        ]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.get_outcome_display()}"


class SubscriptionChannel(models.TextChoices):
    EMAIL = "email", _("e-mail")
    SMS = "sms", _("SMS")


class OutageSubscription(models.Model):
    """A caller who asked to be told when an outage ends (or its expected end moves). Personal data:
    the address never leaves appeals/ (no public or analyst output reads this table)."""

    outage = models.ForeignKey(Outage, on_delete=models.CASCADE, related_name="subscriptions",
                               verbose_name=_("відключення"))
    call = models.ForeignKey(Call, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                             verbose_name=_("дзвінок"))
    channel = models.CharField(_("канал"), max_length=8, choices=SubscriptionChannel.choices)
    address = models.CharField(_("телефон або e-mail"), max_length=200)
    created_at = models.DateTimeField(_("створено"))
    ended_notified_at = models.DateTimeField(_("повідомлено про відновлення"), null=True, blank=True)

    class Meta:
        verbose_name = _("підписка на відновлення")
        verbose_name_plural = _("підписки на відновлення")
        constraints = [models.UniqueConstraint(fields=["outage", "channel", "address"],
                                               name="outagesubscription_unique")]

    def __str__(self) -> str:
        return f"{self.outage_id}: {self.channel}"


class EventAction(models.TextChoices):
    CREATED = "created", _("зареєстровано")
    STATUS = "status", _("зміна стану")
    ROUTED = "routed", _("маршрутизовано")
    CALL_LINKED = "call", _("додано дзвінок")
    DEADLINE_EXTENDED = "extended", _("строк продовжено")
    ESCALATED = "escalated", _("ескальовано")
    PLAN_DATE = "plan", _("планова дата")
    SHIFT_UNREPORTED = "shift", _("без звіту за зміну")
    COMMENT = "comment", _("коментар")
    OUTAGE = "outage", _("відключення")


class AppealEvent(models.Model):
    """Append-only history: who, when, from, to, note. The database refuses UPDATE and DELETE (migration 0002)."""

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="events", verbose_name=_("звернення"))
    at = models.DateTimeField(_("час"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("хто"),
    )
    action = models.CharField(_("дія"), max_length=16, choices=EventAction.choices)
    from_status = models.CharField(_("з"), max_length=16, blank=True, default="")
    to_status = models.CharField(_("на"), max_length=16, blank=True, default="")
    note = models.TextField(_("примітка"), blank=True, default="")
    data = models.JSONField(_("дані"), default=dict, blank=True)

    class Meta:
        verbose_name = _("подія звернення")
        verbose_name_plural = _("історія звернень")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["appeal", "at"], name="event_appeal_at"),
            # The reports read the history by time for two kinds of step only: a provider taking an appeal up
            # ("accepted in time", per provider and period) and a reopening (the 07:00 summary). Partial, so
            # each holds a fraction of the history and costs nothing on the other events' writes.
            models.Index(fields=["at", "appeal"], name="event_taken_up_at",
                         condition=Q(action="status", to_status__in=["accepted", "in_progress"])),
            models.Index(fields=["at", "appeal"], name="event_reopened_at", condition=Q(to_status="reopened")),
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id} {self.action} {self.from_status}→{self.to_status}"


def _photo_path(instance: AppealPhoto, filename: str) -> str:
    # Content-hash names: the same picture twice is one file; no name from the uploader survives.
    return f"appeals/photos/{filename[:2]}/{filename}"


class AppealPhoto(models.Model):
    """A photo from the applicant, re-encoded without EXIF; public only after a dispatcher approves it."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="photos", verbose_name=_("звернення"))
    file = models.FileField(_("файл"), upload_to=_photo_path, max_length=200)
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    approved = models.BooleanField(_("схвалено"), default=False)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("схвалив"))
    approved_at = models.DateTimeField(_("схвалено о"), null=True, blank=True)
    created_at = models.DateTimeField(_("додано"))

    class Meta:
        verbose_name = _("фото звернення")
        verbose_name_plural = _("фото звернень")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.appeal_id}: {self.sha256[:12]}"


class NotificationChannel(models.TextChoices):
    EMAIL = "email", _("e-mail")
    SMS = "sms", _("SMS")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("очікує")
    SENT = "sent", _("надіслано")
    FAILED = "failed", _("не надіслано")


class Notification(models.Model):
    """Outbox: a message to send, written in the same transaction as what caused it (appeals.notifications).

    Recipient and texts are personal data; the row is for the sender and the retention job only.
    """

    channel = models.CharField(_("канал"), max_length=8, choices=NotificationChannel.choices)
    recipient = models.CharField(_("одержувач"), max_length=254)
    subject = models.CharField(_("тема"), max_length=200, blank=True, default="")
    body = models.TextField(_("текст"))
    html_body = models.TextField(_("HTML"), blank=True, default="")
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications",
                               verbose_name=_("звернення"))
    # [{"name": ..., "content": base64, "mimetype": ...}]
    attachments = models.JSONField(_("вкладення"), default=list, blank=True)
    status = models.CharField(_("стан"), max_length=8, choices=NotificationStatus.choices,
                              default=NotificationStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("спроб"), default=0)
    last_error = models.TextField(_("остання помилка"), blank=True, default="")
    created_at = models.DateTimeField(_("створено"))
    sent_at = models.DateTimeField(_("надіслано"), null=True, blank=True)
    # "this message for this event": a second queue_notification with the same key writes nothing.
    dedupe_key = models.CharField(max_length=120, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("сповіщення")
        verbose_name_plural = _("сповіщення")
        ordering = ["id"]
        indexes = [models.Index(fields=["id"], name="notification_pending", condition=Q(status="pending"))]

    def __str__(self) -> str:
        return f"{self.channel} {self.status} #{self.pk}"


class ShiftReport(models.Model):
    """Level-1 control: at a shift's end, the appeals held by a provider with no report during that shift."""

    shift_start = models.DateTimeField(_("початок зміни"))
    shift_end = models.DateTimeField(_("кінець зміни"), unique=True)
    created_at = models.DateTimeField(_("складено"))
    appeal_ids = ArrayField(models.BigIntegerField(), default=list, blank=True, verbose_name=_("звернення без звіту"))
    count = models.PositiveIntegerField(_("кількість"), default=0)

    class Meta:
        verbose_name = _("звіт зміни")
        verbose_name_plural = _("звіти змін")
        ordering = ["-shift_end"]

    def __str__(self) -> str:
        return f"{self.shift_end:%Y-%m-%d %H:%M}: {self.count}"


class CrewMember(models.Model):
    """A named member of a provider's crew (майстер, бригада) an operator gives an appeal to. Staff only."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="crew", verbose_name=_("виконавець"))
    name = models.CharField(_("ім'я або бригада"), max_length=200)
    phone = models.CharField(_("телефон"), max_length=32, blank=True, default="")
    active = models.BooleanField(_("працює"), default=True)

    class Meta:
        verbose_name = _("працівник бригади")
        verbose_name_plural = _("бригади виконавців")
        ordering = ["provider", "name"]
        constraints = [models.UniqueConstraint(fields=["provider", "name"], name="crew_member_unique_name")]

    def __str__(self) -> str:
        return self.name


class StaffProfile(models.Model):
    """What a staff user's role is scoped to: a provider (operators) or provider kinds (supervisors)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile")
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, null=True, blank=True, related_name="operators", verbose_name=_("виконавець"),
    )
    supervised_kinds = ArrayField(
        models.CharField(max_length=24, choices=ProviderKind.choices), default=list, blank=True,
        verbose_name=_("типи виконавців під контролем"),
    )

    class Meta:
        verbose_name = _("профіль працівника")
        verbose_name_plural = _("профілі працівників")

    def __str__(self) -> str:
        return str(self.user)
