"""Writes on calls and appeals: intake, status changes, rerouting, deadlines, control.

Every function takes keyword-only arguments and runs in one transaction. Changes to an
appeal use optimistic locking: the caller passes the version it has seen; if someone
else changed the appeal since, Conflict is raised and nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.gis.geos import Point
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q, prefetch_related_objects
from django.utils import timezone

from appeals import deadlines, roles, workflow
from appeals.control import SweepReport, record_shift_report, run_escalation_sweep  # noqa: F401 (one import for callers)
from appeals.errors import AddressNotFound, AppealError, AppealNotFound, Conflict, NotAllowed
from appeals.models import (
    AWAITING_CONFIRMATION,
    OPEN_STATUSES,
    Appeal,
    AppealEvent,
    AppealRoute,
    Call,
    CallOutcome,
    Channel,
    EventAction,
    RouteOutcome,
    Status,
)
from appeals.phones import normalize_phone
from geocoding import services as geocoding
from gis.srid import STORAGE_SRID
from layers import routing
from layers.models import Building, Category, Provider, ServiceArea

# Re-exported so that callers need one import for every refusal.
InvalidTransition = workflow.InvalidTransition
# The key in an event's data that makes its note a public reply (shown to the applicant when tracking).
PUBLIC_NOTE = "public"
DeadlineError = deadlines.DeadlineError


@dataclass(frozen=True)
class IntakeResult:
    appeal: Appeal | None  # None for a call that is a consultation / status inquiry only
    call: Call | None  # None for channels without a phone call (online, API)
    created: bool  # a new appeal was registered by this submit
    replayed: bool = False  # the idempotency key was seen before: this is the first submit's result
    routes: tuple[AppealRoute, ...] = ()
    # A suspected (or known) outage this appeal made or joined (appeals.outage_services.Detection).
    detection: object | None = None

    @property
    def number(self) -> str:
        return self.appeal.number if self.appeal else ""


def format_number(*, year: int, seq: int) -> str:
    """The number people say on the phone: two digits of the year, a dash, six digits.

    >>> format_number(year=2026, seq=4817)
    '26-004817'
    """
    return f"{year % 100:02d}-{seq:06d}"


def allocate_numbers(*, year: int, count: int = 1) -> range:
    """Reserve `count` consecutive sequence numbers of `year` (Kyiv) and return them.

    One INSERT ... ON CONFLICT DO UPDATE: concurrent callers queue on the row, never share a number.
    Bulk generators call it once for a whole batch.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO appeals_appealnumbercounter AS c (year, last) VALUES (%s, %s) "
            "ON CONFLICT (year) DO UPDATE SET last = c.last + EXCLUDED.last RETURNING last",
            [year, count],
        )
        (last,) = cur.fetchone()
    return range(last - count + 1, last + 1)


def next_number(*, at: datetime) -> str:
    year = timezone.localtime(at, deadlines.KYIV).year
    return format_number(year=year, seq=allocate_numbers(year=year, count=1)[0])


def _category(category: Category | str | int) -> Category:
    if isinstance(category, Category):
        return category
    if isinstance(category, int):
        return Category.objects.get(pk=category)
    return Category.objects.get(code=category)


# Geocoder matches precise enough to file an appeal on without a person choosing.
_SURE_MATCHES = ("exact", "alias", "fuzzy")


@dataclass(frozen=True)
class _Place:
    building: Building | None
    point: Point
    address_text: str
    flat: str = ""


