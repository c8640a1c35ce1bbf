"""The workflows where outages meet calls and appeals (STYLE.md: they live in appeals/).

- detect_outage: after a new appeal, the live rule of outages.detection over the recent appeals of
  its category; a cluster of at least N buildings within R metres and T minutes becomes (or grows) a
  *suspected* outage, its appeals linked to it, proposed to the dispatcher, who confirms it with one
  action (confirm_outage).
- link_call_to_outage: the caller is inside a known outage: the call is counted with outcome
  outage_known, the caller optionally subscribed to its end (OutageSubscription: personal data, here).
- resolve_outage: the outage ends; its open linked appeals are resolved with its note, subscribers
  are notified through the outbox (appeals.notifications.queue_notification).
- change_outage: a moved expected end notifies the subscribers too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from django.contrib.gis.geos import GEOSGeometry
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from appeals import deadlines
from appeals.errors import AppealError
from appeals.models import (
    AWAITING_CONFIRMATION,
    OPEN_STATUSES,
    Appeal,
    AppealEvent,
    Call,
    CallOutcome,
    EventAction,
    OutageSubscription,
    Status,
    SubscriptionChannel,
)
from gis.srid import METRIC_SRID, STORAGE_SRID
from outages import detection
from outages import selectors as outage_selectors
from outages import services as outage_services
from outages.models import Outage, OutageStatus


def _user(user):
    return user if getattr(user, "pk", None) else None


def _local(at: datetime | None, fmt: str = "%H:%M") -> str:
    """Kyiv time; a time on another day than today carries its date."""
    if at is None:
        return ""
    local = timezone.localtime(at, deadlines.KYIV)
    today = timezone.localtime(timezone.now(), deadlines.KYIV).date()
    return local.strftime(fmt if local.date() == today or "%d" in fmt else "%d.%m %H:%M")


def outage_notice(outage) -> str:
    """What the dispatcher reads first: "Відоме відключення: водопостачання, з 06:40, очікуване відновлення 14:00, Водоканал".

    Takes an Outage or an outages.selectors.OutageBrief.
    """
    parts = [outage_selectors.service_kind_label(outage), f"з {_local(outage.started_at)}"]
    if outage.expected_end:
        parts.append(f"очікуване відновлення {_local(outage.expected_end)}")
    provider = getattr(outage, "provider_name", None)
    if provider is None and outage.provider_id:
        provider = str(outage.provider)
    if provider:
        parts.append(provider)
    head = "Планові роботи" if outage.kind == "planned" else "Відоме відключення"
    return f"{head}: " + ", ".join(parts)


# --- live detection ------------------------------------------------------------------------------

# The recent appeals of one category near the new one (metres in METRIC_SRID); the index on
# (category, created_at) narrows them to the window first.
_POINTS_SQL = f"""
SELECT a.id, ST_X(m.p), ST_Y(m.p), extract(epoch FROM a.created_at) / 3600.0, a.building_id
FROM appeals_appeal a
CROSS JOIN LATERAL (SELECT ST_Transform(a.point, {METRIC_SRID}) AS p) AS m
WHERE a.category_id = %(category)s AND a.created_at > %(t0)s AND a.created_at <= %(t1)s
  AND a.status NOT IN ('cancelled', 'duplicate')
  AND ST_DWithin(m.p, ST_Transform(ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), {STORAGE_SRID}), {METRIC_SRID}), %(reach)s)
