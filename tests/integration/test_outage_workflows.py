"""Resolving an outage and moving its expected end (appeals.outage_services): appeals closed, mail sent."""

from __future__ import annotations

import pytest
from django.utils import timezone

from appeals import outage_services, services
from appeals.models import Appeal, AppealEvent, Call, Notification, OutageSubscription, Status
from appeals.notifications import send_pending
from layers.categories import ensure_categories
from outages.models import OutageStatus
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def city(registry):
    ensure_categories()
    registry.dispatcher = factories.staff("disp", "dispatcher")
    return registry


def test_resolving_an_outage_resolves_its_linked_appeals_and_a_mail_reaches_the_subscriber(city, smtp_server):
    b = city.buildings
    outage = outage_services.outage_services.declare_outage(
        service_kinds=["water"], provider=city.providers["water"], building_ids=[b["parkova:12"].pk, b["parkova:14"].pk],
        started_at=timezone.now() - timezone.timedelta(hours=1)).outage
    filed = [services.register_intake(dispatcher=city.dispatcher, category="no_cold_water", phone="0501112233",
                                      building=b[key], outage=outage).appeal for key in ("parkova:12", "parkova:14")]
    elsewhere = services.register_intake(dispatcher=city.dispatcher, category="no_cold_water", phone="0501112234",
                                         building=b["shkilna_e:4"]).appeal
    call = outage_services.link_call_to_outage(dispatcher=city.dispatcher, outage=outage, phone="050 777 66 55",
                                               subscribe_channel="email", subscribe_to="Meshkanets@Example.org")
    assert call.outcome == "outage_known" and OutageSubscription.objects.get().address == "meshkanets@example.org"

    # The first one's earlier fix was disputed by its applicant (reopened, with a low rating and callbacks made).
    Appeal.objects.filter(pk=filed[0].pk).update(status=Status.REOPENED, confirmation="disputed", rating=1,
                                                 confirmed_at=timezone.now(), callback_attempts=2)
    result = outage_services.resolve_outage(outage=outage, actor=city.dispatcher, note="Водогін на Парковій відремонтовано")
    assert (result.outage.status, result.appeals_resolved, result.notified) == (OutageStatus.RESOLVED, 2, 1)
    for appeal in filed:
        appeal.refresh_from_db()
        assert (appeal.status, appeal.resolution) == (Status.RESOLVED, "Водогін на Парковій відремонтовано")
        # This fix waits for its applicant's word (the callback list), not the earlier dispute's.
        assert (appeal.confirmation, appeal.rating, appeal.confirmed_at, appeal.callback_attempts) == ("", None, None, 0)
        assert AppealEvent.objects.filter(appeal=appeal, to_status=Status.RESOLVED, data__outage_id=outage.pk).exists()
    elsewhere.refresh_from_db()
    assert elsewhere.status != Status.RESOLVED

    send_pending()
    (mail,) = smtp_server.wait_for(1, timeout=30)
    assert "meshkanets@example.org" in str(mail["To"])
    assert "Відновлено" in str(mail["Subject"]) and "холодне водопостачання" in str(mail["Subject"])
    assert "Водогін на Парковій відремонтовано" in mail.get_body(("plain",)).get_content()
    # Said once: resolving is final and the subscription is marked as told.
    assert OutageSubscription.objects.get().ended_notified_at is not None
    assert Call.objects.filter(outage=outage).count() == 1


def test_moving_the_expected_end_tells_the_subscribers_once_per_new_time(city, smtp_server):
    b = city.buildings
    outage = outage_services.outage_services.declare_outage(
        service_kinds=["water"], building_ids=[b["parkova:14"].pk],
        started_at=timezone.now() - timezone.timedelta(hours=1),
        expected_end=timezone.now() + timezone.timedelta(hours=2)).outage
    outage_services.link_call_to_outage(dispatcher=city.dispatcher, outage=outage, phone="0507776655",
                                        subscribe_channel="email", subscribe_to="a@example.org")
    later = timezone.now() + timezone.timedelta(hours=5)
    outage_services.change_outage(outage=outage, actor=city.dispatcher, expected_end=later)
    outage_services.change_outage(outage=outage, actor=city.dispatcher, expected_end=later)  # unchanged: no message
    assert Notification.objects.count() == 1
    send_pending()
    (mail,) = smtp_server.wait_for(1, timeout=30)
    assert "Змінено час відновлення" in str(mail["Subject"])
    assert timezone.localtime(later).strftime("%H:%M") in mail.get_body(("plain",)).get_content()


def test_a_subscription_needs_a_valid_address_and_nothing_is_recorded_without_one(city):
    outage = outage_services.outage_services.declare_outage(
        service_kinds=["water"], building_ids=[city.buildings["parkova:14"].pk]).outage
    with pytest.raises(services.AppealError):
        outage_services.link_call_to_outage(dispatcher=city.dispatcher, outage=outage, phone="0507776655",
                                            subscribe_channel="email", subscribe_to="not-an-address")
    assert not Call.objects.exists() and not OutageSubscription.objects.exists()


def test_an_online_applicant_who_asked_for_news_hears_when_the_outage_resolves_the_appeal(city, smtp_server):
    from citizens.services import file_online

    b = city.buildings
    outage = outage_services.outage_services.declare_outage(
        service_kinds=["water"], provider=city.providers["water"], building_ids=[b["parkova:12"].pk],
        started_at=timezone.now() - timezone.timedelta(hours=1)).outage
    filed = file_online(category="no_cold_water", description="Немає холодної води", building=b["parkova:12"],
                        name="Олена Коваль", phone="0504445566", email="olena@example.org", consent=True)
    outage_services.link_appeal(appeal=filed.appeal, outage=outage, actor=city.dispatcher)
    outage_services.resolve_outage(outage=outage, actor=city.dispatcher, note="Водогін відремонтовано")
    send_pending()
    mails = [m for m in smtp_server.wait_for(2) if "olena@example.org" in str(m["To"])]
    assert any("виконано" in str(m["Subject"]) for m in mails)
    assert "Водогін відремонтовано" in mails[-1].get_body(("plain",)).get_content()
