"""Residents' pages through Django's test client: /report/, /track/, confirmation, the staff queue and
callback worklist, the PBX queue API (real PostGIS, SMTP)."""

import json
import re
import urllib.request
from io import BytesIO

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from appeals import notifications, services
from appeals.models import Appeal, AppealPhoto, ConfirmationOutcome, Status
from tests import factories


@pytest.fixture
def world(registry, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CITIZENS_MAX_FILINGS_PER_IP_HOUR = 1000
    c = registry
    c.cat = factories.category("t_leak", service_kinds=("in_house",), hours=72, name="Протікання")
    c.cat.hint = "вода з даху чи стелі"
    c.cat.save()
    c.dispatcher = factories.staff("disp", "dispatcher")
    c.operator = factories.staff("op", "provider_operator", provider=c.providers["zhek1"])
    return c


def post_report(client, w, **kw):
    data = {"category": w.cat.pk, "building": w.buildings["druzhby:3"].pk, "description": "Тече дах над під'їздом",
            "name": "Оксана Петренко", "phone": "0501234567", "email": "oksana@example.org", "consent": "on",
            "notify": "on", "idempotency_key": kw.pop("key", "")}
    headers = kw.pop("headers", None)
    data.update(kw)
    return client.post("/report/", data, headers=headers)


def png() -> BytesIO:
    buf = BytesIO()
    Image.new("RGB", (50, 40), "blue").save(buf, "PNG")
    buf.seek(0)
    buf.name = "photo.png"
    return buf


def filed(response) -> tuple[str, str]:
    html = response.content.decode()
    number = re.search(r'id="appeal-number">([^<]+)<', html).group(1)
    code = re.search(r'id="tracking-code" class="code">([^<]+)<', html).group(1)
    return number, code


def test_the_report_page_lists_public_categories_with_their_hints(world):
    html = Client().get("/report/").content.decode()
    assert "Протікання" in html and "вода з даху чи стелі" in html and 'name="website"' in html


def test_filing_on_the_page_shows_number_and_code_and_mails_them(world, smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_report(Client(), world, photos=png())
    assert response.status_code == 200
    number, code = filed(response)
    appeal = Appeal.objects.get(number=number)
    assert appeal.photos.count() == 1 and appeal.notify_applicant
    notifications.send_pending()
    [msg] = smtp_server.wait_for(1)
    assert code in msg.get_body(("plain",)).get_content()


def test_a_bad_submit_shows_ukrainian_messages_at_the_fields_and_saves_nothing(world):
    response = post_report(Client(), world, description="", consent="", building="")
    html = response.content.decode()
    assert response.status_code == 400
    assert "опишіть проблему" in html and "без згоди на обробку" in html and "вкажіть адресу" in html
    assert not Appeal.objects.exists()


def test_the_honeypot_filled_in_saves_nothing(world):
    response = post_report(Client(), world, website="http://spam.example")
    assert response.status_code == 400 and not Appeal.objects.exists()


def test_nearby_offers_the_open_appeal_at_the_building_and_joining_it_files_nothing_new(world):
    client = Client()
    number, _ = filed(post_report(client, world))
    data = client.get("/report/nearby.json", {"category": world.cat.pk,
                                              "building": world.buildings["druzhby:3"].pk}).json()
    assert [a["number"] for a in data["appeals"]] == [number] and data["inside"]
    assert "Оксана" not in json.dumps(data, ensure_ascii=False)
    response = post_report(client, world, join=number, phone="0670001122", name="Іван", email="")
    assert "Ви приєдналися" in response.content.decode()
    assert Appeal.objects.count() == 1 and Appeal.objects.get().calls.count() == 1


def test_tracking_with_the_code_shows_the_story_masked_and_without_it_only_the_public_card(world):
    client = Client()
    number, code = filed(post_report(client, world))
    private = client.get("/track/", {"number": number, "code": code}).content.decode()
    assert "ЖЕК-1" in private or world.providers["zhek1"].name in private
    assert "+380 ** *** ** 67" in private and "0501234567" not in private and "+380501234567" not in private
    assert "Тече дах" in private
    public = client.get("/track/", {"number": number}).content.decode()
    assert number in public and "Тече дах" not in public and "** 67" not in public and "Оксана" not in public
    wrong = client.get("/track/", {"number": number, "code": "00000-00000"}).content.decode()
    assert "Тече дах" not in wrong


def _resolve(w, number):
    appeal = Appeal.objects.get(number=number)
    appeal = services.change_status(appeal=appeal, actor=w.operator, to_status=Status.ACCEPTED, version=appeal.version)
    return services.change_status(appeal=appeal, actor=w.operator, to_status=Status.RESOLVED, version=appeal.version,
                                  resolution="Дах залатано")


def test_the_resident_confirms_on_the_tracking_page_with_a_rating_and_the_appeal_closes(
        world, smtp_server, django_capture_on_commit_callbacks):
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        number, code = filed(post_report(client, world))
        _resolve(world, number)
    page = client.get("/track/", {"number": number, "code": code}).content.decode()
    assert 'id="confirm-form"' in page and "Дах залатано" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/track/confirm", {"number": number, "code": code, "outcome": "confirmed",
                                                  "rating": "5", "comment": "дякую"})
    assert response.status_code == 302
    appeal = Appeal.objects.get(number=number)
    assert (appeal.status, appeal.confirmation, appeal.rating) == (Status.CLOSED, ConfirmationOutcome.CONFIRMED, 5)
    notifications.send_pending()
    subjects = [str(m["Subject"]) for m in smtp_server.wait_for(4)]
    assert any("виконано" in s for s in subjects) and any("закрито" in s for s in subjects)


