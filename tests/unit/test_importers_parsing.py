"""Pure parts of the importers: house numbers, street names, encodings, field mapping, polygon repair, reports."""

import numpy as np
import pytest
import shapely

from importers.core import ImportFileError, building_kind, parse_street, polygonal, require_crs, to_int
from importers.report import ImportReport
from importers.tabular import decode
from importers.vector import resolve_mapping
from layers.housenumbers import parse_housenumber


@pytest.mark.parametrize(("text", "parts"), [
    ("12", (12, "", "", "", "12")),
    ("12А", (12, "А", "", "", "12А")),
    ("12а", (12, "А", "", "", "12А")),
    ("12/1", (12, "", "1", "", "12/1")),
    ("12 корп. 2", (12, "", "", "2", "12к2")),
    ("12к2", (12, "", "", "2", "12к2")),
    ("12 корпус 2", (12, "", "", "2", "12к2")),
    ("12А/1 к.2", (12, "А", "1", "2", "12А/1к2")),
    ("буд. 7-б", (7, "Б", "", "", "7Б")),
    ("7b", (7, "Б", "", "", "7Б")),
])
def test_house_numbers_in_every_written_form_split_into_parts_and_a_canonical_key(text, parts):
    hn = parse_housenumber(text)
    assert (hn.number, hn.letter, hn.fraction, hn.block, hn.key) == parts


def test_corpus_and_fraction_forms_that_nominatim_confuses_stay_distinct():
    assert parse_housenumber("29к2").key != parse_housenumber("29/2").key


def test_street_type_word_is_found_before_or_after_the_name_in_ukrainian_and_russian():
    assert parse_street("вулиця Паркова").street_type == "вулиця"
    assert parse_street("Паркова вул.").name == "Паркова"
    assert parse_street("переулок Тихий").street_type == "провулок"
    assert parse_street("пл. Миру").street_type == "площа"
    assert parse_street("Паркова").street_type is None


def test_cp1251_text_is_detected_when_it_is_not_utf8():
    assert decode("Водоканал;ЖЕК".encode("cp1251")) == ("Водоканал;ЖЕК", "cp1251")
    assert decode("\ufeffВодоканал".encode()) == ("Водоканал", "utf-8")


def test_explicit_field_mapping_wins_and_an_unknown_column_is_a_clear_error():
    assert resolve_mapping("buildings", ["VUL", "NOM", "id"], {"street": "vul", "housenumber": "NOM"}) == {
        "street": "VUL", "housenumber": "NOM", "id": "id"}
    with pytest.raises(ImportFileError, match="no column 'STREET'"):
        resolve_mapping("buildings", ["VUL"], {"street": "STREET"})
    with pytest.raises(ImportFileError, match="has no field 'colour'"):
        resolve_mapping("buildings", ["VUL"], {"colour": "VUL"})


def test_a_missing_crs_is_refused_not_guessed():
    with pytest.raises(ImportFileError, match="no coordinate reference system"):
        require_crs(None, "areas.shp")
    assert require_crs("EPSG:32637", "areas.shp").to_epsg() == 32637


def test_bow_tie_is_repaired_and_reported_and_a_point_is_rejected():
    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])
    square = shapely.box(0, 0, 1, 1)
    report = ImportReport(importer="t", path="t", source="t")
    batch = polygonal(np.asarray([square, bowtie, shapely.Point(0, 0)], dtype=object),
                      rows=[1, 2, 3], ids=["a", "b", "c"], report=report)
    assert batch.keep.tolist() == [True, True, False]
    assert all(g.geom_type == "MultiPolygon" and g.is_valid for g in batch.geoms)
    assert [n.source_id for n in report.repaired] == ["b"]
    assert report.rejected[0].source_id == "c" and "got Point" in report.rejected[0].reason


def test_building_kinds_and_numbers_from_files_are_read_leniently():
    assert building_kind("apartments") == "apartment"
    assert building_kind("yes") is None
    assert to_int("5.0") == 5 and to_int("5,5") is None and to_int("") is None


def test_report_prints_counts_and_every_rejected_row_with_its_reason():
    report = ImportReport(importer="vector", path="b.geojson", source="b", committed=True)
    report.count("building", created=3, updated=1, unchanged=2)
    report.reject(7, "w7", "expected a polygon, got Point")
    text = report.format()
    assert text.startswith("COMMITTED")
    assert "building: created 3, updated 1, unchanged 2" in text
    assert "row 7 [w7]: expected a polygon, got Point" in text
