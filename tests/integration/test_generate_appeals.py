"""manage.py generate_appeals on the tiny city (tests/factories.py): routed, consistent, deterministic, idempotent."""

import random
from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.db.models import Count

from appeals.deadlines import compute_deadline
from appeals.demo import history
from appeals.models import OPEN_STATUSES, Appeal, AppealEvent, AppealNumberCounter, AppealRoute, Call
from appeals.workflow import TRANSITIONS
from layers import routing
from layers.models import Building

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=history.KYIV)
SMALL = {"years": 1.0, "calls_per_year": 1200, "now": NOW, "seed": 11}


@pytest.fixture
def generated(registry):
    result = history.generate_history(**SMALL)
    assert not result.skipped
    return result


def snapshot():
    return list(Appeal.objects.order_by("number").values_list(
        "number", "status", "category__code", "building_id", "applicant_phone", "created_at", "deadline", "rating"))


def test_the_history_has_about_the_asked_number_of_calls_and_every_kind_of_call(generated):
    c = generated.counters
    assert 1000 < c.calls < 1400
    assert Call.objects.count() == c.calls and Appeal.objects.count() == c.appeals
    outcomes = dict(Call.objects.values_list("outcome").annotate(n=Count("id")))
    assert set(outcomes) == {"new_appeal", "added", "status", "consultation", "other"}
    assert Call.objects.filter(outcome="consultation", appeal__isnull=True).exclude(consultation_office="").count() \
        == outcomes["consultation"]
    assert not Call.objects.filter(outcome__in=["added", "status", "new_appeal"], appeal__isnull=True).exists()
    assert set(Appeal.objects.values_list("channel", flat=True)) == {"phone", "online", "api", "walk_in"}


def test_every_generated_route_is_what_routing_decides_for_the_building(generated):
    buildings = {b.pk: b for b in Building.objects.all()}
    decided = {}
    first_routes = AppealRoute.objects.exclude(outcome="manual").select_related("appeal").order_by("appeal_id", "id")
    for r in first_routes.iterator():
        key = (r.appeal.building_id, r.service_kind_id)
        if key not in decided:
            (d,) = routing.route_building(building=buildings[key[0]], service_kinds=[key[1]], at=NOW.date())
            decided[key] = d
        d = decided[key]
        assert (r.provider_id, r.outcome, r.rule, r.reason, r.area_id, r.assignment_id) == (
            d.provider.pk if d.provider else None, d.outcome, d.rule, d.reason, d.area_id, d.assignment_id)
    assert len(decided) >= 10


def test_a_building_with_a_gap_gets_no_appeals_that_need_that_service(registry):
    places = history.load_places()
    routes = history.RouteCache(places, kinds=["in_house", "water"], at=NOW.date())
    east = registry.buildings["shkilna_e:4"]  # outside ЖЕК-1: no in-house provider, no neighbour within 100 m
    assert not routes[east.pk]["in_house"].workable and routes[east.pk]["water"].workable
    pools = {p.cat.code: p for p in history.build_pools(places, history.load_categories(), routes, seed=1)}
    rng = random.Random(3)
    assert east.pk not in {pools["flat_leak"].pick(rng, routes).id for _ in range(300)}
    assert east.pk in {p.id for p in pools["flat_leak"].places}  # a candidate by weight, refused by routing
    assert routes.workable(east, pools["no_cold_water"].cat.kinds)


def test_each_appeal_has_one_active_route_per_service_kind_and_rejected_ones_are_kept(generated):
    for appeal in Appeal.objects.prefetch_related("routes", "category__service_kinds"):
        kinds = sorted(k.code for k in appeal.category.service_kinds.all())
        assert sorted(r.service_kind_id for r in appeal.routes.all() if r.active) == kinds
        assert sum(r.rejected for r in appeal.routes.all()) == appeal.rejection_count
    assert AppealRoute.objects.filter(rejected=True, active=False).exclude(rejection_reason="").exists()


def test_each_history_moves_forward_through_allowed_transitions_to_the_appeals_status(generated):
    appeals = {a.pk: a for a in Appeal.objects.all()}
    events = {}
    for e in AppealEvent.objects.order_by("appeal_id", "at", "id"):
        events.setdefault(e.appeal_id, []).append(e)
    assert set(events) == set(appeals)
    for appeal_id, evs in events.items():
        appeal = appeals[appeal_id]
        assert evs[0].action == "created" and evs[0].at == appeal.created_at
        assert all(a.at <= b.at for a, b in zip(evs, evs[1:], strict=False))
        changes = [e for e in evs if e.action == "status"]
        status = "registered"
        for e in changes:
            assert e.from_status == status and (e.from_status, e.to_status) in TRANSITIONS
            status = e.to_status
        assert status == appeal.status
        assert appeal.updated_at >= evs[-1].at or evs[-1].action in ("call", "escalated", "plan", "extended")
        assert all(e.at <= NOW for e in evs)


def test_a_phone_appeal_starts_with_its_call_and_added_calls_come_after_it(generated):
    for call in Call.objects.filter(outcome="new_appeal").select_related("appeal")[:500]:
        assert call.appeal.channel == "phone"
        assert timedelta(0) < call.appeal.created_at - call.started_at < timedelta(minutes=6)
        assert call.phone == call.appeal.applicant_phone
    for call in Call.objects.filter(outcome="added").select_related("appeal")[:500]:
        assert call.started_at > call.appeal.created_at
    assert Call.objects.filter(outcome="added").count() == AppealEvent.objects.filter(action="call").count()