def test_a_dispute_reopens_to_the_same_provider_with_a_new_deadline(world):
    client = Client()
    number, code = filed(post_report(client, world))
    resolved = _resolve(world, number)
    client.post("/track/confirm", {"number": number, "code": code, "outcome": "disputed", "comment": "досі тече"})
    appeal = Appeal.objects.get(number=number)
    assert appeal.status == Status.REOPENED and appeal.reopen_count == 1
    from appeals.deadlines import compute_deadline

    reopened_at = appeal.events.get(to_status=Status.REOPENED).at
    assert appeal.confirmation == ConfirmationOutcome.DISPUTED and appeal.deadline >= resolved.deadline
    assert appeal.deadline == compute_deadline(registered_at=reopened_at, hours=72, is_emergency=False)
    assert appeal.routes.filter(active=True, provider=world.providers["zhek1"]).exists()


def test_fixed_again_after_a_dispute_it_waits_for_a_new_confirmation_and_shows_the_final_outcome(world):
    from appeals import confirmation
    from reports import period

    client = Client()
    number, code = filed(post_report(client, world))
    _resolve(world, number)
    client.post("/track/confirm", {"number": number, "code": code, "outcome": "disputed", "comment": "досі тече",
                                   "rating": "1"})
    disputed = Appeal.objects.get(number=number)
    assert (disputed.status, disputed.confirmation, disputed.rating) == (Status.REOPENED, ConfirmationOutcome.DISPUTED, 1)
    # The dispute's rating stays in the history; the appeal's own outcome is the next confirmation's.
    assert disputed.events.get(to_status=Status.REOPENED).data == {"confirmation": "disputed", "rating": 1}
    fixed = services.change_status(appeal=disputed, actor=world.operator, to_status=Status.RESOLVED,
                                   version=disputed.version, resolution="Дах перекрито")
    assert (fixed.confirmation, fixed.confirmed_at, fixed.rating, fixed.callback_attempts) == ("", None, None, 0)
    # Waiting for a new confirmation: on the resident's tracking page and in the dispatchers' callback list.
    page = client.get("/track/", {"number": number, "code": code}).content.decode()
    assert 'id="confirm-form"' in page and 'id="story-confirmation"' not in page and "Дах перекрито" in page
    assert number in [a.number for a in confirmation.callback_worklist()]
    client.post("/track/confirm", {"number": number, "code": code, "outcome": "confirmed", "rating": "4"})
    final = Appeal.objects.get(number=number)
    assert (final.status, final.confirmation, final.rating) == (Status.CLOSED, ConfirmationOutcome.CONFIRMED, 4)
    page = client.get("/track/", {"number": number, "code": code}).content.decode()
    outcome = re.search(r'id="story-confirmation">([^<]+)<', page).group(1)
    assert outcome.startswith(str(ConfirmationOutcome.CONFIRMED.label)) and "4/5" in outcome
    # The period report counts the fix by its final outcome, and the dispute as a dispute of that period.
    day = timezone.localdate(final.resolved_at, period.KYIV)
    q = period.quality(period.Period(start=day, end=day))
    assert q.confirmation == {ConfirmationOutcome.CONFIRMED: 1} and q.disputed == 1 and q.mean_rating == 4


