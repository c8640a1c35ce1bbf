"""Shared fixtures. Tests talk to the real PostGIS (the private cluster or DATABASE_URL)."""

import pytest
from django.conf import settings

# Live-server threads must not keep connections open past a test, or the test database cannot be dropped.
settings.DATABASES["default"]["CONN_MAX_AGE"] = 0
# The test runner empties tables with TRUNCATE between transactional tests; the appeal history refuses
# TRUNCATE (appeals migration 0005) unless a superuser's session says so. Tests connect as postgres.
_options = settings.DATABASES["default"].setdefault("OPTIONS", {})
_options["options"] = (_options.get("options", "") + " -c ecity.allow_history_truncate=on").strip()
# The `replica` alias exists in every test session, a TEST MIRROR of default (it names the test database),
# with reads routed to it off: the other tests run on the primary alone, inside their transactions.
# tests/integration/test_replica.py points it at a real standby and turns the routing on.
if "replica" not in settings.DATABASES:
    settings.DATABASES["replica"] = {**settings.DATABASES["default"], "TEST": {"MIRROR": "default"}}
settings.DATABASES["replica"]["CONN_MAX_AGE"] = 0
settings.DATABASES["replica"]["OPTIONS"] = {**settings.DATABASES["replica"].get("OPTIONS", {}),
                                            "options": _options["options"]}
settings.REPLICA_READS = False
# Tests render templates from the source files (no collectstatic run needed, a changed script is seen at once);
# tests/integration/test_serving.py runs gunicorn on the collected, hashed and compressed files.
settings.STORAGES = {**settings.STORAGES,
                     "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


def pytest_collection_modifyitems(config, items):
    """Tests on the demo city run last (order otherwise kept): once loaded it stays committed in the test
    database for the session, and tests on the tiny city expect a registry without its 20k buildings.

    The slow fault drills (marked `drill`: a throwaway cluster, the real server, a minute or more each) run
    with `make drills` (ECITY_DRILLS=1); `make test` lists them as skipped.
    """
    import os

    items.sort(key=lambda item: "_demo_city_session" in getattr(item, "fixturenames", ()))
    if os.environ.get("ECITY_DRILLS") != "1":
        skip = pytest.mark.skip(reason="a slow fault drill: `make drills` runs it")
        for item in items:
            if item.get_closest_marker("drill"):
                item.add_marker(skip)


# --- `make drills`: one PASS/FAIL line per fault (the fault's name is the argument of its `fault` marker) ---
_FAULT_RESULTS: dict[str, list[str]] = {}
_FAULT_OF: dict[str, str] = {}


def pytest_itemcollected(item):
    marker = item.get_closest_marker("fault")
    if marker is not None and marker.args:
        _FAULT_OF[item.nodeid] = marker.args[0]


def pytest_runtest_logreport(report):
    fault = _FAULT_OF.get(report.nodeid)
    if fault is None:
        return
    if report.when == "call" or report.outcome != "passed":
        _FAULT_RESULTS.setdefault(fault, []).append("passed" if report.passed else report.outcome)


def pytest_terminal_summary(terminalreporter):
    import os

    if os.environ.get("ECITY_DRILLS") != "1" or not _FAULT_OF:
        return
    terminalreporter.section("fault drills")
    for fault in dict.fromkeys(_FAULT_OF.values()):
        outcomes = _FAULT_RESULTS.get(fault, ["not run"])
        verdict = "PASS" if outcomes and all(o == "passed" for o in outcomes) else "FAIL"
        terminalreporter.write_line(f"{verdict}  {fault}  ({len(outcomes)} test(s): {', '.join(sorted(set(outcomes)))})")


@pytest.fixture
def registry(db):
    """A tiny hand-made city (see tests/factories.py): two neighbourhoods, streets, buildings, providers, areas."""
    from tests import factories

    return factories.tiny_city()


@pytest.fixture
def empty_registry(db):
    """An empty registry for tests that count rows, even when the session's demo city is loaded.

    TRUNCATE is transactional in PostgreSQL: the test's rollback brings the demo city back.
    """
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("TRUNCATE layers_boundary, layers_neighbourhood, layers_street, layers_streetalias, "
                    "layers_building, layers_provider, layers_servicearea, layers_buildingassignment CASCADE")


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """STATIC_ROOT of collected, hashed and compressed files for the tests that run gunicorn (collectstatic
    takes a minute or more under load: once per session)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    static_root = tmp_path_factory.mktemp("static")
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "STATIC_ROOT")}
    env.update(DJANGO_SETTINGS_MODULE="gis.settings", STATIC_ROOT=str(static_root))
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
                   cwd=Path(__file__).resolve().parents[1], env=env, check=True, timeout=900)
    return static_root


@pytest.fixture(scope="session")
def _demo_city_session(django_db_setup, django_db_blocker):
    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("load_demo_city", verbosity=0)


@pytest.fixture
def demo_city(_demo_city_session, django_db_blocker):
    """The generated demo city, loaded once per test session into the test database.

    Tests that use it must not modify registry rows they did not create. A transactional
    test flushes the database; the next test that asks for the demo city gets it loaded again.
    """
    from django.core.management import call_command

    from layers.models import Building

    with django_db_blocker.unblock():
        if not Building.objects.filter(source="demo").exists():
            call_command("load_demo_city", verbosity=0)
    return True


class SmtpSink:
    """What the `smtp_server` fixture yields: a real SMTP server (aiosmtpd) and the messages it received."""

    def __init__(self, host: str, port: int) -> None:
        import threading

        self.host, self.port = host, port
        self.messages: list = []  # email.message.EmailMessage, in arrival order
        self.envelopes: list = []  # (mail_from, rcpt_tos)
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        import email
        import email.policy

        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def wait_for(self, n: int, timeout: float = 30.0) -> list:
        """Poll until at least n messages arrived (or fail after `timeout` seconds); returns them all."""
        import time

        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if len(self.messages) >= n:
                    return list(self.messages)
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {n} e-mail(s) at the SMTP server within {timeout} s, "
                                     f"got {len(self.messages)}")
            time.sleep(0.02)

    def to(self, address: str) -> list:
        return [m for m in self.messages if address in str(m["To"])]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on 127.0.0.1 at a free port; Django's EMAIL_* settings point at it.

    `.messages` are the received email.message.EmailMessage objects; `.wait_for(n, timeout)` polls.
    """
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sink = SmtpSink("127.0.0.1", port)
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    try:
        yield sink
    finally:
        controller.stop()
