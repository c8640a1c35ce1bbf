"""Provider directory and building assignments from CSV (UTF-8 or cp1251) and XLSX."""

from pathlib import Path

import pytest
from django.core.management import call_command

from importers.core import ImportAborted, ImportFileError
from importers.osm import import_osm
from importers.tabular import import_assignments, import_providers
from layers import models

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_registry")]

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "tests" / "fixtures" / "importers"
BOUNDARY = ROOT / "data" / "kramatorsk" / "hromada_boundary.geojson"



def test_cp1251_provider_csv_is_read_and_a_row_of_unknown_kind_is_rejected_with_the_reason():
    report = import_providers(FIX / "providers_cp1251.csv", commit=True)
    assert report.counts["provider"].created == 3
    water = models.Provider.objects.get(source_id="vodokanal")
    assert (water.name, water.kind, water.is_24_7) == ("КП «Краматорський водоканал»", "water_utility", True)
    assert models.Provider.objects.get(source_id="zhek-1").phones == ["+380626410001", "+380626410002"]
    assert list(water.service_kinds.values_list("code", flat=True)) == ["water"]
    assert [(n.row, n.source_id) for n in report.rejected] == [(5, "bad")]
    assert "unknown provider kind «перукарня»" in report.rejected[0].reason
    assert any("cp1251" in n.reason for n in report.warnings)


def test_xlsx_with_ukrainian_headers_updates_providers_of_the_same_source_by_id():
    import_providers(FIX / "providers_cp1251.csv", source="directory", commit=True)
    report = import_providers(FIX / "providers.xlsx", source="directory", commit=True)
    c = report.counts["provider"]
    assert (c.created, c.updated, c.unchanged) == (2, 1, 0)  # zhek-1 lost its second phone
    assert models.Provider.objects.get(source_id="zhek-1").phones == ["+380626410001"]
    osbb = models.Provider.objects.get(source_id="osbb-park-12")
    assert (osbb.kind, osbb.phones, osbb.is_24_7, osbb.hours) == (
        "condominium", ["380626400012"], False, "пн-пт 9:00-17:00")
    assert set(models.Provider.objects.get(source_id="teplo").service_kinds.values_list("code", flat=True)) == {
        "heating", "hot_water"}
    again = import_providers(FIX / "providers.xlsx", source="directory", commit=True)
    assert again.counts["provider"].unchanged == 3 and models.Provider.objects.count() == 5


def test_assignments_find_buildings_by_address_or_by_source_id_and_reject_the_rest():
    import_osm(FIX / "kramatorsk_small.osm", boundary=BOUNDARY, commit=True)
    import_providers(FIX / "providers_cp1251.csv", source="directory", commit=True)
    import_providers(FIX / "providers.xlsx", source="directory", commit=True)
    report = import_assignments(FIX / "assignments.csv", commit=True)

    assert report.counts["assignment"].created == 2
    by_address = models.BuildingAssignment.objects.get(source_id="a1")
    assert by_address.building.source_id == "way/110" and by_address.provider.source_id == "osbb-park-12"
    by_id = models.BuildingAssignment.objects.get(source_id="a2")
    assert by_id.building.source_id == "way/112"
    assert list(by_id.service_kinds.values_list("code", flat=True)) == ["in_house"]  # from the provider
    reasons = {n.source_id: n.reason for n in report.rejected}
    assert reasons == {"a3": "no building at «вул. Паркова, 99»", "a4": "unknown provider «Нема такого»"}
    again = import_assignments(FIX / "assignments.csv", commit=True)
    assert again.counts["assignment"].unchanged == 2 and models.BuildingAssignment.objects.count() == 2


def test_strict_assignment_import_with_a_bad_row_writes_nothing():
    import_osm(FIX / "kramatorsk_small.osm", boundary=BOUNDARY, commit=True)
    import_providers(FIX / "providers.xlsx", source="directory", commit=True)
    with pytest.raises(ImportAborted, match="row 2 \\[a1\\]|row 4"):
        import_assignments(FIX / "assignments.csv", commit=True, strict=True)
    assert models.BuildingAssignment.objects.count() == 0


def test_dry_run_of_providers_writes_nothing():
    report = import_providers(FIX / "providers.xlsx")
    assert report.counts["provider"].created == 3
    assert models.Provider.objects.count() == 0


def test_a_file_that_is_neither_csv_nor_xlsx_or_is_empty_is_refused():
    with pytest.raises(ImportFileError, match="csv or .xlsx"):
        import_providers(FIX / "buildings.geojson", commit=True)
    with pytest.raises(ImportFileError, match="empty"):
        import_providers(FIX / "empty.geojson", commit=True)


def test_import_providers_command_prints_the_report(capsys):
    call_command("import_providers", str(FIX / "providers_cp1251.csv"), "--commit")
    out = capsys.readouterr().out
    assert "provider: created 3" in out and "row 5 [bad]: unknown provider kind" in out