def test_the_callback_worklist_shows_the_phone_and_no_answer_three_times_closes_as_unconfirmed(world, settings):
    settings.CALLBACK_MAX_ATTEMPTS = 3
    settings.CALLBACK_RETRY_DAYS = 0
    client = Client()
    number, _ = filed(post_report(client, world))
    _resolve(world, number)
    staff = Client()
    staff.force_login(world.dispatcher)
    page = staff.get("/dispatch/callbacks/").content.decode()
    assert number in page and "+380501234567" in page and "Контакт-центр 1505" in page
    for _ in range(3):
        appeal = Appeal.objects.get(number=number)
        staff.post("/dispatch/callbacks/", {"number": number, "version": appeal.version, "outcome": "no_answer"})
    appeal = Appeal.objects.get(number=number)
    assert (appeal.status, appeal.confirmation, appeal.callback_attempts) == (
        Status.CLOSED, ConfirmationOutcome.UNREACHABLE, 3)


def test_a_dispatcher_records_not_fixed_from_the_worklist_and_it_is_reopened(world):
    client = Client()
    number, _ = filed(post_report(client, world))
    _resolve(world, number)
    staff = Client()
    staff.force_login(world.dispatcher)
    appeal = Appeal.objects.get(number=number)
    staff.post("/dispatch/callbacks/", {"number": number, "version": appeal.version, "outcome": "disputed",
                                        "comment": "мешканка каже: тече"})
    assert Appeal.objects.get(number=number).status == Status.REOPENED


def test_the_online_queue_approves_a_photo_and_the_photo_becomes_public(world):
    client = Client()
    number, code = filed(post_report(client, world, photos=png()))
    photo = AppealPhoto.objects.get()
    assert client.get(f"/photos/{photo.pk}.jpg").status_code == 404  # not approved yet
    staff = Client()
    staff.force_login(world.dispatcher)
    assert number in staff.get("/dispatch/online/").content.decode()
    appeal = Appeal.objects.get(number=number)
    staff.post("/dispatch/online/", {"number": number, "version": appeal.version, "action": "ok",
                                     "approve": photo.pk, "category": world.cat.pk})
    photo.refresh_from_db()
    assert photo.approved and not Appeal.objects.get(number=number).needs_review


def test_the_tracking_story_lists_its_steps_in_order_and_only_approved_photos(world):
    client = Client()
    number, code = filed(post_report(client, world, photos=png()))
    photo = AppealPhoto.objects.get()
    appeal = Appeal.objects.get(number=number)
    services.change_status(appeal=appeal, actor=world.operator, to_status=Status.ACCEPTED, version=appeal.version)
    page = client.get("/track/", {"number": number, "code": code}).content.decode()
    steps = re.findall(r"<li><time datetime=\"[^\"]+\">[^<]+</time> — ([^<:]+)", page)
    assert steps == [str(Status.SENT.label), str(Status.ACCEPTED.label)]
    assert f"/photos/{photo.pk}.jpg" not in page  # not approved yet
    AppealPhoto.objects.filter(pk=photo.pk).update(approved=True)
    assert f"/photos/{photo.pk}.jpg" in client.get("/track/", {"number": number, "code": code}).content.decode()