def resolve_place(*, address_text: str = "", building: Building | int | None = None, lon: float | None = None,
                  lat: float | None = None) -> _Place:
    """Building, or lon/lat (a map pin: the building under it, if any), or free text (geocoded, best match)."""
    if building is not None:
        if not isinstance(building, Building):
            building = Building.objects.select_related("street").filter(pk=building).first()
            if building is None:
                raise AddressNotFound("такого будинку немає в реєстрі")
        return _Place(building=building, point=building.point, address_text=address_text or building.address)
    if lon is not None and lat is not None:
        found = geocoding.reverse(lon=float(lon), lat=float(lat))
        if found is not None and found.inside:
            b = Building.objects.select_related("street").get(pk=found.building_id)
            return _Place(building=b, point=b.point, address_text=address_text or b.address)
        # A pin with no building under it: a street-level problem at that very point.
        return _Place(building=None, point=Point(float(lon), float(lat), srid=STORAGE_SRID),
                      address_text=address_text or (f"біля: {found.address}" if found else ""))
    if address_text and address_text.strip():
        try:
            results = geocoding.geocode(query=address_text, limit=1)
        except geocoding.InvalidQuery as exc:
            raise AddressNotFound(str(exc)) from exc
        found = results[0] if results and results[0].match in _SURE_MATCHES else None
        if found is not None and found.building_id is not None:
            b = Building.objects.select_related("street").get(pk=found.building_id)
            # The building's own address reads as it always has; another of its addresses (a corner's second
            # street, an entrance) as the geocoder names it.
            main = found.address_id is None or b.addresses.filter(pk=found.address_id, is_main=True).exists()
            return _Place(building=b, point=b.point, address_text=b.address if main else found.address, flat=found.flat)
        if found is not None and found.address_id is not None:
            # An address point with no building outline: filed, and routed, by its point.
            return _Place(building=None, point=Point(found.lon, found.lat, srid=STORAGE_SRID),
                          address_text=found.address, flat=found.flat)
        if results:
            # A guess (another house number, a street alone, several streets) is for a person to pick.
            options = "; ".join(r.address for r in geocoding.geocode(query=address_text, limit=5))
            raise AddressNotFound(f"адресу «{address_text}» не визначено однозначно; можливо: {options}")
        raise AddressNotFound(f"адресу «{address_text}» не знайдено")
    raise AddressNotFound("потрібна адреса, будинок або точка на карті")


def _event(*, appeal_id: int, at: datetime, actor, action: str, from_status: str = "", to_status: str = "",
           note: str = "", data: dict | None = None) -> AppealEvent:
    event = AppealEvent.objects.create(
        appeal_id=appeal_id, at=at, actor=actor if getattr(actor, "pk", None) else None, action=action,
        from_status=from_status, to_status=to_status, note=note, data=data or {},
    )
    if action == EventAction.STATUS:
        # The applicant who opted in hears of it (the outbox row commits with this event).
        from appeals.applicant_messages import on_status_event

        on_status_event(appeal_id=appeal_id, event_id=event.pk, to_status=to_status, note=note)
    return event


def _route_rows(*, appeal: Appeal, decisions: Iterable[routing.Decision], at: datetime) -> list[AppealRoute]:
    rows = [
        AppealRoute(
            appeal=appeal, service_kind_id=d.service_kind, provider=d.provider, outcome=d.outcome, rule=d.rule,
            reason=d.reason, area_id=d.area_id, assignment_id=d.assignment_id,
            candidates=[{"id": p.pk, "name": str(p)} for p in d.candidates], created_at=at,
        )
        for d in decisions
    ]
    return AppealRoute.objects.bulk_create(rows)


def _route(*, appeal: Appeal, at: datetime) -> list[AppealRoute]:
    decisions = routing.route_category(
        category=appeal.category, building=appeal.building,
        lon=None if appeal.building_id else appeal.point.x, lat=None if appeal.building_id else appeal.point.y,
        at=timezone.localdate(at, deadlines.KYIV),
    )
    return _route_rows(appeal=appeal, decisions=decisions, at=at)


def _fully_routed(routes: list[AppealRoute]) -> bool:
    return bool(routes) and all(r.outcome in (RouteOutcome.ASSIGNED, RouteOutcome.MANUAL) for r in routes)


def _fully_decided(decisions: list[routing.Decision]) -> bool:
    return bool(decisions) and all(d.outcome in (RouteOutcome.ASSIGNED, RouteOutcome.MANUAL) for d in decisions)


