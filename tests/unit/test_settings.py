"""The settings fail closed: each case starts a fresh Python, as a server would, with a chosen environment."""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOW = ("import json, django; from django.conf import settings; django.setup(); print(json.dumps("
        "{'debug': settings.DEBUG, 'secret': settings.SECRET_KEY, 'hosts': settings.ALLOWED_HOSTS,"
        " 'origins': settings.CSRF_TRUSTED_ORIGINS,"
        " 'conn': [settings.DATABASES['default']['CONN_MAX_AGE'], settings.DATABASES['default']['CONN_HEALTH_CHECKS']]}))")
# Variables a developer's shell may have set that would decide the outcome.
CLEARED = ("DEBUG", "SECRET_KEY", "SECRET_KEY_FILE", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "ECITY_ENV", "CONN_MAX_AGE")


def _settings(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in CLEARED}
    base.update({"DJANGO_SETTINGS_MODULE": "gis.settings", "SECRET_KEY_FILE": str(tmp_path / "secret_key")}, **env)
    return subprocess.run([sys.executable, "-c", SHOW], cwd=ROOT, env=base, capture_output=True, text=True, timeout=60)


def _shown(tmp_path: Path, **env: str) -> dict:
    done = _settings(tmp_path, **env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_debug_is_off_unless_debug_1_is_set_explicitly(tmp_path):
    assert _shown(tmp_path)["debug"] is False
    assert _shown(tmp_path, DEBUG="0")["debug"] is False
    assert _shown(tmp_path, DEBUG="1")["debug"] is True


def test_without_secret_key_one_is_generated_once_into_a_private_file_and_reused(tmp_path):
    first = _shown(tmp_path)["secret"]
    path = tmp_path / "secret_key"
    assert path.read_text().strip() == first and len(first) >= 50
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert _shown(tmp_path)["secret"] == first
    assert _shown(tmp_path, SECRET_KEY="x" * 40)["secret"] == "x" * 40


@pytest.mark.parametrize("env", [{}, {"SECRET_KEY": "short"}, {"SECRET_KEY": "x" * 40, "DEBUG": "1"}])
def test_production_refuses_to_start_without_a_long_secret_or_with_debug_on(tmp_path, env):
    done = _settings(tmp_path, ECITY_ENV="production", **env)
    assert done.returncode != 0 and "ImproperlyConfigured" in done.stderr
    assert not (tmp_path / "secret_key").exists()


def test_allowed_hosts_and_csrf_trusted_origins_come_from_the_environment(tmp_path):
    shown = _shown(tmp_path, ALLOWED_HOSTS="ecity.example.org, www.ecity.example.org",
                   CSRF_TRUSTED_ORIGINS="https://ecity.example.org")
    assert shown["hosts"] == ["ecity.example.org", "www.ecity.example.org"]
    assert shown["origins"] == ["https://ecity.example.org"]
    assert "testserver" in _shown(tmp_path)["hosts"] and _shown(tmp_path)["origins"] == []


def test_database_connections_persist_and_are_checked_before_reuse(tmp_path):
    assert _shown(tmp_path)["conn"] == [600, True]
    assert _shown(tmp_path, CONN_MAX_AGE="0")["conn"] == [0, True]