def test_the_online_queue_rejects_spam_with_a_reason(world):
    number, _ = filed(post_report(Client(), world))
    staff = Client()
    staff.force_login(world.dispatcher)
    appeal = Appeal.objects.get(number=number)
    staff.post("/dispatch/online/", {"number": number, "version": appeal.version, "action": "spam", "reason": "реклама"})
    appeal = Appeal.objects.get(number=number)
    assert appeal.status == Status.CANCELLED and "реклама" in appeal.events.last().note


def test_the_online_queue_corrects_the_address_typed_in_any_spelling_and_refuses_one_found_nowhere(world):
    from django.contrib.messages import get_messages

    number, _ = filed(post_report(Client(), world))
    staff = Client()
    staff.force_login(world.dispatcher)
    page = staff.get("/dispatch/online/").content.decode()
    assert 'class="place-picker"' in page and "online_queue.js" in page and 'id="map-config"' in page
    appeal = Appeal.objects.get(number=number)
    assert appeal.building == world.buildings["druzhby:3"]
    response = staff.post("/dispatch/online/", {"number": number, "version": appeal.version, "action": "ok",
                                                "category": world.cat.pk, "address": "ул. Парковая 14"}, follow=True)
    appeal.refresh_from_db()
    assert appeal.building == world.buildings["parkova:14"] and not appeal.needs_review
    assert any("перевірено" in str(m) for m in get_messages(response.wsgi_request)) or "перевірено" in response.content.decode()

    other, _ = filed(post_report(Client(), world, key="second"))
    second = Appeal.objects.get(number=other)
    response = staff.post("/dispatch/online/", {"number": other, "version": second.version, "action": "ok",
                                                "category": world.cat.pk, "address": "вулиця Неіснуюча 999"},
                          follow=True)
    assert "не знайдено однозначно" in response.content.decode()
    second.refresh_from_db()
    assert second.building == world.buildings["druzhby:3"] and second.needs_review  # nothing changed


def test_staff_pages_are_closed_to_residents(world):
    assert Client().get("/dispatch/callbacks/").status_code == 302
    assert Client().get("/dispatch/online/").status_code == 302


