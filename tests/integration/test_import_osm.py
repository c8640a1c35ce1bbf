"""OSM import on a hand-made extract of Kramatorsk (tests/fixtures/importers/kramatorsk_small.osm[.pbf])."""

from pathlib import Path

import pytest
import shapely
from django.core.management import call_command

from importers.core import ImportFileError
from importers.osm import import_osm
from importers.vector import read_polygon
from layers import models

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_registry")]

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "tests" / "fixtures" / "importers"
BOUNDARY = ROOT / "data" / "kramatorsk" / "hromada_boundary.geojson"



def _registry_rows() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (models.Building, models.Street, models.StreetAlias, models.Neighbourhood))


def test_pbf_extract_loads_neighbourhoods_streets_aliases_and_buildings_clipped_to_the_hromada():
    report = import_osm(FIX / "kramatorsk_small.osm.pbf", boundary=BOUNDARY, commit=True)

    assert report.committed
    assert report.counts["neighbourhood"].created == 2  # the village outside the hromada is not taken
    assert set(models.Neighbourhood.objects.values_list("name_uk", flat=True)) == {"Соцмісто", "Ясногірка"}
    assert models.Neighbourhood.objects.get(name_uk="Соцмісто").name_ru == "Соцгород"
    # Паркова is one street from two ways; Шкільна exists twice, once per neighbourhood.
    parkova = models.Street.objects.get(name="Паркова")
    assert parkova.neighbourhood.name_uk == "Соцмісто" and len(parkova.geom) == 1
    assert set(parkova.aliases.values_list("name", "kind")) == {("Парковая", "ru"), ("Леніна", "old")}
    assert models.Street.objects.filter(name="Шкільна").count() == 2
    # The road crossing the hromada's edge is cut at the boundary.
    kraina = shapely.from_wkb(bytes(models.Street.objects.get(name="Крайня").geom.wkb))
    assert read_polygon(BOUNDARY).buffer(1e-9).covers(kraina)
    assert kraina.length < 0.01  # 0.02° drawn, 0.0086° inside

    assert report.counts["building"].created == 9
    assert not models.Building.objects.filter(source_id="way/118").exists()  # outside the hromada
    assert "1 building(s) outside the boundary skipped" in report.format()
    b = models.Building.objects.get(source="osm", source_id="way/113")
    assert (b.street.name, b.number, b.block, b.housenumber_key, b.kind) == ("Паркова", 29, "2", "29к2", "apartment")
    big = models.Building.objects.get(source_id="way/110")
    assert (big.floors, big.flats) == (5, 60)
    # Шкільна 4 exists in both neighbourhoods and each building finds the street of its own.
    for way, hood in (("way/114", "Соцмісто"), ("way/115", "Ясногірка")):
        bld = models.Building.objects.get(source_id=way)
        assert bld.neighbourhood.name_uk == hood and bld.street.neighbourhood == bld.neighbourhood
    courtyard = models.Building.objects.get(source_id="relation/1002")
    assert courtyard.geom[0].num_interior_rings == 1
    for bld in models.Building.objects.all():
        assert bld.geom.covers(bld.point)  # the point is inside the footprint, even around a courtyard
    # An addr:street whose way is not in the clip becomes a street without an axis, and the building has it.
    unknown = models.Building.objects.get(source_id="way/117")
    assert (unknown.street.name, unknown.street.street_type, unknown.street.geom) == ("Невідома", "вулиця", None)
    assert any("вулиця Невідома" in n.reason for n in report.warnings)


def test_dry_run_reports_what_would_change_and_writes_nothing():
    before = _registry_rows()
    report = import_osm(FIX / "kramatorsk_small.osm", boundary=BOUNDARY)
    assert not report.committed
    assert report.counts["building"].created == 9 and report.counts["street"].created == 6
    assert _registry_rows() == before
    assert report.format().startswith("DRY RUN")


