"""manage.py geocode (batch CSV) and geocode_eval."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from tests.integration.test_geocoding_town import build_town

pytestmark = pytest.mark.django_db


@pytest.fixture
def town(db):
    """The test town (names the demo city does not have): see test_geocoding_town.py."""
    return build_town()


def test_batch_geocoding_keeps_every_column_and_adds_the_result_fields(town, tmp_path):
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text("id,address\n1,ул. Ореховая 12а кв. 7\n2,Вербова 4\n3,\n4,Неіснуюча 5\n5,ул. Ореховая 12а кв. 7\n",
                   encoding="utf-8")
    out = io.StringIO()
    call_command("geocode", str(src), str(dst), stdout=out, stderr=io.StringIO())
    rows = list(csv.DictReader(dst.open(encoding="utf-8")))
    assert [r["id"] for r in rows] == ["1", "2", "3", "4", "5"]
    assert rows[0]["address"] == "ул. Ореховая 12а кв. 7"  # the input stays as it was
    assert rows[0]["matched_address"] == "вулиця Горіхова, 12А" and rows[0]["flat"] == "7"
    assert rows[0]["building_id"] == str(town.buildings["horikhova:12А"].id) and rows[0]["match"] == "alias"
    assert rows[1]["match"] == "ambiguous"
    assert rows[2]["match"] == rows[3]["match"] == "" and rows[2]["building_id"] == ""
    assert rows[4] == rows[0] | {"id": "5"}
    assert "5 rows" in out.getvalue()


def test_batch_geocoding_writes_its_progress_bar_to_stderr_not_to_the_output(town, tmp_path, capsys):
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text("address\nГоріхова 12\nГоріхова 14\n", encoding="utf-8")
    call_command("geocode", str(src), str(dst))
    captured = capsys.readouterr()
    assert "geocode" in captured.err and "2/2" in captured.err
    assert "geocode:" not in captured.out and dst.read_text(encoding="utf-8").count("\n") == 3


def test_a_csv_without_the_address_column_is_refused(town, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("street\nГоріхова\n", encoding="utf-8")
    with pytest.raises(CommandError, match="no column 'address'"):
        call_command("geocode", str(src), str(tmp_path / "out.csv"), no_progress=True)


def test_geocode_eval_prints_the_figures(town):
    out = io.StringIO()
    call_command("geocode_eval", no_handwritten=True, sample=10, stdout=out)
    text = out.getvalue()
    assert "top-1 correct without typos" in text and "wrong buildings with match exact/alias: 0" in text
