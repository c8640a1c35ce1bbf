"""Online filing through citizens.services.file_online (real PostGIS, Redis, SMTP)."""

from io import BytesIO

import pytest
from django.db import connection
from PIL import Image

from appeals import notifications
from appeals.models import Appeal, AppealPhoto, Call, CallOutcome, Channel, Notification, Status
from citizens import ratelimit, services
from tests import factories


@pytest.fixture
def world(registry, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    c = registry
    c.cat = factories.category("t_leak", service_kinds=("in_house",), hours=72, name="Протікання")
    c.cat_held = factories.category("t_graffiti", service_kinds=("in_house",), name="Графіті")
    c.cat_held.online_review_required = True
    c.cat_held.save()
    return c


def jpeg_with_gps() -> bytes:
    img = Image.new("RGB", (3000, 1500), (120, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = {1: "N", 2: (48.0, 44.0, 0.0), 3: "E", 4: (37.0, 33.0, 0.0)}
    exif[0x8825] = gps
    buf = BytesIO()
    img.save(buf, "JPEG", exif=exif)
    data = buf.getvalue()
    assert Image.open(BytesIO(data)).getexif().get_ifd(0x8825)  # the fixture really carries GPS
    return data


def file(w, **kw):
    b = w.buildings["druzhby:3"]
    args = {"category": w.cat, "description": "Тече дах над під'їздом", "building": b, "name": "Оксана Петренко",
            "phone": "050 123 45 67", "email": "oksana@example.org", "consent": True}
    args.update(kw)
    return services.file_online(**args)


def test_a_formal_online_appeal_is_routed_sent_and_its_code_and_number_go_by_email(world, smtp_server,
                                                                                django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = file(world)
    appeal = Appeal.objects.get(pk=result.appeal.pk)
    assert appeal.channel == Channel.ONLINE and appeal.is_formal and appeal.status == Status.SENT
    assert appeal.applicant_phone == "+380501234567" and appeal.applicant_email == "oksana@example.org"
    assert appeal.needs_review and not result.held_for_review
    assert appeal.routes.filter(active=True, provider=world.providers["zhek1"]).exists()
    code = result.tracking_code
    assert len(code.replace("-", "")) == 10 and code not in appeal.tracking_code_hash
    assert services.code_matches(appeal=appeal, code=code.lower())
    assert not services.code_matches(appeal=appeal, code="00000-00000")
    notifications.send_pending()
    [msg] = smtp_server.wait_for(1)
    assert msg["To"] == "oksana@example.org" and appeal.number in msg["Subject"]
    assert code in msg.get_body(("plain",)).get_content()


def test_a_report_without_contact_is_accepted_but_not_counted_as_a_formal_appeal(world):
    result = file(world, name="", phone="", email="", consent=False)
    assert not result.is_formal and not result.appeal.is_formal
    assert result.appeal.applicant_phone == "" and not Notification.objects.exists()


def test_a_category_that_needs_a_check_keeps_the_appeal_registered_until_the_dispatcher_sends_it(world):
    from appeals import online

    result = file(world, category=world.cat_held)
    assert result.held_for_review and result.appeal.status == Status.REGISTERED
    dispatcher = factories.staff("disp", "dispatcher")
    appeal = online.review_online(appeal=result.appeal, actor=dispatcher, version=result.appeal.version)
    assert appeal.status == Status.SENT and not appeal.needs_review and appeal.reviewed_at is not None


def test_a_pin_near_a_building_is_snapped_to_it_and_a_pin_outside_the_hromada_is_refused(world):
    b = world.buildings["druzhby:3"]
    lon, lat = factories.offset(b.point.x, b.point.y, dx_m=12)
    result = file(world, building=None, lon=lon, lat=lat)
    assert result.appeal.building_id == b.pk
    with pytest.raises(services.FilingError) as exc:
        file(world, building=None, lon=30.52, lat=50.45)  # Kyiv
    assert "поза межами" in exc.value.errors["place"][0]
    assert Appeal.objects.count() == 1


def test_every_bad_field_gets_its_own_ukrainian_message_and_nothing_is_saved(world):
    with pytest.raises(services.FilingError) as exc:
        file(world, category="no-such", description="", phone="123", email="not-an-email", consent=False,
             photos=[b"not an image"], building=None)
    errors = exc.value.errors
    assert set(errors) == {"category", "description", "phone", "email", "consent", "place", "photos"}
    assert "не є зображенням" in errors["photos"][0]
    assert not Appeal.objects.exists() and not AppealPhoto.objects.exists() and not Notification.objects.exists()


def test_a_name_without_a_phone_is_refused_at_the_phone(world):
    with pytest.raises(services.FilingError) as exc:
        file(world, phone="")
    assert list(exc.value.errors) == ["phone"]


def test_a_photo_is_re_encoded_without_gps_and_stored_under_its_content_hash_after_commit(
        world, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = file(world, photos=[jpeg_with_gps()])
    [photo] = result.appeal.photos.all()
    assert not photo.approved and max(photo.width, photo.height) == 2048
    path = settings.MEDIA_ROOT / photo.file.name
    assert path.name == f"{photo.sha256}.jpg" and path.exists()
    stored = Image.open(path)
    assert stored.format == "JPEG" and not stored.getexif() and "exif" not in stored.info


def test_a_failed_filing_writes_no_photo_file(world, settings, django_capture_on_commit_callbacks):
    with pytest.raises(services.FilingError), django_capture_on_commit_callbacks(execute=True):
        file(world, photos=[jpeg_with_gps()], description="")
    assert not (settings.MEDIA_ROOT / "appeals").exists()


def test_an_oversize_photo_and_more_than_three_are_refused(world):
    with pytest.raises(services.FilingError) as exc:
        file(world, photos=[b"\xff" * (10 * 1024 * 1024 + 1)])
    assert "10 МБ" in exc.value.errors["photos"][0]
    with pytest.raises(services.FilingError) as exc:
        file(world, photos=[jpeg_with_gps()] * 4)
    assert "не більше 3" in exc.value.errors["photos"][0]


def test_the_same_idempotency_key_returns_the_first_appeal_and_the_same_code(world):
    first = file(world, idempotency_key="form-123")
    again = file(world, idempotency_key="form-123")
    assert again.replayed and again.appeal.pk == first.appeal.pk and again.tracking_code == first.tracking_code
    assert Appeal.objects.count() == 1


def test_joining_an_open_appeal_adds_a_contact_like_a_repeat_call(world):
    first = file(world)
    joined = file(world, join_appeal=first.number, phone="067 000 11 22", name="Іван", email="")
    assert joined.joined and joined.appeal.pk == first.appeal.pk and joined.tracking_code == ""
    call = Call.objects.get(appeal=first.appeal)
    assert call.outcome == CallOutcome.ADDED_TO_APPEAL and call.phone == "+380670001122"
    assert Appeal.objects.count() == 1


def test_too_many_filings_from_one_phone_in_an_hour_are_refused(world, settings):
    settings.CITIZENS_MAX_FILINGS_PER_PHONE_HOUR = 2
    file(world)
    file(world)
    with pytest.raises(ratelimit.RateLimited):
        file(world)


def test_joins_from_one_phone_count_with_its_filings_toward_the_hour_limit(world, settings):
    settings.CITIZENS_MAX_FILINGS_PER_PHONE_HOUR = 2
    first = file(world)
    file(world, join_appeal=first.number, name="Іван", email="")
    with pytest.raises(ratelimit.RateLimited):
        file(world)
    file(world, phone="067 000 11 22", name="Іван", email="")  # another phone is not limited


def test_too_many_filings_from_one_ip_in_an_hour_are_refused(world, settings):
    from django.utils import timezone

    settings.CITIZENS_MAX_FILINGS_PER_IP_HOUR = 1
    ip = f"203.0.113.{connection.connection.info.backend_pid % 250}"
    ratelimit.reset_ip(ip, timezone.now())
    file(world, client_ip=ip, name="", phone="", email="", consent=False)
    with pytest.raises(ratelimit.RateLimited):
        file(world, client_ip=ip, name="", phone="", email="", consent=False)
    ratelimit.reset_ip(ip, timezone.now())