"""

# How far (in radii) and how long (in windows) before the new appeal the cluster may reach back.
_REACH_RADII = 10.0
_REACH_WINDOWS = 3.0


@dataclass(frozen=True)
class Detection:
    outage: Outage
    created: bool
    buildings: int
    appeals: int


def detect_outage(*, appeal: Appeal, now: datetime | None = None) -> Detection | None:
    """Run the category's live rule around a new appeal; a qualifying cluster → a suspected outage.

    None when the category is not watched (settings.OUTAGE_DETECTION) or there is no cluster yet.
    """
    rule = detection.rule_for(appeal.category.code)
    if rule is None:
        return None
    t1 = appeal.created_at
    t0 = t1 - timezone.timedelta(minutes=rule.window_minutes * _REACH_WINDOWS)
    with connection.cursor() as cur:
        cur.execute(_POINTS_SQL, {"category": appeal.category_id, "t0": t0, "t1": t1, "lon": appeal.point.x,
                                  "lat": appeal.point.y, "reach": rule.radius_m * _REACH_RADII})
        rows = cur.fetchall()
    points = [detection.AppealPoint(id=r[0], category=appeal.category.code, x=r[1], y=r[2], t=float(r[3]),
                                    building_id=r[4]) for r in rows]
    found = detection.find_incidents(points, eps_m=rule.radius_m, window_hours=rule.window_hours,
                                     min_buildings=rule.min_buildings, containing=appeal.pk)
    if not found:
        return None
    mine = found[0]
    hull = GEOSGeometry(mine.extent_wkt, srid=METRIC_SRID)  # transformed to EPSG:4326 by PostGIS, in the write
    with transaction.atomic(savepoint=False):  # inside the intake's transaction: all of it or none
        proposal = outage_services.propose_suspected(category=appeal.category, hull=hull, buildings=mine.buildings,
                                                     appeals=mine.count, now=now)
        _link_appeals(outage=proposal.outage, appeal_ids=mine.appeal_ids, at=now or timezone.now())
    return Detection(outage=proposal.outage, created=proposal.created, buildings=mine.buildings, appeals=mine.count)


# Link the open appeals that have no outage yet and write their history events in one statement.
_LINK_SQL = """
WITH linked AS (
    UPDATE appeals_appeal SET outage_id = %(outage)s, version = version + 1, updated_at = %(at)s
    WHERE id = ANY(%(ids)s) AND outage_id IS NULL AND status = ANY(%(open)s)
    RETURNING id
)
INSERT INTO appeals_appealevent (appeal_id, at, actor_id, action, from_status, to_status, note, data)
SELECT id, %(at)s, %(actor)s, %(action)s, '', '', %(note)s, %(data)s::jsonb FROM linked ORDER BY id
"""


def _link_appeals(*, outage: Outage, appeal_ids: list[int], at: datetime, actor=None) -> int:
    """Link open appeals that have no outage yet; one history event each."""
    who = _user(actor)
    with connection.cursor() as cur:
        cur.execute(_LINK_SQL, {"outage": outage.pk, "at": at, "ids": [int(i) for i in appeal_ids],
                                "open": [str(s) for s in OPEN_STATUSES], "actor": who.pk if who else None,
                                "action": EventAction.OUTAGE.value, "note": f"частина відключення №{outage.pk}",
                                "data": json.dumps({"outage_id": outage.pk})})
        return cur.rowcount


def link_appeal(*, appeal: Appeal, outage: Outage, actor=None, now: datetime | None = None) -> None:
    """A new appeal the dispatcher insisted on filing inside a known outage: part of it."""
    _link_appeals(outage=outage, appeal_ids=[appeal.pk], at=now or timezone.now(), actor=actor)


# --- the dispatcher's actions ---------------------------------------------------------------------


def confirm_outage(*, outage: Outage | int, actor=None, now: datetime | None = None) -> Outage:
    """One action: a suspected outage becomes confirmed (its detected appeals stay linked)."""
    return outage_services.set_status(outage=outage, actor=actor, to_status=OutageStatus.CONFIRMED, now=now)


def cancel_outage(*, outage: Outage | int, actor=None, note: str = "", now: datetime | None = None) -> Outage:
    """A false alarm or a called-off planned work: the linked open appeals go back to being appeals of their own."""
    now = now or timezone.now()
    with transaction.atomic():
        o = outage_services.set_status(outage=outage, actor=actor, to_status=OutageStatus.CANCELLED, note=note, now=now)
        ids = list(Appeal.objects.filter(outage=o, status__in=OPEN_STATUSES).values_list("pk", flat=True))
        Appeal.objects.filter(pk__in=ids).update(outage=None, version=F("version") + 1, updated_at=now)
        AppealEvent.objects.bulk_create([
            AppealEvent(appeal_id=i, at=now, actor=_user(actor), action=EventAction.OUTAGE,
                        note=f"відключення №{o.pk} скасовано", data={"outage_id": o.pk}) for i in ids])
    return o


def _valid_address(channel: str, address: str) -> str:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    from appeals.phones import ukrainian_e164

    address = (address or "").strip()
    if channel == SubscriptionChannel.EMAIL:
        try:
            validate_email(address)
        except ValidationError as exc:
            raise AppealError(f"некоректна адреса e-mail «{address}»") from exc
        return address.lower()
    if channel == SubscriptionChannel.SMS:
        phone = ukrainian_e164(address, mobile=True)
        if phone is None:
            raise AppealError(f"для SMS потрібен український мобільний номер, а не «{address}»")
        return phone
    raise AppealError(f"невідомий канал повідомлення «{channel}» (email або sms)")


def subscribe(*, outage: Outage, channel: str, address: str, call: Call | None = None,
              now: datetime | None = None) -> OutageSubscription:
    """Tell this phone or e-mail when the outage ends (once per outage, channel and address)."""
    address = _valid_address(channel, address)
    sub, _ = OutageSubscription.objects.get_or_create(
        outage=outage, channel=channel, address=address,
        defaults={"call": call, "created_at": now or timezone.now()})
    return sub


def link_call_to_outage(*, dispatcher, outage: Outage | int, phone: str = "", subscribe_channel: str = "",
                        subscribe_to: str = "", note: str = "", idempotency_key: str | None = None,
                        now: datetime | None = None) -> Call:
    """The caller is told of the known outage: a call with outcome outage_known, no appeal; optionally subscribed."""
    from appeals.phones import normalize_phone

    now = now or timezone.now()
    key = (idempotency_key or "").strip() or None
    if key:
        existing = Call.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return existing
    o = outage if isinstance(outage, Outage) else outage_selectors.get_outage(outage_id=int(outage))
    if not o.is_open:
        raise AppealError(f"відключення №{o.pk} вже {o.get_status_display()}")
    with transaction.atomic():
        call = Call.objects.create(phone=normalize_phone(phone), started_at=now, dispatcher=_user(dispatcher),
                                   outcome=CallOutcome.OUTAGE_KNOWN, outage=o, note=note, idempotency_key=key)
        if subscribe_channel:
            subscribe(outage=o, channel=subscribe_channel, address=subscribe_to or phone, call=call, now=now)
    return call


# --- resolving and moving the expected end --------------------------------------------------------


@dataclass(frozen=True)
class ResolveResult:
    outage: Outage
    appeals_resolved: int
    notified: int


def _notify(*, subs, subject: str, body: str, dedupe: str) -> int:
    if not subs:
        return 0
    from appeals.notifications import queue_notification

    for sub in subs:
        queue_notification(channel=sub.channel, to=sub.address, subject=subject, body=body,
                           dedupe_key=f"outage:{sub.outage_id}:{sub.pk}:{dedupe}")
    return len(subs)


def resolve_outage(*, outage: Outage | int, actor=None, note: str = "", ended_at: datetime | None = None,
                   now: datetime | None = None) -> ResolveResult:
    """The outage is over: its open linked appeals are resolved with its note; subscribers are told."""
    now = now or timezone.now()
    with transaction.atomic():
        o = outage_services.set_status(outage=outage, actor=actor, to_status=OutageStatus.RESOLVED, note=note,
                                       ended_at=ended_at, now=now)
        resolution = note or o.public_note or f"відключення №{o.pk} усунуто"
        linked = list(Appeal.objects.select_for_update().filter(outage=o, status__in=OPEN_STATUSES)
                      .values_list("pk", "status"))
        ids = [pk for pk, _s in linked]
        Appeal.objects.filter(pk__in=ids).update(status=Status.RESOLVED, resolution=resolution, resolved_at=now,
                                                 last_report_at=now, updated_at=now, version=F("version") + 1,
                                                 **AWAITING_CONFIRMATION)
        events = AppealEvent.objects.bulk_create([
            AppealEvent(appeal_id=pk, at=now, actor=_user(actor), action=EventAction.STATUS, from_status=status,
                        to_status=Status.RESOLVED, note=resolution, data={"outage_id": o.pk})
            for pk, status in linked])
        # Applicants who asked for news hear of the fix (and are asked to confirm), as for any resolution.
        from appeals.applicant_messages import on_status_event

        wants = set(Appeal.objects.filter(pk__in=ids, notify_applicant=True).values_list("pk", flat=True))
        for e in events:
            if e.appeal_id in wants:
                on_status_event(appeal_id=e.appeal_id, event_id=e.pk, to_status=Status.RESOLVED, note=resolution)
        subs = list(OutageSubscription.objects.filter(outage=o, ended_notified_at__isnull=True))
        kinds = outage_selectors.service_kind_label(o)
        body = (f"{kinds.capitalize()} відновлено ({_local(o.ended_at, '%d.%m.%Y %H:%M')}). "
                + (f"{o.public_note} " if o.public_note else "") + "Контакт-центр 1505, Краматорськ.")
        notified = _notify(subs=subs, subject=f"Відновлено: {kinds}", body=body, dedupe="end")
        OutageSubscription.objects.filter(pk__in=[s.pk for s in subs]).update(ended_notified_at=now)
    return ResolveResult(outage=o, appeals_resolved=len(ids), notified=notified)


def change_outage(*, outage: Outage | int, actor=None, now: datetime | None = None,
                  **changes) -> outage_services.ChangeResult:
    """outages.services.change_outage, and the subscribers are told when the expected end moves."""
    with transaction.atomic():
        result = outage_services.change_outage(outage=outage, actor=actor, now=now, **changes)
        o = result.outage
        if result.expected_end_moved and o.status == OutageStatus.CONFIRMED:
            subs = list(OutageSubscription.objects.filter(outage=o, ended_notified_at__isnull=True))
            kinds = outage_selectors.service_kind_label(o)
            when = _local(o.expected_end, "%d.%m.%Y %H:%M") if o.expected_end else "невідомо"
            _notify(subs=subs, subject=f"Змінено час відновлення: {kinds}",
                    body=f"Очікуване відновлення ({kinds}): {when}. Контакт-центр 1505, Краматорськ.",
                    dedupe=f"end-moved:{o.expected_end.isoformat() if o.expected_end else 'none'}")
    return result
