"""Writes on the routing registry, and the `routing_changed` hook other apps listen to.

When a service area or a building assignment changes, every building whose routing may have
moved is named in one `routing_changed` signal, sent inside the same transaction as the edit.
The appeals app connects the re-routing of open appeals to it and returns a report of what moved:

    from layers.services import routing_changed

    @receiver(routing_changed)
    def reroute_open_appeals(sender, change, **kwargs):
        return reroute(building_ids=change.building_ids)   # the report; collected in change.reports

Admin edits and the write functions below call it; importers call area_changed()/assignment_changed()
themselves after a batch (a signal per row of a bulk import would be wasteful).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.contrib.gis.geos import GEOSGeometry
from django.db import transaction
from django.dispatch import Signal

from layers.models import Building, BuildingAssignment, ServiceArea

# Sent with change=RoutingChange. Receivers return a report (any object) of what they re-routed.
routing_changed = Signal()


@dataclass(frozen=True)
class RoutingChange:
    """Buildings whose routing may have changed, and why."""

    building_ids: frozenset[int]
    area_ids: frozenset[int] = frozenset()
    assignment_ids: frozenset[int] = frozenset()
    reason: str = ""
    reports: tuple = field(default=(), compare=False)  # what receivers returned, in connection order


def buildings_covered_by(*, geoms: Iterable[GEOSGeometry]) -> set[int]:
    """Ids of buildings whose representative point any of the geometries covers (edge included)."""
    ids: set[int] = set()
    for geom in geoms:
        if geom is None or geom.empty:
            continue
        ids.update(Building.objects.filter(point__coveredby=geom).values_list("id", flat=True))
    return ids


def _send(change: RoutingChange) -> RoutingChange:
    responses = routing_changed.send(sender=RoutingChange, change=change)
    return RoutingChange(building_ids=change.building_ids, area_ids=change.area_ids,
                         assignment_ids=change.assignment_ids, reason=change.reason,
                         reports=tuple(response for _receiver, response in responses))


def area_changed(*, area_ids: Iterable[int], previous_geoms: Mapping[int, GEOSGeometry] | None = None,
                 reason: str = "") -> RoutingChange:
    """Announce that service areas changed (geometry, kinds, provider, dates, priority, or deleted).

    The affected buildings are those inside the current geometry of each area and inside its
    previous geometry (pass it for an edited or deleted area, or buildings that fell out are missed).
    """
    area_ids = frozenset(int(i) for i in area_ids)
    geoms = list(ServiceArea.objects.filter(id__in=area_ids).values_list("geom", flat=True))
    geoms.extend((previous_geoms or {}).values())
    change = RoutingChange(building_ids=frozenset(buildings_covered_by(geoms=geoms)), area_ids=area_ids,
                           reason=reason or "service area changed")
    return _send(change)


def assignment_changed(*, building_ids: Iterable[int], assignment_ids: Iterable[int] = (),
                       reason: str = "") -> RoutingChange:
    """Announce that building assignments changed (created, edited, deleted) for these buildings."""
    change = RoutingChange(building_ids=frozenset(int(i) for i in building_ids),
                           assignment_ids=frozenset(int(i) for i in assignment_ids),
                           reason=reason or "building assignment changed")
    return _send(change)


@transaction.atomic
def update_area(*, area: ServiceArea, geom: GEOSGeometry | None = None, service_kinds: Iterable[str] | None = None,
                **fields: object) -> RoutingChange:
    """Change a service area (any of its fields, its geometry or its kinds) and announce the change."""
    previous = ServiceArea.objects.filter(pk=area.pk).values_list("geom", flat=True).first()
    if geom is not None:
        area.geom = geom
    for name, value in fields.items():
        setattr(area, name, value)
    area.full_clean(exclude=["service_kinds"])
    area.save()
    if service_kinds is not None:
        area.service_kinds.set(list(service_kinds))
    return area_changed(area_ids=[area.pk], previous_geoms={area.pk: previous} if previous else None,
                        reason=f"service area {area.pk} edited")


@transaction.atomic
def delete_area(*, area: ServiceArea) -> RoutingChange:
    area_id, previous = area.pk, area.geom
    area.delete()
    return area_changed(area_ids=[area_id], previous_geoms={area_id: previous}, reason=f"service area {area_id} deleted")


@transaction.atomic
def save_assignment(*, assignment: BuildingAssignment, service_kinds: Iterable[str] | None = None) -> RoutingChange:
    """Create or change a building assignment and announce it (for the old building too, if it moved)."""
    previous_building = (BuildingAssignment.objects.filter(pk=assignment.pk).values_list("building_id", flat=True)
                         .first() if assignment.pk else None)
    assignment.save()
    if service_kinds is not None:
        assignment.service_kinds.set(list(service_kinds))
    buildings = {assignment.building_id} | ({previous_building} if previous_building else set())
    return assignment_changed(building_ids=buildings, assignment_ids=[assignment.pk],
                              reason=f"building assignment {assignment.pk} saved")


@transaction.atomic
def delete_assignment(*, assignment: BuildingAssignment) -> RoutingChange:
    assignment_id, building_id = assignment.pk, assignment.building_id
    assignment.delete()
    return assignment_changed(building_ids=[building_id], assignment_ids=[assignment_id],
                              reason=f"building assignment {assignment_id} deleted")