def _replay(key: str) -> IntakeResult | None:
    call = Call.objects.select_related("appeal").filter(idempotency_key=key).first()
    if call is not None:
        return IntakeResult(appeal=call.appeal, call=call, created=False, replayed=True,
                            routes=tuple(call.appeal.routes.filter(active=True)) if call.appeal else ())
    appeal = Appeal.objects.filter(idempotency_key=key).first()
    if appeal is not None:
        return IntakeResult(appeal=appeal, call=None, created=False, replayed=True,
                            routes=tuple(appeal.routes.filter(active=True)))
    return None


def register_intake(
    *,
    dispatcher,
    category: Category | str | int,
    phone: str = "",
    address_text: str = "",
    building: Building | int | None = None,
    lon: float | None = None,
    lat: float | None = None,
    description: str = "",
    flat: str = "",
    applicant_name: str = "",
    channel: str = Channel.PHONE,
    idempotency_key: str | None = None,
    link_to_appeal: Appeal | int | str | None = None,
    outage=None,
    now: datetime | None = None,
    applicant_email: str = "",
    is_formal: bool = True,
    tracking_code_hash: str = "",
    notify_applicant: bool = False,
    needs_review: bool = False,
    hold_for_review: bool = False,
    place=None,
    source_name: str = "",
) -> IntakeResult:
    """Register what a caller (or an online form) brought in: geocode, route, create the appeal and the call.

    With link_to_appeal (an appeal, its id or its number) no appeal is created: the call is added
    to that appeal (the likely duplicate the dispatcher was offered). A phone channel always
    records a Call. The same idempotency_key again returns the first submit's result.

    With outage (an Outage or its id: the caller is inside a known outage and the dispatcher insists
    on an appeal) the new appeal is part of it; otherwise live detection runs on it
    (appeals.outage_services.detect_outage).

    Online channels (citizens.services.file_online): needs_review puts the appeal in the dispatcher's
    "online — to check" queue; hold_for_review (the category says so) keeps it registered, routes
    computed but not sent, until that check. `place` is an already resolved resolve_place() result;
    `source_name` the client it came through (an Open311 key's name), noted in the history.
    """
    now = now or timezone.now()
    key = (idempotency_key or "").strip() or None
    if key:
        replay = _replay(key)
        if replay is not None:
            return replay
    phone = normalize_phone(phone)
    try:
        with transaction.atomic():
            if link_to_appeal is not None:
                return _link_call(dispatcher=dispatcher, phone=phone, appeal=link_to_appeal, key=key, now=now,
                                  note=description)
            result = _create(dispatcher=dispatcher, category=_category(category), phone=phone,
                             place=place or resolve_place(address_text=address_text, building=building, lon=lon,
                                                          lat=lat),
                             description=description, flat=flat, applicant_name=applicant_name, channel=channel,
                             key=key, now=now,
                             extra={"applicant_email": applicant_email.strip(), "is_formal": is_formal,
                                    "tracking_code_hash": tracking_code_hash, "notify_applicant": notify_applicant,
                                    "needs_review": needs_review},
                             hold=hold_for_review, source_name=source_name)
            return _after_new_appeal(result=result, dispatcher=dispatcher, outage=outage, now=now)
    except IntegrityError:
        # The same key committed by a concurrent submit between our check and our insert.
        if key:
            replay = _replay(key)
            if replay is not None:
                return replay
        raise


