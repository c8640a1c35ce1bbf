"""Fault drill: PostgreSQL stopped and started again while clients file appeals.

The real server (scripts/serve.sh: gunicorn with its gthread workers, 2 of them) serves a throwaway cluster
restored from a backup of this test database (tests/integration/throwaway.py). Four clients file appeals
through POST /api/v1/appeals, each with its own Idempotency-Key, and retry a failed try (an error answer or
a dropped connection) with the same key, as the API asks clients to. Mid-way the cluster is stopped
(`pg_ctl stop -m fast`: every connection cut) and started two seconds later. The server comes back by
itself (no restart of gunicorn, CONN_MAX_AGE connections checked before reuse); every appeal was
acknowledged once, none is lost, none is duplicated.
"""

import os
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests
from rest_framework.authtoken.models import Token

from tests import factories
from tests.integration import throwaway

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.fault("PostgreSQL stopped and started during intake"), pytest.mark.drill]
ROOT = Path(__file__).resolve().parents[2]
CLIENTS, PER_CLIENT = 4, 20


@pytest.fixture
def served_cluster(tmp_path):
    """(cluster dir, DATABASE_URL, base URL, serve dir, token) of a throwaway cluster served by serve.sh."""
    city = factories.tiny_city()
    factories.category("t_pg_fault", service_kinds=("in_house",), hours=72)
    dispatcher = factories.staff("disp_pg_fault", "dispatcher")
    token = Token.objects.create(user=dispatcher).key
    building = city.buildings["druzhby:3"].pk
    dump = throwaway.backup()
    cluster, url = throwaway.restore(dump)
    dump.unlink(missing_ok=True)
    port = throwaway.free_port()
    serve_dir = tmp_path / "serve"
    env = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    env.update(SERVE_DIR=str(serve_dir), SERVE_PROCS="web", BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="2",
               WEB_GRACEFUL_TIMEOUT="2", DATABASE_URL=url, SECRET_KEY="test-pg-fault-" + "z" * 40,
               WEB_ACCESS_LOG="/dev/null")
    script = str(ROOT / "scripts" / "serve.sh")
    try:
        subprocess.run([script, "start"], cwd=ROOT, env=env, check=True, timeout=300, capture_output=True)
        yield cluster, url, f"http://127.0.0.1:{port}", serve_dir, token, building
    finally:
        subprocess.run([script, "stop"], cwd=ROOT, env=env, check=False, timeout=120, capture_output=True)
        throwaway.destroy(cluster)


def test_postgres_stopped_and_started_during_intake_loses_and_duplicates_nothing(served_cluster):
    cluster, url, base, serve_dir, token, building = served_cluster
    run = uuid.uuid4().hex[:8]
    keys = [[f"pgfault-{run}-{c}-{i}" for i in range(PER_CLIENT)] for c in range(CLIENTS)]
    acknowledged: dict[str, str] = {}
    failed_tries = {"n": 0}
    lock = threading.Lock()
    restarted = threading.Event()

    def client(mine: list[str]) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Token {token}"
        for i, key in enumerate(mine):
            body = {"category": "t_pg_fault", "building": building, "phone": f"050{abs(hash(key)) % 10**7:07d}",
                    "description": f"тече стеля ({key})"}
            deadline = time.monotonic() + 120
            while True:
                assert time.monotonic() < deadline, f"{key} never acknowledged"
                try:
                    r = session.post(f"{base}/api/v1/appeals", json=body, headers={"Idempotency-Key": key}, timeout=30)
                except requests.RequestException:
                    r = None
                if r is not None and r.status_code in (200, 201):
                    with lock:
                        acknowledged[key] = r.json()["number"]
                    break
                assert r is None or r.status_code >= 500, r.text[:500]  # a refusal would be a bug here
                with lock:
                    failed_tries["n"] += 1
                time.sleep(0.2)
            if i == PER_CLIENT // 3:
                restarted.wait(timeout=120)  # a third before the fault, the rest during and after it

    threads = [threading.Thread(target=client, args=(mine,)) for mine in keys]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 120
    while len(acknowledged) < CLIENTS * (PER_CLIENT // 3) and time.monotonic() < deadline:
        time.sleep(0.05)
    restarted.set()  # the clients go on while the database goes away
    time.sleep(0.3)
    throwaway.pg_ctl(cluster, "-m", "fast", "-w", "stop")
    time.sleep(2)
    throwaway.start(cluster)
    for t in threads:
        t.join(timeout=300)

    every = [k for mine in keys for k in mine]
    assert sorted(acknowledged) == sorted(every)
    assert len(set(acknowledged.values())) == len(every)  # one number per key
    assert failed_tries["n"] > 0, "the clients never saw the database go: the drill did not test the fault"
    in_db = throwaway.psql(url, f"SELECT count(*), count(DISTINCT idempotency_key) FROM appeals_appeal "
                                f"WHERE idempotency_key LIKE 'pgfault-{run}-%'")
    assert in_db == f"{len(every)}|{len(every)}"  # none lost, none duplicated
    numbers = throwaway.psql(url, f"SELECT string_agg(number, ' ' ORDER BY number) FROM appeals_appeal "
                                  f"WHERE idempotency_key LIKE 'pgfault-{run}-%'").split()
    assert numbers == sorted(acknowledged.values())
    # The server recovered by itself: gunicorn was never restarted, and it answers with the database ok.
    assert "is gone" not in (serve_dir / "supervisor.log").read_text()
    health = requests.get(f"{base}/healthz", timeout=30).json()
    assert health["database"] == {"ok": True}
    print(f"PG stop/start: {len(every)} acknowledged, 0 lost, 0 duplicated, {failed_tries['n']} failed tries retried")
