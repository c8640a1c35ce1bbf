"""Security headers on every answer; HSTS and secure cookies only when the site says it is on HTTPS."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_pages_carry_a_content_security_policy_without_unsafe_inline(client):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if " " in d.strip())
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


@pytest.mark.parametrize("url", ["/", "/no-such-page/", "/api/v1/public/categories", "/accounts/login/"])
def test_every_answer_says_nosniff_deny_framing_and_same_origin_referrer(client, url):
    response = client.get(url)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response  # plain HTTP here: HTTPS is not set


def _https_settings(**env: str) -> str:
    code = ("import django; from django.conf import settings as s; django.setup(); "
            "print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
            "'upgrade-insecure-requests' in s.CONTENT_SECURITY_POLICY['DIRECTIVES'])")
    base = {k: v for k, v in os.environ.items() if k not in ("HTTPS", "HSTS_SECONDS")}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**base, "DJANGO_SETTINGS_MODULE": "gis.settings", **env})
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_https_1_turns_on_hsts_for_a_year_secure_cookies_and_the_redirect():
    assert _https_settings(HTTPS="1") == ["31536000", "True", "True", "True", "True"]
    assert _https_settings() == ["0", "False", "False", "False", "False"]


def test_behind_https_the_answer_carries_hsts_and_the_session_cookie_is_secure(client, settings, django_user_model):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SESSION_COOKIE_SECURE = True
    django_user_model.objects.create_user("clerk", password="Kramatorsk-clerk-2026", is_staff=True)
    response = client.post("/accounts/login/", {"username": "clerk", "password": "Kramatorsk-clerk-2026"},
                           HTTP_X_FORWARDED_PROTO="https", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000"
    assert response.cookies[settings.SESSION_COOKIE_NAME]["secure"] is True


def test_a_staff_session_ends_after_the_idle_minutes_and_each_request_moves_the_end(client, django_user_model):
    from django.contrib.sessions.models import Session

    django_user_model.objects.create_user("clerk", password="Kramatorsk-clerk-2026", is_staff=True)
    assert client.login(username="clerk", password="Kramatorsk-clerk-2026")
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_MINUTES * 60
    key = client.session.session_key
    first = Session.objects.get(session_key=key).expire_date
    Session.objects.filter(session_key=key).update(expire_date=first.replace(year=first.year - 1))
    # An expired session is no session: the next request is anonymous again.
    assert client.get("/dispatch/").status_code == 302
    assert client.login(username="clerk", password="Kramatorsk-clerk-2026")
    key = client.session.session_key
    before = Session.objects.get(session_key=key).expire_date
    client.get("/")
    assert Session.objects.get(session_key=key).expire_date > before
