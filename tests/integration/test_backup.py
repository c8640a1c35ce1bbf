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
