"""Intake, workflow, locking, deadlines, history and rerouting through appeals.services (real PostGIS)."""

from datetime import datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from appeals import selectors, services
from appeals.deadlines import KYIV
from appeals.models import Appeal, AppealEvent, AppealRoute, Call, CallOutcome, Channel, Status
from tests import factories

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=KYIV)


@pytest.fixture
def world(registry):
    c = registry
    c.cat_water = factories.category("t_no_water", service_kinds=("water",), hours=24, is_emergency=True)
    c.cat_leak = factories.category("t_leak", service_kinds=("in_house",), hours=72)
    c.cat_hot = factories.category("t_hot", service_kinds=("water", "in_house"), hours=24, is_emergency=True)
    c.cat_road = factories.category("t_road", service_kinds=("roads",), street_level=True)
    c.dispatcher = factories.staff("disp", "dispatcher")
    c.op_zhek = factories.staff("op_zhek", "provider_operator", provider=c.providers["zhek1"])
    c.op_water = factories.staff("op_water", "provider_operator", provider=c.providers["water"])
    c.supervisor = factories.staff("sup", "supervisor", supervised_kinds=("housing_office",))
    return c


def intake(w, **kw):
    args = {"dispatcher": w.dispatcher, "category": w.cat_leak, "phone": "050 123 45 67",
            "building": w.buildings["druzhby:3"], "description": "тече стеля", "flat": "12",
            "applicant_name": "Петренко", "now": NOW}
    args.update(kw)
    return services.register_intake(**args)


def test_intake_creates_a_call_and_an_appeal_routed_and_sent_with_a_sayable_number(world):
    result = intake(world)
    appeal = result.appeal
    assert result.created and result.number == appeal.number
    assert appeal.number.startswith("26-") and len(appeal.number) == 9
    assert appeal.status == Status.SENT
    assert appeal.applicant_phone == "+380501234567"
    assert appeal.point == world.buildings["druzhby:3"].point
    [route] = appeal.routes.all()
    assert (route.service_kind_id, route.provider, route.outcome, route.rule) == (
        "in_house", world.providers["zhek1"], "assigned", "area")
    assert route.reason
    assert result.call.outcome == CallOutcome.NEW_APPEAL and result.call.appeal == appeal
    assert [e.action for e in appeal.events.order_by("id")] == ["created", "routed", "status"]


def test_numbers_are_consecutive_within_a_year_and_restart_in_the_next(world):
    a = intake(world).appeal
    b = intake(world, category=world.cat_water).appeal
    c = intake(world, now=datetime(2027, 1, 1, 0, 5, tzinfo=KYIV)).appeal
    assert int(b.number[3:]) == int(a.number[3:]) + 1
    assert c.number == "27-000001"


def test_a_building_assignment_beats_the_area_and_two_kinds_route_to_two_providers(world):
    appeal = intake(world, building=world.buildings["parkova:12"], category=world.cat_hot).appeal
    routes = {r.service_kind_id: r for r in appeal.routes.all()}
    assert routes["in_house"].provider == world.providers["osbb"] and routes["in_house"].rule == "assignment"
    assert routes["water"].provider == world.providers["water"]
    assert appeal.status == Status.SENT


def test_a_gap_in_routing_keeps_the_appeal_registered_for_the_dispatcher(world):
    appeal = intake(world, building=world.buildings["shkilna_e:4"]).appeal  # no housing office in the east
    [route] = appeal.routes.all()
    assert route.outcome == "gap" and route.provider is None
    assert appeal.status == Status.REGISTERED


def test_double_submit_with_the_same_key_returns_the_same_appeal_and_one_call(world):
    first = intake(world, idempotency_key="k-1")
    second = intake(world, idempotency_key="k-1")
    assert second.replayed and second.appeal.pk == first.appeal.pk
    assert Appeal.objects.count() == 1 and Call.objects.count() == 1


def test_the_idempotency_key_is_unique_in_the_database_not_only_in_code(world):
    intake(world, idempotency_key="k-2")
    with pytest.raises(IntegrityError), transaction.atomic():
        Call.objects.create(phone="1", started_at=NOW, outcome=CallOutcome.OTHER, idempotency_key="k-2")


