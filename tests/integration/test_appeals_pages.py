"""The staff pages through Django's test client: intake, journal scoping, actions, conflicts, control, analysts."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from appeals import services
from appeals.models import Appeal, Call, CallOutcome, Status
from tests import factories

PHONE = "050 123 45 67"
NAME = "Петренко Ганна Іванівна"
FLAT = "9876"


@pytest.fixture
def world(registry):
    c = registry
    c.cat_water = factories.category("p_no_water", service_kinds=("water",), hours=24, is_emergency=True,
                                     name="Немає води (тест)")
    c.cat_leak = factories.category("p_leak", service_kinds=("in_house",), hours=72, name="Протікання (тест)")
    c.cat_consult = factories.category("p_consult", service_kinds=(), is_consultation=True, name="Консультація (тест)")
    c.dispatcher = factories.staff("disp", "dispatcher")
    c.op_zhek = factories.staff("op_zhek", "provider_operator", provider=c.providers["zhek1"], password="pass-op_zhek")
    c.op_water = factories.staff("op_water", "provider_operator", provider=c.providers["water"])
    c.supervisor = factories.staff("sup", "supervisor")
    c.analyst = factories.staff("analyst", "analyst")
    return c


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def intake(w, **kw):
    args = {"dispatcher": w.dispatcher, "category": w.cat_leak, "phone": PHONE, "building": w.buildings["druzhby:3"],
            "description": "тече стеля у ванній", "flat": FLAT, "applicant_name": NAME}
    args.update(kw)
    return services.register_intake(**args).appeal


def intake_form(w, **kw) -> dict:
    data = {"phone": PHONE, "address": "вулиця Дружби, 3", "building": w.buildings["druzhby:3"].pk,
            "category": w.cat_leak.pk, "flat": FLAT, "applicant_name": NAME, "description": "тече стеля",
            "outcome": CallOutcome.NEW_APPEAL, "idempotency_key": "key-1"}
    data.update(kw)
    return data


# --- the dispatcher --------------------------------------------------------------------------------


def test_saving_the_intake_form_registers_a_routed_appeal_and_shows_its_number(world):
    client = client_for(world.dispatcher)
    response = client.post(reverse("dispatch"), intake_form(world))
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert response["Location"] == reverse("dispatch") + f"?saved={appeal.number}"
    assert appeal.status == Status.SENT and appeal.applicant_name == NAME and appeal.flat == FLAT
    assert [str(r.provider) for r in appeal.routes.all()] == ["ЖЕК-1"]
    page = client.get(response["Location"]).content.decode()
    assert appeal.number in page and "ЖЕК-1" in page


def test_a_double_submit_of_the_intake_form_creates_one_appeal_and_one_call(world):
    client = client_for(world.dispatcher)
    first = client.post(reverse("dispatch"), intake_form(world, idempotency_key="same-key"))
    second = client.post(reverse("dispatch"), intake_form(world, idempotency_key="same-key"))
    assert first["Location"] == second["Location"]
    assert Appeal.objects.count() == 1 and Call.objects.count() == 1
    # A fresh form carries a fresh key, so the next caller gets a new appeal.
    client.post(reverse("dispatch"), intake_form(world, idempotency_key="other-key"))
    assert Appeal.objects.count() == 2


def test_the_intake_form_refuses_an_appeal_without_a_chosen_building_and_keeps_what_was_typed(world):
    response = client_for(world.dispatcher).post(reverse("dispatch"), intake_form(world, building=""))
    assert response.status_code == 400
    assert "Оберіть будинок зі списку підказок" in response.content.decode()
    assert PHONE in response.content.decode() and not Appeal.objects.exists()


def test_a_call_added_to_a_likely_duplicate_links_to_it_instead_of_creating_an_appeal(world):
    appeal = intake(world)
    client = client_for(world.dispatcher)
    preview = client.get(reverse("dispatch-preview"),
                         {"building": world.buildings["druzhby:3"].pk, "category": world.cat_leak.pk}).json()
    assert [d["number"] for d in preview["duplicates"]] == [appeal.number]
    assert [r["provider"]["name"] for r in preview["routes"]] == ["ЖЕК-1"] and preview["deadline_label"]
    response = client.post(reverse("dispatch"), intake_form(world, outcome=CallOutcome.ADDED_TO_APPEAL,
                                                            link_to=appeal.number, idempotency_key="k2"))
    assert response["Location"].endswith(f"?saved={appeal.number}&linked=1")
    assert Appeal.objects.count() == 1
    assert appeal.calls.filter(outcome=CallOutcome.ADDED_TO_APPEAL).count() == 1


def test_a_consultation_is_a_call_only_and_records_the_office_the_caller_was_pointed_to(world):
    client = client_for(world.dispatcher)
    missing = client.post(reverse("dispatch"), intake_form(world, outcome=CallOutcome.CONSULTATION, building=""))
    assert missing.status_code == 400 and not Call.objects.exists()
    client.post(reverse("dispatch"), intake_form(world, outcome=CallOutcome.CONSULTATION, building="",
                                                 consultation_office="Управління соцзахисту"))
    call = Call.objects.get()
    assert (call.outcome, call.consultation_office, call.appeal) == ("consultation", "Управління соцзахисту", None)
    assert not Appeal.objects.exists()


def test_the_phone_and_building_panels_show_earlier_appeals_providers_and_open_appeals(world):
    appeal = intake(world)
    client = client_for(world.dispatcher)
    phone = client.get(reverse("dispatch-phone"), {"phone": "+38 (050) 123-45-67"}).json()
    assert [a["number"] for a in phone["appeals"]] == [appeal.number]
    assert [c["appeal_number"] for c in phone["calls"]] == [appeal.number]
    panel = client.get(reverse("dispatch-building"), {"building": world.buildings["druzhby:3"].pk}).json()
    served = {s["service_kind"]: s["provider"]["name"] for s in panel["services"] if s["provider"]}
    assert served == {"in_house": "ЖЕК-1", "water": "Водоканал"}
    assert panel["services"][0]["outcome"] == "assigned"  # answers first, gaps after
    assert [a["number"] for a in panel["open_appeals"]] == [appeal.number]
    assert panel["building"]["geom"]["geometry"]["type"] == "MultiPolygon"
    # The panel is for the dispatcher's eyes, but it still carries no personal data.
    assert NAME not in json.dumps(panel, ensure_ascii=False) and "+380501234567" not in json.dumps(panel)


def test_search_finds_an_appeal_by_number_phone_and_status(world):
    appeal = intake(world)
    client = client_for(world.dispatcher)
    today = timezone.localdate().isoformat()
    for query in ({"number": appeal.number}, {"phone": "0501234567"}, {"status": "sent"},
                  {"provider": world.providers["zhek1"].pk}, {"address": "Ленина 3"},
                  {"date_from": today, "date_to": today}):
        page = client.get(reverse("dispatch-search"), query).content.decode()
        assert appeal.number in page, query
    for query in ({"status": "closed"}, {"address": "Паркова 14"}, {"provider": world.providers["water"].pk}):
        page = client.get(reverse("dispatch-search"), query).content.decode()
        assert f'data-number="{appeal.number}"' not in page, query


# --- access ------------------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_the_ukrainian_login_page(world):
    response = Client().get(reverse("journal"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    login = Client().get(response["Location"]).content.decode()
    assert "Вхід для працівників" in login


def test_signing_in_lands_each_role_on_its_page_and_other_pages_are_forbidden(world):
    client = Client()
    response = client.post(reverse("login"), {"username": "op_zhek", "password": "pass-op_zhek"})
    assert client.get(response["Location"])["Location"] == reverse("journal")
    assert client.get(reverse("dispatch")).status_code == 403
    assert client.get(reverse("control")).status_code == 403
    assert client_for(world.dispatcher).get(reverse("control")).status_code == 403


def test_an_operator_of_one_provider_gets_404_on_every_page_and_action_of_another_providers_appeal(world):
    theirs = intake(world, category=world.cat_water)  # routed to the water utility only
    mine = intake(world)  # routed to ЖЕК-1
    client = client_for(world.op_zhek)
    assert client.get(reverse("appeal-detail", args=[theirs.number])).status_code == 404
    for action in ("accept", "reject", "progress", "resolve", "plan", "reroute", "close", "anything"):
        response = client.post(reverse("appeal-action", args=[theirs.number, action]),
                               {"version": theirs.version, "reason": "x", "note": "x", "resolution": "x"})
        assert response.status_code == 404, action
    theirs.refresh_from_db()
    assert theirs.status == Status.SENT and theirs.events.count() == 3
    journal = client.get(reverse("journal"), {"status": "all"}).content.decode()
    assert f'data-number="{mine.number}"' in journal and theirs.number not in journal
    searched = client.get(reverse("journal"), {"number": theirs.number}).content.decode()
    assert f'data-number="{theirs.number}"' not in searched


def test_an_operator_accepts_reports_and_resolves_and_the_history_records_each_step(world):
    appeal = intake(world)
    client = client_for(world.op_zhek)
    steps = [("accept", {}), ("progress", {"note": "бригада виїхала"}), ("resolve", {"resolution": "замінено стояк"})]
    for action, fields in steps:
        appeal.refresh_from_db()
        data = {f"{action}-version": appeal.version, **{f"{action}-{k}": v for k, v in fields.items()}}
        response = client.post(reverse("appeal-action", args=[appeal.number, action]), data)
        assert response.status_code == 302, (action, response.content.decode()[:500])
    appeal.refresh_from_db()
    assert appeal.status == Status.RESOLVED and appeal.resolution == "замінено стояк"
    page = client.get(reverse("appeal-detail", args=[appeal.number])).content.decode()
    for text in ("прийнято виконавцем", "бригада виїхала", "замінено стояк", "op_zhek"):
        assert text in page


def test_rejecting_as_not_ours_needs_a_reason_and_sends_the_appeal_back_to_the_dispatcher(world):
    appeal = intake(world)
    client = client_for(world.op_zhek)
    url = reverse("appeal-action", args=[appeal.number, "reject"])
    assert client.post(url, {"reject-version": appeal.version, "reject-reason": "  "}).status_code == 400
    assert client.post(url, {"reject-version": appeal.version, "reject-reason": "це ОСББ"}).status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Status.REJECTED
    # The dispatcher sees the rejection with its reason and may route again.
    page = client_for(world.dispatcher).get(reverse("appeal-detail", args=[appeal.number])).content.decode()
    assert "це ОСББ" in page and 'id="action-reroute"' in page


def test_a_stale_version_is_refused_with_a_clear_conflict_and_nothing_is_lost(world):
    appeal = intake(world)
    seen = appeal.version
    client = client_for(world.op_zhek)
    client.post(reverse("appeal-action", args=[appeal.number, "accept"]), {"accept-version": seen})
    response = client.post(reverse("appeal-action", args=[appeal.number, "reject"]),
                           {"reject-version": seen, "reject-reason": "не наше"})
    assert response.status_code == 409
    assert "щойно змінив інший користувач" in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.status == Status.ACCEPTED


# --- control and analysts ------------------------------------------------------------------------------


def test_the_supervisor_sees_overdue_escalated_appeals_by_provider_and_sets_a_plan_date(world):
    appeal = intake(world)
    services.run_escalation_sweep(now=appeal.deadline + timedelta(minutes=5))
    client = client_for(world.supervisor)
    page = client.get(reverse("control")).content.decode()
    assert appeal.number in page and "ЖЕК-1" in page and "Соцмісто" in page
    appeal.refresh_from_db()
    plan = timezone.localdate() + timedelta(days=3)
    response = client.post(reverse("appeal-action", args=[appeal.number, "plan"]),
                           {"version": appeal.version, "plan_date": plan.isoformat(), "next": reverse("control")})
    assert response.status_code == 302 and response["Location"] == reverse("control")
    appeal.refresh_from_db()
    assert appeal.plan_date == plan
    filtered = client.get(reverse("control"), {"provider": world.providers["water"].pk}).content.decode()
    assert f'data-number="{appeal.number}"' not in filtered


def test_analyst_pages_show_no_names_phones_or_flats(world):
    appeal = intake(world, address_text=f"Дружби 3, кв. {FLAT}", description=f"дзвонила {NAME}")
    services.change_status(appeal=appeal, actor=world.op_zhek, to_status=Status.IN_PROGRESS, version=appeal.version,
                           note=f"зателефонували {NAME}")
    client = client_for(world.analyst)
    pages = [client.get(reverse("dispatch-search"), {"status": "in_progress"}),
             client.get(reverse("appeal-detail", args=[appeal.number]))]
    for response in pages:
        html = response.content.decode()
        assert response.status_code == 200 and appeal.number in html
        for secret in (NAME, "Петренко", "+380501234567", "050 123", f"кв. {FLAT}", FLAT):
            assert secret not in html, secret
    # Analysts read; they cannot act, and the dispatcher's panels (with phones) are closed to them.
    assert client.post(reverse("appeal-action", args=[appeal.number, "accept"]),
                       {"accept-version": appeal.version}).status_code == 403
    assert client.get(reverse("dispatch-phone"), {"phone": PHONE}).status_code == 403


def test_a_routing_gap_is_closed_by_the_dispatcher_choosing_a_provider_on_the_card(world):
    appeal = intake(world, building=world.buildings["shkilna_e:4"])  # no housing office in the east
    assert appeal.status == Status.REGISTERED
    client = client_for(world.dispatcher)
    page = client.get(reverse("appeal-detail", args=[appeal.number])).content.decode()
    assert 'id="action-assign"' in page and "ЖЕК-1" in page
    response = client.post(reverse("appeal-action", args=[appeal.number, "assign"]),
                           {"assign-version": appeal.version, "assign-provider_in_house": world.providers["zhek1"].pk})
    assert response.status_code == 302
    appeal.refresh_from_db()
    [route] = appeal.routes.filter(active=True)
    assert (appeal.status, route.provider, route.outcome) == (Status.SENT, world.providers["zhek1"], "manual")
    journal = client_for(world.op_zhek).get(reverse("journal")).content.decode()
    assert f'data-number="{appeal.number}"' in journal


def test_at_shift_end_the_dispatcher_sees_the_appeals_a_provider_left_without_a_report(world):
    from appeals.control import record_shift_report

    silent = intake(world)
    reported = intake(world, category=world.cat_water)
    client_for(world.op_water).post(reverse("appeal-action", args=[reported.number, "accept"]),
                                    {"accept-version": reported.version})
    start = timezone.now() + timedelta(seconds=1)
    # The water utility reports during the shift; ЖЕК-1 says nothing.
    reported.refresh_from_db()
    services.change_status(appeal=reported, actor=world.op_water, to_status=Status.IN_PROGRESS,
                           version=reported.version, now=start + timedelta(hours=1))
    record_shift_report(shift_start=start, shift_end=start + timedelta(hours=12), now=start + timedelta(hours=12))
    page = client_for(world.dispatcher).get(reverse("dispatch-shift")).content.decode()
    assert f'data-number="{silent.number}"' in page and f'data-number="{reported.number}"' not in page


def test_the_journal_accepts_straight_from_the_list_and_returns_to_it(world):
    appeal = intake(world)
    client = client_for(world.op_zhek)
    journal = client.get(reverse("journal"), {"deadline": "open"}).content.decode()
    assert 'class="inline quick-accept"' in journal
    back = reverse("journal") + "?deadline=open"
    response = client.post(reverse("appeal-action", args=[appeal.number, "accept"]),
                           {"version": appeal.version, "next": back})
    assert response["Location"] == back
    appeal.refresh_from_db()
    assert appeal.status == Status.ACCEPTED
    assert 'class="inline quick-accept"' not in client.get(back).content.decode()


def test_a_status_inquiry_is_recorded_as_a_call_on_the_appeal_asked_about(world):
    appeal = intake(world)
    response = client_for(world.dispatcher).post(reverse("dispatch"), intake_form(
        world, outcome=CallOutcome.STATUS_INQUIRY, link_to=appeal.number, building="", idempotency_key="inq-1"))
    assert response.status_code == 302
    assert appeal.calls.filter(outcome=CallOutcome.STATUS_INQUIRY).count() == 1
    assert Appeal.objects.count() == 1


def test_a_long_journal_is_counted_only_up_to_a_cap_and_says_so(world, monkeypatch):
    from appeals import views

    monkeypatch.setattr(views.CappedPaginator, "COUNT_CAP", 1)
    first, second = intake(world), intake(world, building=world.buildings["druzhby:7/1"])
    page = client_for(world.op_zhek).get(reverse("journal"), {"status": "all"}).content.decode()
    assert "Понад 1 звернень" in page
    # The count stops at the cap, the list does not; newest first.
    assert page.index(f'data-number="{second.number}"') < page.index(f'data-number="{first.number}"')


def test_a_deadline_is_extended_only_with_a_reason_and_never_past_45_days(world):
    appeal = intake(world)
    client = client_for(world.dispatcher)
    url = reverse("appeal-action", args=[appeal.number, "extend"])
    local = timezone.localtime(appeal.created_at)
    too_late = (local + timedelta(days=46)).strftime("%Y-%m-%dT%H:%M")
    later = (local + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M")
    assert client.post(url, {"extend-version": appeal.version, "extend-new_deadline": later,
                             "extend-reason": ""}).status_code == 400
    assert client.post(url, {"extend-version": appeal.version, "extend-new_deadline": too_late,
                             "extend-reason": "заміна стояка"}).status_code == 400
    assert client.post(url, {"extend-version": appeal.version, "extend-new_deadline": later,
                             "extend-reason": "заміна стояка"}).status_code == 302
    appeal.refresh_from_db()
    assert appeal.deadline_extended and appeal.deadline_extension_reason == "заміна стояка"
    assert timezone.localtime(appeal.deadline).strftime("%Y-%m-%dT%H:%M") == later


def test_a_plan_date_in_the_past_is_refused_in_its_row_and_keeps_the_control_queue(world):
    appeal = intake(world)
    services.run_escalation_sweep(now=appeal.deadline + timedelta(minutes=5))
    appeal.refresh_from_db()
    client = client_for(world.supervisor)
    queue = reverse("control") + f"?area={world.buildings['druzhby:3'].neighbourhood_id}"
    past = timezone.localdate() - timedelta(days=2)
    response = client.post(reverse("appeal-action", args=[appeal.number, "plan"]),
                           {"version": appeal.version, "plan_date": past.isoformat(), "next": queue})
    assert response.status_code == 302 and response["Location"] == queue  # same queue, same filters
    page = client.get(queue).content.decode()
    assert f'data-error-for="{appeal.number}"' in page and "не може бути в минулому" in page
    appeal.refresh_from_db()
    assert appeal.plan_date is None
    again = client.get(queue).content.decode()
    assert f'data-error-for="{appeal.number}"' not in again  # shown once


def test_the_control_provider_list_is_grouped_by_kind_and_sorted_by_name(world):
    from layers.models import Provider, ProviderKind

    factories.provider("ОСББ «Яблуня»", ProviderKind.CONDOMINIUM)
    factories.provider("ОСББ «Акація»", ProviderKind.CONDOMINIUM)
    page = client_for(world.supervisor).get(reverse("control")).content.decode()
    select = page[page.index('name="provider"'):page.index("</select>", page.index('name="provider"'))]
    groups = [g for g in select.split("<optgroup")[1:]]
    labels = [g[g.index('label="') + 7:g.index('"', g.index('label="') + 7)] for g in groups]
    kind_order = [str(label) for _kind, label in ProviderKind.choices]
    assert labels == [k for k in kind_order if k in labels] and len(labels) >= 2
    osbb = next(g for g, label in zip(groups, labels, strict=True) if label == str(ProviderKind.CONDOMINIUM.label))
    assert osbb.index("Акація") < osbb.index("Яблуня")
    assert not Provider.objects.exclude(kind=ProviderKind.CONDOMINIUM).filter(
        name__in=[o.split(">", 1)[1].split("<", 1)[0] for o in osbb.split("<option")[1:]]).exists()


def test_the_control_page_shows_the_queue_age_its_trend_and_a_map_of_it(world):
    appeal = intake(world)
    Appeal.objects.filter(pk=appeal.pk).update(deadline=timezone.now() - timedelta(hours=2))  # due two hours ago
    services.run_escalation_sweep(now=timezone.now())
    page = client_for(world.supervisor).get(reverse("control")).content.decode()
    assert '<dd id="queue-size">1</dd>' in page
    config = json.loads(page.split('id="control-config" type="application/json">')[1].split("</script>")[0])
    assert [f["properties"]["number"] for f in config["points"]["features"]] == [appeal.number]
    assert config["points"]["features"][0]["properties"]["overdue"] is True
    trend = page[page.index('id="queue-trend"'):page.index("</table>", page.index('id="queue-trend"'))]
    today = timezone.localdate().strftime("%d.%m")
    assert trend.count("<tr><td>") == 14
    last_row = trend.split("<tr><td>")[-1]
    assert last_row.startswith(today) and 'value="1"' in last_row


@pytest.mark.parametrize("phone, says", [("abc", "містить літери"), ("12", "лише 2 цифри"),
                                         ("501234567", "9 цифр")])
def test_a_bad_phone_says_what_is_wrong_with_it(world, phone, says):
    response = client_for(world.dispatcher).post(reverse("dispatch"), intake_form(world, phone=phone))
    assert response.status_code == 400 and says in response.content.decode()
    assert not Appeal.objects.exists()


def test_the_api_refuses_a_bad_phone_with_a_ukrainian_message_and_a_code(world):
    client = client_for(world.dispatcher)
    response = client.post("/api/v1/appeals", {"category": world.cat_leak.code, "phone": "abc",
                                               "building": world.buildings["druzhby:3"].pk},
                           content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "містить літери" in body["errors"]["phone"][0]


def test_the_card_maps_the_building_with_the_open_appeals_nearby_in_metres(world):
    here = intake(world)
    near = intake(world, building=world.buildings["druzhby:7/1"])
    page = client_for(world.dispatcher).get(reverse("appeal-detail", args=[here.number])).content.decode()
    config = json.loads(page.split('id="card-map-config" type="application/json">')[1].split("</script>")[0])
    layers = [f["properties"]["layer"] for f in config["map"]["features"]]
    assert layers.count("appeal") == 1 and "building" in layers
    from django.contrib.gis.geos import Point

    from gis.srid import METRIC_SRID

    def metres(a, b):
        return a.transform(METRIC_SRID, clone=True).distance(b.transform(METRIC_SRID, clone=True))

    nearby = {f["properties"]["number"] for f in config["map"]["features"] if f["properties"]["layer"] == "nearby"}
    assert metres(Point(here.point.x, here.point.y, srid=4326), near.point) <= 300 and near.number in nearby
    assert here.number not in nearby


def test_an_operator_gives_an_appeal_to_a_named_crew_member_of_their_own_provider(world):
    from appeals.models import AppealEvent, CrewMember

    appeal = intake(world)
    mine = CrewMember.objects.create(provider=world.providers["zhek1"], name="Бригада Коваленка")
    theirs = CrewMember.objects.create(provider=world.providers["water"], name="Бригада водоканалу")
    client = client_for(world.op_zhek)
    card = client.get(reverse("appeal-detail", args=[appeal.number])).content.decode()
    assert "Бригада Коваленка" in card and "Бригада водоканалу" not in card
    response = client.post(reverse("appeal-action", args=[appeal.number, "crew"]),
                           {"crew-version": appeal.version, "crew-crew_member": mine.pk})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.crew_member == mine
    assert AppealEvent.objects.filter(appeal=appeal, note="виконує: Бригада Коваленка").exists()
    journal = client.get(reverse("journal")).content.decode()
    assert "виконує: Бригада Коваленка" in journal
    with pytest.raises(services.NotAllowed):
        services.assign_crew(appeal=appeal, actor=world.op_zhek, version=appeal.version, crew_member=theirs.pk)
