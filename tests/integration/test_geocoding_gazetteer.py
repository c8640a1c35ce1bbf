"""geocoding.services over the test town (test_geocoding_town.py): lookup order, ambiguity, freshness, reverse, suggest."""

import pytest

from geocoding import gazetteer, services
from geocoding.services import InvalidQuery
from tests import factories
from tests.integration.test_geocoding_town import build_town

pytestmark = pytest.mark.django_db


@pytest.fixture
def town(db):
    """The test town (names the demo city does not have): see test_geocoding_town.py."""
    return build_town()


def top(query):
    results = services.geocode(query=query)
    return results[0] if results else None


def test_russian_type_and_name_with_a_lowercase_letter_find_the_exact_building(town):
    r = top("ул. Ореховая 12а")
    assert r.building_id == town.buildings["horikhova:12А"].id and r.match in ("exact", "alias")
    assert (r.street, r.street_type, r.housenumber) == ("Горіхова", "вулиця", "12А")


def test_an_old_name_is_matched_through_its_alias(town):
    r = top("Кагановича 3")
    assert r.building_id == town.buildings["tykha:3"].id and r.match == "alias"


def test_a_street_name_in_two_neighbourhoods_without_a_hint_is_ambiguous_with_both_candidates(town):
    results = services.geocode(query="Вербова 4")
    assert {r.match for r in results} == {"ambiguous"}
    assert {r.building_id for r in results} == {town.buildings["verbova_w:4"].id, town.buildings["verbova_e:4"].id}


@pytest.mark.parametrize("query", ["пос. Вербовка, Вербовая 4", "селище Вербівка, вул. Вербова 4", "Вербова 4, Вербівка"])
def test_a_neighbourhood_hint_decides_between_two_streets_of_one_name(town, query):
    r = top(query)
    assert r.building_id == town.buildings["verbova_e:4"].id and r.match in ("exact", "alias")


def test_the_street_type_separates_streets_of_one_name(town):
    assert top("пр. Злагоди 5").building_id == town.buildings["zlahody_prosp:5"].id
    assert top("вул. Злагоди 5").building_id == town.buildings["zlahody:5"].id
    assert top("Злагоди 5").match == "ambiguous"


def test_one_typo_in_the_street_is_a_fuzzy_match(town):
    r = top("Горхіова 14")
    assert r.building_id == town.buildings["horikhova:14"].id and r.match == "fuzzy" and r.score < 1


def test_a_missing_letter_variant_is_approximate_never_exact(town):
    r = top("Горіхова 12Б")
    assert r.match == "approximate" and r.housenumber in ("12", "12А")
    r = top("Тиха 7")
    assert r.building_id == town.buildings["tykha:7/1"].id and r.match == "approximate"


def test_a_missing_number_gives_the_nearest_number_on_the_street_flagged_approximate(town):
    r = top("Горіхова 13")
    assert r.match == "approximate" and r.housenumber in ("12", "14")


def test_a_street_without_a_house_number_is_the_street_alone(town):
    r = top("вул. Горіхова")
    assert r.match == "street" and r.building_id is None and r.lon is not None


def test_the_flat_travels_with_the_result(town):
    assert top("Горіхова, буд.12-А кв.5").flat == "5"


@pytest.mark.parametrize("query", ["", "   ", "x" * (services.MAX_QUERY_LENGTH + 1)])
def test_empty_or_over_long_queries_are_refused(query):
    with pytest.raises(InvalidQuery):
        services.geocode(query=query)


@pytest.mark.parametrize("query", ["12345", "🙂", "'; DROP TABLE layers_building; --", "Неіснуюча 5", "кв. 5"])
def test_junk_finds_nothing(query):
    assert services.geocode(query=query) == []


def test_a_building_created_after_the_index_was_built_is_found(town):
    assert top("Горіхова 16").match == "approximate"
    b = factories.building(town.streets["horikhova"], "16", lon=36.2865, lat=49.204)
    r = top("Горіхова 16")
    assert r.building_id == b.id and r.match == "exact"


def test_a_bulk_insert_without_signals_is_seen_through_the_version_check(town):
    from layers.models import Building

    src = town.buildings["horikhova:14"]
    Building.objects.bulk_create([Building(geom=src.geom, point=src.point, street=src.street, housenumber="18",
                                           number=18, housenumber_key="18", source="test", source_id="bulk-18")])
    assert top("Горіхова 18").match == "exact"


def test_reverse_inside_a_footprint_gives_that_building_at_zero_metres(town):
    b = town.buildings["horikhova:12"]
    r = services.reverse(lon=b.point.x, lat=b.point.y)
    assert (r.building_id, r.inside, r.distance_m) == (b.id, True, 0.0)
    assert r.address == "вулиця Горіхова, 12"


def test_reverse_next_to_a_building_measures_the_distance_in_metres(town):
    b = town.buildings["verbova_e:4"]  # a 20 m square: its east edge is 10 m from the centre
    lon, lat = factories.offset(b.point.x, b.point.y, dx_m=30)
    r = services.reverse(lon=lon, lat=lat)
    assert r.building_id == b.id and not r.inside and r.distance_m == pytest.approx(20, abs=0.5)


def test_reverse_beyond_the_limit_finds_nothing(town):
    b = town.buildings["verbova_e:4"]
    lon, lat = factories.offset(b.point.x, b.point.y, dx_m=70)
    assert services.reverse(lon=lon, lat=lat) is None
    assert services.reverse(lon=lon, lat=lat, max_distance_m=100).building_id == b.id


def test_reverse_refuses_coordinates_off_the_globe():
    with pytest.raises(ValueError):
        services.reverse(lon=200, lat=48)


def test_suggest_completes_a_prefix_and_a_house_prefix(town):
    assert [s.address for s in services.suggest(prefix="Горіх")][:2] == ["вулиця Горіхова, 12", "вулиця Горіхова, 12А"]
    assert [s.housenumber for s in services.suggest(prefix="Горіхова 12")] == ["12", "12А"]
    assert services.suggest(prefix="Каганов")[0].street == "Тиха"  # through the old name


def test_the_index_builds_from_the_database_and_counts_the_buildings(town):
    gazetteer.invalidate()
    idx = gazetteer.get_index()
    from layers.models import Building

    assert idx.building_count == Building.objects.filter(street__isnull=False).count() >= len(town.buildings)


def test_a_namesake_street_without_buildings_does_not_make_a_house_ambiguous(town):
    factories.street("Горіхова", neighbourhood=None)  # registered, never built on
    r = top("Горіхова 14")
    assert r.building_id == town.buildings["horikhova:14"].id and r.match == "exact"
    assert top("вул. Горіхова").match == "ambiguous"  # the street alone: both fit


@pytest.mark.parametrize("query", ["Вербівка Вербова 4", "Вербова 4 Вербівка", "Вербовка, ул. Вербовая 4"])
def test_a_neighbourhood_named_without_a_marker_or_comma_is_still_a_hint(town, query):
    assert top(query).building_id == town.buildings["verbova_e:4"].id


def test_suggest_forgives_a_typo_in_the_prefix(town):
    assert services.suggest(prefix="Гоірхова")[0].street == "Горіхова"
    assert services.suggest(prefix="Абракадабра") == []
