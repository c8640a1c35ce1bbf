"""The provider's journal: keyset pages over any number of rows, bulk accept and bulk progress notes."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from appeals import services
from appeals.models import Appeal, AppealEvent, EventAction, Status
from tests import factories


@pytest.fixture
def journal_world(registry):
    c = registry
    c.cat = factories.category("j_leak", service_kinds=("in_house",), hours=72, name="Протікання (журнал)")
    c.dispatcher = factories.staff("j_disp", "dispatcher")
    c.operator = factories.staff("j_op", "provider_operator", provider=c.providers["zhek1"])
    return c


def _file(w, n: int) -> list[Appeal]:
    return [services.register_intake(dispatcher=w.dispatcher, category=w.cat, phone="0501112233",
                                     building=w.buildings["druzhby:3"], description="тече").appeal
            for _ in range(n)]


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


NEXT = re.compile(r'href="\?([^"]*after=[^"]+)" rel="next"')


def _copies(template: Appeal, n: int) -> list[Appeal]:
    """n copies of a routed appeal, written in bulk (intake one by one costs minutes on a busy machine):
    fresh numbers from the counter, deadlines an hour apart, each with its active route to the provider."""
    from datetime import timedelta

    from appeals.models import AppealRoute

    year = template.created_at.year
    numbers = [services.format_number(year=year, seq=s) for s in services.allocate_numbers(year=year, count=n)]
    copies = []
    for i, number in enumerate(numbers):
        a = Appeal.objects.get(pk=template.pk)
        a.pk, a.number, a.idempotency_key = None, number, None
        a.deadline = template.deadline + timedelta(hours=i + 1)
        copies.append(a)
    copies = Appeal.objects.bulk_create(copies)
    route = template.routes.get(active=True)
    AppealRoute.objects.bulk_create([
        AppealRoute(appeal=a, service_kind_id=route.service_kind_id, provider_id=route.provider_id,
                    outcome=route.outcome, rule=route.rule, area_id=route.area_id, created_at=route.created_at)
        for a in copies])
    return copies


def test_the_journal_pages_past_its_thousandth_row(journal_world):
    filed = _file(journal_world, 10)
    filed += _copies(filed[0], 1000)
    client = _client(journal_world.operator)
    seen: list[str] = []
    query = "page_size=200"
    for _ in range(10):
        page = client.get(reverse("journal") + "?" + query).content.decode()
        seen += re.findall(r'<tr class="[^"]*" data-number="([^"]+)"', page)
        found = NEXT.search(page)
        if not found:
            break
        query = found.group(1).replace("&amp;", "&")
    assert len(seen) == 1010 and len(set(seen)) == 1010
    assert set(seen) == {a.number for a in filed}
    deadlines = dict(Appeal.objects.values_list("number", "deadline"))
    assert [deadlines[n] for n in seen] == sorted(deadlines[n] for n in seen)  # nearest deadline first


def test_a_bulk_accept_of_twenty_appeals_is_in_each_history(journal_world):
    filed = _file(journal_world, 20)
    client = _client(journal_world.operator)
    response = client.post(reverse("journal-bulk"), {
        "action": "accept", "note": "беремо в роботу", "next": reverse("journal"),
        "appeal": [f"{a.number}:{a.version}" for a in filed]})
    assert response.status_code == 302 and response["Location"] == reverse("journal")
    assert set(Appeal.objects.filter(pk__in=[a.pk for a in filed]).values_list("status", flat=True)) == {Status.ACCEPTED}
    events = AppealEvent.objects.filter(appeal__in=filed, action=EventAction.STATUS, to_status=Status.ACCEPTED,
                                        actor=journal_world.operator)
    assert events.count() == 20 and set(events.values_list("note", flat=True)) == {"беремо в роботу"}


def test_a_bulk_action_with_one_stale_row_changes_nothing_and_names_it(journal_world):
    filed = _file(journal_world, 3)
    stale = filed[1]
    client = _client(journal_world.operator)
    rows = [f"{a.number}:{a.version}" for a in filed]
    rows[1] = f"{stale.number}:{stale.version + 5}"
    response = client.post(reverse("journal-bulk"), {"action": "accept", "appeal": rows}, follow=True)
    assert set(Appeal.objects.filter(pk__in=[a.pk for a in filed]).values_list("status", flat=True)) == {Status.SENT}
    assert stale.number in response.content.decode() and "нічого не змінено" in response.content.decode()


def test_a_bulk_progress_note_needs_the_note(journal_world):
    filed = _file(journal_world, 2)
    client = _client(journal_world.operator)
    response = client.post(reverse("journal-bulk"), {"action": "progress", "note": " ",
                                                     "appeal": [f"{a.number}:{a.version}" for a in filed]},
                           follow=True)
    assert "Опишіть, що робиться" in response.content.decode()
    assert not AppealEvent.objects.filter(appeal__in=filed, to_status=Status.IN_PROGRESS).exists()