def _create(*, dispatcher, category: Category, phone: str, place: _Place, description: str, flat: str,
            applicant_name: str, channel: str, key: str | None, now: datetime, extra: dict | None = None,
            hold: bool = False, source_name: str = "") -> IntakeResult:
    if category.is_consultation:
        raise AppealError("консультація не є зверненням: зареєструйте дзвінок (record_call)")
    # The category's kinds once, for routing here and for live detection after (appeal.category is this object).
    prefetch_related_objects([category], "service_kinds")
    # Routed before the row is written, so the appeal is inserted once in its final status (sent when every
    # kind found its provider) and its first history steps go in one INSERT: one write and one map-cell
    # update per appeal instead of an INSERT, an UPDATE to "sent" and a cell update for each.
    decisions = routing.route_category(
        category=category, building=place.building,
        lon=None if place.building is not None else place.point.x,
        lat=None if place.building is not None else place.point.y,
        at=timezone.localdate(now, deadlines.KYIV),
    )
    sent = not hold and _fully_decided(decisions)
    appeal = Appeal.objects.create(
        number=next_number(at=now), channel=channel, category=category, building=place.building, point=place.point,
        address_text=place.address_text[:255], description=description, flat=flat or place.flat,
        applicant_name=applicant_name, applicant_phone=phone, status=Status.SENT if sent else Status.REGISTERED,
        created_at=now, created_by=dispatcher if getattr(dispatcher, "pk", None) else None, updated_at=now,
        deadline=deadlines.compute_deadline(registered_at=now, hours=category.deadline_hours,
                                            is_emergency=category.is_emergency),
        idempotency_key=key if channel != Channel.PHONE else None,
        **(extra or {}),
    )
    routes = _route_rows(appeal=appeal, decisions=decisions, at=now)
    actor = _user(dispatcher)
    steps = [
        AppealEvent(appeal_id=appeal.pk, at=now, actor=actor, action=EventAction.CREATED, to_status=Status.REGISTERED,
                    data={"channel": channel}),
        AppealEvent(appeal_id=appeal.pk, at=now, actor=actor, action=EventAction.ROUTED,
                    data={"routes": [_route_summary(r) for r in routes]}),
    ]
    if hold:
        steps.append(AppealEvent(appeal_id=appeal.pk, at=now, action=EventAction.COMMENT,
                                 note="онлайн-звернення: передача виконавцю чекає перевірки диспетчером"))
    elif sent:
        steps.append(AppealEvent(appeal_id=appeal.pk, at=now, action=EventAction.STATUS,
                                 from_status=Status.REGISTERED, to_status=Status.SENT,
                                 note="передано автоматично за маршрутом"))
    if source_name:
        steps.append(AppealEvent(appeal_id=appeal.pk, at=now, action=EventAction.COMMENT,
                                 note=f"надійшло через: {source_name[:100]}", data={"source": source_name[:100]}))
    for step in AppealEvent.objects.bulk_create(steps):  # ids in this order: created, routed, sent, source
        if step.action == EventAction.STATUS:
            from appeals.applicant_messages import on_status_event

            on_status_event(appeal_id=appeal.pk, event_id=step.pk, to_status=step.to_status, note=step.note)
    call = None
    if channel == Channel.PHONE:
        call = Call.objects.create(phone=phone, started_at=now, dispatcher=actor,
                                   outcome=CallOutcome.NEW_APPEAL, appeal=appeal, idempotency_key=key)
    return IntakeResult(appeal=appeal, call=call, created=True, routes=tuple(routes))


def _after_new_appeal(*, result: IntakeResult, dispatcher, outage, now: datetime) -> IntakeResult:
    from dataclasses import replace

    from appeals import outage_services
    from outages import selectors as outage_selectors

    if outage is not None:
        known = outage if not isinstance(outage, (int, str)) else outage_selectors.get_outage(outage_id=int(outage))
        # Only an appeal about what is off joins the outage (a stuck lift during a water outage does not).
        kinds = set(result.appeal.category.service_kinds.values_list("code", flat=True))
        if known.is_open and kinds & set(known.service_kinds.values_list("code", flat=True)):
            outage_services.link_appeal(appeal=result.appeal, outage=known, actor=dispatcher, now=now)
            return replace(result, detection=outage_services.Detection(outage=known, created=False, buildings=0,
                                                                       appeals=0))
    return replace(result, detection=outage_services.detect_outage(appeal=result.appeal, now=now))


def _route_summary(r: AppealRoute) -> dict:
    return {"service_kind": r.service_kind_id, "provider_id": r.provider_id, "outcome": r.outcome, "rule": r.rule,
            "reason": r.reason}


def _user(user):
    return user if getattr(user, "pk", None) else None


