"""Sign-in lockout (django-axes) through the real staff login form, and the password rules."""

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from appeals.management.commands.setup_demo import ACCOUNTS, demo_password

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"
RIGHT = "Kramatorsk-clerk-2026"


@pytest.fixture
def clerk(django_user_model):
    return django_user_model.objects.create_user("clerk", password=RIGHT)


def _post(client: Client, username: str, password: str, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_twelve_wrong_passwords_lock_the_account_and_the_right_one_is_then_refused(client, clerk):
    answers = [_post(client, "clerk", f"wrong-{i}").status_code for i in range(12)]
    limit = settings.AXES_FAILURE_LIMIT
    assert limit <= 12
    assert answers[: limit - 1] == [200] * (limit - 1)  # the form again, with its error
    assert answers[limit - 1:] == [429] * (12 - limit + 1)
    response = _post(client, "clerk", RIGHT)
    assert response.status_code == 429
    body = response.content.decode()
    assert "Вхід тимчасово заблоковано" in body and "адміністратора" in body
    assert not _signed_in(client)


def test_the_right_password_before_the_limit_signs_in_and_clears_the_failures(client, clerk):
    for i in range(settings.AXES_FAILURE_LIMIT - 1):
        _post(client, "clerk", f"wrong-{i}")
    assert _post(client, "clerk", RIGHT).status_code == 302 and _signed_in(client)
    client.logout()
    # The count started again: as many failures once more do not lock.
    for i in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _post(client, "clerk", f"wrong-{i}").status_code == 200
    assert _post(client, "clerk", RIGHT).status_code == 302


def test_one_address_trying_many_user_names_is_locked_out_and_another_address_is_not(clerk):
    attacker, colleague = Client(REMOTE_ADDR="198.51.100.9"), Client(REMOTE_ADDR="198.51.100.10")
    for i in range(settings.AXES_FAILURE_LIMIT):
        _post(attacker, f"guess{i}", "wrong-password")
    assert _post(attacker, "clerk", RIGHT).status_code == 429
    assert _post(colleague, "clerk", RIGHT).status_code == 302


def test_behind_nginx_the_address_is_the_one_nginx_appended_to_x_forwarded_for(clerk):
    proxy = Client(REMOTE_ADDR="127.0.0.1")
    for i in range(settings.AXES_FAILURE_LIMIT):
        # A forged first entry changes nothing: only the last one is nginx's.
        _post(proxy, f"guess{i}", "wrong-password", HTTP_X_FORWARDED_FOR=f"10.9.9.{i}, 203.0.113.7")
    assert _post(proxy, "clerk", RIGHT, HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429
    assert _post(proxy, "clerk", RIGHT, HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 302


def test_an_administrator_unlocks_a_locked_account_in_the_admin(client, clerk, django_user_model):
    for i in range(settings.AXES_FAILURE_LIMIT):
        _post(client, "clerk", f"wrong-{i}")
    assert _post(client, "clerk", RIGHT).status_code == 429
    admin = Client(REMOTE_ADDR="192.0.2.1")
    admin.force_login(django_user_model.objects.create_superuser("root", password="Admin-password-2026"))
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "clerk" in listing.content.decode()
    from axes.models import AccessAttempt

    ids = [str(pk) for pk in AccessAttempt.objects.filter(username="clerk").values_list("pk", flat=True)]
    done = admin.post("/admin/axes/accessattempt/", {"action": "delete_selected", "_selected_action": ids,
                                                      "post": "yes"})
    assert done.status_code == 302
    assert _post(client, "clerk", RIGHT).status_code == 302 and _signed_in(client)


def test_the_admin_login_page_is_locked_out_too(clerk):
    client = Client()
    for i in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": "clerk", "password": f"wrong-{i}"})
    assert client.post("/admin/login/", {"username": "clerk", "password": RIGHT}).status_code == 429


@pytest.mark.parametrize("password", ["1234567890123", "password1234", "clerk-2026", "short-1"])
def test_weak_passwords_are_refused_beyond_their_length(password):
    with pytest.raises(ValidationError):
        validate_password(password, User(username="clerk-2026", email="clerk@example.org"))


def test_every_demo_account_password_satisfies_the_validators():
    for account in ACCOUNTS:
        validate_password(demo_password(account.username), User(username=account.username))
