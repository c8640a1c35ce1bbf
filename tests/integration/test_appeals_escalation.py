"""Two-level control: the shift report (level 1) and the escalation sweep (level 2), with the supervisor's queue."""

from datetime import date, datetime, timedelta

import pytest
from django.test import override_settings

from appeals import selectors, services
from appeals.deadlines import KYIV
from appeals.models import ShiftReport, Status
from tests import factories

T0 = datetime(2026, 3, 10, 10, 0, tzinfo=KYIV)


@pytest.fixture
def world(registry):
    c = registry
    c.cat = factories.category("t_leak", service_kinds=("in_house",), hours=72)
    c.cat_urgent = factories.category("t_lift", service_kinds=("in_house",), hours=2, is_emergency=True)
    c.dispatcher = factories.staff("disp", "dispatcher")
    c.op = factories.staff("op", "provider_operator", provider=c.providers["zhek1"])
    c.sup_housing = factories.staff("sup_h", "supervisor", supervised_kinds=("housing_office", "condominium"))
    c.sup_water = factories.staff("sup_w", "supervisor", supervised_kinds=("water_utility",))
    return c


def intake(w, *, category=None, building="druzhby:3", now=T0):
    return services.register_intake(dispatcher=w.dispatcher, category=category or w.cat, phone="0501112233",
                                    building=w.buildings[building], now=now).appeal


def test_an_overdue_appeal_is_escalated_once_to_level_two_with_a_history_row(world):
    late = intake(world, category=world.cat_urgent)
    on_time = intake(world)
    report = services.run_escalation_sweep(now=T0 + timedelta(hours=3))
    assert report.escalated == {"overdue": 1}
    late.refresh_from_db()
    assert (late.control_level, late.escalation_reason, late.escalated_at) == (2, "overdue", T0 + timedelta(hours=3))
    assert late.version == 2  # the sweep is a write: a form opened before it gets a conflict
    assert late.events.filter(action="escalated").count() == 1
    on_time.refresh_from_db()
    assert on_time.control_level == 0
    assert services.run_escalation_sweep(now=T0 + timedelta(hours=4)).escalated == {}


def test_rejected_twice_and_reopened_are_escalated_and_closed_ones_are_not(world):
    twice = intake(world)
    for reason in ("не наше", "знову не наше"):
        twice = services.change_status(appeal=twice, actor=world.op, to_status=Status.REJECTED, version=twice.version,
                                       reason=reason, now=T0)
        if reason == "не наше":
            twice = services.reroute(appeal=twice, actor=world.dispatcher, version=twice.version, now=T0)
    reopened = intake(world)
    for to, kw in ((Status.ACCEPTED, {}), (Status.RESOLVED, {"resolution": "зроблено"})):
        reopened = services.change_status(appeal=reopened, actor=world.op, to_status=to, version=reopened.version,
                                          now=T0, **kw)
    reopened = services.change_status(appeal=reopened, actor=world.dispatcher, to_status=Status.REOPENED,
                                      version=reopened.version, reason="не зроблено", now=T0)
    closed = intake(world, category=world.cat_urgent)
    services.change_status(appeal=closed, actor=world.dispatcher, to_status=Status.CANCELLED, version=closed.version,
                           reason="помилка", now=T0)
    report = services.run_escalation_sweep(now=T0 + timedelta(hours=5))
    assert report.escalated == {"rejected_twice": 1, "reopened": 1}
    twice.refresh_from_db()
    reopened.refresh_from_db()
    assert (twice.escalation_reason, reopened.escalation_reason) == ("rejected_twice", "reopened")


def test_the_escalation_queue_belongs_to_the_supervisor_of_the_provider_kind_who_sets_a_plan_date(world):
    late = intake(world, category=world.cat_urgent)
    services.run_escalation_sweep(now=T0 + timedelta(hours=3))
    assert [a.pk for a in selectors.escalation_queue(user=world.sup_housing)] == [late.pk]
    assert list(selectors.escalation_queue(user=world.sup_water)) == []
    late.refresh_from_db()
    with pytest.raises(services.NotAllowed):
        services.set_plan_date(appeal=late, actor=world.dispatcher, version=late.version, plan_date=date(2026, 3, 20))
    with pytest.raises(services.AppealNotFound):
        services.set_plan_date(appeal=late, actor=world.sup_water, version=late.version, plan_date=date(2026, 3, 20))
    late = services.set_plan_date(appeal=late, actor=world.sup_housing, version=late.version,
                                  plan_date=date(2026, 3, 20), note="план робіт на тиждень", now=T0 + timedelta(hours=4))
    assert late.plan_date == date(2026, 3, 20)
    assert late.events.filter(action="plan").get().actor == world.sup_housing


@override_settings(APPEALS_SHIFT_TIMES=("08:00", "20:00"))
def test_at_shift_end_the_appeals_with_no_provider_report_in_the_shift_are_listed_once(world):
    silent = intake(world, now=T0 - timedelta(days=1))  # held by ЖЕК-1 since yesterday
    reported = intake(world, now=T0 - timedelta(days=1))
    services.change_status(appeal=reported, actor=world.op, to_status=Status.ACCEPTED, version=reported.version,
                           now=T0 + timedelta(hours=2))
    fresh = intake(world, now=T0 + timedelta(hours=1))  # registered during the shift: not due yet
    after_shift = datetime(2026, 3, 10, 20, 5, tzinfo=KYIV)
    report = services.run_escalation_sweep(now=after_shift)
    shift = report.shift_report
    assert (shift.shift_start, shift.shift_end) == (datetime(2026, 3, 10, 8, 0, tzinfo=KYIV),
                                                    datetime(2026, 3, 10, 20, 0, tzinfo=KYIV))
    assert shift.appeal_ids == [silent.pk]
    silent.refresh_from_db()
    fresh.refresh_from_db()
    assert silent.control_level == 1 and fresh.control_level == 0
    assert services.run_escalation_sweep(now=after_shift + timedelta(minutes=5)).shift_report is None
    assert ShiftReport.objects.count() == 1
    assert [a.pk for a in selectors.shift_report_appeals(user=world.dispatcher, report=shift)] == [silent.pk]


@override_settings(APPEALS_SHIFT_TIMES=("09:00", "21:00"))
def test_shift_times_come_from_settings(world):
    report = services.run_escalation_sweep(now=datetime(2026, 3, 10, 21, 1, tzinfo=KYIV))
    assert report.shift_report.shift_end == datetime(2026, 3, 10, 21, 0, tzinfo=KYIV)


def test_a_backlog_is_escalated_in_short_batches_until_none_is_left(world):
    for _ in range(5):
        intake(world, category=world.cat_urgent)
    report = services.run_escalation_sweep(now=T0 + timedelta(hours=3), batch_size=2)
    assert report.escalated == {"overdue": 5} and report.batches == 3
    assert report.escalated_total == 5


def test_the_beat_schedule_runs_the_registered_sweep_task_every_few_minutes():
    from gis.celery import app

    app.loader.import_default_modules()
    [entry] = [e for e in app.conf.beat_schedule.values() if e["task"] == "appeals.tasks.escalation_sweep"]
    assert "appeals.tasks.escalation_sweep" in app.tasks
    assert 60 <= entry["schedule"] <= 600
