"""Past one machine: intake/s and WAL per appeal on the primary, the standby's replay lag meanwhile, public reads from primary vs standby.

In a bench database of its own (demo city + ECITY_BENCH_REPLICA_APPEALS generated appeals, default 20,000,
kept for later runs). Intake is `register_intake` by typed address (geocode + route + create, the dispatcher's
save) run back to back for BENCH_REPLICA_SECONDS (default 15) in one process and then in two at once (this
machine has 2 cores); WAL bytes per appeal come from pg_current_wal_lsn() before and after. The figures the
README's national shape rests on.

When the private cluster's standby runs (`make standby`), the same intake is watched from it (the largest
replay lag seen, polled every 50 ms), and the public map's requests (categories, clusters at zoom 13, an appeals
tile) are timed in process through the whole Django stack with reads routed to the standby, beside the same
requests on the primary.

    make standby && make bench BENCH_ARGS=replica
"""

from __future__ import annotations

import math
import multiprocessing
import os
import random
import subprocess
import threading
import time
import uuid
from pathlib import Path

from benchmarks.common import percentiles, report, setup_bench_database, time_each

ROOT = Path(__file__).resolve().parent.parent
APPEALS = int(os.environ.get("ECITY_BENCH_REPLICA_APPEALS", "20000"))
SECONDS = float(os.environ.get("BENCH_REPLICA_SECONDS", "15"))
REPEAT = int(os.environ.get("ECITY_BENCH_REPEAT", "200"))


