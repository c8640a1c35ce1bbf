"""Vector imports (GeoJSON, zipped Shapefile, GeoPackage, KML) on real and broken files."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from importers.core import ImportAborted, ImportFileError
from importers.vector import import_vector
from layers import models
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_registry")]

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "tests" / "fixtures" / "importers"
BOUNDARY = ROOT / "data" / "kramatorsk" / "hromada_boundary.geojson"



def test_real_hromada_boundary_imports_and_its_admin_centre_point_is_rejected_with_the_reason():
    report = import_vector(BOUNDARY, layer="boundaries", commit=True)
    b = models.Boundary.objects.get()
    assert (b.name_uk, b.name_ru, b.admin_level, b.source_id) == (
        "Краматорська міська громада", "Краматорская городская община", 7, "relation/13630989")
    assert 380e6 < b.geom.transform(32637, clone=True).area < 430e6  # ~405 km², measured in metres
    assert [(n.row, n.reason) for n in report.rejected] == [(2, "expected a polygon, got Point")]
    again = import_vector(BOUNDARY, layer="boundaries", commit=True)
    assert again.counts["boundary"].unchanged == 1 and models.Boundary.objects.count() == 1


def test_buildings_are_repaired_rejected_and_matched_to_streets_and_neighbourhoods(registry):
    report = import_vector(FIX / "buildings.geojson", layer="buildings", commit=True)
    assert report.counts["building"].created == 4
    got = {b.source_id: b for b in models.Building.objects.filter(source="buildings")}
    assert set(got) == {"b1", "b2", "b3", "b5"}
    assert got["b1"].street == registry.streets["parkova"] and got["b1"].neighbourhood.name_uk == "Соцмісто"
    assert (got["b1"].kind, got["b1"].floors, got["b1"].flats) == ("apartment", 5, 60)
    assert got["b2"].street == registry.streets["parkova"] and got["b2"].housenumber_key == "12А"  # no type word
    assert got["b3"].geom.valid and len(got["b3"].geom) == 2  # the bow-tie, as its two triangles
    assert [n.source_id for n in report.repaired] == ["b3"]
    assert [(n.source_id, n.reason) for n in report.rejected] == [("b4", "expected a polygon, got Point")]
    # Шкільна exists in two neighbourhoods and b5 lies in neither: kept, without a street, and said so.
    assert got["b5"].street is None
    assert any(n.source_id == "b5" and "ambiguous" in n.reason for n in report.warnings)


def test_duplicate_ids_within_one_file_keep_the_first_row_and_reject_the_others():
    report = import_vector(FIX / "duplicate_ids.geojson", layer="buildings", commit=True)
    assert models.Building.objects.get(source_id="dup").housenumber == "1"
    assert models.Building.objects.count() == 2
    assert [(n.row, n.source_id) for n in report.rejected] == [(3, "dup")]
    assert "first at row 1" in report.rejected[0].reason


def test_shapefile_without_prj_is_refused_with_a_clear_error_and_nothing_is_written():
    with pytest.raises(ImportFileError, match="no coordinate reference system.*never guessed|not guessed"):
        import_vector(FIX / "no_prj" / "no_prj.shp", layer="buildings", commit=True)
    assert models.Building.objects.count() == 0


@pytest.mark.parametrize("name", ["empty.geojson", "no_features.geojson"])
def test_an_empty_file_is_refused(name):
    with pytest.raises(ImportFileError, match="empty|no features"):
        import_vector(FIX / name, layer="buildings", commit=True)


def test_zipped_utm_shapefile_becomes_service_areas_in_4326_with_mapped_fields():
    factories.provider("Водоканал", "water_utility")
    report = import_vector(FIX / "service_areas_utm.zip", layer="service_areas", provider="Водоканал", commit=True,
                           mapping={"id": "AREA_ID", "name": "NAZVA", "service_kinds": "SERVICES"})
    assert report.counts["service area"].created == 2
    west = models.ServiceArea.objects.get(source_id="z1")
    assert west.name == "Захід" and west.geom.srid == 4326
    assert west.geom.extent == pytest.approx((37.54, 48.725, 37.56, 48.745), abs=1e-6)
    assert set(models.ServiceArea.objects.get(source_id="z2").service_kinds.values_list("code", flat=True)) == {
        "water", "power"}
    assert west.parts.exists()  # the subdividing trigger ran


def test_geopackage_neighbourhoods_in_web_mercator_are_reprojected():
    import_vector(FIX / "neighbourhoods.gpkg", layer="neighbourhoods", source="city", commit=True)
    n = models.Neighbourhood.objects.get()
    assert (n.name_uk, n.name_ru, n.kind) == ("Соцмісто", "Соцгород", "district")
    assert n.geom.extent == pytest.approx((37.54, 48.7275, 37.56, 48.7475), abs=1e-6)


def test_kml_service_area_takes_provider_and_kinds_from_options():
    factories.provider("РЕС", "power_district")
    report = import_vector(FIX / "service_areas.kml", layer="service_areas", provider="РЕС", service_kinds="power",
                           commit=True)
    area = models.ServiceArea.objects.get(source_id="res-centre")
    assert area.name == "РЕС: центр" and area.provider.name == "РЕС"
    assert report.counts["service area"].created == 1


def test_point_where_a_polygon_is_expected_is_rejected_and_strict_mode_then_writes_nothing():
    factories.provider("Водоканал", "water_utility")
    opts = {"layer": "service_areas", "provider": "Водоканал", "service_kinds": "water"}
    with pytest.raises(ImportAborted, match="row 1 \\[p1\\]: expected a polygon, got Point"):
        import_vector(FIX / "point_for_polygon.geojson", strict=True, commit=True, **opts)
    assert models.ServiceArea.objects.count() == 0
    report = import_vector(FIX / "point_for_polygon.geojson", commit=True, **opts)
    assert [n.source_id for n in report.rejected] == ["p1"]
    assert list(models.ServiceArea.objects.values_list("source_id", flat=True)) == ["p2"]


def test_a_fatal_error_in_row_three_leaves_the_database_exactly_as_before():
    factories.provider("Водоканал", "water_utility")
    import_vector(FIX / "bowtie.geojson", layer="service_areas", provider="Водоканал", service_kinds="water",
                  commit=True)
    before = list(models.ServiceArea.objects.values_list("pk", "source_id", "geom"))
    # Row 3 ends before it starts: the database's check refuses it after rows 1 and 2 were written.
    with pytest.raises(ImportAborted, match="nothing was written"):
        import_vector(FIX / "service_areas_bad_dates.geojson", layer="service_areas", provider="Водоканал",
                      service_kinds="water", commit=True)
    assert list(models.ServiceArea.objects.values_list("pk", "source_id", "geom")) == before


def test_dry_run_counts_what_it_would_create_and_writes_nothing():
    report = import_vector(FIX / "buildings.geojson", layer="buildings")
    assert report.counts["building"].created == 4 and not report.committed
    assert models.Building.objects.count() == 0


def test_import_vector_command_maps_fields_and_fails_cleanly_on_a_file_without_crs(capsys):
    call_command("import_vector", str(BOUNDARY), "--layer", "boundaries", "--map", "name_uk=name:en", "--commit",
                 "--no-progress")
    assert models.Boundary.objects.get().name_uk == "Kramatorsk urban hromada"
    assert "rejected:\n  row 2" in capsys.readouterr().out
    with pytest.raises(CommandError, match="Nothing was written"):
        call_command("import_vector", str(FIX / "no_prj" / "no_prj.shp"), "--layer", "service_areas", "--no-progress")
