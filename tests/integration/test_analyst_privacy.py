"""Analysts never get free text or personal data, on any path: list, detail, duplicates, the card page, tiles.

Every free-text field of an appeal's life carries a unique marker: the typed address and description,
the provider's rejection reason, the dispatcher's reroute note, the resolution, an event note.
"""

import pytest

from tests import factories
from tests.integration.test_appeals_api import URL, file_appeal, token_client, world  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

MARKERS = ("АДРЕСА-МАРКЕР", "ОПИС-МАРКЕР", "ВІДМОВА-МАРКЕР", "ПЕРЕНАПРАВЛЕННЯ-МАРКЕР", "РЕЗОЛЮЦІЯ-МАРКЕР",
           "Коваленко", "380507654321")


@pytest.fixture
def lived(world):  # noqa: F811
    """An appeal rejected with a reason, rerouted with a note, resolved with a resolution."""
    number = file_appeal(world, address_text="вул. Дружби 3, кв. 47 АДРЕСА-МАРКЕР",
                         description="тече з даху ОПИС-МАРКЕР")["number"]
    op, disp = token_client(world.op_zhek), token_client(world.dispatcher)
    v = op.post(f"{URL}/{number}/status", {"to": "rejected", "version": 1, "reason": "ВІДМОВА-МАРКЕР кв. 47"},
                format="json").json()["version"]
    rerouted = disp.post(f"{URL}/{number}/reroute", {"version": v, "providers": {"in_house": world.providers["osbb"].pk},
                                                     "note": "ПЕРЕНАПРАВЛЕННЯ-МАРКЕР"}, format="json")
    assert rerouted.status_code == 200, rerouted.content
    osbb = token_client(factories.staff("op_osbb", "provider_operator", provider=world.providers["osbb"]))
    v = rerouted.json()["version"]
    v = osbb.post(f"{URL}/{number}/status", {"to": "accepted", "version": v}, format="json").json()["version"]
    done = osbb.post(f"{URL}/{number}/status", {"to": "resolved", "version": v, "resolution": "РЕЗОЛЮЦІЯ-МАРКЕР"},
                     format="json")
    assert done.status_code == 200, done.content
    # The staff see every marker (so the test below proves the analyst's answers leave them out).
    detail = disp.get(f"{URL}/{number}").content.decode()
    assert all(m in detail for m in MARKERS), [m for m in MARKERS if m not in detail]
    return world, number


def test_an_analyst_gets_no_free_text_from_the_list_the_detail_or_the_duplicates(lived):
    w, number = lived
    open_one = file_appeal(w, address_text="кв. 47 АДРЕСА-МАРКЕР", description="ОПИС-МАРКЕР")["number"]
    analyst = token_client(w.analyst)
    answers = {
        "list": analyst.get(URL),
        "detail": analyst.get(f"{URL}/{number}"),
        "duplicates": analyst.get(f"{URL}/duplicates", {"category": "t_leak", "building": w.buildings["druzhby:3"].pk}),
    }
    assert [a["number"] for a in answers["duplicates"].json()] == [open_one]
    for name, response in answers.items():
        assert response.status_code == 200, name
        body = response.content.decode()
        for marker in MARKERS + ("rejection_reason", "address_text", "description", "resolution", '"note"'):
            assert marker not in body, (name, marker)


def test_an_analyst_reads_the_appeal_page_without_free_text(lived, client):
    w, number = lived
    client.force_login(w.analyst)
    page = client.get(f"/appeals/{number}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert number in html
    for marker in MARKERS:
        assert marker not in html, marker