def _standby_url() -> str | None:
    if os.environ.get("DATABASE_URL"):
        return os.environ.get("DATABASE_REPLICA_URL")
    ok = subprocess.run(["scripts/pg.sh", "standby-status"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    if ok.returncode != 0:
        return None
    return subprocess.run(["scripts/pg.sh", "standby-url"], cwd=ROOT, capture_output=True, text=True, check=True,
                          timeout=60).stdout.strip()


def _prepare() -> None:
    from django.core.management import call_command

    from appeals.demo import history
    from appeals.models import Appeal
    from layers.models import Building

    if not Building.objects.filter(source="demo").exists():
        call_command("load_demo_city", verbosity=0)
    if Appeal.objects.count() < APPEALS or not history.has_generated():
        result = history.generate_history(count=APPEALS, replace=True, source="demo", log=lambda m: None)
        print(f"   generated {result.counters.appeals} appeals in {result.seconds:.0f} s", flush=True)


def _wal_lsn() -> int:
    from django.db import connections

    with connections["default"].cursor() as cur:
        cur.execute("SELECT pg_current_wal_lsn() - '0/0'")
        return int(cur.fetchone()[0])


def _intake_loop(seconds: float, seed: int) -> tuple[int, list[float]]:
    """register_intake back to back for `seconds`: (appeals made, their durations)."""
    from django.contrib.auth.models import Group, User

    from appeals import services
    from appeals.demo.history import mobile_phone
    from appeals.errors import AppealError
    from layers.models import Building, Category

    dispatcher, _ = User.objects.get_or_create(username="bench_replica_dispatcher")
    dispatcher.groups.set([Group.objects.get_or_create(name="dispatcher")[0]])
    rng = random.Random(seed)
    categories = list(Category.objects.filter(is_consultation=False, code__in=[
        "no_cold_water", "no_power", "flat_leak", "roof_leak", "sewage", "garbage"]))
    buildings = list(Building.objects.filter(source="demo", street__isnull=False, kind="apartment")
                     .select_related("street").order_by("id")[::20])
    for b in buildings[:3]:  # warm the geocoder's and router's in-memory indexes, untimed
        services.register_intake(dispatcher=dispatcher, category=categories[0], phone=mobile_phone(rng),
                                 address_text=b.address, description="бенчмарк", idempotency_key=uuid.uuid4().hex)
    samples: list[float] = []
    cpu0 = time.process_time()
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        b = rng.choice(buildings)
        t = time.perf_counter()
        try:
            services.register_intake(dispatcher=dispatcher, category=rng.choice(categories), phone=mobile_phone(rng),
                                     address_text=b.address, flat=str(rng.randint(1, 60)), description="бенчмарк",
                                     applicant_name="Бенчмарк", idempotency_key=uuid.uuid4().hex)
        except AppealError:
            continue
        samples.append(time.perf_counter() - t)
    if samples:
        print(f"   Python CPU per appeal {(time.process_time() - cpu0) / len(samples) * 1000:.0f} ms "
              f"(the rest of the wall time is the database and waiting for a core)", flush=True)
    return len(samples), samples


def _child(args) -> tuple[int, list[float]]:
    from django.db import connections

    connections.close_all()  # a forked child opens its own connection
    return _intake_loop(*args)


class LagWatcher(threading.Thread):
    """Polls the standby's replay lag (seconds behind the primary's last commit) until stopped."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.max_lag, self.samples, self._done = 0.0, 0, threading.Event()

    def run(self) -> None:
        from django.db import connections

        from gis import replica

        try:
            while not self._done.is_set():
                lag = replica.check_replica().lag_seconds
                if lag is not None:
                    self.max_lag, self.samples = max(self.max_lag, lag), self.samples + 1
                self._done.wait(0.05)
        finally:
            connections.close_all()

    def stop(self) -> None:
        self._done.set()
        self.join()


def bench_intake(*, watch: bool) -> None:
    from django.db import connections

    watcher = LagWatcher() if watch else None
    before = _wal_lsn()
    if watcher:
        watcher.start()
    n, samples = _intake_loop(SECONDS, 1505)
    wal = _wal_lsn() - before
    if watcher:
        watcher.stop()
    busy = sum(samples) or 1.0  # back to back: the timed loop's own length, without the warm-up
    report(f"intake, 1 process: {n} appeals in {busy:.1f} s = {n / busy:.1f} appeals/s; "
           f"WAL {wal / max(n, 1) / 1024:.1f} KiB per appeal", percentiles(samples))
    if watcher:
        print(f"   the standby meanwhile: largest replay lag {watcher.max_lag * 1000:.0f} ms "
              f"({watcher.samples} polls)", flush=True)
    before = _wal_lsn()
    connections.close_all()  # before the fork: a child must not share (and then close) the parent's socket
    with multiprocessing.get_context("fork").Pool(2) as pool:
        results = pool.map(_child, [(SECONDS, 1), (SECONDS, 2)])
    wal = _wal_lsn() - before
    n = sum(r[0] for r in results)
    busy = max(sum(r[1]) for r in results) or 1.0
    report(f"intake, 2 processes at once: {n} appeals in {busy:.1f} s = {n / busy:.1f} appeals/s; "
           f"WAL {wal / max(n, 1) / 1024:.1f} KiB per appeal", percentiles([s for r in results for s in r[1]]))


def bench_size() -> None:
    """What an appeal weighs on disk with its calls, events, routes, outbox rows and map cells (indexes too)."""
    from django.db import connections

    with connections["default"].cursor() as cur:
        cur.execute("SELECT count(*) FROM appeals_appeal")
        appeals = cur.fetchone()[0]
        cur.execute("SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') "
                    "AND (c.relname LIKE 'appeals\\_%%' OR c.relname LIKE 'webmap\\_%%')")
        size = cur.fetchone()[0]
    print(f"   on disk: {size / 2**20:.0f} MiB for {appeals} appeals (appeals_* and webmap_* tables with indexes) = "
          f"{size / max(appeals, 1) / 1024:.1f} KiB per appeal", flush=True)


def bench_public_reads() -> None:
    from django.conf import settings
    from django.contrib.gis.db.models import Collect
    from django.contrib.gis.db.models.functions import Centroid
    from django.db import connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from gis import replica
    from layers.models import Building

    client = Client()
    # The demo city's middle, and the z14 tile over it.
    lon, lat = Building.objects.filter(source="demo").aggregate(c=Centroid(Collect("point")))["c"].coords
    n = 2 ** 14
    x, y = int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    paths = {
        "categories": "/api/v1/public/categories",
        "clusters z13": f"/api/v1/public/clusters?zoom=13&bbox={lon - 0.1},{lat - 0.05},{lon + 0.1},{lat + 0.05}",
        f"appeals tile 14/{x}/{y}": f"/tiles/appeals/14/{x}/{y}.pbf",
    }
    settings.ALLOWED_HOSTS = ["testserver"]
    for label, path in paths.items():
        results = {}
        for where, on in (("primary", False), ("standby", True)):
            settings.REPLICA_READS = on
            replica.forget_health()
            for _ in range(5):
                assert client.get(path).status_code == 200, path
            with CaptureQueriesContext(connections["replica"]) as q:
                client.get(path)
            if on and not q.captured_queries:
                print(f"   {label}: the standby was not used ({replica.replica_health().reason})", flush=True)
            results[where] = percentiles(time_each(lambda p=path: client.get(p), repeat=REPEAT))
        for where, stats in results.items():
            report(f"{label} from the {where}", stats)


def main() -> None:
    from django.conf import settings as lazy

    url = _standby_url()
    if url and not lazy.configured:
        os.environ["DATABASE_REPLICA_URL"] = url
    name = setup_bench_database("replica")
    from django.conf import settings
    from django.db import connections

    print(f"   load average {os.getloadavg()[0]:.1f}", flush=True)
    has_standby = "replica" in settings.DATABASES and url is not None
    if has_standby:
        connections["replica"].settings_dict["NAME"] = name  # the standby carries the bench database too
        # Tile and cluster responses are cached (Redis): time the database, not the cache.
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    else:
        print("   no standby running (make standby): primary figures only", flush=True)
    _prepare()
    bench_size()
    bench_intake(watch=has_standby)
    if has_standby:
        bench_public_reads()
    print(f"   load average {os.getloadavg()[0]:.1f}", flush=True)