class PbxClient:
    """The small client an auto-dialler would run: pull the queue, report each call's result."""

    def __init__(self, base: str, token: str) -> None:
        self.base, self.token = base, token

    def _call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        req = urllib.request.Request(self.base + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": f"Bearer {self.token}",
                                              "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def queue(self) -> list[dict]:
        status, data = self._call("GET", "/api/v1/callbacks/queue?limit=10")
        assert status == 200, data
        return data["results"]

    def report(self, number: str, **result) -> tuple[int, dict]:
        return self._call("POST", f"/api/v1/callbacks/{number}/result", result)


@pytest.mark.django_db(transaction=True)
def test_a_pbx_client_pulls_the_queue_and_reports_a_confirmation(live_server, settings, tmp_path):
    settings.PBX_API_TOKEN = "pbx-secret"
    settings.CITIZENS_MAX_FILINGS_PER_IP_HOUR = 1000
    settings.MEDIA_ROOT = tmp_path
    w = factories.tiny_city()
    w.cat = factories.category("t_leak", service_kinds=("in_house",), hours=72, name="Протікання")
    w.operator = factories.staff("op", "provider_operator", provider=w.providers["zhek1"])
    number, _ = filed(post_report(Client(), w))
    _resolve(w, number)
    assert PbxClient(live_server.url, "wrong").report(number, outcome="confirmed")[0] == 403
    pbx = PbxClient(live_server.url, "pbx-secret")
    [item] = pbx.queue()
    assert item["number"] == number and item["phone"] == "+380501234567" and "1505" in item["script"]
    status, body = pbx.report(number, outcome="confirmed", rating=4, version=item["version"])
    assert status == 200 and body["status"] == Status.CLOSED and body["confirmation"] == "confirmed"
    assert pbx.queue() == []
    status, body = pbx.report(number, outcome="no_answer")
    assert status == 409 and body["code"] == "not_awaiting_confirmation"


def test_the_public_card_and_nearby_name_a_private_house_by_its_street_only(world):
    house = world.buildings["shkilna_e:4"]  # a private house
    world.cat.service_kinds.add(*world.cat.service_kinds.model.objects.filter(code="water"))
    client = Client()
    number, _ = filed(post_report(client, world, building=house.pk))
    public = client.get("/track/", {"number": number}).content.decode()
    assert house.street.full_name in public and house.address not in public
    data = client.get("/report/nearby.json", {"category": world.cat.pk, "building": house.pk}).json()
    assert data["appeals"][0]["address"] == house.street.full_name


def test_privacy_crawl_no_new_public_page_or_api_carries_personal_data_or_free_text(world):
    client = Client()
    number, _ = filed(post_report(client, world, description="Секретний опис Петренко", phone="0509998877",
                                  email="private.person@example.org", name="Оксана Петренко", photos=png()))
    _resolve(world, number)
    photo = AppealPhoto.objects.get()
    b = world.buildings["druzhby:3"]
    pages = [
        "/", "/report/", f"/report/?building={b.pk}", "/track/", f"/track/?number={number}",
        f"/track/?number={number}&code=00000-00000",
        f"/report/nearby.json?category={world.cat.pk}&building={b.pk}",
        f"/report/nearby.json?category={world.cat.pk}&lon={b.point.x}&lat={b.point.y}",
        "/api/v1/callbacks/queue", f"/photos/{photo.pk}.jpg",
        f"/api/v1/public/appeals/{number}",
    ]
    forbidden = ["Петренко", "Оксана", "0509998877", "+380509998877", "98 77", "private.person", "Секретний",
                 "Дах залатано"]
    for url in pages:
        response = client.get(url)
        assert response.status_code in (200, 302, 400, 403, 404), url
        body = response.content.decode("utf-8", "replace")
        for word in forbidden:
            assert word not in body, (url, word)


def test_internal_notes_stay_with_staff_and_public_replies_reach_the_tracking_page(world):
    client = Client()
    number, code = filed(post_report(client, world))
    appeal = Appeal.objects.get(number=number)
    appeal = services.change_status(appeal=appeal, actor=world.operator, to_status=Status.ACCEPTED,
                                    version=appeal.version, note="ключі від горища у старшої по будинку")
    appeal = services.change_status(appeal=appeal, actor=world.operator, to_status=Status.IN_PROGRESS,
                                    version=appeal.version, note="Бригада прийде завтра до 12:00", public_note=True)
    private = client.get("/track/", {"number": number, "code": code}).content.decode()
    assert "Бригада прийде завтра до 12:00" in private
    assert "ключі від горища" not in private
    staff = Client()
    staff.force_login(world.operator)
    card = staff.get(f"/appeals/{number}/").content.decode()
    assert "ключі від горища" in card and "внутрішня" in card and "публічна відповідь" in card


def test_a_forged_x_forwarded_for_does_not_get_past_the_per_address_limit(world, settings):
    settings.CITIZENS_MAX_FILINGS_PER_IP_HOUR = 1
    from django.db import connection
    from django.utils import timezone

    from citizens import ratelimit

    settings.TRUSTED_PROXIES = []  # the resident's request reaches us directly: the header is theirs to forge
    ip = f"198.51.100.{connection.connection.info.backend_pid % 250}"
    ratelimit.reset_ip(ip, timezone.now())
    client = Client(REMOTE_ADDR=ip)
    filed(post_report(client, world, key="first", headers={"x-forwarded-for": "10.0.0.1"}))
    second = post_report(client, world, key="second", phone="0671234567", headers={"x-forwarded-for": "10.0.0.2"})
    assert Appeal.objects.count() == 1  # the second filing from the same client is refused
    assert "забагато звернень за годину" in second.content.decode()
    ratelimit.reset_ip(ip, timezone.now())