def test_an_online_appeal_has_no_call_and_is_idempotent_by_its_own_key(world):
    first = intake(world, channel=Channel.ONLINE, idempotency_key="web-1")
    again = intake(world, channel=Channel.ONLINE, idempotency_key="web-1")
    assert first.call is None and again.appeal.pk == first.appeal.pk
    assert Call.objects.count() == 0


def test_a_call_can_be_added_to_an_existing_appeal_instead_of_a_new_one(world):
    appeal = intake(world).appeal
    linked = intake(world, phone="0671112233", link_to_appeal=appeal.number, description="сусід теж")
    assert not linked.created and linked.appeal.pk == appeal.pk
    assert linked.call.outcome == CallOutcome.ADDED_TO_APPEAL
    assert Appeal.objects.count() == 1 and appeal.calls.count() == 2
    assert appeal.events.filter(action="call").exists()


def test_a_consultation_is_a_call_with_the_office_and_no_appeal(world):
    call = services.record_call(dispatcher=world.dispatcher, phone="0501234567", outcome=CallOutcome.CONSULTATION,
                                consultation_office="Управління соцзахисту, вул. Паркова 1")
    assert call.appeal is None and Appeal.objects.count() == 0
    with pytest.raises(services.AppealError):
        services.record_call(dispatcher=world.dispatcher, phone="1", outcome=CallOutcome.CONSULTATION)


def test_a_map_pin_with_no_building_keeps_the_point_and_routes_by_it(world):
    lon, lat = factories.offset(*factories.CENTRE, dx_m=-300, dy_m=-250)
    appeal = intake(world, building=None, lon=lon, lat=lat, category=world.cat_water).appeal
    assert appeal.building is None
    assert (round(appeal.point.x, 6), round(appeal.point.y, 6)) == (round(lon, 6), round(lat, 6))
    assert appeal.routes.get().provider == world.providers["water"]


def test_no_place_at_all_is_refused(world):
    with pytest.raises(services.AddressNotFound):
        intake(world, building=None)


def test_the_whole_life_of_an_appeal_through_the_workflow(world):
    a = intake(world).appeal
    op, disp = world.op_zhek, world.dispatcher
    a = services.change_status(appeal=a, actor=op, to_status=Status.ACCEPTED, version=a.version, now=NOW)
    a = services.change_status(appeal=a, actor=op, to_status=Status.IN_PROGRESS, version=a.version, now=NOW)
    a = services.change_status(appeal=a, actor=op, to_status=Status.RESOLVED, version=a.version,
                               resolution="замінено ділянку труби", now=NOW)
    assert a.resolved_at == NOW and a.resolution == "замінено ділянку труби"
    a = services.change_status(appeal=a, actor=disp, to_status=Status.REOPENED, version=a.version,
                               reason="знову тече", now=NOW)
    assert a.reopen_count == 1 and a.resolved_at is None
    a = services.change_status(appeal=a, actor=op, to_status=Status.RESOLVED, version=a.version,
                               resolution="замінено стояк", now=NOW)
    a = services.change_status(appeal=a, actor=disp, to_status=Status.CONFIRMED, version=a.version, rating=5, now=NOW)
    a = services.change_status(appeal=a, actor=disp, to_status=Status.CLOSED, version=a.version, now=NOW)
    assert a.status == Status.CLOSED and a.closed_at == NOW and a.rating == 5
    steps = list(a.events.filter(action="status").order_by("id").values_list("from_status", "to_status", "actor__username"))
    assert steps[1:] == [
        ("sent", "accepted", "op_zhek"), ("accepted", "in_progress", "op_zhek"), ("in_progress", "resolved", "op_zhek"),
        ("resolved", "reopened", "disp"), ("reopened", "resolved", "op_zhek"), ("resolved", "confirmed", "disp"),
        ("confirmed", "closed", "disp"),
    ]


def test_an_invalid_transition_is_refused_with_a_message_and_changes_nothing(world):
    a = intake(world).appeal
    with pytest.raises(services.InvalidTransition, match="неможливий"):
        services.change_status(appeal=a, actor=world.dispatcher, to_status=Status.CONFIRMED, version=a.version)
    a.refresh_from_db()
    assert a.status == Status.SENT and a.version == 1


