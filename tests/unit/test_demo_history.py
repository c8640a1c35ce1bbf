"""The pure planning half of appeals.demo.history: seasons, failures, the life of an appeal, synthetic people."""

import random
import re
from datetime import date, datetime, timedelta

from appeals.demo import history as h
from appeals.workflow import TRANSITIONS

T0 = datetime(2025, 3, 3, 10, 0, tzinfo=h.KYIV)


def lives(n, *, emergency=False, deadline_hours=72, now_days=90, reroutable=True):
    out = []
    for i in range(n):
        rng = random.Random(i)
        deadline = T0 + timedelta(hours=deadline_hours)
        out.append((deadline, h.plan_life(rng, registered_at=T0, deadline=deadline, now=T0 + timedelta(days=now_days),
                                          emergency=emergency, reroutable=reroutable)))
    return out


def test_heating_appeals_spike_when_the_heating_starts_in_october_and_vanish_in_summer():
    start_of_season = h.season_factor("heating", date(2025, 10, 24))
    midwinter = h.season_factor("heating", date(2025, 12, 10))
    summer = h.season_factor("heating", date(2025, 7, 15))
    assert start_of_season > 2.5 * midwinter
    assert summer < 0.05 < midwinter


def test_water_peaks_in_summer_and_power_in_winter():
    assert h.season_factor("water", date(2025, 7, 20)) > 1.4 * h.season_factor("water", date(2025, 2, 20))
    assert h.season_factor("power", date(2025, 1, 15)) > 1.5 * h.season_factor("power", date(2025, 4, 15))


def test_a_category_follows_its_strongest_service_kind():
    day = date(2025, 7, 10)
    assert h.category_season(("hot_water", "in_house"), day) == h.season_factor("hot_water", day)


def test_water_mains_burst_mostly_in_summer_and_substations_fail_mostly_in_winter():
    bursts = h.plan_bursts(random.Random(1), start=date(2015, 1, 1), end=date(2025, 1, 1))
    def count(code, months):
        return sum(1 for b in bursts if b.kind.code == code and b.start.month in months)
    assert count("water_main", (6, 7, 8)) > 1.5 * count("water_main", (3, 4, 5))
    assert count("substation", (12, 1, 2)) > 1.5 * count("substation", (4, 5, 9))
    assert count("boiler_house", (6, 7, 8)) < 0.1 * count("boiler_house", (10, 11, 12, 1, 2, 3))
    assert 200 < len(bursts) < 400  # ~29 a year


