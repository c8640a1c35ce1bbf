"""Shared fixtures. Tests talk to the real PostGIS (the private cluster or DATABASE_URL)."""

import pytest
from django.conf import settings

# Live-server threads must not keep connections open past a test, or the test database cannot be dropped.
settings.DATABASES["default"]["CONN_MAX_AGE"] = 0


@pytest.fixture
def registry(db):
    """A tiny hand-made city (see tests/factories.py): two neighbourhoods, streets, buildings, providers, areas."""
    from tests import factories

    return factories.tiny_city()
