"""`make backup` / `make restore`: a pg_dump of the database restored into a fresh private cluster holds every
appeal and every event of its history (scripts/backup.sh, the commands the Makefile runs)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.db import connection

from appeals import services
from appeals.models import Appeal, AppealEvent
from tests import factories
from tests.integration.test_celery_worker import _database_url

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]
PSQL = "/usr/lib/postgresql/15/bin/psql"


def _count(url: str, table: str) -> int:
    out = subprocess.run([PSQL, "-Atqc", f"SELECT count(*) FROM {table}", url], check=True, capture_output=True,
                         text=True, timeout=60).stdout
    return int(out)


def test_a_backup_restored_into_a_fresh_cluster_holds_every_appeal_and_event(tmp_path):
    city = factories.tiny_city()
    category = factories.category("t_backup", service_kinds=("in_house",), hours=72)
    dispatcher = factories.staff("disp_backup", "dispatcher")
    for i in range(5):
        services.register_intake(dispatcher=dispatcher, category=category, phone=f"050 123 45 0{i}",
                                 building=city.buildings["druzhby:3"], description=f"тече стеля {i}", flat=str(i),
                                 applicant_name="Петренко")
    appeals, events = Appeal.objects.count(), AppealEvent.objects.count()
    assert appeals >= 5 and events > appeals
    numbers = sorted(Appeal.objects.values_list("number", flat=True))

    env = {**os.environ, "DATABASE_URL": _database_url()}
    dump = subprocess.run(["scripts/backup.sh", "backup"], cwd=ROOT, env=env, check=True, capture_output=True,
                          text=True, timeout=300).stdout.strip().splitlines()[-1]
    assert Path(dump).is_file() and Path(dump).parent == ROOT / "var" / "backups"
    assert oct(Path(dump).stat().st_mode & 0o777) == "0o600"
    restored = subprocess.run(["make", "-s", "restore", f"FILE={dump}"], cwd=ROOT, env=env, check=True,
                              capture_output=True, text=True, timeout=600).stdout
    cluster = next(line.split(" ", 2)[2] for line in restored.splitlines() if line.startswith("restored into "))
    url = next(line.split("=", 1)[1] for line in restored.splitlines() if line.startswith("DATABASE_URL="))
    try:
        assert connection.settings_dict["NAME"] not in url or cluster in url  # another cluster, not ours
        assert _count(url, "appeals_appeal") == appeals
        assert _count(url, "appeals_appealevent") == events
        out = subprocess.run([PSQL, "-Atqc", "SELECT number FROM appeals_appeal ORDER BY number", url],
                             check=True, capture_output=True, text=True, timeout=60).stdout.split()
        assert out == numbers
    finally:
        subprocess.run(["scripts/backup.sh", "stop-restored", cluster], cwd=ROOT, timeout=120, check=False)
        subprocess.run(["rm", "-rf", cluster], check=False)
        Path(dump).unlink(missing_ok=True)
        shutil.rmtree(tmp_path, ignore_errors=True)


TABLES = ("appeals_appeal", "appeals_appealevent", "appeals_call", "appeals_appealroute", "appeals_notification",
          "layers_building", "audit_auditentry")


def _fingerprint(url: str) -> dict[str, str]:
    """Row count and an md5 over every row of each table, in id order: equal means the same rows."""
    from tests.integration import throwaway

    return {t: throwaway.psql(url, f"SELECT count(*) || ' ' || md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), ''))"
                                   f" FROM {t} AS t") for t in TABLES}


@pytest.mark.fault("backup, cluster destroyed, restore")
@pytest.mark.drill
def test_backup_drill_a_destroyed_cluster_restored_from_make_backup_has_every_appeal_and_event(tmp_path):
    """The drill: `make backup` of a cluster, the cluster destroyed (stopped hard, its files deleted),
    `make restore` into a new one: every appeal and event is there, row for row, and the schema is current."""
    from tests.integration import throwaway

    city = factories.tiny_city()
    category = factories.category("t_backup_drill", service_kinds=("in_house",), hours=72)
    dispatcher = factories.staff("disp_backup_drill", "dispatcher")
    for i in range(8):
        result = services.register_intake(dispatcher=dispatcher, category=category, phone=f"050 765 43 0{i}",
                                          building=city.buildings["druzhby:3"], description=f"немає світла {i}",
                                          applicant_name="Коваленко")
        if i % 2:
            services.change_status(appeal=result.appeal, actor=dispatcher, to_status="cancelled",
                                   version=result.appeal.version, reason="помилковий дзвінок")
    # The private cluster of this drill: a throwaway one (never var/pg, which other tests use).
    seed = throwaway.backup()
    cluster, url = throwaway.restore(seed)
    seed.unlink(missing_ok=True)
    restored = None
    try:
        before = _fingerprint(url)
        assert int(before["appeals_appeal"].split()[0]) == 8
        assert int(before["appeals_appealevent"].split()[0]) > 8

        dump = throwaway.backup(url)  # make backup
        throwaway.destroy(cluster, hard=True)
        assert not cluster.exists()

        restored, restored_url = throwaway.restore(dump)  # make restore FILE=…
        assert _fingerprint(restored_url) == before
        env = {**os.environ, "DATABASE_URL": restored_url}
        subprocess.run([".venv/bin/python", "manage.py", "migrate", "--check"], cwd=ROOT, env=env, check=True,
                       capture_output=True, timeout=300)  # the schema is the code's: serve it as it is
        dump.unlink(missing_ok=True)
    finally:
        throwaway.destroy(cluster)
        if restored is not None:
            throwaway.destroy(restored)