def test_rejection_needs_a_reason_returns_to_the_dispatcher_and_is_kept(world):
    a = intake(world).appeal
    with pytest.raises(services.InvalidTransition, match="причина"):
        services.change_status(appeal=a, actor=world.op_zhek, to_status=Status.REJECTED, version=a.version)
    a = services.change_status(appeal=a, actor=world.op_zhek, to_status=Status.REJECTED, version=a.version,
                               reason="будинок обслуговує ОСББ", now=NOW)
    assert a.status == Status.REJECTED and a.rejection_count == 1
    route = AppealRoute.objects.get(appeal=a)
    assert not route.active and route.rejected and route.rejection_reason == "будинок обслуговує ОСББ"
    # The provider no longer holds it: it cannot act on it any more, but still sees it in its history.
    with pytest.raises(services.AppealNotFound):
        services.change_status(appeal=a, actor=world.op_zhek, to_status=Status.ACCEPTED, version=a.version)
    assert selectors.appeal_detail(user=world.op_zhek, appeal=a.number).pk == a.pk
    # The dispatcher reroutes it by hand to the ОСББ: sent again, old route kept.
    a = services.reroute(appeal=a, actor=world.dispatcher, version=a.version,
                         providers={"in_house": world.providers["osbb"]}, note="ОСББ")
    assert a.status == Status.SENT
    assert list(a.routes.order_by("id").values_list("provider__name", "active", "rejected")) == [
        ("ЖЕК-1", False, True), ("ОСББ «Паркова 12»", True, False)]


def test_a_stale_version_is_a_conflict_and_the_first_change_survives(world):
    a = intake(world).appeal
    seen = a.version
    services.change_status(appeal=a.pk, actor=world.op_zhek, to_status=Status.ACCEPTED, version=seen)
    with pytest.raises(services.Conflict, match="вже змінив"):
        services.change_status(appeal=a.pk, actor=world.op_zhek, to_status=Status.REJECTED, version=seen,
                               reason="не наше")
    a.refresh_from_db()
    assert a.status == Status.ACCEPTED and a.version == seen + 1
    assert a.events.filter(to_status=Status.REJECTED).count() == 0


def test_an_operator_of_another_provider_cannot_touch_the_appeal(world):
    a = intake(world).appeal
    with pytest.raises(services.AppealNotFound):
        services.change_status(appeal=a, actor=world.op_water, to_status=Status.ACCEPTED, version=a.version)


def test_an_analyst_may_not_change_an_appeal(world):
    a = intake(world).appeal
    analyst = factories.staff("an", "analyst")
    with pytest.raises(services.NotAllowed):
        services.change_status(appeal=a, actor=analyst, to_status=Status.CANCELLED, version=a.version, reason="x")


def test_duplicate_of_points_to_the_original_and_closes_the_copy(world):
    a = intake(world).appeal
    b = intake(world).appeal
    with pytest.raises(services.InvalidTransition, match="основного"):
        services.change_status(appeal=b, actor=world.dispatcher, to_status=Status.DUPLICATE, version=b.version)
    b = services.change_status(appeal=b, actor=world.dispatcher, to_status=Status.DUPLICATE, version=b.version,
                               duplicate_of=a.number)
    assert b.duplicate_of == a and b.status == Status.DUPLICATE and not b.is_open


def test_the_history_is_append_only_in_the_database(world):
    a = intake(world).appeal
    event = a.events.first()
    with pytest.raises(Exception, match="append-only"), transaction.atomic():  # noqa: B017 - the DB error class
        AppealEvent.objects.filter(pk=event.pk).update(note="rewritten")
    with pytest.raises(Exception, match="append-only"), transaction.atomic():  # noqa: B017
        with connection.cursor() as cur:
            cur.execute("DELETE FROM appeals_appealevent WHERE id = %s", [event.pk])
    assert AppealEvent.objects.filter(pk=event.pk, note=event.note).exists()


