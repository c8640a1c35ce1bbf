"""Reads for tracking (/track/) and the dispatcher's online queue.

Number alone → the public card (a public category; status, dates, category, the building's address; no
personal data, no free text). Number + the right tracking code → the applicant's whole story: statuses with
dates, the providers responsible, their replies and what was done, the deadline, a linked outage, and the
applicant's own entries masked (phone's last digits only).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, Prefetch, QuerySet
from django.db.models.functions import JSONObject
from django.utils import timezone

from appeals.models import Appeal, AppealEvent, AppealPhoto, AppealRoute, EventAction, Status
from appeals.precision import public_address
from appeals.services import PUBLIC_NOTE
from citizens.services import code_matches


@dataclass(frozen=True)
class Step:
    at: datetime
    status: str
    status_name: str
    note: str = ""  # only in the private story


@dataclass(frozen=True)
class Story:
    number: str
    status: str
    status_name: str
    category: str
    created_at: datetime
    deadline: datetime | None
    resolved_at: datetime | None
    address: str
    private: bool  # the code matched: the applicant's own view
    providers: list[str] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    resolution: str = ""
    outage: dict | None = None
    mine: dict = field(default_factory=dict)  # masked own entries
    awaits_confirmation: bool = False
    confirmation: str = ""
    rating: int | None = None
    photos: list[str] = field(default_factory=list)  # approved photos' URLs


def mask_phone(phone: str) -> str:
    """The last two digits only.

    >>> mask_phone("+380501234567")
    '+380 ** *** ** 67'
    """
    return f"+380 ** *** ** {phone[-2:]}" if len(phone) >= 4 else ""


def mask_email(email: str) -> str:
    """The first letter and the domain.

    >>> mask_email("oksana@example.org")
    'o***@example.org'
    """
    if "@" not in email:
        return ""
    user, domain = email.split("@", 1)
    return f"{user[:1]}***@{domain}"


def mask_name(name: str) -> str:
    """Initials.

    >>> mask_name("Оксана Петренко")
    'О. П.'
    """
    return " ".join(f"{w[0]}." for w in name.split() if w)


def _appeal(number: str, *, with_story: bool = False) -> Appeal | None:
    """The appeal by its number; with_story: its status steps, providers and approved photos too, in the same
    query (one round trip for the whole tracking page; shown only when the code matches)."""
    number = (number or "").strip()
    if not number or len(number) > 16:
        return None
    qs = Appeal.objects.select_related("category", "building__street")
    if with_story:
        qs = qs.select_related("outage").annotate(
            story_steps=ArraySubquery(
                AppealEvent.objects.filter(appeal=OuterRef("pk"), action=EventAction.STATUS).order_by("at", "id")
                .values(json=JSONObject(at="at", status="to_status", note="note", data="data"))),
            story_providers=ArraySubquery(
                AppealRoute.objects.filter(appeal=OuterRef("pk"), active=True, provider__isnull=False)
                .order_by("service_kind_id")
                .values(json=JSONObject(short_name="provider__short_name", name="provider__name"))),
            story_photos=ArraySubquery(
                AppealPhoto.objects.filter(appeal=OuterRef("pk"), approved=True).order_by("id").values("id")))
    return qs.filter(number=number).first()


def own_appeal(*, number: str, code: str) -> Appeal | None:
    appeal = _appeal(number)
    if appeal is None or not code or not code_matches(appeal=appeal, code=code):
        return None
    return appeal


def story(*, number: str, code: str = "") -> Story | None:
    appeal = _appeal(number, with_story=bool(code))
    if appeal is None:
        return None
    private = bool(code) and code_matches(appeal=appeal, code=code)
    if not private:
        window = timedelta(days=int(getattr(settings, "PUBLIC_MAP_WINDOW_DAYS", 90)))
        if not appeal.category.is_public or appeal.created_at < timezone.now() - window:
            return None
    base = dict(number=appeal.number, status=appeal.status, status_name=appeal.get_status_display(),
                category=appeal.category.name_uk, created_at=appeal.created_at, deadline=appeal.deadline,
                resolved_at=appeal.resolved_at,
                address=(appeal.building.address if private else public_address(appeal.building))
                if appeal.building_id else "",
                private=private, awaits_confirmation=appeal.status == Status.RESOLVED and not appeal.confirmation,
                confirmation=appeal.get_confirmation_display() if appeal.confirmation else "")
    if not private:
        return Story(**base)
    steps = [Step(at=datetime.fromisoformat(e["at"]), status=e["status"], status_name=str(Status(e["status"]).label),
                  # Staff notes are internal unless given as a public reply; what was done and the
                  # applicant's own dispute are theirs to read.
                  note=e["note"] if (e["data"] or {}).get(PUBLIC_NOTE)
                  or e["status"] in (Status.RESOLVED, Status.REOPENED) else "")
             for e in appeal.story_steps]
    outage = None
    if appeal.outage_id:
        o = appeal.outage
        outage = {"id": o.pk, "kind": o.get_kind_display(), "status": o.get_status_display(),
                  "expected_end": o.expected_end, "public_note": o.public_note}
    mine = {"name": mask_name(appeal.applicant_name), "phone": mask_phone(appeal.applicant_phone),
            "email": mask_email(appeal.applicant_email), "description": appeal.description,
            "formal": appeal.is_formal}
    photos = [f"/photos/{pk}.jpg" for pk in appeal.story_photos]
    # As str(Provider): the short name when it has one.
    providers = [p["short_name"] or p["name"] for p in appeal.story_providers]
    return Story(**base, providers=providers, steps=steps, resolution=appeal.resolution,
                 outage=outage, mine=mine, rating=appeal.rating, photos=photos)


def review_queue(*, limit: int = 100) -> QuerySet[Appeal]:
    """Online appeals waiting for a dispatcher's check, oldest first."""
    return (Appeal.objects.filter(needs_review=True).exclude(status__in=[Status.CANCELLED, Status.CLOSED])
            .select_related("category", "building__street")
            .prefetch_related(Prefetch("photos", queryset=AppealPhoto.objects.order_by("id")))
            .order_by("created_at")[:limit])


def now() -> datetime:
    return timezone.now()
