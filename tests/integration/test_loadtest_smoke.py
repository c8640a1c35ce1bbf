"""`make loadtest` kept from rotting: its locustfile for a few seconds against a live gunicorn on the demo city.

The same pieces as the 10-minute run (benchmarks/load/: prepare → locustfile → sampler → report), at a tenth
of the rates and with the same lifted limits (benchmarks/load/limits.env), on the test database with the demo
city and a small history. Every part of the mix must be asked and answered with no failure, and the report
must pass.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.integration.test_celery_worker import _database_url
from tests.servers import free_port, gunicorn

ROOT = Path(__file__).resolve().parents[2]
# The parts of the mix the run must have asked (benchmarks/load/locustfile.py COVER, which cannot be imported
# here: locust patches the standard library with gevent).
COVER = ("POST /api/v1/appeals (phone intake)", "GET /report/", "POST /report/ (online filing)",
         "POST /open311/v2/requests.json", "POST /accounts/login/", "GET /dispatch/", "GET /api/v1/suggest",
         "GET /appeals/{number}/", "GET /journal/", "GET /tiles/", "GET /api/v1/public/clusters", "GET /track/")
BIN = Path(sys.executable).parent
SECONDS = 60  # at most: the run ends once every part of the mix has been answered (LOADTEST_UNTIL_COVERED)

pytestmark = pytest.mark.slow


def _limits() -> dict[str, str]:
    lines = (ROOT / "benchmarks" / "load" / "limits.env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))


@pytest.fixture
def history(transactional_db, demo_city):
    """A small history on the demo city, committed so that gunicorn sees it (the flush after the test removes it)."""
    from django.core.management import call_command

    from layers.categories import ensure_categories

    ensure_categories()  # an earlier transactional test's flush removed the seeded categories
    # --replace: earlier tests of the session may have left appeals of their own (old, or not public).
    call_command("generate_appeals", count=1500, replace=True, verbosity=0)
    return True


@pytest.fixture
def server(history, collected_static, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "STATIC_ROOT")}
    env.update(_limits(), DJANGO_SETTINGS_MODULE="gis.settings", DATABASE_URL=_database_url(),
               STATIC_ROOT=str(collected_static), SECRET_KEY="test-loadtest-" + "x" * 40, WEB_CONCURRENCY="2",
               WEB_THREADS="2", CONN_MAX_AGE="0")
    with gunicorn(env, tmp_path / "gunicorn.log", port=free_port(8140, 8200)) as (url, pid):
        yield url, pid


def test_the_load_mix_runs_against_the_production_server_with_no_failure_and_the_report_passes(server, tmp_path):
    from benchmarks.load import prepare

    url, gunicorn_pid = server
    started = time.monotonic()
    plan = prepare.prepare()
    assert plan["public_numbers"] and plan["places"] and plan["dispatcher"]["token"]
    prepare.write(plan, tmp_path / "plan.json")
    env = {**os.environ, "LOADTEST_PLAN": str(tmp_path / "plan.json"), "LOADTEST_SECONDS": str(SECONDS),
           "LOADTEST_SCALE": "0.1", "LOADTEST_SPAWN_SECONDS": "1", "LOADTEST_UNTIL_COVERED": "1"}
    locust = subprocess.Popen(
        [str(BIN / "locust"), "-f", "benchmarks/load/locustfile.py", "--headless", "--host", url,
         "--csv", str(tmp_path / "run"), "--only-summary", "--loglevel", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sampler = subprocess.Popen(
        [sys.executable, "benchmarks/load/sampler.py", str(tmp_path / "samples.jsonl"), "--every", "1",
         "--seconds", str(SECONDS + 60), "--group", f"web={gunicorn_pid}", "--group", f"locust={locust.pid}",
         "--database-url", _database_url()], cwd=ROOT)
    try:
        output, _ = locust.communicate(timeout=SECONDS + 120)
        # A run that covers the mix quickly can end before the sampler (a process of its own) took its first
        # sample: wait for it, bounded, instead of reading an empty file.
        samples_file, deadline = tmp_path / "samples.jsonl", time.monotonic() + 60
        while sampler.poll() is None and time.monotonic() < deadline and not (
                samples_file.exists() and samples_file.read_text().count("\n") >= 2):
            time.sleep(0.2)
    finally:
        sampler.terminate()
        sampler.wait(timeout=30)
    assert locust.returncode == 0, output[-3000:]
    seconds = time.monotonic() - started

    with (tmp_path / "run_stats.csv").open(newline="") as f:
        rows = {r["Name"]: r for r in csv.DictReader(f)}
    failed = {name: r["Failure Count"] for name, r in rows.items() if r["Failure Count"] != "0"}
    assert not failed, (failed, (tmp_path / "run_failures.csv").read_text()[:3000])
    asked = " ".join(name for name, r in rows.items() if int(r["Request Count"]) > 0)
    for part in COVER:
        assert part in asked, (part, asked)

    samples = [json.loads(line) for line in (tmp_path / "samples.jsonl").read_text().splitlines()]
    assert samples and any((s["groups"]["web"]["cores"] or 0) > 0 for s in samples)
    assert all(s["groups"]["web"]["processes"] >= 3 for s in samples)  # the master and its two workers

    report = subprocess.run(
        [sys.executable, "benchmarks/load/report.py", str(tmp_path / "run"), "--plan", str(tmp_path / "plan.json"),
         "--samples", str(tmp_path / "samples.jsonl"), "--seconds", f"{seconds:.1f}", "--scale", "0.1", "--web-slots", "4"],
        cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert report.returncode == 0, report.stdout[-3000:] + report.stderr[-2000:]
    assert "p95 ms" in report.stdout and "What saturates first" in report.stdout and "Kyiv" in report.stdout
    assert report.stdout.rstrip().splitlines()[-1].startswith("loadtest: PASS")
