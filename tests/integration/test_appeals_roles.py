"""Roles and scoping: the five groups, demo accounts, who sees what, and the admin pages."""

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.test import override_settings

from appeals import roles, selectors, services
from appeals.management.commands.setup_demo import demo_password
from appeals.models import StaffProfile
from tests import factories


@pytest.fixture
def world(registry):
    c = registry
    c.cat = factories.category("t_leak", service_kinds=("in_house",))
    c.cat_water = factories.category("t_no_water", service_kinds=("water",), hours=24, is_emergency=True)
    c.dispatcher = factories.staff("disp", "dispatcher")
    return c


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])  # speed, not security
def test_setup_demo_creates_the_groups_and_one_account_per_role_and_is_idempotent(world, capsys):
    call_command("setup_demo", "--print-accounts")
    first = capsys.readouterr().out
    call_command("setup_demo", "--print-accounts")
    assert capsys.readouterr().out == first
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ROLES)
    by_role = {roles.role_of(u): u for u in User.objects.filter(username__in=[
        "dispatcher", "operator_zhek", "supervisor_housing", "analyst", "admin"])}
    assert set(by_role) == {"dispatcher", "provider_operator", "supervisor", "analyst", "administrator"}
    assert StaffProfile.objects.get(user__username="operator_zhek").provider == world.providers["zhek1"]
    assert "Kramatorsk-1-1505" in first and "ЖЕК-1" in first
    assert authenticate(username="analyst", password=demo_password("analyst")) is not None


def test_the_strongest_group_wins_and_a_superuser_is_an_administrator(db):
    user = factories.staff("both", "analyst")
    user.groups.add(Group.objects.get_or_create(name="dispatcher")[0])
    assert roles.role_of(User.objects.get(pk=user.pk)) == "dispatcher"
    boss = User.objects.create_superuser("boss", password=None)
    assert roles.role_of(boss) == "administrator"
    assert roles.role_of(User.objects.create_user("nobody")) is None


def test_a_user_without_a_role_or_an_operator_without_a_provider_sees_no_appeals(world):
    services.register_intake(dispatcher=world.dispatcher, category=world.cat, building=world.buildings["druzhby:3"])
    assert roles.scope_appeals(user=User.objects.create_user("nobody")).count() == 0
    assert roles.scope_appeals(user=factories.staff("lost", "provider_operator")).count() == 0
    assert roles.scope_appeals(user=world.dispatcher).count() == 1


def test_a_supervisor_sees_the_appeals_of_their_provider_kinds_only(world):
    leak = services.register_intake(dispatcher=world.dispatcher, category=world.cat,
                                    building=world.buildings["druzhby:3"]).appeal
    water = services.register_intake(dispatcher=world.dispatcher, category=world.cat_water,
                                     building=world.buildings["druzhby:3"]).appeal
    housing = factories.staff("sup_h", "supervisor", supervised_kinds=("housing_office",))
    everything = factories.staff("sup_all", "supervisor")
    assert [a.pk for a in roles.scope_appeals(user=housing)] == [leak.pk]
    assert {a.pk for a in roles.scope_appeals(user=everything)} == {leak.pk, water.pk}
    with pytest.raises(services.AppealNotFound):
        selectors.appeal_detail(user=housing, appeal=water.number)


def test_only_working_roles_see_personal_data(world):
    assert roles.sees_personal_data(world.dispatcher)
    assert roles.sees_personal_data(factories.staff("op", "provider_operator", provider=world.providers["zhek1"]))
    assert not roles.sees_personal_data(factories.staff("an", "analyst"))
    assert not roles.sees_personal_data(User.objects.create_user("nobody"))


def test_the_admin_lists_appeals_and_shows_one_with_its_history(world, client):
    appeal = services.register_intake(dispatcher=world.dispatcher, category=world.cat,
                                      building=world.buildings["druzhby:3"]).appeal
    client.force_login(User.objects.create_superuser("root", password=None))
    listing = client.get("/admin/appeals/appeal/")
    assert listing.status_code == 200 and appeal.number in listing.content.decode()
    detail = client.get(f"/admin/appeals/appeal/{appeal.pk}/change/")
    assert detail.status_code == 200 and "маршрутизовано" in detail.content.decode()