def _get_appeal(appeal: Appeal | int | str) -> Appeal:
    if isinstance(appeal, Appeal):
        return appeal
    key = str(appeal).strip()
    if "-" in key:
        found = Appeal.objects.filter(number=key).first()
    else:
        found = Appeal.objects.filter(pk=int(key)).first() if key.isdigit() else None
    if found is None:
        raise AppealNotFound(f"звернення {appeal} не знайдено")
    return found


def _link_call(*, dispatcher, phone: str, appeal: Appeal | int | str, key: str | None, now: datetime,
               note: str) -> IntakeResult:
    target = _get_appeal(appeal)
    call = Call.objects.create(phone=phone, started_at=now, dispatcher=_user(dispatcher),
                               outcome=CallOutcome.ADDED_TO_APPEAL, appeal=target, idempotency_key=key, note=note)
    _event(appeal_id=target.pk, at=now, actor=dispatcher, action=EventAction.CALL_LINKED, note=note,
           data={"call_id": call.pk})
    return IntakeResult(appeal=target, call=call, created=False, routes=tuple(target.routes.filter(active=True)))


def record_call(*, dispatcher, phone: str, outcome: str, appeal: Appeal | int | str | None = None,
                consultation_office: str = "", note: str = "", idempotency_key: str | None = None,
                now: datetime | None = None) -> Call:
    """A call that registers nothing new: a status inquiry, a consultation (say which office), other."""
    now = now or timezone.now()
    if outcome in (CallOutcome.NEW_APPEAL, CallOutcome.ADDED_TO_APPEAL):
        raise AppealError("нове звернення чи додавання до звернення — через register_intake")
    if outcome == CallOutcome.CONSULTATION and not consultation_office.strip():
        raise AppealError("для консультації вкажіть, до якої установи скеровано заявника")
    key = (idempotency_key or "").strip() or None
    if key:
        existing = Call.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return existing
    target = _get_appeal(appeal) if appeal is not None else None
    return Call.objects.create(phone=normalize_phone(phone), started_at=now, dispatcher=_user(dispatcher),
                               outcome=outcome, appeal=target, consultation_office=consultation_office, note=note,
                               idempotency_key=key)


# --- changes to an appeal (optimistic locking) -------------------------------------------------


def _apply(*, appeal: Appeal, version: int, now: datetime, **fields) -> Appeal:
    """UPDATE ... WHERE version = seen: the compare-and-set that makes lost updates impossible."""
    updated = Appeal.objects.filter(pk=appeal.pk, version=version).update(
        version=F("version") + 1, updated_at=now, **fields,
    )
    if updated != 1:
        current = Appeal.objects.filter(pk=appeal.pk).values_list("version", flat=True).first()
        raise Conflict(
            f"звернення {appeal.number} вже змінив хтось інший (версія {current}, у вас {version}); оновіть і повторіть"
        )
    appeal.refresh_from_db()
    return appeal