def test_deadline_follows_the_category_and_an_extension_needs_a_reason_and_stays_within_45_days(world):
    a = intake(world, category=world.cat_water).appeal
    assert a.deadline == NOW + timedelta(hours=24)
    b = intake(world).appeal  # 72 h → three calendar days, to the end of the day in Kyiv
    assert b.deadline == datetime(2026, 3, 13, 23, 59, 59, tzinfo=KYIV)
    with pytest.raises(services.DeadlineError, match="підстави"):
        services.extend_deadline(appeal=b, actor=world.dispatcher, version=b.version,
                                 new_deadline=datetime(2026, 4, 1, tzinfo=KYIV), reason="")
    with pytest.raises(services.DeadlineError, match="45"):
        services.extend_deadline(appeal=b, actor=world.dispatcher, version=b.version,
                                 new_deadline=datetime(2026, 4, 30, tzinfo=KYIV), reason="ремонт покрівлі")
    b = services.extend_deadline(appeal=b, actor=world.dispatcher, version=b.version,
                                 new_deadline=datetime(2026, 4, 20, 18, 0, tzinfo=KYIV), reason="ремонт покрівлі")
    assert b.deadline_extended and b.deadline_extension_reason == "ремонт покрівлі"
    assert b.events.filter(action="extended").get().note == "ремонт покрівлі"


def test_duplicate_candidates_same_building_same_category_open_within_48_hours(world):
    a = intake(world).appeal
    intake(world, category=world.cat_water)  # another category
    old = intake(world, now=NOW - timedelta(hours=49)).appeal
    found = selectors.duplicate_candidates(category=world.cat_leak, building=world.buildings["druzhby:3"],
                                           now=NOW + timedelta(hours=1))
    assert [x.pk for x in found] == [a.pk]
    assert old.pk not in [x.pk for x in found]
    assert selectors.duplicate_candidates(category=world.cat_leak, building=world.buildings["druzhby:7/1"],
                                          now=NOW) == []


def test_street_level_duplicates_are_found_within_150_metres_measured_in_metres(world):
    lon0, lat0 = factories.offset(*factories.CENTRE, dx_m=-500, dy_m=-500)
    a = intake(world, building=None, lon=lon0, lat=lat0, category=world.cat_road).appeal
    near = factories.offset(lon0, lat0, dx_m=140)
    far = factories.offset(lon0, lat0, dy_m=160)
    assert [x.pk for x in selectors.duplicate_candidates(category=world.cat_road, lon=near[0], lat=near[1],
                                                         now=NOW)] == [a.pk]
    assert selectors.duplicate_candidates(category=world.cat_road, lon=far[0], lat=far[1], now=NOW) == []


def test_search_by_number_phone_building_provider_status_and_dates(world):
    a = intake(world).appeal
    b = intake(world, phone="0679998877", building=world.buildings["parkova:12"], now=NOW + timedelta(days=2)).appeal
    F = selectors.SearchFilters
    ids = lambda f: [x.pk for x in selectors.search_appeals(user=world.dispatcher, filters=f)]  # noqa: E731
    assert ids(F(number=a.number)) == [a.pk]
    assert ids(F(phone="+38 (067) 999-88-77")) == [b.pk]
    assert ids(F(building_id=world.buildings["parkova:12"].pk)) == [b.pk]
    assert ids(F(provider_id=world.providers["osbb"].pk)) == [b.pk]
    assert ids(F(status=("sent",))) == [b.pk, a.pk]
    assert ids(F(created_from=(NOW + timedelta(days=1)).date())) == [b.pk]
    assert ids(F(created_to=NOW.date())) == [a.pk]


def test_search_by_phone_finds_appeals_a_caller_was_added_to(world):
    a = intake(world).appeal
    intake(world, phone="0931112233", link_to_appeal=a)
    F = selectors.SearchFilters
    assert [x.pk for x in selectors.search_appeals(user=world.dispatcher, filters=F(phone="0931112233"))] == [a.pk]


def test_a_provider_journal_holds_only_that_providers_current_appeals_in_deadline_order(world):
    leak = intake(world).appeal
    water = intake(world, category=world.cat_water).appeal
    osbb = intake(world, building=world.buildings["parkova:12"]).appeal
    assert [x.pk for x in selectors.provider_journal(user=world.op_zhek)] == [leak.pk]
    assert [x.pk for x in selectors.provider_journal(user=world.op_water)] == [water.pk]
    assert osbb.pk not in [x.pk for x in selectors.search_appeals(user=world.op_zhek, filters=selectors.SearchFilters())]
    with pytest.raises(services.AppealNotFound):
        selectors.appeal_detail(user=world.op_zhek, appeal=water.number)