def test_the_calls_of_a_failure_come_mostly_in_its_first_hours():
    offsets = h.burst_offsets(random.Random(4), n=400, hours=12)
    assert offsets == sorted(offsets) and offsets[-1] <= timedelta(hours=12)
    assert offsets[len(offsets) // 2] < timedelta(hours=4)


def test_every_step_of_an_appeal_is_a_transition_the_workflow_allows_and_time_only_moves_forward():
    for _deadline, life in lives(3000):
        statuses = [s.status for s in life.steps]
        assert statuses[0] == h.REGISTERED
        for a, b in zip(life.steps, life.steps[1:], strict=False):
            assert b.at > a.at
            assert (a.status, b.status) in TRANSITIONS, (a.status, b.status)


def test_a_history_is_cut_at_now_so_recent_appeals_are_still_open():
    _deadline, life = lives(1, now_days=0.02)[0]
    assert life.is_open and life.resolved_at is None and life.closed_at is None
    assert all(s.at <= T0 + timedelta(days=0.02) for s in life.steps)


def test_a_realistic_share_of_appeals_is_overdue_rejected_reopened_and_rated():
    done = [life for _d, life in lives(4000)]
    overdue = sum(life.overdue for life in done) / len(done)
    rejected = sum(life.rejections > 0 for life in done) / len(done)
    reopened = sum(life.reopenings > 0 for life in done) / len(done)
    rated = [life.rating for life in done if life.rating is not None]
    assert 0.08 < overdue < 0.22
    assert 0.03 < rejected < 0.09
    assert 0.02 < reopened < 0.07
    assert 0.35 < len(rated) / len(done) < 0.6 and all(1 <= r <= 5 for r in rated)
    assert sum(rated) / len(rated) > 3.5


def test_an_overdue_fix_is_resolved_after_its_deadline_and_a_timely_one_before():
    for deadline, life in lives(500):
        if life.resolved_at is not None:
            assert life.overdue == (life.resolved_at > deadline)


def test_an_appeal_repaired_with_its_failure_is_resolved_soon_after_the_repair():
    fixed = T0 + timedelta(hours=9)
    for i in range(200):
        life = h.plan_life(random.Random(i), registered_at=T0, deadline=T0 + timedelta(hours=24),
                           now=T0 + timedelta(days=30), emergency=True, fixed_at=fixed)
        i_fix = next((i for i, s in enumerate(life.steps) if s.status == h.RESOLVED), None)
        if i_fix is None:
            continue
        first_fix, before = life.steps[i_fix].at, life.steps[i_fix - 1].at
        assert first_fix >= fixed
        # Soon after the repair, or (when the provider only took it up later) soon after taking it up.
        assert first_fix <= max(fixed + timedelta(hours=3), before + timedelta(minutes=10)) + timedelta(seconds=1)


def test_escalation_happens_at_the_first_sweep_after_the_deadline_while_open():
    deadline = T0 + timedelta(hours=4)
    life = h.Life(steps=[h.Step(h.REGISTERED, T0, "dispatcher"), h.Step(h.SENT, T0 + timedelta(minutes=1), "system")],
                  status=h.SENT)
    at, reason = h.escalation(life, deadline=deadline, now=T0 + timedelta(days=2), sweep_delay=timedelta(minutes=3))
    assert (at, reason) == (deadline + timedelta(minutes=3), "overdue")
    assert h.escalation(life, deadline=deadline, now=deadline, sweep_delay=timedelta(minutes=3)) is None


def test_an_appeal_rejected_twice_or_reopened_is_escalated_even_when_in_time():
    steps = [h.Step(h.REGISTERED, T0, "dispatcher")]
    for i, status in enumerate([h.SENT, h.REJECTED, h.SENT, h.REJECTED, h.SENT], start=1):
        steps.append(h.Step(status, T0 + timedelta(minutes=10 * i), "provider"))
    life = h.Life(steps=steps, status=h.SENT)
    assert h.escalation(life, deadline=T0 + timedelta(days=10), now=T0 + timedelta(days=1),
                        sweep_delay=timedelta(minutes=3)) == (T0 + timedelta(minutes=40), "rejected_twice")
    reopened = h.Life(steps=[h.Step(h.REGISTERED, T0, "d"), h.Step(h.REOPENED, T0 + timedelta(hours=1), "a")],
                      status=h.REOPENED)
    assert h.escalation(reopened, deadline=T0 + timedelta(days=10), now=T0 + timedelta(days=1),
                        sweep_delay=timedelta(minutes=3))[1] == "reopened"


def test_a_resolved_and_closed_appeal_that_was_in_time_is_not_escalated():
    in_time = [life for d, life in lives(300) if not life.overdue and life.rejections < 2 and not life.reopenings]
    assert in_time
    for life in in_time:
        deadline = T0 + timedelta(hours=72)
        assert h.escalation(life, deadline=deadline, now=T0 + timedelta(days=90), sweep_delay=timedelta(minutes=3)) is None


def test_synthetic_people_have_ukrainian_names_and_plausible_phones():
    rng = random.Random(7)
    people = [h.person(rng) for _ in range(500)]
    for p in people:
        surname, first, patronymic = p.name.split(" ")
        assert re.fullmatch(r"\+380\d{9}", p.phone)
        assert first in h.MALE_NAMES + h.FEMALE_NAMES
        female = first in h.FEMALE_NAMES
        assert patronymic.endswith("івна" if female else "ович") or patronymic.endswith("ївна" if female else "йович")
        if female:
            assert surname not in ("Осадчий", "Волошин")
    assert any(p.phone.startswith("+380626") for p in people)  # some landlines
    assert len({p.phone for p in people}) > 490


def test_the_same_flat_always_gives_the_same_person():
    assert h.resident(1, building_id=10, flat="5") == h.resident(1, building_id=10, flat="5")
    assert h.resident(1, building_id=10, flat="5") != h.resident(1, building_id=10, flat="6")


def test_appeal_numbers_are_year_and_six_digits():
    assert h.appeal_number(2026, 4817) == "26-004817"
    assert h.appeal_number(2030, 1) == "30-000001"


def test_the_calls_budget_leaves_room_for_consultations_repeats_and_inquiries():
    mix = h.Mix()
    phone_appeals = mix.phone_appeals_for_calls(30_000)
    calls = phone_appeals * (1 + mix.repeat_rate + mix.status_rate) / (1 - mix.consultation_share - mix.other_call_share)
    assert abs(calls - 30_000) < 1


def test_the_grid_finds_the_buildings_within_a_radius_nearest_first():
    places = [h.Place(i, 0, 0, x=100.0 * i, y=0.0, kind="apartment", flats=10, floors=5, residents=20, address="")
              for i in range(20)]
    grid = h.Grid(places, cell_m=250)
    assert [p.id for p in grid.near(500, 0, 250)] == [5, 4, 6, 3, 7]


def test_lifts_are_stuck_only_in_tall_apartment_blocks_and_houses_have_no_central_heating():
    lift = h.Cat(1, "lift_stuck", "", ("lift",), 2, True, False)
    heating = h.Cat(2, "no_heating", "", ("heating",), 24, True, False)
    tall = h.Place(1, 0, 0, 0, 0, "apartment", 80, 9, 180, "")
    low = h.Place(2, 0, 0, 0, 0, "apartment", 12, 2, 30, "")
    house = h.Place(3, 0, 0, 0, 0, "house", 1, 1, 3, "")
    assert h.building_weight(tall, lift) > 0 and h.building_weight(low, lift) == 0
    assert h.building_weight(house, heating) == 0 and h.building_weight(low, heating) > 0


def test_emergencies_with_a_short_deadline_are_mostly_fixed_in_time():
    late = [life.overdue for _d, life in lives(2000, emergency=True, deadline_hours=2)]
    assert 0.08 < sum(late) / len(late) < 0.22