def change_status(*, appeal: Appeal | int | str, actor, to_status: str, version: int, note: str = "",
                  reason: str = "", resolution: str = "", duplicate_of: Appeal | int | str | None = None,
                  rating: int | None = None, public_note: bool = False, now: datetime | None = None) -> Appeal:
    """Move an appeal along the workflow, as `actor` (whose role and scope are checked).

    A note is internal (staff only) unless `public_note`: then it is a public reply the applicant reads on
    the tracking page. What was done (`resolution`) is always public.
    """
    now = now or timezone.now()
    with transaction.atomic():
        appeal = roles.appeal_for_action(user=actor, appeal=_get_appeal(appeal))
        role = roles.role_of(actor)
        original = _get_appeal(duplicate_of) if duplicate_of is not None else None
        t = workflow.check_transition(from_status=appeal.status, to_status=to_status, role=role, reason=reason,
                                      resolution=resolution, duplicate_of=original)
        fields: dict = {"status": to_status}
        if t.provider_report:
            fields["last_report_at"] = now
        if to_status == Status.REJECTED:
            fields["rejection_count"] = F("rejection_count") + 1
            _end_routes(appeal=appeal, actor=actor, now=now, rejection_reason=reason)
        elif to_status == Status.RESOLVED:
            fields.update(resolved_at=now, resolution=resolution, **AWAITING_CONFIRMATION)
        elif to_status == Status.REOPENED:
            fields.update(reopen_count=F("reopen_count") + 1, resolved_at=None)
        elif to_status in (Status.CLOSED, Status.CANCELLED):
            fields["closed_at"] = now
        elif to_status == Status.DUPLICATE:
            if original.pk == appeal.pk:
                raise InvalidTransition("звернення не може бути дублікатом самого себе")
            fields.update(duplicate_of=original, closed_at=now)
        if rating is not None:
            fields["rating"] = rating
        from_status = appeal.status
        appeal = _apply(appeal=appeal, version=version, now=now, **fields)
        _event(appeal_id=appeal.pk, at=now, actor=actor, action=EventAction.STATUS, from_status=from_status,
               to_status=to_status, note=note or reason or resolution,
               data={k: v for k, v in {"reason": reason, "resolution": resolution,
                                       "duplicate_of": original.number if original else "",
                                       PUBLIC_NOTE: bool(public_note and (note or resolution))}.items() if v})
        if to_status == Status.DUPLICATE:
            # The calls of a duplicate count on the original too.
            _event(appeal_id=original.pk, at=now, actor=actor, action=EventAction.COMMENT,
                   note=f"дублікат: {appeal.number}", data={"duplicate": appeal.number})
    return appeal


def _end_routes(*, appeal: Appeal, actor, now: datetime, rejection_reason: str) -> None:
    """A rejection ends the rejecting provider's routes (an operator) or all active routes (others)."""
    routes = AppealRoute.objects.filter(appeal=appeal, active=True)
    provider = roles.provider_of(actor)
    if provider is not None:
        routes = routes.filter(provider=provider)
    routes.update(active=False, ended_at=now, rejected=True, rejection_reason=rejection_reason)


def reroute(*, appeal: Appeal | int | str, actor, version: int, providers: dict[str, Provider | int] | None = None,
            note: str = "", now: datetime | None = None) -> Appeal:
    """Route again: by the rules (providers=None) or to providers the dispatcher chose ({kind: provider}).

    The old routes stay as inactive rows. A registered or rejected appeal that ends fully routed is sent.
    """
    now = now or timezone.now()
    with transaction.atomic():
        appeal = roles.appeal_for_action(user=actor, appeal=_get_appeal(appeal))
        if roles.role_of(actor) not in (workflow.DISPATCHER, workflow.SUPERVISOR, workflow.ADMINISTRATOR):
            raise NotAllowed("перенаправити звернення може лише диспетчер або контролер")
        if appeal.status not in OPEN_STATUSES:
            raise InvalidTransition(f"звернення {appeal.number} закрите: перенаправлення неможливе")
        appeal = _apply(appeal=appeal, version=version, now=now)
        routes = _reroute_rows(appeal=appeal, providers=providers, now=now)
        _after_reroute(appeal=appeal, routes=routes, actor=actor, now=now, note=note)
    return appeal


def _reroute_rows(*, appeal: Appeal, providers: dict[str, Provider | int] | None, now: datetime) -> list[AppealRoute]:
    AppealRoute.objects.filter(appeal=appeal, active=True).update(active=False, ended_at=now)
    if providers is None:
        return _route(appeal=appeal, at=now)
    rows = []
    for kind, prov in sorted(providers.items()):
        prov = prov if isinstance(prov, Provider) else Provider.objects.get(pk=prov)
        rows.append(AppealRoute(appeal=appeal, service_kind_id=kind, provider=prov, outcome=RouteOutcome.MANUAL,
                                rule="manual", reason=f"Призначено диспетчером: «{prov}»", created_at=now))
    return AppealRoute.objects.bulk_create(rows)