def test_reimport_of_the_same_data_as_xml_after_pbf_changes_nothing_and_duplicates_nothing():
    import_osm(FIX / "kramatorsk_small.osm.pbf", boundary=BOUNDARY, commit=True)
    rows = _registry_rows()
    again = import_osm(FIX / "kramatorsk_small.osm", boundary=BOUNDARY, commit=True)
    assert _registry_rows() == rows
    assert again.created == 0 and again.updated == 0
    assert again.counts["building"].unchanged == 9


def test_reimport_updates_a_building_edited_since_by_its_osm_id():
    import_osm(FIX / "kramatorsk_small.osm", boundary=BOUNDARY, commit=True)
    models.Building.objects.filter(source_id="way/110").update(floors=9, housenumber="99", housenumber_key="99")
    report = import_osm(FIX / "kramatorsk_small.osm", boundary=BOUNDARY, commit=True)
    assert report.counts["building"].updated == 1
    b = models.Building.objects.get(source_id="way/110")
    assert (b.floors, b.housenumber_key) == (5, "12")


def test_osm_import_fits_streets_from_the_register_instead_of_duplicating_them():
    hood = models.Neighbourhood.objects.create(name_uk="Соцмісто", geom="SRID=4326;MULTIPOLYGON(((37.54 48.73, 37.56 48.73, "
                                               "37.56 48.745, 37.54 48.745, 37.54 48.73)))")
    register = models.Street.objects.create(name="Паркова", neighbourhood=hood, source="register", source_id="17")
    import_osm(FIX / "kramatorsk_small.osm", boundary=BOUNDARY, commit=True)
    register.refresh_from_db()
    assert register.geom is not None
    assert models.Street.objects.filter(name="Паркова").count() == 1
    assert models.Building.objects.get(source_id="way/110").street == register


def test_a_file_that_is_not_osm_is_refused_and_nothing_is_written():
    with pytest.raises(ImportFileError):
        import_osm(FIX / "empty.geojson", boundary=BOUNDARY, commit=True)
    assert _registry_rows() == (0, 0, 0, 0)


def test_import_osm_command_prints_the_report_and_commits_only_when_asked(capsys):
    call_command("import_osm", str(FIX / "kramatorsk_small.osm.pbf"), "--boundary", str(BOUNDARY), "--no-progress")
    assert models.Building.objects.count() == 0
    call_command("import_osm", str(FIX / "kramatorsk_small.osm.pbf"), "--boundary", str(BOUNDARY), "--no-progress",
                 "--commit")
    out = capsys.readouterr().out
    assert "DRY RUN" in out and "COMMITTED" in out and "building: created 9" in out
    assert models.Building.objects.count() == 9


def test_a_truncated_pbf_is_refused_with_the_reason_and_nothing_is_written(tmp_path):
    broken = tmp_path / "cut.osm.pbf"
    broken.write_bytes((FIX / "kramatorsk_small.osm.pbf").read_bytes()[:100])
    with pytest.raises(ImportFileError, match="cannot be read as OSM data"):
        import_osm(broken, boundary=BOUNDARY, commit=True)
    assert _registry_rows() == (0, 0, 0, 0)


def _gist_indexes() -> set[tuple[str, str]]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT tablename, indexdef FROM pg_indexes WHERE tablename IN ('layers_building', 'layers_address') "
                    "AND indexdef ILIKE '%USING gist%'")
        return set(cur.fetchall())


def test_a_first_load_defers_the_spatial_indexes_of_buildings_and_addresses_and_builds_them_again():
    before = _gist_indexes()
    assert {t for t, _ in before} == {"layers_building", "layers_address"}
    report = import_osm(FIX / "kramatorsk_small.osm.pbf", boundary=BOUNDARY, commit=True)
    assert report.counts["building"].created == 9
    assert _gist_indexes() == before  # dropped for the load, every one built again, the same definitions
    assert models.Address.objects.filter(is_main=True).count() == models.Building.objects.exclude(street=None).count()
