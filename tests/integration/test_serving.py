"""The production server as `make demo`/`make serve` run it: gunicorn with scripts/gunicorn.conf.py, DEBUG off,
static files collected (hashed, gzip + brotli) and served by WhiteNoise with a one-year max-age.

One gunicorn for the module, on the test database, on a free port from 8100-8199 (127.0.0.1 only).
"""

from __future__ import annotations

import gzip
import os
import re
from pathlib import Path

import pytest
import requests

from gis import health
from tests.integration.test_celery_worker import _database_url
from tests.servers import gunicorn

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, tmp_path_factory, collected_static):
    with django_db_blocker.unblock():
        database_url = _database_url()
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "STATIC_ROOT")}
    env.update(DJANGO_SETTINGS_MODULE="gis.settings", DATABASE_URL=database_url, STATIC_ROOT=str(collected_static),
               SECRET_KEY="test-serving-" + "x" * 40, WEB_CONCURRENCY="1", WEB_THREADS="2")
    with gunicorn(env, tmp_path_factory.mktemp("gunicorn") / "gunicorn.log") as (url, _pid):
        yield url


def _stylesheet(server: str) -> str:
    page = requests.get(server + "/no-such-page/", timeout=30).text
    [href] = re.findall(r'href="(/static/webmap/map\.[0-9a-f]{12}\.css)"', page)
    return href


def test_gunicorn_answers_an_unknown_url_with_the_ukrainian_404_and_no_url_list(server):
    response = requests.get(server + "/no-such-page/", timeout=30)
    assert response.status_code == 404
    assert "Сторінку не знайдено" in response.text
    assert "URLconf" not in response.text and "urlpatterns" not in response.text
    assert response.headers["Server"] == "gunicorn"
    api = requests.get(server + "/api/v1/public/appeals/xyz", timeout=30)
    assert api.status_code == 404 and api.json()["code"] == "not_found"


@pytest.mark.parametrize(("encoding", "decode"), [("br", None), ("gzip", gzip.decompress)])
def test_static_files_go_out_hashed_compressed_and_cached_for_a_year(server, encoding, decode):
    href = _stylesheet(server)
    plain = requests.get(server + href, headers={"Accept-Encoding": "identity"}, timeout=30)
    assert plain.status_code == 200 and ".error-box" in plain.text
    raw = requests.get(server + href, headers={"Accept-Encoding": encoding}, stream=True, timeout=30)
    assert raw.headers["Content-Encoding"] == encoding
    assert raw.headers["Cache-Control"] == "max-age=31536000, public, immutable"
    body = raw.raw.read()
    assert len(body) < len(plain.content)
    if decode:
        assert decode(body) == plain.content


def test_a_static_file_under_its_unhashed_name_is_cached_briefly(server):
    response = requests.get(server + "/static/webmap/map.css", timeout=30)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "max-age=60, public"


def test_healthz_over_gunicorn_reports_database_redis_and_the_beat(server):
    health.record_heartbeat()
    response = requests.get(server + "/healthz", timeout=30)
    assert response.status_code == 200
    assert response.json()["database"] == {"ok": True} and response.json()["beat"]["ok"] is True
