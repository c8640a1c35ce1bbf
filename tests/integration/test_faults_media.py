"""Fault drill: the media folder full (ENOSPC) or read-only (EROFS) while a resident uploads a photo.

Real file systems, no mock of our storage: MEDIA_ROOT is a tiny tmpfs mounted for the test (tests run as
root, and root ignores file permissions, so a chmod would prove nothing), filled to the brim or remounted
read-only. Through /report/ and the Open311 POST with a photo (multipart `media`): the resident gets a
clear Ukrainian error, no appeal, photo row or message is saved, no file is left behind; once the folder
is writable again the same filing goes through with its photo on disk.
"""

import os
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from django.test import Client
from PIL import Image

from appeals.models import Appeal, AppealPhoto, Notification
from citizens.open311.attributes import ensure_attributes
from layers.categories import ensure_categories
from tests import factories
from tests.integration.test_citizens_pages import post_report
from tests.integration.test_open311_post import _add_key, _fms_form

pytestmark = [pytest.mark.django_db, pytest.mark.fault("media folder full or read-only during a photo upload")]
MESSAGE = "не вдалося зберегти фото"


def _photo() -> BytesIO:
    """A noisy picture (re-encoded it stays tens of kB, more than the full folder's last few bytes)."""
    buf = BytesIO()
    Image.frombytes("RGB", (400, 300), os.urandom(400 * 300 * 3)).save(buf, "PNG")
    buf.seek(0)
    buf.name = "photo.png"
    return buf


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True, timeout=30)


@pytest.fixture
def media(settings, tmp_path):
    """A 256 kB tmpfs as MEDIA_ROOT; yields (root, fill, read_only, writable)."""
    root = tmp_path / "media"
    root.mkdir()
    try:
        _mount("-t", "tmpfs", "-o", "size=256k,mode=755", "tmpfs", str(root))
    except (subprocess.CalledProcessError, FileNotFoundError) as exc:
        pytest.skip(f"cannot mount a tmpfs here ({exc}); the drill needs root in a machine that allows mounts")
    settings.MEDIA_ROOT = root
    settings.CITIZENS_MAX_FILINGS_PER_IP_HOUR = 1000
    filler = root / "filler"

    def fill() -> None:  # leave two pages free: a photo's directory fits, its bytes do not
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            while os.write(fd, b"\0" * 4096):
                pass
        except OSError:
            pass
        finally:
            os.close(fd)
        os.truncate(filler, filler.stat().st_size - 8192)

    def read_only() -> None:
        _mount("-o", "remount,ro", str(root))

    def writable() -> None:
        _mount("-o", "remount,rw", str(root))
        filler.unlink(missing_ok=True)

    try:
        yield root, fill, read_only, writable
    finally:
        subprocess.run(["umount", "-l", str(root)], check=False, timeout=30)


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name != "filler")


def _nothing_saved(root: Path, before: tuple[int, int, int]) -> None:
    assert (Appeal.objects.count(), AppealPhoto.objects.count(), Notification.objects.count()) == before
    assert _files(root) == []


@pytest.fixture
def world(registry):
    c = registry
    c.cat = factories.category("t_leak_media", service_kinds=("in_house",), hours=72, name="Протікання")
    return c


@pytest.mark.parametrize("fault", ["full", "read_only"])
def test_the_report_form_with_a_photo_on_a_full_or_read_only_media_folder_says_so_and_saves_nothing(
        world, media, fault):
    root, fill, read_only, writable = media
    fill() if fault == "full" else read_only()
    before = (Appeal.objects.count(), AppealPhoto.objects.count(), Notification.objects.count())

    response = post_report(Client(), world, photos=_photo(), key=f"media-{fault}")
    assert response.status_code == 400
    html = response.content.decode()
    assert MESSAGE in html and "Звернення не збережено" in html and "1505" in html
    _nothing_saved(root, before)

    writable()  # space freed / the folder mounted writable again: the resident's retry goes through
    response = post_report(Client(), world, photos=_photo(), key=f"media-{fault}")
    assert response.status_code == 200, response.content.decode()[-2000:]
    [photo] = AppealPhoto.objects.filter(appeal__idempotency_key=f"media-{fault}")
    assert (root / photo.file.name).is_file() and _files(root) == [root / photo.file.name]


@pytest.mark.parametrize("fault", ["full", "read_only"])
def test_an_open311_post_with_a_photo_on_a_full_or_read_only_media_folder_answers_503_and_files_nothing(
        registry, media, fault):
    ensure_categories()
    ensure_attributes()
    from layers.models import Boundary

    lon0, lat0 = factories.CENTRE
    Boundary.objects.create(name_uk="Тестова громада", geom=factories.box(lon0 - 0.03, lat0 - 0.02, lon0 + 0.03,
                                                                          lat0 + 0.02), source="test", source_id="h")
    key = _add_key("fms-media")
    root, fill, read_only, writable = media
    fill() if fault == "full" else read_only()
    before = (Appeal.objects.count(), AppealPhoto.objects.count(), Notification.objects.count())

    form = {**_fms_form(key), "attribute[fixmystreet_id]": f"media-{fault}", "media": _photo()}
    response = Client().post("/open311/v2/requests.json", form)
    assert response.status_code == 503
    [error] = response.json()
    assert error["code"] == "media_unavailable" and MESSAGE in error["description"]
    _nothing_saved(root, before)

    writable()
    form["media"] = _photo()
    response = Client().post("/open311/v2/requests.json", form)
    assert response.status_code == 201, response.content.decode()
    number = response.json()[0]["service_request_id"]
    [photo] = AppealPhoto.objects.filter(appeal__number=number)
    assert _files(root) == [root / photo.file.name]
