"""The audit log: registry changes (admin, importers) and reads of personal data (API, pages, admin), append-only."""

from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction

from appeals import roles
from appeals.models import Appeal
from audit.models import AuditEntry
from importers.tabular import import_providers
from tests import factories
from tests.integration.test_appeals_api import URL, file_appeal, token_client
from tests.integration.test_appeals_api import world as world  # noqa: PLC0414 (the fixture, by name)

pytestmark = pytest.mark.django_db

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "importers"


def _entries(**filters) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(**filters).order_by("id"))


@pytest.fixture
def admin_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="pw-root-1505")
    client.force_login(admin)
    return client


def test_a_provider_changed_and_deleted_in_the_admin_is_in_the_audit_log_with_who_and_which_fields(admin_client, registry):
    provider = registry.providers["water"]
    page = admin_client.get(f"/admin/layers/provider/{provider.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update({"phones": '["+380626999999"]', "hours": "8–17", "service_kinds": [k.pk for k in provider.service_kinds.all()]})
    data = {k: v for k, v in data.items() if k not in ("service_kinds",)} | {"service_kinds": data["service_kinds"]}
    response = admin_client.post(f"/admin/layers/provider/{provider.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    [changed] = _entries(action="update", object_type="layers.provider")
    assert changed.actor == "root" and changed.object_id == str(provider.pk)
    assert {"phones", "hours"} <= set(changed.detail["fields"])
    category = factories.category("t_audit", service_kinds=("water",), hours=24)
    response = admin_client.post(f"/admin/layers/category/{category.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    [deleted] = _entries(action="delete", object_type="layers.category")
    assert deleted.object_repr == str(category) and deleted.actor == "root"


@pytest.mark.usefixtures("empty_registry")
def test_an_import_that_commits_is_audited_row_by_row_and_as_a_run_and_a_dry_run_leaves_nothing():
    import_providers(FIX / "providers_cp1251.csv")  # dry run
    assert not AuditEntry.objects.exists()
    import_providers(FIX / "providers_cp1251.csv", commit=True)
    created = _entries(action="create", object_type="layers.provider")
    assert len(created) == 3 and all(e.actor.startswith("import:providers") for e in created)
    [run] = _entries(action="import")
    assert run.detail["counts"]["provider"]["created"] == 3 and run.detail["rejected"] == 1


def test_reading_an_appeal_with_its_applicant_is_audited_for_staff_and_never_written_for_analysts(world):
    number = file_appeal(world)["number"]
    assert token_client(world.dispatcher).get(f"{URL}/{number}").status_code == 200
    [read] = _entries(action="read_personal")
    assert (read.actor, read.object_id, read.path) == ("disp", number, f"{URL}/{number}")
    assert set(read.detail["fields"]) == {"applicant_name", "applicant_phone", "flat"}
    assert token_client(world.analyst).get(f"{URL}/{number}").status_code == 200
    assert len(_entries(action="read_personal")) == 1  # the analyst saw no personal data: nothing to log


def test_the_appeal_page_and_every_phone_search_are_audited(world, client):
    number = file_appeal(world)["number"]
    client.force_login(world.dispatcher)
    assert client.get(f"/appeals/{number}/").status_code == 200
    assert client.get("/dispatch/search/", {"phone": "0507654321"}).status_code == 200
    assert client.get("/dispatch/phone.json", {"phone": "050 765 43 21"}).status_code == 200
    assert token_client(world.dispatcher).get(URL, {"phone": "0507654321"}).status_code == 200
    assert [e.detail["where"] for e in _entries(action="read_personal")] == ["page"]
    searches = _entries(action="phone_search")
    assert [e.detail["where"] for e in searches] == ["search page", "dispatch phone panel", "api"]
    assert all(e.actor == "disp" for e in searches)


def test_the_admin_appeal_list_is_scoped_and_a_search_there_by_phone_is_audited(world, client):
    mine = file_appeal(world)["number"]  # routed to ЖЕК-1
    other = file_appeal(world, category="t_no_water")["number"]  # routed to the water utility
    roles.ensure_groups()  # the groups' model permissions (the admin asks for view_appeal)
    world.op_zhek.is_staff = True
    world.op_zhek.save()
    client.force_login(world.op_zhek)
    listing = client.get("/admin/appeals/appeal/")
    assert listing.status_code == 200
    shown = {a.number for a in listing.context["cl"].result_list}
    assert shown == {mine} and other not in shown
    other_pk = Appeal.objects.get(number=other).pk
    assert client.get(f"/admin/appeals/appeal/{other_pk}/change/").status_code in (302, 404)
    searched = client.get("/admin/appeals/appeal/", {"q": "+380507654321"})
    assert {a.number for a in searched.context["cl"].result_list} == {mine}
    [search] = _entries(action="phone_search")
    assert (search.actor, search.detail["phone"], search.detail["where"]) == ("op_zhek", "+380507654321", "admin: appeals")


def test_a_django_staff_user_without_a_role_sees_no_appeal_in_the_admin(world, client, django_user_model):
    file_appeal(world)
    from django.contrib.auth.models import Permission

    staff = django_user_model.objects.create_user("plainstaff", password="pw-123456", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_appeal"))
    client.force_login(staff)
    listing = client.get("/admin/appeals/appeal/")
    assert listing.status_code == 200 and list(listing.context["cl"].result_list) == []


def test_the_audit_log_is_read_only_in_the_admin_and_for_administrators_only(admin_client, world, client):
    file_appeal(world)
    token_client(world.dispatcher).get(URL, {"phone": "0507654321"})
    entry = AuditEntry.objects.get(action="phone_search")
    assert admin_client.get("/admin/audit/auditentry/").status_code == 200
    page = admin_client.get(f"/admin/audit/auditentry/{entry.pk}/change/")
    assert page.status_code == 200 and b'name="actor"' not in page.content  # shown, not editable
    assert admin_client.post(f"/admin/audit/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    world.dispatcher.is_staff = True
    world.dispatcher.save()
    client.force_login(world.dispatcher)
    assert client.get("/admin/audit/auditentry/").status_code == 403


def test_the_database_refuses_to_change_delete_or_truncate_audit_entries(world):
    file_appeal(world)
    token_client(world.dispatcher).get(URL, {"phone": "0507654321"})
    entry = AuditEntry.objects.get(action="phone_search")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(actor="someone else")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL ecity.allow_history_truncate = ''")
        cur.execute("TRUNCATE audit_auditentry")
    assert AuditEntry.objects.filter(pk=entry.pk, actor="disp").exists()