def test_changing_a_service_area_reroutes_the_open_appeals_inside_it_with_a_report(world):
    from layers import services as layer_services

    open_leak = intake(world, now=None).appeal
    done = intake(world, now=None).appeal
    done = services.change_status(appeal=done, actor=world.op_zhek, to_status=Status.ACCEPTED, version=done.version)
    zhek2 = factories.provider("ЖЕК-2", "housing_office", service_kinds=("in_house",))
    change = layer_services.update_area(area=world.areas["zhek1"], provider=zhek2)
    [report] = [r for r in change.reports if isinstance(r, services.RerouteReport)]
    assert report.changed == [open_leak.number]
    open_leak.refresh_from_db()
    assert open_leak.routes.get(active=True).provider == zhek2
    assert open_leak.routes.get(active=False).provider == world.providers["zhek1"]
    # Accepted appeals stay with the provider who took them on.
    assert done.routes.get(active=True).provider == world.providers["zhek1"]
    assert open_leak.events.filter(action="routed").count() == 2


def test_the_intake_preview_shows_providers_deadline_and_the_likely_duplicate_before_saving(world):
    existing = intake(world).appeal
    preview = selectors.intake_preview(category=world.cat_hot, building=world.buildings["parkova:12"], now=NOW)
    assert [(d.service_kind, str(d.provider)) for d in preview.decisions] == [
        ("in_house", "ОСББ «Паркова 12»"), ("water", "Водоканал")]
    assert preview.deadline == NOW + timedelta(hours=24) and preview.duplicates == []
    again = selectors.intake_preview(category=world.cat_leak, building=world.buildings["druzhby:3"], now=NOW)
    assert [a.pk for a in again.duplicates] == [existing.pk]
    assert Appeal.objects.count() == 1


def test_a_typed_address_in_russian_with_the_old_street_name_is_geocoded_to_the_building_and_flat(world):
    appeal = intake(world, building=None, address_text="ул. Ленина 3, кв. 5", flat="").appeal
    assert appeal.building == world.buildings["druzhby:3"]
    assert appeal.flat == "5" and appeal.address_text == "вулиця Дружби, 3"


def test_an_address_that_is_only_a_guess_is_refused_with_the_options(world):
    with pytest.raises(services.AddressNotFound, match="Шкільна"):
        intake(world, building=None, address_text="Шкільна 4")
    with pytest.raises(services.AddressNotFound, match="не знайдено"):
        intake(world, building=None, address_text="вулиця Неіснуюча 999")


def test_a_pinned_appeal_with_no_building_is_rerouted_when_its_area_changes(world):
    from layers import services as layer_services

    lon, lat = factories.offset(*factories.CENTRE, dx_m=-300, dy_m=-250)
    pinned = intake(world, building=None, lon=lon, lat=lat, category=world.cat_water, now=None).appeal
    manual = intake(world, category=world.cat_water, now=None).appeal
    manual = services.reroute(appeal=manual, actor=world.dispatcher, version=manual.version,
                              providers={"water": world.providers["water"]})
    water2 = factories.provider("Водоканал-2", "water_utility", service_kinds=("water",))
    change = layer_services.update_area(area=world.areas["water"], provider=water2)
    [report] = [r for r in change.reports if isinstance(r, services.RerouteReport)]
    assert report.changed == [pinned.number]
    assert pinned.routes.get(active=True).provider == water2
    # The dispatcher's own choice stands.
    assert manual.routes.get(active=True).provider == world.providers["water"]


def test_an_appeal_is_found_by_number_or_id_and_anything_else_is_not_found(world):
    a = intake(world).appeal
    assert services.change_status(appeal=str(a.pk), actor=world.op_zhek, to_status=Status.ACCEPTED,
                                  version=1).number == a.number
    for junk in ("abc", "26-999999", "", "99999999"):
        with pytest.raises(services.AppealNotFound):
            services.change_status(appeal=junk, actor=world.op_zhek, to_status=Status.ACCEPTED, version=2)


def test_reports_count_calls_and_appeals_separately(world):
    a = intake(world).appeal
    intake(world, link_to_appeal=a)
    intake(world, channel=Channel.ONLINE)
    services.record_call(dispatcher=world.dispatcher, phone="0501112233", outcome=CallOutcome.STATUS_INQUIRY,
                         appeal=a, now=NOW)
    counted = selectors.calls_and_appeals_counted(start=NOW.date(), end=NOW.date())
    assert counted == {"calls": 3, "calls_by_outcome": {"new_appeal": 1, "added": 1, "status": 1}, "appeals": 2}
