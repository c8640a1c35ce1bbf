"""geocoding.services on two forms a dispatcher types: the house before the street ("12 Ожинова", "д.12
ул.Ожиновая") and two numbers joined by a dash ("Співдружності 7-1": the corner building 7/1, or house 7, flat 1).

A small town of its own, far from the demo city and the other test towns, with names neither has:
вулиця Ожинова (ru «Ожиновая»): 12, 12А, 14; вулиця Співдружності (ru «Содружества»): 7, 7/1;
вулиця Світанкова: 7, 9 (no 7/1); вулиця Ясна: 9 only; and numbered names: вулиця 3-го Липня (3, 5),
вулиця 25 років Незалежності (3, 5), вулиця 16 Липня (2), вулиця 26 Лучників (4: a numbered name the parser
does not know as one, so only the registry tells that "26" is not a house).
"""

from dataclasses import dataclass, field

import pytest

from geocoding import services
from tests import factories

pytestmark = pytest.mark.django_db

CENTRE = (36.250, 49.150)  # lon, lat: west of the other test town and of Kramatorsk


@dataclass
class Town:
    streets: dict = field(default_factory=dict)
    buildings: dict = field(default_factory=dict)


@pytest.fixture
def town(db) -> Town:
    lon0, lat0 = CENTRE
    t = Town()
    hood = factories.neighbourhood("Ожинівка", geom=factories.box(lon0 - 0.02, lat0 - 0.01, lon0 + 0.02, lat0 + 0.01))
    for key, name, aliases in (
        ("ozhynova", "Ожинова", (("Ожиновая", "ru"),)),
        ("spivdruzhnosti", "Співдружності", (("Содружества", "ru"),)),
        ("svitankova", "Світанкова", ()),
        ("yasna", "Ясна", ()),
        ("lypnia3", "3-го Липня", ()),
        ("nezalezhnosti25", "25 років Незалежності", ()),
        ("lypnia16", "16 Липня", ()),
        ("luchnykiv26", "26 Лучників", ()),
    ):
        t.streets[key] = factories.street(name, neighbourhood=hood, aliases=aliases)
    specs = [
        ("ozhynova", "12", {}), ("ozhynova", "12А", {"letter": "А"}), ("ozhynova", "14", {}),
        ("spivdruzhnosti", "7", {}), ("spivdruzhnosti", "7/1", {"fraction": "1", "number": 7}),
        ("svitankova", "7", {}), ("svitankova", "9", {}),
        ("yasna", "9", {}),
        ("lypnia3", "3", {}), ("lypnia3", "5", {}),
        ("nezalezhnosti25", "3", {}), ("nezalezhnosti25", "5", {}),
        ("lypnia16", "2", {}),
        ("luchnykiv26", "4", {}),
    ]
    for i, (key, num, extra) in enumerate(specs):
        t.buildings[f"{key}:{num}"] = factories.building(
            t.streets[key], num, lon=lon0 - 0.015 + 0.002 * i, lat=lat0 + 0.001 * (i % 5), **extra)
    return t


def top(query):
    results = services.geocode(query=query)
    return results[0] if results else None


@pytest.mark.parametrize("query", [
    "12 Ожинова",
    "12 вул. Ожинова",
    "12, вулиця Ожинова",
    "буд. 12, вул. Ожинова",
    "будинок 12 Ожинова",
    "д.12 ул.Ожиновая",
    "дом 12, ул. Ожиновая",
    "12 Ожиновая улица",
])
def test_the_house_written_before_the_street_finds_the_building_in_ukrainian_and_russian(town, query):
    r = top(query)
    assert r is not None, query
    assert r.building_id == town.buildings["ozhynova:12"].id, query
    assert r.match in ("exact", "alias") and r.housenumber == "12"


def test_a_letter_or_a_flat_with_the_house_before_the_street_is_kept(town):
    assert top("12а Ожинова").building_id == town.buildings["ozhynova:12А"].id
    r = top("д. 12, ул. Ожиновая, кв. 5")
    assert (r.building_id, r.flat) == (town.buildings["ozhynova:12"].id, "5")


