"""Maps: vector tiles (uncached, cached), cluster requests, the public map's first render, at 1,000,000 appeals.

On the demo city in the bench database. When it holds fewer than BENCH_MAPS_APPEALS appeals (default
1,000,000; the appeals-history engineer's `generate_appeals --count 1000000` fills it properly), the
missing ones are added by one set-based INSERT ... SELECT per 100,000 rows (numbers "BM-..."), spread
over three years with recent ones mostly open. Figures printed (targets from issue 6):
- GET /tiles/appeals/{z}/{x}/{y}.pbf per zoom 10..18, uncached (p95 ≤ 50 ms) and cached (p95 ≤ 5 ms);
  registry tiles (buildings, streets, service_areas) too;
- GET /api/v1/public/clusters for random 1280×900 px viewports at zooms 10..18 (p95 ≤ 100 ms);
- the public map's first render with appeals visible, in headless Chromium against runserver (≤ 2 s).
All HTTP figures are in process through Django's test client (view + SQL + serialisation), not the network.
Run on a quiet machine: with other benchmarks running, every figure here grows two- to threefold.
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_APPEALS = int(os.environ.get("BENCH_MAPS_APPEALS", "1000000"))
N_TILES = int(os.environ.get("BENCH_MAPS_TILES", "150"))  # per zoom
N_VIEWPORTS = int(os.environ.get("BENCH_MAPS_VIEWPORTS", "300"))
CHUNK = 100_000

_FILL_SQL = """
WITH b AS (SELECT id, point, row_number() OVER (ORDER BY id) AS rn FROM layers_building),
     nb AS (SELECT count(*) AS n FROM layers_building),
     c AS (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM layers_category),
     nc AS (SELECT count(*) AS n FROM layers_category),
     g AS (SELECT i, now() - (random() ^ 1.4) * interval '1095 days' AS created,
                  1 + floor(random() * (SELECT n FROM nb))::int AS brn,
                  1 + floor(random() * (SELECT n FROM nc))::int AS crn, random() AS r
           FROM generate_series(%(start)s, %(stop)s - 1) AS i)
INSERT INTO appeals_appeal (number, channel, category_id, building_id, point, address_text, description, flat,
    applicant_name, applicant_phone, status, created_at, updated_at, deadline, deadline_extended,
    deadline_extension_reason, resolution, control_level, escalation_reason, rejection_count, reopen_count, version)
SELECT 'BM-' || lpad(g.i::text, 8, '0'), 'phone', c.id, b.id, b.point, '', '', '', '', '',
       CASE WHEN g.created > now() - interval '3 days' AND g.r < 0.6 THEN 'registered'
            WHEN g.created > now() - interval '14 days' AND g.r < 0.5 THEN 'in_progress'
            WHEN g.r < 0.05 THEN 'cancelled' WHEN g.r < 0.2 THEN 'resolved' ELSE 'closed' END,
       g.created, g.created, g.created + interval '3 days', false, '', '', 0, '', 0, 0, 1
