"""Building imports batch by batch: reading runs a batch ahead in a thread while the previous batch is written."""

import json
import threading
from pathlib import Path

import pytest
from django.db import connection

from importers.core import ImportAborted, prefetch
from importers.vector import import_vector
from layers import models

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_registry(db):
    """These tests count rows: start from an empty registry (TRUNCATE is rolled back with the test)."""
    with connection.cursor() as cur:
        cur.execute("TRUNCATE layers_boundary, layers_neighbourhood, layers_street, layers_streetalias, "
                    "layers_building, layers_provider, layers_servicearea, layers_buildingassignment CASCADE")


def _square(x: float, y: float, half: float = 0.0001) -> list:
    return [[[x - half, y - half], [x + half, y - half], [x + half, y + half], [x - half, y + half],
             [x - half, y - half]]]


def _write(path: Path, rows: list[tuple[str, str, str, float]]) -> Path:
    features = [{"type": "Feature", "properties": {"id": fid, "street": street, "housenumber": hn},
                 "geometry": {"type": "Polygon", "coordinates": _square(37.55 + k * 0.001, 48.72 + dy)}}
                for k, (fid, street, hn, dy) in enumerate(rows)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), "utf-8")
    return path


def test_a_file_read_in_many_small_batches_resolves_streets_rejects_later_duplicates_and_updates_by_id(tmp_path):
    street = models.Street.objects.create(name="Конвеєрна", street_type="вулиця")
    rows = [(f"c{k}", "вулиця Конвеєрна", str(k + 1), 0.0) for k in range(7)]
    rows.insert(5, ("c1", "вулиця Конвеєрна", "99", 0.0))  # row 6 repeats the id of row 2, in a later batch
    path = _write(tmp_path / "b.geojson", rows)

    first = import_vector(path, layer="buildings", source="pipe", commit=True, batch_size=2)
    assert (first.counts["building"].created, first.rows_read) == (7, 8)
    assert [(n.row, n.source_id) for n in first.rejected] == [(6, "c1")]
    got = {b.source_id: b for b in models.Building.objects.filter(source="pipe")}
    assert got["c1"].housenumber == "2" and all(b.street_id == street.pk for b in got.values())

    rows[7] = ("c6", "вулиця Конвеєрна", "7А", 0.0)  # one building renumbered, in the last batch
    again = import_vector(_write(path, rows), layer="buildings", source="pipe", commit=True, batch_size=2)
    c = again.counts["building"]
    assert (c.created, c.updated, c.unchanged) == (0, 1, 6)
    assert models.Building.objects.get(source="pipe", source_id="c6").housenumber_key == "7А"
    assert models.Building.objects.filter(source="pipe").count() == 7


def test_a_database_refusal_in_a_later_batch_leaves_nothing_of_the_earlier_batches(tmp_path):
    path = _write(tmp_path / "b.geojson", [(f"d{k}", "", str(k + 1), 0.0) for k in range(6)])
    with connection.cursor() as cur:  # a rule the importer does not know of: house 5 is refused by the database
        cur.execute("ALTER TABLE layers_building ADD CONSTRAINT test_no_house_5 CHECK (housenumber <> '5')")
    with pytest.raises(ImportAborted, match="nothing was written"):
        import_vector(path, layer="buildings", source="pipe", commit=True, batch_size=2)
    assert not models.Building.objects.filter(source="pipe").exists()
    assert not [t for t in threading.enumerate() if t.name == "import-prefetch"]


def test_prefetch_raises_the_readers_error_in_the_caller_after_the_items_before_it():
    def items():
        yield 1
        yield 2
        raise ValueError("unreadable row 3")

    got = []
    with pytest.raises(ValueError, match="unreadable row 3"), prefetch(items()) as ahead:
        got.extend(ahead)
    assert got == [1, 2]


def test_prefetch_stops_the_reader_when_the_caller_fails_part_way():
    produced = []

    def items():
        for k in range(1000):
            produced.append(k)
            yield k

    with pytest.raises(RuntimeError), prefetch(items(), depth=1) as ahead:
        for k in ahead:
            if k == 2:
                raise RuntimeError("the database refused batch 2")
    assert len(produced) < 10  # at most a batch or two ahead, not the whole file
    assert not [t for t in threading.enumerate() if t.name == "import-prefetch"]


def _indexes() -> list[tuple[str, str]]:
    with connection.cursor() as cur:
        cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'layers_building' ORDER BY 1")
        return cur.fetchall()


def test_a_first_load_into_the_empty_table_ends_with_the_same_indexes_and_they_answer_spatial_queries(tmp_path):
    before = _indexes()
    assert any("gist (geom)" in d for _n, d in before) and any("gist (point)" in d for _n, d in before)
    path = _write(tmp_path / "b.geojson", [(f"e{k}", "", str(k + 1), 0.0) for k in range(5)])
    import_vector(path, layer="buildings", source="pipe", commit=True, batch_size=2)  # the table was empty
    assert _indexes() == before
    more = _write(tmp_path / "m.geojson", [(f"f{k}", "", str(k + 1), 0.01) for k in range(3)])
    import_vector(more, layer="buildings", source="pipe", commit=True)  # not empty now: indexes kept throughout
    assert _indexes() == before
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")
        cur.execute("SELECT count(*) FROM layers_building WHERE geom && ST_MakeEnvelope(37.549, 48.719, 37.5525, "
                    "48.7215, 4326) AND point && ST_MakeEnvelope(37.549, 48.719, 37.5525, 48.7215, 4326)")
        assert cur.fetchone()[0] == 3  # e0..e2 by their index entries (f* lie 0.01° north)


def test_a_dry_run_into_the_empty_table_leaves_its_indexes_in_place(tmp_path):
    before = _indexes()
    path = _write(tmp_path / "b.geojson", [(f"g{k}", "", str(k + 1), 0.0) for k in range(3)])
    report = import_vector(path, layer="buildings", source="pipe")
    assert report.counts["building"].created == 3 and _indexes() == before
