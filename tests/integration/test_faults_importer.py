"""Fault drill: an importer killed with SIGKILL half-way leaves 0 of its rows; the next run imports everything.

The import is the real `manage.py import_vector … --commit` in a process of its own against this test
database. The test kills it (SIGKILL: no handler, no cleanup) part-way, once its progress bar passes half
the file or the buildings table has grown by what half the rows take, whichever comes first; PostgreSQL rolls
back the open transaction when the connection drops.
"""

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest

from layers.models import Building
from tests import factories
from tests.integration.test_celery_worker import _database_url

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.fault("importer killed with SIGKILL half-way")]
ROOT = Path(__file__).resolve().parents[2]
N = 6_000  # written in 12 batches: half-way is a second or more into the run
ROW_BYTES = 150  # a lower bound of what one footprint takes in the heap (about 250 bytes)


def _grid_of_buildings(path: Path, n: int) -> None:
    """n small square footprints on a grid inside the tiny city, each with its own id."""
    lon0, lat0, step, side = 37.536, 48.7245, 0.00025, 0.0001
    cols = 120
    features = []
    for i in range(n):
        x, y = lon0 + (i % cols) * step, lat0 + (i // cols) * step * 0.66
        ring = [[x, y], [x + side, y], [x + side, y + side * 0.66], [x, y + side * 0.66], [x, y]]
        features.append({"type": "Feature", "properties": {"id": f"kill-{i}", "housenumber": str(i + 1)},
                         "geometry": {"type": "Polygon", "coordinates": [ring]}})
    path.write_text(json.dumps({"type": "FeatureCollection",
                                "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
                                "features": features}))


def _import(path: Path, *, kill_at: int | None) -> tuple[int, str, int]:
    """Run the importer; with kill_at, SIGKILL it once its progress bar passes that many rows, or once the
    buildings table has grown by what that many rows take (a fast machine may print the bar only at the
    end: the bar is redrawn every 0.5 s). Returns (exit code, output, the row count at the kill)."""
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "gis.settings",
           "IMPORT_BATCH_ROWS": str(N // 12)}  # the bar moves (and rows are written) batch by batch
    proc = subprocess.Popen([sys.executable, "manage.py", "import_vector", str(path), "--layer", "buildings",
                             "--source", "killdrill", "--commit"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seen = {"rows": 0}
    err: list[bytes] = []

    def read_progress() -> None:
        buf = b""
        while chunk := proc.stderr.read1(4096):
            err.append(chunk)
            buf = (buf + chunk)[-400:]
            counts = re.findall(rb": (\d+) rows \[", buf)
            if counts:
                seen["rows"] = int(counts[-1])
            if kill_at is not None and seen["rows"] >= kill_at and proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)

    def watch_table() -> None:
        with psycopg.connect(_database_url(), autocommit=True) as conn:
            start = conn.execute("SELECT pg_relation_size('layers_building')").fetchone()[0]
            while proc.poll() is None:
                grown = conn.execute("SELECT pg_relation_size('layers_building')").fetchone()[0] - start
                if grown >= kill_at * ROW_BYTES:
                    os.kill(proc.pid, signal.SIGKILL)
                    return
                time.sleep(0.01)

    reader = threading.Thread(target=read_progress, daemon=True)
    reader.start()
    if kill_at is not None:
        threading.Thread(target=watch_table, daemon=True).start()
    out = proc.stdout.read().decode()
    proc.wait(timeout=600)
    reader.join(timeout=10)
    return proc.returncode, out + b"".join(err).decode(errors="replace")[-2000:], seen["rows"]


def _wait_for_no_backend_of_it(seconds: float = 30) -> None:
    """The killed importer's backend notices the dropped connection and rolls back; wait until it is gone."""
    from django.db import connection

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
            if cur.fetchone()[0] == 0:
                return
        time.sleep(0.1)


def test_an_importer_killed_half_way_leaves_none_of_its_rows_and_the_next_run_imports_everything(tmp_path):
    from django.db import connection

    def heap_bytes() -> int:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_relation_size('layers_building')")
            return cur.fetchone()[0]

    factories.tiny_city()
    before, size = Building.objects.count(), heap_bytes()
    path = tmp_path / "buildings.geojson"
    _grid_of_buildings(path, N)

    code, output, at = _import(path, kill_at=N // 2)
    assert code == -signal.SIGKILL, f"the importer ended on its own ({code}) before half-way: {output}"
    assert at < N
    _wait_for_no_backend_of_it()
    assert heap_bytes() > size  # its rows had been written to the table, uncommitted, when it was killed
    assert Building.objects.filter(source="killdrill").count() == 0
    assert Building.objects.count() == before

    code, output, _ = _import(path, kill_at=None)
    assert code == 0, output
    assert Building.objects.filter(source="killdrill").count() == N
    assert Building.objects.filter(source="killdrill").values("source_id").distinct().count() == N
