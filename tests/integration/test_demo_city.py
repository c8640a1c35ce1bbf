"""The demo city loaded into PostGIS (manage.py load_demo_city, through the `demo_city` fixture)."""

import io

import pytest
import shapely
from django.core.management import call_command
from django.db import connection
from shapely import STRtree

from layers.demo.register import load_register
from layers.demo.service import DEFAULT_SEED, demo_stamp, generate_demo_city, load_demo_city
from layers.housenumbers import parse_housenumber
from layers.models import (
    Boundary,
    Building,
    BuildingAssignment,
    Neighbourhood,
    Provider,
    ServiceArea,
    Street,
    StreetAlias,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def generated():
    return generate_demo_city(seed=DEFAULT_SEED)


def _scalar(query: str, params: list | None = None):
    with connection.cursor() as cur:
        cur.execute(query, params or [])
        return cur.fetchone()[0]


def _buildings_covered_once(kind: str) -> int:
    """How many buildings lie inside exactly one area of a service kind (footprint covered)."""
    return _scalar(
        """SELECT count(*) FROM (
               SELECT b.id FROM layers_servicearea a
               JOIN layers_servicearea_service_kinds sk ON sk.servicearea_id = a.id AND sk.servicekind_id = %s
               JOIN layers_building b ON ST_Covers(a.geom, b.geom)
               WHERE b.source = 'demo' GROUP BY b.id HAVING count(*) = 1) t""",
        [kind],
    )


def test_the_real_hromada_boundary_is_stored_as_one_multipolygon(demo_city):
    (boundary,) = Boundary.objects.filter(source="demo")
    assert boundary.name_uk == "Краматорська міська громада"
    assert boundary.geom.geom_type == "MultiPolygon" and boundary.geom.srid == 4326
    assert boundary.source_id == demo_stamp(DEFAULT_SEED)
    area_km2 = _scalar("SELECT ST_Area(geom::geography) / 1e6 FROM layers_boundary WHERE id = %s", [boundary.pk])
    assert 395 < area_km2 < 415


def test_every_register_street_is_loaded_with_its_neighbourhood_and_russian_alias(demo_city):
    register = load_register()
    assert Street.objects.filter(source="demo").count() == len(register.streets)
    assert Neighbourhood.objects.filter(source="demo").count() == len(register.neighbourhoods)
    shkilna = Street.objects.filter(source="demo", name="Шкільна", street_type="вулиця")
    assert sorted(shkilna.values_list("neighbourhood__name_uk", flat=True)) == ["Жовтневий", "Семенівка"]
    socmisto = Neighbourhood.objects.get(source="demo", name_uk="Соцмісто")
    assert (socmisto.name_ru, socmisto.urban) == ("Соцгород", True)
    druzhby = Street.objects.get(source="demo", name="Дружби", neighbourhood=socmisto)
    assert StreetAlias.objects.filter(street=druzhby, name="Леніна", kind="old", valid_until_year=2016).exists()
    assert StreetAlias.objects.filter(street=druzhby, name="Ленина", kind="ru", street_type="улица").exists()
    yaroslava = Street.objects.get(source="demo", name="Ярослава Мудрого")
    assert set(yaroslava.aliases.filter(kind="old").values_list("name", flat=True)) >= {"XIX Партз’їзду",
                                                                                        "19-го Партз’їзду"}
    # proposed renamings are not applied
    assert not Street.objects.filter(source="demo", name__in=["Правова", "Медова"]).exists()
    assert not StreetAlias.objects.filter(street__source="demo", kind="old", name__in=[
        "Героїв України", "Героїв Небесної Сотні", "Григорія Сковороди"]).exists()


def test_every_street_has_buildings_numbered_1_to_9(demo_city):
    streets_short_of_1_to_9 = _scalar(
        """SELECT count(*) FROM layers_street s WHERE s.source = 'demo' AND (
               SELECT count(DISTINCT b.number) FROM layers_building b
               WHERE b.street_id = s.id AND b.number BETWEEN 1 AND 9) < 9""")
    assert streets_short_of_1_to_9 == 0


def test_house_numbers_come_in_letter_fraction_and_korpus_forms_with_consistent_parts(demo_city):
    demo = Building.objects.filter(source="demo")
    assert demo.filter(letter="А").exists() and demo.filter(letter="Б").exists()
    assert demo.filter(housenumber__regex=r"^\d+/\d+$").exclude(fraction="").exists()
    korpus = demo.filter(housenumber__contains="корп.").exclude(block="").first()
    assert korpus is not None and korpus.housenumber_key.endswith(f"к{korpus.block}")
    for hn, number, letter, fraction, block, key in demo.values_list(
            "housenumber", "number", "letter", "fraction", "block", "housenumber_key"):
        assert tuple(parse_housenumber(hn)) == (number, letter, fraction, block, key)


def test_the_city_has_15_to_25_thousand_buildings_of_the_right_kinds(demo_city):
    demo = Building.objects.filter(source="demo")
    assert 15_000 <= demo.count() <= 25_000
    assert not demo.filter(kind="apartment", neighbourhood__urban=False).exists()
    assert not demo.filter(kind="house", neighbourhood__urban=True).exists()
    assert demo.filter(kind="public").count() > 100
    assert not demo.filter(kind="apartment").exclude(floors__in=[5, 9, 12, 16]).exists()
    assert not demo.filter(kind="house").exclude(floors__in=[1, 2], flats=1, residents__gte=2,
                                                  residents__lte=4).exists()
    assert not demo.filter(neighbourhood__isnull=True).exists()


def test_all_buildings_are_valid_inside_the_boundary_with_their_point_inside(demo_city):
    bad = _scalar(
        """SELECT count(*) FROM layers_building b, layers_boundary x
           WHERE b.source = 'demo' AND x.source = 'demo'
             AND NOT (ST_IsValid(b.geom) AND ST_Covers(x.geom, b.geom) AND ST_Covers(b.geom, b.point))""")
    assert bad == 0


def test_every_apartment_block_has_one_housing_office_area_or_an_osbb(demo_city):
    apartment = Building.objects.filter(source="demo", kind="apartment")
    with_osbb = set(BuildingAssignment.objects.filter(source="demo", provider__kind="condominium",
                                                      service_kinds="in_house").values_list("building_id", flat=True))
    in_one_zhek = _scalar(
        """SELECT count(*) FROM (
               SELECT b.id FROM layers_servicearea a
               JOIN layers_provider p ON p.id = a.provider_id AND p.kind = 'housing_office'
               JOIN layers_building b ON ST_Covers(a.geom, b.geom)
               WHERE b.source = 'demo' AND b.kind = 'apartment' GROUP BY b.id HAVING count(*) = 1) t""")
    assert in_one_zhek == apartment.count()  # an ОСББ's blocks lie in a ЖЕК area too; the assignment wins
    assert with_osbb and with_osbb <= set(apartment.values_list("id", flat=True))
    assert Provider.objects.filter(source="demo", kind="housing_office").count() == 7


@pytest.mark.parametrize("kind", ["water", "power", "gas", "waste"])
def test_every_building_lies_in_exactly_one_area_of_a_citywide_service(demo_city, kind):
    assert _buildings_covered_once(kind) == Building.objects.filter(source="demo").count()


def test_power_has_three_areas_and_water_four(demo_city):
    assert ServiceArea.objects.filter(source="demo", service_kinds="power").count() >= 3
    assert ServiceArea.objects.filter(source="demo", service_kinds="water").count() >= 4


def test_heating_zones_cover_apartment_blocks_and_no_private_house(demo_city):
    houses_heated = _scalar(
        """SELECT count(*) FROM layers_servicearea a
           JOIN layers_servicearea_service_kinds sk ON sk.servicearea_id = a.id AND sk.servicekind_id = 'heating'
           JOIN layers_building b ON ST_Intersects(a.geom, b.geom) WHERE b.kind = 'house'""")
    assert houses_heated == 0
    assert _buildings_covered_once("heating") == Building.objects.filter(source="demo", neighbourhood__urban=True).count()
    assert _buildings_covered_once("hot_water") == _buildings_covered_once("heating")


def test_no_two_areas_of_one_service_kind_overlap(demo_city):
    overlaps = _scalar(
        """SELECT count(*) FROM layers_servicearea a
           JOIN layers_servicearea_service_kinds ka ON ka.servicearea_id = a.id
           JOIN layers_servicearea_service_kinds kb ON kb.servicekind_id = ka.servicekind_id
           JOIN layers_servicearea b ON b.id = kb.servicearea_id AND a.id < b.id
           WHERE a.source = 'demo' AND b.source = 'demo' AND ST_Intersects(a.geom, b.geom)
             AND ST_Area(ST_Intersection(a.geom, b.geom)::geography) > 1""")
    assert overlaps == 0


def test_at_least_50_osbb_each_serve_1_to_6_apartment_blocks(demo_city):
    osbbs = Provider.objects.filter(source="demo", kind="condominium")
    assert osbbs.count() >= 50
    for osbb in osbbs.prefetch_related("assignments__building"):
        blocks = [a.building for a in osbb.assignments.all()]
        assert 1 <= len(blocks) <= 6, osbb.name
        assert all(b.kind == "apartment" for b in blocks)
        assert osbb.name.startswith("ОСББ «")


def test_providers_have_dispatch_numbers_and_the_named_services_exist(demo_city):
    providers = Provider.objects.filter(source="demo")
    kinds = set(providers.values_list("kind", flat=True))
    assert kinds >= {"housing_office", "condominium", "power_district", "water_utility", "heating_network",
                     "waste_operator", "lift_service", "gas", "transport", "city_services"}
    numbers = {n for p in providers for n in [*p.phones, p.emergency_phone] if n}
    assert 25 <= len(numbers) <= 35
    assert all(p.phones or p.emergency_phone for p in providers)
    assert all(p.service_kinds.exists() for p in providers.exclude(kind="condominium")[:20])


def test_generation_is_deterministic_and_the_database_holds_exactly_the_generated_city(demo_city, generated):
    assert generate_demo_city(seed=DEFAULT_SEED).fingerprint() == generated.fingerprint()
    with connection.cursor() as cur:
        cur.execute("SELECT source_id, ST_AsBinary(geom) FROM layers_building WHERE source = 'demo'")
        stored = {sid: bytes(wkb) for sid, wkb in cur.fetchall()}
    in_memory = {b.source_id: shapely.to_wkb(g) for b, g in zip(generated.layout.buildings, generated.building_geoms,
                                                                   strict=True)}
    assert stored == in_memory


def test_buildings_overlap_neither_each_other_nor_a_street_axis_and_neighbourhoods_do_not_overlap(demo_city, generated):
    footprints = generated.building_geoms
    tree = STRtree(footprints)
    pairs = tree.query(footprints, predicate="intersects")
    assert (pairs[0] == pairs[1]).all()  # each footprint touches only itself
    axes = [s.axis for s in generated.layout.streets]
    metric = [b.footprint for b in generated.layout.buildings]
    assert len(STRtree(metric).query(axes, predicate="intersects")[0]) == 0
    nbs = [n.polygon for n in generated.layout.neighbourhoods]
    assert (STRtree(nbs).query(nbs, predicate="intersects")[0] == STRtree(nbs).query(nbs, predicate="intersects")[1]).all()
    for n in generated.layout.neighbourhoods:
        assert all(n.polygon.contains(s.axis) for s in n.streets)


def test_urban_districts_cluster_around_the_real_centre_and_villages_lie_further_out(demo_city, generated):
    from layers.demo.geometry import CITY_CENTRE_LON_LAT, to_metric

    centre = to_metric(shapely.Point(*CITY_CENTRE_LON_LAT))
    urban = [n.polygon.centroid.distance(centre) for n in generated.layout.neighbourhoods if n.spec.urban]
    rural = [n.polygon.centroid.distance(centre) for n in generated.layout.neighbourhoods if not n.spec.urban]
    assert max(urban) < 6000 and sum(rural) / len(rural) > sum(urban) / len(urban)


def test_a_second_load_changes_nothing_and_says_so(demo_city):
    before = (Building.objects.filter(source="demo").count(), Building.objects.order_by("-pk").values_list("pk").first())
    out = io.StringIO()
    report = load_demo_city(stdout=out)
    assert report.already_loaded and report.created == 0
    assert (Building.objects.filter(source="demo").count(), Building.objects.order_by("-pk").values_list("pk").first()) \
        == before
    assert report.seconds < 1.0
    assert "синтетична" in out.getvalue()


def test_the_command_prints_a_summary_saying_the_geometry_is_synthetic(demo_city):
    out = io.StringIO()
    call_command("load_demo_city", stdout=out)
    assert "вже завантажено" in out.getvalue() and "синтетична" in out.getvalue()


def test_force_reloads_the_same_rows_under_the_same_source_ids(demo_city):
    before = set(Building.objects.filter(source="demo").values_list("source_id", flat=True))
    report = load_demo_city(force=True)
    assert not report.already_loaded and report.deleted > len(before)
    assert report.counts["buildings"] == len(before)
    assert set(Building.objects.filter(source="demo").values_list("source_id", flat=True)) == before
    assert Boundary.objects.filter(source="demo").count() == 1
    assert "синтетична" in "\n".join(report.lines())


def test_force_refuses_and_keeps_the_demo_when_other_data_stands_on_a_demo_street(demo_city):
    from django.contrib.gis.geos import MultiPolygon, Point, Polygon

    from layers.demo.service import DemoCityInUse

    street = Street.objects.filter(source="demo").first()
    square = Polygon.from_bbox((37.50, 48.70, 37.5001, 48.7001))
    Building.objects.create(source="import", source_id="x1", street=street, geom=MultiPolygon(square, srid=4326),
                            point=Point(37.50005, 48.70005, srid=4326), housenumber="999")
    count = Building.objects.filter(source="demo").count()
    with pytest.raises(DemoCityInUse, match="import"):
        load_demo_city(force=True)
    assert Building.objects.filter(source="demo").count() == count
