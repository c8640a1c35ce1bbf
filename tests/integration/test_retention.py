"""Retention (appeals.retention): personal data of appeals closed > APPEALS_PERSONAL_DATA_YEARS ago is erased;
counts, categories, geometry and the history's shape stay."""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from appeals import retention
from appeals.models import PERSONAL_FIELDS, Appeal, AppealEvent, AppealPhoto, AppealRoute, Call
from audit.models import AuditEntry
from tests.integration.test_analyst_privacy import MARKERS, lived  # noqa: F401 (fixture)
from tests.integration.test_appeals_api import URL, file_appeal, token_client
from tests.integration.test_appeals_api import world as world  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def _close(w, number: str, *, years_ago: float, to: str = "closed") -> Appeal:
    a = Appeal.objects.get(number=number)
    response = token_client(w.dispatcher).post(f"{URL}/{number}/status",
                                               {"to": to, "version": a.version, "reason": "дубль дзвінка"},
                                               format="json")
    assert response.status_code == 200, response.content
    Appeal.objects.filter(number=number).update(closed_at=timezone.now() - dt.timedelta(days=365.25 * years_ago))
    return Appeal.objects.get(number=number)


def _everything_of(a: Appeal) -> str:
    parts = [str({f.name: getattr(a, f.name) for f in Appeal._meta.fields})]
    parts += [str(r.__dict__) for r in AppealRoute.objects.filter(appeal=a)]
    parts += [f"{e.note} {e.data}" for e in AppealEvent.objects.filter(appeal=a)]
    parts += [f"{c.phone} {c.note}" for c in Call.objects.filter(appeal=a)]
    return " ".join(parts)


@pytest.fixture
def old_and_new(lived, django_capture_on_commit_callbacks):  # noqa: F811
    w, number = lived
    token_client(w.dispatcher).post(URL, {"category": "t_leak", "phone": "0671112233", "link_to_appeal": number,
                                          "description": "сусідка Коваленко"}, format="json")
    old = _close(w, number, years_ago=4)
    photo = AppealPhoto.objects.create(appeal=old, file=ContentFile(b"\xff\xd8jpeg", name="retention-test.jpg"),
                                       sha256="0" * 64, created_at=old.created_at)
    recent = file_appeal(w, description="ОПИС-МАРКЕР свіже")["number"]
    recent = _close(w, recent, years_ago=1, to="cancelled")
    still_open = file_appeal(w, description="ОПИС-МАРКЕР відкрите")["number"]
    Appeal.objects.filter(number=still_open).update(created_at=timezone.now() - dt.timedelta(days=2000))
    return w, old, recent, still_open, photo


def test_personal_data_of_an_appeal_closed_four_years_ago_is_erased_and_its_record_stays(old_and_new,
                                                                                      django_capture_on_commit_callbacks):
    w, old, recent, still_open, photo = old_and_new
    assert all(marker in _everything_of(old) for marker in MARKERS)
    events_before = AppealEvent.objects.filter(appeal=old).count()
    storage, name = photo.file.storage, photo.file.name
    with django_capture_on_commit_callbacks(execute=True):
        report = retention.anonymise()
    assert report.appeals == 1
    after = Appeal.objects.get(pk=old.pk)
    text = _everything_of(after)
    for marker in MARKERS + ("Коваленко", "0671112233", "кв. 47", "тече з даху"):
        assert marker not in text, marker
    assert all(getattr(after, f) in ("", None) for f in PERSONAL_FIELDS)
    # What reports and maps need is still there.
    assert (after.number, after.category_id, after.building_id, after.status) == (old.number, old.category_id,
                                                                                  old.building_id, "closed")
    assert after.point.equals(old.point) and after.created_at == old.created_at
    assert AppealEvent.objects.filter(appeal=old).count() == events_before
    assert Call.objects.filter(appeal=old).count() == 2 and not Call.objects.filter(appeal=old).exclude(phone="").exists()
    assert not AppealPhoto.objects.filter(appeal=old).exists() and not storage.exists(name)
    # Closed a year ago and still open: untouched.
    assert "ОПИС-МАРКЕР" in Appeal.objects.get(pk=recent.pk).description
    assert Appeal.objects.get(number=still_open).applicant_phone == "+380507654321"
    [entry] = AuditEntry.objects.filter(action="anonymise")
    assert entry.actor == "retention" and entry.detail["appeals"] == 1
    assert retention.anonymise().appeals == 0  # idempotent
    assert AuditEntry.objects.filter(action="anonymise").count() == 1


def test_the_period_is_a_setting_and_the_command_has_a_dry_run(old_and_new, settings, capsys):
    w, old, recent, still_open, photo = old_and_new
    settings.APPEALS_PERSONAL_DATA_YEARS = 0.5
    call_command("anonymise_appeals", "--dry-run")
    assert "2 appeals closed before" in capsys.readouterr().out
    assert Appeal.objects.get(pk=recent.pk).applicant_phone  # a dry run writes nothing
    call_command("anonymise_appeals", "--years", "5")
    assert Appeal.objects.get(pk=old.pk).applicant_phone  # four years < five
    call_command("anonymise_appeals")
    assert not Appeal.objects.filter(pk__in=[old.pk, recent.pk]).exclude(applicant_phone="").exists()


def test_the_nightly_task_is_scheduled_and_runs_the_same_anonymisation(old_and_new):
    from appeals.tasks import anonymise_old_appeals
    from gis.celery import app

    scheduled = {e["task"] for e in app.conf.beat_schedule.values()}
    assert "appeals.tasks.anonymise_old_appeals" in scheduled
    assert anonymise_old_appeals()["appeals"] == 1


def test_every_personal_field_of_an_appeal_is_in_the_retention_list():
    assert set(PERSONAL_FIELDS) <= set(retention.APPEAL_PERSONAL_DATA)
    for name in retention.APPEAL_PERSONAL_DATA:
        Appeal._meta.get_field(name)  # a listed field that does not exist is a typo
    for rel in retention.RELATED_PERSONAL_DATA:
        for name in rel.fields:
            rel.model._meta.get_field(name)


def test_the_history_refuses_any_other_change_even_during_anonymisation(old_and_new):
    from django.db import DatabaseError, connection, transaction

    w, old, *_ = old_and_new
    event = AppealEvent.objects.filter(appeal=old).exclude(note="").first()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL ecity.anonymise = 'on'")
        cur.execute("UPDATE appeals_appealevent SET to_status = 'closed', note = '' WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL ecity.anonymise = 'on'")
        cur.execute("UPDATE appeals_appealevent SET note = 'переписано' WHERE id = %s", [event.pk])