@pytest.mark.parametrize("query, key", [
    ("3-го Липня 5", "lypnia3:5"),
    ("5 3-го Липня", "lypnia3:5"),
    ("буд. 5, вул. 3-го Липня", "lypnia3:5"),
    ("25 років Незалежності 3", "nezalezhnosti25:3"),
    ("3 25 років Незалежності", "nezalezhnosti25:3"),
    ("16 Липня 2", "lypnia16:2"),
    ("2 16 Липня", "lypnia16:2"),
    ("26 Лучників 4", "luchnykiv26:4"),
    ("4 26 Лучників", "luchnykiv26:4"),
])
def test_a_street_whose_name_starts_with_a_number_keeps_it_with_the_house_on_either_side(town, query, key):
    r = top(query)
    assert r is not None, query
    assert (r.building_id, r.match) == (town.buildings[key].id, "exact"), query


def test_a_numbered_street_alone_is_the_street_and_not_a_house_of_another_street(town):
    for query, key in (("16 Липня", "lypnia16"), ("25 років Незалежності", "nezalezhnosti25"),
                       ("26 Лучників", "luchnykiv26")):
        r = top(query)
        assert (r.street_id, r.match, r.building_id) == (town.streets[key].id, "street", None), query


def test_a_dash_between_two_numbers_is_the_corner_building_when_it_exists_and_never_exact(town):
    results = services.geocode(query="Співдружності 7-1")
    assert results[0].building_id == town.buildings["spivdruzhnosti:7/1"].id
    assert results[0].match == "approximate" and results[0].flat == ""
    # House 7, flat 1 is offered second, also approximate.
    assert (results[1].building_id, results[1].flat, results[1].match) == (
        town.buildings["spivdruzhnosti:7"].id, "1", "approximate")
    r = top("ул. Содружества, д. 7-1")  # the Russian name
    assert (r.building_id, r.match) == (town.buildings["spivdruzhnosti:7/1"].id, "approximate")


def test_a_dash_between_two_numbers_is_the_house_and_its_flat_when_there_is_no_corner_building(town):
    results = services.geocode(query="Світанкова 7-1")
    assert (results[0].building_id, results[0].flat, results[0].match) == (
        town.buildings["svitankova:7"].id, "1", "approximate")
    assert all(r.match != "exact" for r in results)
    r = top("Світанкова 7-1 кв. 5")  # a flat said as well: the dash is not the flat
    assert (r.building_id, r.flat, r.match) == (town.buildings["svitankova:7"].id, "5", "approximate")


def test_a_dash_pair_with_neither_building_falls_back_to_the_nearest_number_flagged_approximate(town):
    r = top("Ясна 7-1")
    assert (r.building_id, r.match) == (town.buildings["yasna:9"].id, "approximate")


def test_a_dash_before_a_letter_still_means_the_letter(town):
    for query in ("Ожинова 12-А", "Ожинова 12-а", "ул. Ожиновая 12-а"):
        r = top(query)
        assert r.building_id == town.buildings["ozhynova:12А"].id, query
        assert r.match in ("exact", "alias"), query


def test_lookup_api_finds_the_building_for_the_house_before_the_street_and_a_dashed_corner_number(client, registry):
    """GET /api/v1/lookup over the routing test city (tests/factories.tiny_city): Паркова 12, Дружби 7/1."""
    for query in ("12 Паркова", "12 вул. Паркова", "буд. 12, вул. Паркова", "д.12 ул.Парковая"):
        response = client.get("/api/v1/lookup", {"q": query})
        assert response.status_code == 200, (query, response.content)
        body = response.json()
        assert body["building"]["id"] == registry.buildings["parkova:12"].pk, query
        assert body["geocoding"]["match"] in ("exact", "alias"), query
    body = client.get("/api/v1/lookup", {"q": "Дружби 7-1"}).json()
    assert body["building"]["id"] == registry.buildings["druzhby:7/1"].pk
    assert body["geocoding"]["match"] == "approximate"


def test_suggest_reads_a_leading_number_as_a_numbered_street_first_and_as_the_house_otherwise(town):
    assert {s.street for s in services.suggest(prefix="16 Лип")} == {"16 Липня"}
    assert [s.housenumber for s in services.suggest(prefix="12 Ожин")] == ["12", "12А"]
