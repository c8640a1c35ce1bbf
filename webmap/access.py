"""Who may see which map: the public, staff, a provider's operators, analysts (roles from appeals.roles)."""

from __future__ import annotations

from appeals import roles
from appeals.workflow import ADMINISTRATOR, ANALYST, SUPERVISOR


def is_analyst(user) -> bool:
    """Analysts, supervisors and administrators see the analytics page (no personal data in it)."""
    return roles.role_of(user) in (ANALYST, SUPERVISOR, ADMINISTRATOR)


def is_staff_member(user) -> bool:
    """A signed-in member of the contact centre or of a provider: one of the roles (a Django staff flag
    alone is not a role: such a user sees no appeals, on the map as in the API)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return roles.role_of(user) is not None


def internal_scope(user) -> roles.AppealScope:
    """The user's scope for the internal map layer: appeals.roles.scope_of, the rule every path applies."""
    return roles.scope_of(user)
