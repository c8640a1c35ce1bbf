"""The whole API contract, checked by a client no one here wrote: schemathesis on /api/v1/schema.

Every operation of the schema (geocoding, lookup, appeals, outages, callbacks, public, analytics, tiles, OGC API –
Features, Open311) is called with generated requests as each role: anonymous, dispatcher, provider operator,
supervisor (deputy mayor), analyst and administrator (city IT), each with its DRF token. Every response must be
no server error, a status the schema declares for the operation, of a declared content type, with a body that
validates against the declared schema and the declared headers. A failure is a bug in the code or a schema that
lies: it is fixed there, never silenced here.

The requests go through Django's WSGI application in this process (schemathesis.openapi.from_wsgi): no port,
and each test's database changes are rolled back like any other test's. Few examples per operation and role
(CONTRACT_EXAMPLES, default 2) keep it to a couple of minutes; `CONTRACT_EXAMPLES=100` for a deep run.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

EXAMPLES = int(os.environ.get("CONTRACT_EXAMPLES", "2"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]
ROLES = ("anonymous", "dispatcher", "provider_operator", "supervisor", "analyst", "administrator")

schema = schemathesis.openapi.from_wsgi("/api/v1/schema", get_wsgi_application())


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI handler closes the database connection after each request (request_finished); Django's test
    client disconnects that handler for the test's transaction to survive, and so do we."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(request, demo_city):
    """The Authorization header of a fresh user of the role (none for anonymous)."""
    from rest_framework.authtoken.models import Token

    from layers.models import Provider

    role = request.param
    if role == "anonymous":
        return {}
    provider = Provider.objects.order_by("id").first() if role == "provider_operator" else None
    user = factories.staff(f"contract_{role}", role, provider=provider)
    return {"Authorization": f"Token {Token.objects.create(user=user).key}"}


@pytest.mark.parametrize("token", ROLES, indirect=True)
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_its_schema_says_for_every_role(case, token):
    case.call_and_validate(headers=token, checks=CHECKS)


def _routes(patterns, prefix=""):
    for p in patterns:
        if hasattr(p, "url_patterns"):
            yield from _routes(p.url_patterns, prefix + str(p.pattern))
        else:
            yield prefix + str(p.pattern)


def test_every_api_route_is_in_the_schema():
    """A route under /api/, /tiles/, /ogc/ or /open311/ that the schema does not describe fails here (and so is
    never fuzzed): the schema must grow with the URLs."""
    import re

    from django.urls import get_resolver

    documented = {re.sub(r"\{[^}]+\}", "{}", path) for path in schema.raw_schema["paths"]}
    missing = []
    for route in _routes(get_resolver().url_patterns):
        if not route.startswith(("api/", "tiles/", "ogc/", "open311/")) or route == "open311/":
            continue
        # Django's <conv:name> and Open311's regex groups → {} placeholders; the ext group → both formats.
        path = re.sub(r"\(\?P<fmt>json\|xml\)", "FMT", re.sub(r"\(\?P<(?!fmt)[^>]+>[^)]*\)", "{}", "/" + route))
        path = re.sub(r"<[^>]+>", "{}", path)
        path = path.replace("^", "").replace("\\Z", "").replace("\\.", ".")
        for variant in ([path.replace("FMT", "json"), path.replace("FMT", "xml")] if "FMT" in path else [path]):
            if variant not in documented:
                missing.append(variant)
    assert not missing, f"not in /api/v1/schema: {missing}"