def test_deadlines_come_from_the_category_unless_extended_with_a_reason(generated):
    extended = 0
    for a in Appeal.objects.select_related("category"):
        expected = compute_deadline(registered_at=a.created_at, hours=a.category.deadline_hours,
                                    is_emergency=a.category.is_emergency)
        if a.deadline_extended:
            extended += 1
            assert a.deadline > expected and a.deadline_extension_reason
            assert a.deadline - a.created_at <= timedelta(days=46)
        else:
            # Compare instants: Python never calls a time in a repeated DST hour equal to one in another zone.
            assert a.deadline.timestamp() == expected.timestamp()
    assert extended > 0


def test_a_realistic_share_is_overdue_and_every_open_overdue_appeal_is_under_second_level_control(generated):
    done = Appeal.objects.filter(resolved_at__isnull=False)
    late = sum(a.resolved_at > a.deadline for a in done)
    assert 0.05 < late / done.count() < 0.25
    sweep = history.SWEEP_DELAY
    for a in Appeal.objects.filter(status__in=OPEN_STATUSES, deadline__lt=NOW - sweep):
        assert a.control_level == 2 and a.escalated_at is not None
    assert Appeal.objects.filter(control_level=2, escalation_reason="overdue").exists()
    assert Appeal.objects.filter(status__in=OPEN_STATUSES).exists()  # the recent ones are still being worked


def test_failures_make_many_appeals_in_neighbouring_buildings_within_hours(generated):
    burst = Appeal.objects.filter(description__contains="Ймовірно").order_by("created_at")
    assert burst.count() >= 5
    first = burst.first()
    same = burst.filter(created_at__range=(first.created_at, first.created_at + timedelta(hours=6)),
                        category=first.category)
    assert same.values("building_id").distinct().count() >= 2


def test_numbers_follow_the_year_counter_so_new_intakes_continue_after_them(generated):
    for counter in AppealNumberCounter.objects.all():
        numbers = Appeal.objects.filter(number__startswith=f"{counter.year % 100:02d}-").values_list("number", flat=True)
        assert counter.last == max(int(n.split("-")[1]) for n in numbers) == len(numbers)


def test_the_same_seed_gives_the_same_history_and_a_second_run_writes_nothing(registry):
    history.generate_history(**SMALL)
    first = snapshot()
    again = history.generate_history(**SMALL)
    assert again.skipped and again.existing == len(first)
    assert snapshot() == first
    history.generate_history(**SMALL, replace=True)
    assert snapshot() == first
    history.generate_history(**{**SMALL, "seed": 12}, replace=True)
    assert snapshot() != first


def test_the_command_generates_exactly_the_asked_count_of_appeals(registry):
    call_command("generate_appeals", count=300, years=1, until=NOW, verbosity=0)
    assert Appeal.objects.count() == 300
    call_command("generate_appeals", count=300, years=1, until=NOW, verbosity=0)
    assert Appeal.objects.count() == 300


def test_fixes_carry_the_applicants_confirmation_and_reports_to_the_map_carry_no_contacts(generated):
    """The callbacks' outcomes as appeals.confirmation records them: a confirmed fix has its time and rating, a
    reopened one not fixed again is disputed, a fix after a dispute has the applicant's word on that fix, an
    unconfirmed closed one with a phone was unreachable after every attempt; online and Open311 filings without a
    name and phone are reports to the map (is_formal False), counted apart."""
    done = Appeal.objects.filter(resolved_at__isnull=False)
    by = dict(done.values_list("confirmation").annotate(n=Count("id")).values_list("confirmation", "n"))
    assert set(by) == {"confirmed", "unreachable", ""}  # a fix's final word: never the stale dispute of an earlier fix
    assert 0.35 < by["confirmed"] / done.count() < 0.65 and by["unreachable"] < by["confirmed"]
    refixed = done.filter(reopen_count__gt=0)
    assert refixed.filter(confirmation="confirmed").exists() and refixed.exclude(confirmation="confirmed").exists()
    for a in Appeal.objects.exclude(confirmation=""):
        assert a.confirmed_at is not None
        statuses = list(AppealEvent.objects.filter(appeal=a, action="status").values_list("to_status", flat=True))
        if a.confirmation == "confirmed":
            assert "confirmed" in statuses and 1 <= a.rating <= 5
            assert a.confirmed_at in AppealEvent.objects.filter(appeal=a, to_status="confirmed").values_list("at", flat=True)
        elif a.confirmation == "disputed":
            assert "reopened" in statuses and a.reopen_count > 0 and "confirmed" not in statuses
            assert a.resolved_at is None and statuses[-1] != "resolved"
        else:
            assert a.status == "closed" and a.applicant_phone and a.callback_attempts == history.settings.CALLBACK_MAX_ATTEMPTS
            assert a.rating is None
    assert not Appeal.objects.filter(confirmation="", rating__isnull=False).exists()
    informal = Appeal.objects.filter(is_formal=False)
    assert informal.exists() and set(informal.values_list("channel", flat=True)) <= {"online", "api"}
    assert not informal.exclude(applicant_name="", applicant_phone="", flat="").exists()
    online = Appeal.objects.filter(channel="online")
    assert 0.2 < informal.filter(channel="online").count() / online.count() < 0.5
    assert Appeal.objects.filter(channel="phone", is_formal=True).count() == Appeal.objects.filter(channel="phone").count()
