"""The production server for tests that drive it over HTTP: gunicorn with scripts/gunicorn.conf.py, as
`make serve` runs it, on a free loopback port, stopped by its pid when the test is done."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port(low: int = 8100, high: int = 8200) -> int:
    for port in range(low, high):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.fail(f"no free port in {low}-{high - 1}")


@contextmanager
def gunicorn(env: dict[str, str], log_path: Path, *, port: int | None = None) -> Iterator[tuple[str, int]]:
    """(url, master pid) of a gunicorn serving gis.wsgi with env, once /healthz answers (any status)."""
    port = port or free_port()
    log = log_path.open("w")
    proc = subprocess.Popen([str(GUNICORN), "-c", "scripts/gunicorn.conf.py", "gis.wsgi:application"],
                            cwd=ROOT, env={**env, "BIND": f"127.0.0.1:{port}"}, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                requests.get(url + "/healthz", timeout=30)
                break
            except (requests.ConnectionError, requests.Timeout):
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("gunicorn did not start: " + log_path.read_text()[-2000:])
                time.sleep(0.3)
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
