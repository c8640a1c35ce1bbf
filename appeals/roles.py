"""Roles (Django groups) and object scoping.

dispatcher         registers calls and appeals, reroutes, confirms, closes; sees everything
provider_operator  works the journal of ONE provider (StaffProfile.provider): sees only appeals ever
                   routed to it, acts only on those it holds now
supervisor         second-level control for some provider kinds (StaffProfile.supervised_kinds;
                   none listed = every kind): escalation queue, plan dates
analyst            reads everything but personal data (names, phones, flats)
administrator      everything (also any superuser)

Scoping is one rule (scope_of → AppealScope), applied in the query: scope_appeals for the ORM (API,
pages, admin), AppealScope's fields for the map tiles' SQL. A list, a detail page and an API call all
answer 404 for an appeal outside the user's scope; a Django staff user with no role sees nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.db.models import Exists, OuterRef, QuerySet

from appeals.errors import AppealNotFound, NotAllowed
from appeals.models import Appeal, AppealRoute, StaffProfile
from appeals.workflow import ADMINISTRATOR, ANALYST, DISPATCHER, PROVIDER_OPERATOR, ROLES, SUPERVISOR
from layers.models import Provider

# When a user is in several groups, the strongest wins.
_PRECEDENCE = (ADMINISTRATOR, SUPERVISOR, DISPATCHER, PROVIDER_OPERATOR, ANALYST)

# Model permissions each group gets (for the admin); the object scoping is ours, below.
_GROUP_PERMISSIONS = {
    DISPATCHER: ("view_appeal", "add_appeal", "change_appeal", "view_call", "add_call", "view_appealevent",
                 "view_appealroute"),
    PROVIDER_OPERATOR: ("view_appeal", "change_appeal", "view_appealevent", "view_appealroute"),
    SUPERVISOR: ("view_appeal", "change_appeal", "view_call", "view_appealevent", "view_appealroute",
                 "view_shiftreport"),
    ANALYST: (),
    ADMINISTRATOR: ("view_appeal", "add_appeal", "change_appeal", "view_call", "add_call", "change_call",
                    "view_appealevent", "view_appealroute", "view_shiftreport", "view_staffprofile",
                    "add_staffprofile", "change_staffprofile"),
}


def ensure_groups() -> dict[str, Group]:
    """Create the five groups with their model permissions (idempotent)."""
    groups = {}
    for role in ROLES:
        group, _created = Group.objects.get_or_create(name=role)
        perms = Permission.objects.filter(content_type__app_label="appeals", codename__in=_GROUP_PERMISSIONS[role])
        group.permissions.set(perms)
        groups[role] = group
    return groups


def role_of(user) -> str | None:
    """The user's role: the strongest of their groups; a superuser is an administrator; None for none."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return ADMINISTRATOR
    names = getattr(user, "_appeals_groups", None)
    if names is None:
        names = set(user.groups.values_list("name", flat=True))
        user._appeals_groups = names  # one query per request, not per check
    for role in _PRECEDENCE:
        if role in names:
            return role
    return None


def _profile(user) -> StaffProfile | None:
    if not getattr(user, "pk", None):
        return None
    try:
        return user.staff_profile
    except StaffProfile.DoesNotExist:
        return None


def provider_of(user) -> Provider | None:
    """The provider a provider operator works for (None for other roles)."""
    if role_of(user) != PROVIDER_OPERATOR:
        return None
    profile = _profile(user)
    return profile.provider if profile else None


def supervised_kinds(user) -> list[str]:
    """Provider kinds a supervisor controls; [] means all kinds."""
    profile = _profile(user)
    return list(profile.supervised_kinds) if profile and role_of(user) == SUPERVISOR else []


def sees_personal_data(user) -> bool:
    """Names, phones and flats: for everyone who works the appeal, never for analysts or outsiders."""
    return role_of(user) in (DISPATCHER, PROVIDER_OPERATOR, SUPERVISOR, ADMINISTRATOR)


@dataclass(frozen=True)
class AppealScope:
    """Which appeals a user may read: THE scoping rule; every path (API, pages, admin, tiles) applies it.

    ``nothing``: no appeals at all (no role, even a Django staff user; an operator without a provider).
    ``provider_id``: appeals ever routed to this provider. ``provider_kinds``: appeals ever routed to a
    provider of one of these kinds. Neither: every appeal.
    """

    nothing: bool = False
    provider_id: int | None = None
    provider_kinds: tuple[str, ...] = ()

    @property
    def everything(self) -> bool:
        return not self.nothing and self.provider_id is None and not self.provider_kinds


def scope_of(user) -> AppealScope:
    """The user's AppealScope, from their role and StaffProfile."""
    role = role_of(user)
    if role in (ADMINISTRATOR, DISPATCHER, ANALYST):
        return AppealScope()
    if role == PROVIDER_OPERATOR:
        provider = provider_of(user)
        return AppealScope(provider_id=provider.pk) if provider is not None else AppealScope(nothing=True)
    if role == SUPERVISOR:
        return AppealScope(provider_kinds=tuple(sorted(supervised_kinds(user))))
    return AppealScope(nothing=True)


def scope_appeals(*, user, queryset: QuerySet[Appeal] | None = None) -> QuerySet[Appeal]:
    """The appeals this user may read, as a filter in the query itself (scope_of decides)."""
    qs = Appeal.objects.all() if queryset is None else queryset
    scope = scope_of(user)
    if scope.nothing:
        return qs.none()
    if scope.provider_id is not None:
        return qs.filter(Exists(AppealRoute.objects.filter(appeal_id=OuterRef("pk"), provider_id=scope.provider_id)))
    if scope.provider_kinds:
        return qs.filter(Exists(AppealRoute.objects.filter(appeal_id=OuterRef("pk"),
                                                           provider__kind__in=scope.provider_kinds)))
    return qs


def appeal_for_action(*, user, appeal: Appeal) -> Appeal:
    """The appeal (fresh from the database) if the user may change it; else AppealNotFound / NotAllowed.

    No row lock: the write that follows is a compare-and-set on the version (optimistic locking).

    A provider operator may act only on appeals their provider holds now (an active route).
    """
    role = role_of(user)
    if role is None:
        raise AppealNotFound(f"звернення {appeal.number} не знайдено")
    if role == ANALYST:
        raise NotAllowed("аналітик не змінює звернення")
    qs = scope_appeals(user=user, queryset=Appeal.objects.select_related("category", "building"))
    if role == PROVIDER_OPERATOR:
        provider = provider_of(user)
        qs = qs.filter(Exists(AppealRoute.objects.filter(appeal_id=OuterRef("pk"), provider_id=provider.pk,
                                                          active=True)))
    found = qs.filter(pk=appeal.pk).first()
    if found is None:
        raise AppealNotFound(f"звернення {appeal.number} не знайдено")
    return found
