"""Writes for appeals that residents file themselves (online, Open311): intake with photos, the
dispatcher's "online — to check" queue (correct, approve photos, reject as spam).

citizens/ validates and cleans the input (photos re-encoded without EXIF) and calls these; it never
writes appeal tables itself. Every function runs in one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from appeals import roles, services, workflow
from appeals.errors import AppealError, NotAllowed
from appeals.models import OPEN_STATUSES, Appeal, AppealPhoto, EventAction, Status
from layers.models import Building, Category

log = logging.getLogger(__name__)
InvalidTransition = _Invalid = workflow.InvalidTransition


@dataclass(frozen=True)
class PhotoData:
    """A cleaned photo: JPEG bytes with no metadata, named by their sha256."""

    content: bytes
    sha256: str
    width: int
    height: int

    @property
    def name(self) -> str:
        return f"{self.sha256}.jpg"


def photo_path(sha256: str) -> str:
    return f"appeals/photos/{sha256[:2]}/{sha256}.jpg"


class PhotoStorageError(AppealError):
    """The photos could not be written (the media folder is full, read-only or gone). Nothing was saved."""

    code = "media_unavailable"


def store_photo_files(photos: Sequence[PhotoData]) -> list[str]:
    """Write the photos' files before any row that names them; returns the paths this call created.

    Content-hash names: a file that exists already is the same picture (another appeal's), kept as it is.
    A write that fails (ENOSPC, EROFS, EACCES…) removes what this call wrote and raises PhotoStorageError,
    so the caller saves no appeal and leaves no file behind.
    """
    created: list[str] = []
    try:
        for p in photos:
            path = photo_path(p.sha256)
            if default_storage.exists(path):
                continue
            # Not there before: whatever is at this path after a failed write is our partial file.
            created.append(path)
            saved = default_storage.save(path, ContentFile(p.content))
            if saved != path:  # a concurrent writer won the name: same bytes, keep theirs
                created.pop()
                default_storage.delete(saved)
    except OSError as exc:
        log.error("photos not stored (%s): the media folder is full, read-only or missing", exc)
        discard_photo_files(created)
        raise PhotoStorageError(
            "не вдалося зберегти фото: сховище файлів тимчасово недоступне. Звернення не збережено — "
            "спробуйте ще раз пізніше, надішліть його без фото або зателефонуйте 1505") from exc
    return created


@contextmanager
def photo_files(photos: Sequence[PhotoData]) -> Iterator[list[str]]:
    """Around the transaction that saves the photo rows (entered before it begins): the files are written
    first, and removed again when the block raises (a refusal, the database gone, a failed commit).

    A full or read-only media folder raises PhotoStorageError before any row is written.
    """
    written = store_photo_files(photos) if photos else []
    try:
        yield written
    except BaseException:
        discard_photo_files(written)
        raise


def discard_photo_files(paths: Sequence[str]) -> None:
    """Remove files written for an appeal that was not saved (unless a saved photo row names one meanwhile)."""
    for path in paths:
        if AppealPhoto.objects.filter(file=path).exists():
            continue
        try:
            default_storage.delete(path)  # FileSystemStorage: a missing file is no error
        except OSError as exc:  # a read-only folder cannot lose the file either; say so, the filing fails anyway
            log.error("photo file %s could not be removed: %s", path, exc)


def attach_photos(*, appeal: Appeal, photos: Sequence[PhotoData], now: datetime | None = None) -> list[AppealPhoto]:
    """The photo rows; their files are written before them (store_photo_files, photo_files)."""
    now = now or timezone.now()
    rows = [AppealPhoto(appeal=appeal, file=photo_path(p.sha256), sha256=p.sha256, width=p.width, height=p.height,
                        created_at=now) for p in photos]
    return AppealPhoto.objects.bulk_create(rows)


def register_online(*, category: Category, place, description: str, channel: str, name: str = "", phone: str = "",
                    email: str = "", is_formal: bool, tracking_code_hash: str = "", notify: bool = False,
                    hold_for_review: bool, photos: Sequence[PhotoData] = (), source_name: str = "",
                    idempotency_key: str | None = None, now: datetime | None = None) -> services.IntakeResult:
    """A resident's appeal: registered and routed as a phone appeal is, then its photos and its source.

    The caller wraps its transaction in `photo_files(photos)`, which writes the files before and removes them
    if it does not commit; files still missing here are written before their rows (never a row without a file).
    """
    now = now or timezone.now()
    # No savepoint of its own: nothing here is caught and retried, a failure rolls back the caller's whole
    # transaction (register_intake keeps its own, for a concurrent submit of the same key).
    with transaction.atomic(savepoint=False):
        result = services.register_intake(
            dispatcher=None, category=category, phone=phone, description=description, applicant_name=name,
            channel=channel, idempotency_key=idempotency_key, now=now, applicant_email=email, is_formal=is_formal,
            tracking_code_hash=tracking_code_hash, notify_applicant=notify, needs_review=True,
            hold_for_review=hold_for_review, place=place, source_name=source_name,
        )
        if result.created and photos:
            store_photo_files(photos)
            attach_photos(appeal=result.appeal, photos=photos, now=now)
    return result


def join_appeal(*, appeal: Appeal | int | str, phone: str = "", note: str = "", idempotency_key: str | None = None,
                now: datetime | None = None) -> services.IntakeResult:
    """"Мене це теж стосується": one more contact on an open appeal, counted as a repeat call is."""
    target = services._get_appeal(appeal)
    if target.status not in OPEN_STATUSES:
        raise _Invalid(f"звернення {target.number} вже закрите")
    return services.register_intake(dispatcher=None, category=target.category_id, phone=phone, description=note,
                                    link_to_appeal=target, idempotency_key=idempotency_key, now=now)


# --- the dispatcher's "online — to check" queue -----------------------------------------------


def _check_reviewer(actor) -> None:
    if roles.role_of(actor) not in (workflow.DISPATCHER, workflow.SUPERVISOR, workflow.ADMINISTRATOR):
        raise NotAllowed("перевіряє онлайн-звернення диспетчер")


def review_online(*, appeal: Appeal | int | str, actor, version: int, category: Category | None = None,
                  building: Building | None = None, approve_photos: Sequence[int] = (),
                  reject_photos: Sequence[int] = (), note: str = "", now: datetime | None = None) -> Appeal:
    """Checked: the address or category corrected (routed again if so), photos approved or removed;
    an appeal held for the check is sent to its providers now."""
    now = now or timezone.now()
    with transaction.atomic():
        _check_reviewer(actor)
        appeal = roles.appeal_for_action(user=actor, appeal=services._get_appeal(appeal))
        if not appeal.needs_review:
            raise _Invalid(f"звернення {appeal.number} вже перевірено")
        fields: dict = {"needs_review": False, "reviewed_at": now}
        changed = []
        if category is not None and category.pk != appeal.category_id:
            fields["category"] = category
            changed.append(f"категорія: {appeal.category} → {category}")
        if building is not None and building.pk != appeal.building_id:
            fields.update(building=building, point=building.point, address_text=building.address)
            changed.append(f"адреса: {appeal.address_text} → {building.address}")
        appeal = services._apply(appeal=appeal, version=version, now=now, **fields)
        photos = AppealPhoto.objects.filter(appeal=appeal)
        approved = photos.filter(pk__in=list(approve_photos)).update(approved=True, approved_by=actor, approved_at=now)
        removed, _ = photos.filter(pk__in=list(reject_photos)).exclude(pk__in=list(approve_photos)).delete()
        services._event(appeal_id=appeal.pk, at=now, actor=actor, action=EventAction.COMMENT,
                        note=note or "онлайн-звернення перевірено",
                        data={"reviewed": True, "changes": changed, "photos_approved": approved,
                              "photos_removed": removed})
        if changed or appeal.status == Status.REGISTERED:
            if appeal.status in (Status.REGISTERED, Status.SENT, Status.REJECTED):
                routes = services._reroute_rows(appeal=appeal, providers=None, now=now)
                services._after_reroute(appeal=appeal, routes=routes, actor=actor, now=now,
                                        note="після перевірки онлайн-звернення")
    appeal.refresh_from_db()
    return appeal


def reject_as_spam(*, appeal: Appeal | int | str, actor, version: int, reason: str,
                   now: datetime | None = None) -> Appeal:
    """Not a real appeal (spam, abuse, a test): cancelled with the reason; its photos are removed."""
    if not (reason or "").strip():
        raise _Invalid("вкажіть причину відхилення")
    now = now or timezone.now()
    with transaction.atomic():
        _check_reviewer(actor)
        target = roles.appeal_for_action(user=actor, appeal=services._get_appeal(appeal))
        services._apply(appeal=target, version=version, now=now, needs_review=False, reviewed_at=now)
        target.refresh_from_db()
        AppealPhoto.objects.filter(appeal=target).delete()
        return services.change_status(appeal=target, actor=actor, to_status=Status.CANCELLED,
                                      version=target.version, reason=f"спам: {reason.strip()}", now=now)