def _after_reroute(*, appeal: Appeal, routes: list[AppealRoute], actor, now: datetime, note: str) -> None:
    _event(appeal_id=appeal.pk, at=now, actor=actor, action=EventAction.ROUTED, note=note,
           data={"routes": [_route_summary(r) for r in routes]})
    if appeal.status in (Status.REGISTERED, Status.REJECTED) and _fully_routed(routes):
        from_status = appeal.status
        Appeal.objects.filter(pk=appeal.pk).update(status=Status.SENT)
        appeal.status = Status.SENT
        _event(appeal_id=appeal.pk, at=now, actor=actor, action=EventAction.STATUS, from_status=from_status,
               to_status=Status.SENT, note=note or "перенаправлено")


def extend_deadline(*, appeal: Appeal | int | str, actor, version: int, new_deadline: datetime, reason: str,
                    now: datetime | None = None) -> Appeal:
    """Extend the deadline (at most 45 days from registration in total), only with a recorded reason."""
    now = now or timezone.now()
    with transaction.atomic():
        appeal = roles.appeal_for_action(user=actor, appeal=_get_appeal(appeal))
        if roles.role_of(actor) not in (workflow.DISPATCHER, workflow.SUPERVISOR, workflow.ADMINISTRATOR):
            raise NotAllowed("продовжити строк може диспетчер або контролер")
        new = deadlines.extend_deadline(registered_at=appeal.created_at, current=appeal.deadline, new=new_deadline,
                                        reason=reason)
        old = appeal.deadline
        appeal = _apply(appeal=appeal, version=version, now=now, deadline=new, deadline_extended=True,
                        deadline_extension_reason=reason)
        _event(appeal_id=appeal.pk, at=now, actor=actor, action=EventAction.DEADLINE_EXTENDED, note=reason,
               data={"from": old.isoformat(), "to": new.isoformat()})
    return appeal


def set_plan_date(*, appeal: Appeal | int | str, actor, version: int, plan_date: date, note: str = "",
                  now: datetime | None = None) -> Appeal:
    """Second-level control: the supervisor puts an escalated appeal into the work plan."""
    now = now or timezone.now()
    with transaction.atomic():
        appeal = roles.appeal_for_action(user=actor, appeal=_get_appeal(appeal))
        if roles.role_of(actor) not in (workflow.SUPERVISOR, workflow.ADMINISTRATOR):
            raise NotAllowed("планову дату встановлює контролер (заступник міського голови)")
        if plan_date < timezone.localdate(now, deadlines.KYIV):
            raise DeadlineError("планова дата не може бути в минулому")
        appeal = _apply(appeal=appeal, version=version, now=now, plan_date=plan_date)
        _event(appeal_id=appeal.pk, at=now, actor=actor, action=EventAction.PLAN_DATE, note=note,
               data={"plan_date": plan_date.isoformat()})
    return appeal


# --- re-routing when the registry changes ------------------------------------------------------


@dataclass
class RerouteReport:
    appeals: int = 0  # open appeals looked at
    changed: list[str] = field(default_factory=list)  # numbers whose providers changed
    unchanged: int = 0
    conflicts: list[str] = field(default_factory=list)  # changed by someone meanwhile: left for a human


