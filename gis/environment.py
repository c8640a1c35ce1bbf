"""Which kind of installation this is (settings.ENVIRONMENT, from ECITY_ENV).

Demo generators refuse to run on a production database: they write synthetic people and, with
--force/--replace, delete real rows.
"""

from __future__ import annotations

import os

from django.conf import settings

PRODUCTION = "production"


class ProductionRefused(RuntimeError):
    """A demo or destructive command was asked to run where ECITY_ENV=production."""


def is_production() -> bool:
    return str(getattr(settings, "ENVIRONMENT", os.environ.get("ECITY_ENV", ""))).lower() == PRODUCTION


def refuse_in_production(what: str) -> None:
    """Raise ProductionRefused (a Ukrainian message) when this is a production installation."""
    if is_production():
        raise ProductionRefused(f"{what}: заборонено у робочому середовищі (ECITY_ENV=production)")
