"""Appeals for the map tests: rows written straight to the table (the read side does not care how).

Every appeal carries personal data that must never reach a public response: the applicant's name and
phone and the flat ("Ф-8841") are unique, searchable markers (PERSONAL_MARKERS); they are also in every
free-text field of the appeal's life: the typed address, the description, the resolution, a route's
rejection reason and an event's note.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.gis.geos import Point
from django.utils import timezone

from appeals.models import Appeal, AppealEvent, AppealRoute
from gis.srid import STORAGE_SRID
from layers.categories import ensure_categories
from layers.models import Category, ServiceKind

PERSONAL_MARKERS = ("Шевченко-Приватна", "+380509998877", "0509998877", "Ф-8841")


def appeal(number: str, *, building=None, lon: float | None = None, lat: float | None = None, category: str = "no_cold_water",
           status: str = "registered", age_days: float = 1.0, flat: str = "Ф-8841", history: bool = False) -> Appeal:
    """One appeal full of personal data; ``history`` adds an event with a note (events are append-only:
    such an appeal can no longer be deleted)."""
    if not Category.objects.filter(code=category).exists():
        ensure_categories()  # a transactional test's flush removed the seeded ones
    created = timezone.now() - dt.timedelta(days=age_days)
    point = building.point if building is not None else Point(lon, lat, srid=STORAGE_SRID)
    a = Appeal.objects.create(
        number=number, category=Category.objects.get(code=category), building=building, point=point,
        address_text=f"вул. Паркова, 12, кв. {flat}", description="Дзвонила Шевченко-Приватна, тел. +380509998877",
        applicant_name="Шевченко-Приватна Олена", applicant_phone="+380509998877", flat=flat,
        status=status, created_at=created, updated_at=created, deadline=created + dt.timedelta(days=1),
        resolved_at=created + dt.timedelta(hours=5) if status == "resolved" else None,
        resolution="Полагодили у Шевченко-Приватна, кв. Ф-8841",
    )
    # A rejected route (no provider: no scope filter matches it) and an event, with personal data in the text.
    AppealRoute.objects.create(appeal=a, service_kind=ServiceKind.objects.order_by("code").first(), provider=None,
                               outcome="gap", active=False, rejected=True, created_at=created,
                               rejection_reason="Не наш: Шевченко-Приватна, +380509998877")
    if history:
        AppealEvent.objects.create(appeal=a, at=created, action="comment", note="Перетелефонувати 0509998877, кв. Ф-8841")
    return a