FROM g JOIN b ON b.rn = g.brn JOIN c ON c.rn = g.crn
"""


def _fill(target: int) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM appeals_appeal")
        have = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM appeals_appeal WHERE number LIKE 'BM-%%'")
        mine = cur.fetchone()[0]
    if have >= target:
        print(f"   appeals in the bench database: {have:,} (no filling needed)", flush=True)
        return
    from django.db import transaction

    from webmap.cells import rebuild_cells

    started = time.perf_counter()
    start = mine
    stop_all = mine + (target - have)
    while start < stop_all:
        stop = min(start + CHUNK, stop_all)
        with transaction.atomic(), connection.cursor() as cur:
            # This session only: no per-statement cell upserts while filling; one rebuild below instead.
            cur.execute("SET LOCAL session_replication_role = replica")
            cur.execute(_FILL_SQL, {"start": start, "stop": stop})
        start = stop
    filled = time.perf_counter() - started
    with transaction.atomic():
        cells = rebuild_cells()
    with connection.cursor() as cur:
        cur.execute("ANALYZE appeals_appeal")
        cur.execute("ANALYZE webmap_appealcell")
    print(f"   filled {target - have:,} appeals set-based in {filled:.1f} s, rebuilt {cells:,} cells in "
          f"{time.perf_counter() - started - filled:.1f} s; now {target:,} appeals", flush=True)


def _trigger_cost(n: int = 20_000) -> None:
    """What the cell triggers add to a bulk insert: the same INSERT ... SELECT with and without them (rolled back)."""
    from django.db import connection, transaction

    timings = {}
    for label, role in (("with cell triggers", "origin"), ("without", "replica")):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(f"SET LOCAL session_replication_role = {role}")  # fixed literal, not input
            t = time.perf_counter()
            cur.execute(_FILL_SQL, {"start": 90_000_000, "stop": 90_000_000 + n})
            timings[label] = time.perf_counter() - t
            transaction.set_rollback(True)
    print(f"   bulk insert of {n:,} appeals: {timings['with cell triggers']:.2f} s with the cell triggers, "
          f"{timings['without']:.2f} s without", flush=True)
    # One appeal at a time, as intake writes them: a plain INSERT of one row, with and without the triggers.
    with connection.cursor() as cur:
        cur.execute("SELECT id, point FROM layers_building ORDER BY id LIMIT 1")
        building_id, point = cur.fetchone()
        cur.execute("SELECT min(id) FROM layers_category")
        (category_id,) = cur.fetchone()
    single = {}
    for label, role in (("with cell triggers", "origin"), ("without", "replica")):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(f"SET LOCAL session_replication_role = {role}")  # fixed literal, not input
            t = time.perf_counter()
            for i in range(200):
                cur.execute(
                    "INSERT INTO appeals_appeal (number, channel, category_id, building_id, point, address_text, "
                    "description, flat, applicant_name, applicant_phone, status, created_at, updated_at, deadline, "
                    "deadline_extended, deadline_extension_reason, resolution, control_level, escalation_reason, "
                    "rejection_count, reopen_count, version) VALUES (%s, 'phone', %s, %s, %s, '', '', '', '', '', "
                    "'registered', now(), now(), now() + interval '1 day', false, '', '', 0, '', 0, 0, 1)",
                    [f"BX-{role}-{i}", category_id, building_id, point])
            single[label] = (time.perf_counter() - t) / 200
            transaction.set_rollback(True)
    print(f"   one appeal inserted: {single['with cell triggers'] * 1000:.2f} ms with the cell triggers, "
          f"{single['without'] * 1000:.2f} ms without", flush=True)


def _tile_xy(lon: float, lat: float, z: int) -> tuple[int, int]:
    from webmap import clusters as cl

    x, y = cl.lonlat_to_mercator(lon, lat)
    size = 2 * cl.MERCATOR_HALF / 2**z
    return int((x + cl.MERCATOR_HALF) // size), int((cl.MERCATOR_HALF - y) // size)


def _viewport(lon: float, lat: float, z: int, width: int = 1280, height: int = 900) -> str:
    from webmap import clusters as cl

    x, y = cl.lonlat_to_mercator(lon, lat)
    m_per_px = 2 * cl.MERCATOR_HALF / (256 * 2**z)
    west, south = cl.mercator_to_lonlat(x - width / 2 * m_per_px, y - height / 2 * m_per_px)
    east, north = cl.mercator_to_lonlat(x + width / 2 * m_per_px, y + height / 2 * m_per_px)
    return f"{west:.6f},{south:.6f},{east:.6f},{north:.6f}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _first_render(db_name: str) -> list[float] | None:
    """Seconds from navigation start to appeals drawn on / (runserver + headless Chromium), 5 loads after a warm-up.

    percentiles() reports them in milliseconds."""
    chromium = shutil.which("chromium")
    if not chromium:
        print("   first render: chromium not installed, skipped", flush=True)
        return None
    from django.conf import settings
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    db = settings.DATABASES["default"]
    host = db.get("HOST") or db.get("OPTIONS", {}).get("host") or str((Path(settings.VAR_DIR) / "pg").resolve() / "sock")
    env = dict(os.environ, DEBUG="1", DATABASE_URL=f"postgres://postgres@/{db_name}?host={host}",
               DJANGO_SETTINGS_MODULE="gis.settings")
    port = _free_port()
    server = subprocess.Popen([sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(ROOT / "var" / "bench_maps_runserver.log", "w"))
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--window-size=1280,900", "--no-first-run"):
        options.add_argument(flag)
    driver = None
    try:
        for _ in range(300):  # runserver's system checks take a while on a busy machine
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
        times = []
        for i in range(6):
            driver.execute_cdp_cmd("Network.clearBrowserCache", {})
            driver.get(f"http://127.0.0.1:{port}/?run={i}")
            WebDriverWait(driver, 30).until(lambda d: d.execute_script("return window.ecityFirstRenderMs") is not None)
            drawn = driver.execute_script("return document.querySelectorAll('.appeal-cluster, .appeal-pin').length")
            if i == 0:
                print(f"   first render: {drawn} clusters drawn at city zoom", flush=True)
                continue  # warm-up: the server's first request imports every module
            times.append(driver.execute_script("return window.ecityFirstRenderMs") / 1000)
        return times
    finally:
        if driver is not None:
            driver.quit()
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    from benchmarks.common import percentiles, report, setup_bench_database

    setup_bench_database()
    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from layers.models import Building

    call_command("load_demo_city", verbosity=0)
    _fill(TARGET_APPEALS)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM appeals_appeal")
        total = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM webmap_appealcell")
        cells = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM appeals_appeal WHERE created_at > now() - interval '90 days'")
        recent = cur.fetchone()[0]
    print(f"   {total:,} appeals ({recent:,} in the 90-day public window), {cells:,} pre-aggregated cells", flush=True)

    rng = random.Random(6)
    points = [b.point.coords for b in Building.objects.order_by("?").only("point")[:2000]]
    client = Client()

    def get(url: str) -> bytes:
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: HTTP {response.status_code}")
        return response.content

    # Warm up connections, URL resolution and plans.
    for lon, lat in points[:30]:
        for z in (12, 16):
            tx, ty = _tile_xy(lon, lat, z)
            get(f"/tiles/appeals/{z}/{tx}/{ty}.pbf")

    all_uncached, all_cached = [], []
    for layer, zooms in (("appeals", range(10, 19)), ("buildings", (14, 15, 16)), ("streets", (10, 12, 14)),
                         ("service_areas", (10, 12, 14))):
        for z in zooms:
            uncached, cached = [], []
            for lon, lat in rng.sample(points, min(N_TILES, len(points))):
                tx, ty = _tile_xy(lon, lat, z)
                url = f"/tiles/{layer}/{z}/{tx}/{ty}.pbf"
                cache.clear()
                t = time.perf_counter()
                get(url)
                uncached.append(time.perf_counter() - t)
                t = time.perf_counter()
                get(url)
                cached.append(time.perf_counter() - t)
            report(f"tile {layer} z{z} uncached", percentiles(uncached))
            if layer == "appeals":
                all_uncached += uncached
                all_cached += cached
            else:
                report(f"tile {layer} z{z} cached", percentiles(cached))
    report("tile appeals, every zoom 10..18, uncached (target p95 ≤ 50 ms)", percentiles(all_uncached))
    report("tile appeals, every zoom 10..18, cached (target p95 ≤ 5 ms)", percentiles(all_cached))

    samples, largest, by_zoom = [], 0, {}
    for i in range(N_VIEWPORTS):
        lon, lat = rng.choice(points)
        z = 10 + i % 9
        url = f"/api/v1/public/clusters?bbox={_viewport(lon, lat, z)}&zoom={z}"
        if i % 3 == 1:
            url += "&days=30&status=registered,in_progress"
        t = time.perf_counter()
        body = get(url)
        samples.append(time.perf_counter() - t)
        by_zoom.setdefault(z, []).append(samples[-1])
        largest = max(largest, body.count(b'"Feature"'))
    for z, zs in sorted(by_zoom.items()):
        report(f"cluster request z{z}", percentiles(zs))
    report(f"cluster request, random viewports z10..18 (largest answer {largest} features; target p95 ≤ 100 ms)",
           percentiles(samples))

    _trigger_cost()

    renders = _first_render(settings.DATABASES["default"]["NAME"])
    if renders:
        report("public map first render, appeals visible, 5 loads (target ≤ 2 s)", percentiles(renders))
