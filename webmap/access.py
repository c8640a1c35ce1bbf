"""Who may see which map: the public, staff, a provider's operators, analysts (roles from appeals.roles)."""

from __future__ import annotations

from appeals import roles
from appeals.workflow import ADMINISTRATOR, ANALYST, PROVIDER_OPERATOR, SUPERVISOR


def is_analyst(user) -> bool:
    """Analysts, supervisors and administrators see the analytics page (no personal data in it)."""
    return roles.role_of(user) in (ANALYST, SUPERVISOR, ADMINISTRATOR)


def is_staff_member(user) -> bool:
    """Any signed-in member of the contact centre or of a provider (any role, or Django staff)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return roles.role_of(user) is not None or user.is_staff


def provider_scope(user) -> int | None:
    """The provider a provider operator is limited to (appeals ever routed to it); None for every other role.

    An operator with no provider on their profile gets an id that matches nothing: they see nothing.
    """
    if roles.role_of(user) != PROVIDER_OPERATOR:
        return None
    provider = roles.provider_of(user)
    return provider.pk if provider is not None else -1
