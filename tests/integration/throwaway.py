"""Throwaway PostgreSQL clusters for the fault drills: never the shared var/pg that other tests use.

A cluster is made the way an operator makes one: `scripts/backup.sh backup` of this test database, then
`make restore FILE=…`, which starts a fresh cluster beside ours (scripts/pg.sh with ECITY_PG_DIR) and prints
its DATABASE_URL. A drill may then stop, start or destroy it at will.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests import servers
from tests.integration.test_celery_worker import _database_url

ROOT = Path(__file__).resolve().parents[2]
PGBIN = Path("/usr/lib/postgresql/15/bin")
PORTS = range(8110, 8120)  # this drill's own TCP ports


def free_port() -> int:
    """A free port of the drills' own range (tests.servers.free_port)."""
    return servers.free_port(PORTS.start, PORTS.stop)


def backup(url: str | None = None) -> Path:
    """`make backup` of url (default: this test database); the dump's path."""
    env = {**os.environ, "DATABASE_URL": url or _database_url()}
    out = subprocess.run(["make", "-s", "backup"], cwd=ROOT, env=env, check=True, capture_output=True, text=True,
                         timeout=300).stdout
    return Path(out.strip().splitlines()[-1])


def restore(dump: Path) -> tuple[Path, str]:
    """`make restore FILE=dump` into a fresh cluster: (its directory, its DATABASE_URL)."""
    out = subprocess.run(["make", "-s", "restore", f"FILE={dump}"], cwd=ROOT, env=dict(os.environ), check=True,
                         capture_output=True, text=True, timeout=600).stdout
    cluster = next(line.split(" ", 2)[2] for line in out.splitlines() if line.startswith("restored into "))
    url = next(line.split("=", 1)[1] for line in out.splitlines() if line.startswith("DATABASE_URL="))
    return Path(cluster), url


def pg_ctl(cluster: Path, *args: str) -> None:
    """pg_ctl on the cluster as its owner (the postgres user when we are root)."""
    cmd = [str(PGBIN / "pg_ctl"), "-D", str(cluster / "data"), *args]
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    subprocess.run(cmd, cwd="/", check=True, capture_output=True, timeout=120)


def start(cluster: Path) -> None:
    env = {**os.environ, "ECITY_PG_DIR": str(cluster)}
    subprocess.run([str(ROOT / "scripts" / "pg.sh"), "start"], cwd=ROOT, env=env, check=True, capture_output=True,
                   timeout=120)


def destroy(cluster: Path, *, hard: bool = False) -> None:
    """Stop it (hard: `-m immediate`, as a crash would) and delete every file of it."""
    if (cluster / "data" / "PG_VERSION").exists():
        try:
            pg_ctl(cluster, "-m", "immediate" if hard else "fast", "-w", "stop")
        except subprocess.CalledProcessError:
            pass  # not running
    shutil.rmtree(cluster, ignore_errors=True)


def psql(url: str, sql: str) -> str:
    return subprocess.run([str(PGBIN / "psql"), "-Atqc", sql, url], check=True, capture_output=True, text=True,
                          timeout=120).stdout.strip()


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory) -> Path:
    """collectstatic once per session into a directory of its own (STATIC_ROOT for a served drill's pages)."""
    import sys

    root = tmp_path_factory.mktemp("drill-static")
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "STATIC_ROOT")}
    env.update(DJANGO_SETTINGS_MODULE="gis.settings", STATIC_ROOT=str(root))
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env,
                   check=True, timeout=600, capture_output=True)
    return root