def reroute_open_appeals(*, building_ids: Iterable[int], area_ids: Iterable[int] = (),
                         now: datetime | None = None) -> RerouteReport:
    """Re-route the open appeals in these buildings (and the pinned appeals with no building that lie in
    these service areas now) whose routing was automatic. A dispatcher's manual choice, and appeals a
    provider already accepted or works on, are left alone. Returns what changed.
    """
    now = now or timezone.now()
    report = RerouteReport()
    ids = list(building_ids)
    geoms = [g for g in ServiceArea.objects.filter(id__in=list(area_ids)).values_list("geom", flat=True) if g]
    place = Q(building_id__in=ids) if ids else Q(pk__in=[])
    for geom in geoms:
        place |= Q(building__isnull=True, point__coveredby=geom)
    manual = AppealRoute.objects.filter(appeal_id=OuterRef("pk"), active=True, outcome=RouteOutcome.MANUAL)
    candidates = (Appeal.objects.select_related("category", "building")
                  .filter(place, status__in=[Status.REGISTERED, Status.SENT, Status.REJECTED])
                  .exclude(Exists(manual))
                  .order_by("id"))
    at = timezone.localdate(now, deadlines.KYIV)
    for appeal in candidates:
        report.appeals += 1
        before = sorted((r.service_kind_id, r.provider_id, r.outcome) for r in appeal.routes.filter(active=True))
        decisions = routing.route_category(
            category=appeal.category, building=appeal.building,
            lon=None if appeal.building_id else appeal.point.x, lat=None if appeal.building_id else appeal.point.y,
            at=at)
        after = sorted((d.service_kind, d.provider.pk if d.provider else None, d.outcome) for d in decisions)
        if before == after:
            report.unchanged += 1
            continue
        try:
            with transaction.atomic():
                appeal = _apply(appeal=appeal, version=appeal.version, now=now)
                AppealRoute.objects.filter(appeal=appeal, active=True).update(active=False, ended_at=now)
                routes = _route_rows(appeal=appeal, decisions=decisions, at=now)
                _after_reroute(appeal=appeal, routes=routes, actor=None, now=now,
                               note="маршрут змінено: змінились зони обслуговування або призначення")
        except Conflict:
            report.conflicts.append(appeal.number)
            continue
        report.changed.append(appeal.number)
    return report


def reroute_on_routing_change(sender, change, **kwargs) -> RerouteReport:
    """Receiver of layers.services.routing_changed: re-route the open appeals the change may concern."""
    return reroute_open_appeals(building_ids=change.building_ids, area_ids=change.area_ids)


BULK_MAX = 200


def bulk_change_status(*, items: Iterable[tuple[str, int]], actor, to_status: str, note: str = "",
                       public_note: bool = False, now: datetime | None = None) -> list[Appeal]:
    """One status change (accept, a progress note) on many appeals at once, all or nothing.

    items: (number, version the user saw). Each appeal goes through change_status (role, scope,
    workflow and version checked, an event in its history). The first refusal rolls every change
    back and is raised with the appeal's number in front, so the user knows which row to look at.
    """
    items = list(dict.fromkeys(items))
    if not items:
        raise workflow.MissingField("не вибрано жодного звернення")
    if len(items) > BULK_MAX:
        raise workflow.MissingField(f"за один раз — не більше {BULK_MAX} звернень")
    now = now or timezone.now()
    done: list[Appeal] = []
    with transaction.atomic():
        for number, version in items:
            try:
                done.append(change_status(appeal=number, actor=actor, to_status=to_status, version=version,
                                          note=note, public_note=public_note, now=now))
            except (AppealError, workflow.WorkflowError) as exc:
                raise type(exc)(f"{number}: {exc}") from exc
    return done


def assign_crew(*, appeal: Appeal | int | str, actor, version: int, crew_member: int | None,
                now: datetime | None = None) -> Appeal:
    """Give the appeal to a named member of the crew of a provider that holds it (None takes it back).

    An operator assigns within their own provider only; dispatchers and supervisors within any provider
    the appeal is routed to. Recorded in the history with the name.
    """
    from appeals.models import CrewMember

    now = now or timezone.now()
    with transaction.atomic():
        appeal = roles.appeal_for_action(user=actor, appeal=_get_appeal(appeal))
        member = None
        if crew_member is not None:
            holders = set(AppealRoute.objects.filter(appeal=appeal, active=True, provider__isnull=False)
                          .values_list("provider_id", flat=True))
            if roles.role_of(actor) == workflow.PROVIDER_OPERATOR:
                holders &= {roles.provider_of(actor).pk}
            member = CrewMember.objects.filter(pk=crew_member, active=True, provider_id__in=holders).first()
            if member is None:
                raise NotAllowed("цей працівник не з бригади виконавця, якому передано звернення")
        appeal = _apply(appeal=appeal, version=version, now=now, crew_member=member)
        _event(appeal_id=appeal.pk, at=now, actor=actor, action=EventAction.COMMENT,
               note=f"виконує: {member.name}" if member else "виконавця з бригади знято",
               data={"crew": member.pk if member else None})
    return appeal

