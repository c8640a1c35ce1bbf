"""Guards of a production installation: demo generators refuse, and the appeal history cannot be truncated."""

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from appeals.models import AppealEvent
from tests import factories
from tests.integration.map_data import appeal

pytestmark = pytest.mark.django_db


def test_generate_appeals_refuses_to_run_in_production(registry, settings):
    settings.ENVIRONMENT = "production"
    with pytest.raises(CommandError, match="ECITY_ENV=production"):
        call_command("generate_appeals", "--count", "10", "--source", "test", verbosity=0)
    from appeals.models import Appeal

    assert not Appeal.objects.exists()


def test_load_demo_city_force_refuses_to_run_in_production(registry, settings):
    settings.ENVIRONMENT = "production"
    before = factories.models.Building.objects.count()
    with pytest.raises(CommandError, match="ECITY_ENV=production"):
        call_command("load_demo_city", "--force", verbosity=0)
    assert factories.models.Building.objects.count() == before


def _history(registry) -> int:
    a = appeal("26-200001", building=registry.buildings["parkova:12"])
    AppealEvent.objects.create(appeal=a, at=a.created_at, action="created", to_status="registered")
    return AppealEvent.objects.count()


def _truncate(sql: str) -> None:
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # deferred FK checks of this test's rows first
        cur.execute("SET LOCAL ecity.allow_history_truncate = ''")
        cur.execute(sql)


def test_the_history_refuses_truncate_even_from_a_superuser(registry):
    count = _history(registry)
    with connection.cursor() as cur:
        cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        assert cur.fetchone()[0] is True  # the test runs as a superuser: the trigger binds it too
    with pytest.raises(DatabaseError, match="append-only"):
        _truncate("TRUNCATE appeals_appealevent")
    assert AppealEvent.objects.count() == count


def test_a_truncate_of_the_registry_cannot_cascade_into_the_history(registry):
    count = _history(registry)
    with pytest.raises(DatabaseError, match="append-only"):
        _truncate("TRUNCATE layers_building CASCADE")
    assert AppealEvent.objects.count() == count


def test_an_application_role_cannot_truncate_even_when_it_asks_for_the_reset(registry):
    count = _history(registry)
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cur.execute("CREATE ROLE ecity_app_probe NOLOGIN")  # rolled back with the test
            cur.execute("GRANT ALL ON appeals_appealevent TO ecity_app_probe")
            cur.execute("SET LOCAL ROLE ecity_app_probe")
            cur.execute("SET LOCAL ecity.allow_history_truncate = 'on'")
            cur.execute("TRUNCATE appeals_appealevent")
    assert AppealEvent.objects.count() == count


def test_update_and_delete_of_an_event_are_still_refused(registry):
    _history(registry)
    event = AppealEvent.objects.first()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AppealEvent.objects.filter(pk=event.pk).update(note="змінено")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AppealEvent.objects.filter(pk=event.pk).delete()
