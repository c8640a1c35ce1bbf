"""Two detections of one burst in two real concurrent transactions make one suspected outage, not two.

Intakes of one category queue today on the year's number counter and on the map cells their appeals
update, so two detections overlap only when they run outside those transactions (a retried or moved
detection, or intake no longer holding those rows): the appeals here are committed first, then two
transactions run detection at once. The category's advisory lock (outages.services.DETECTION_LOCK) makes
the second wait for the first's commit, then find its outage and join it.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from appeals import deadlines, outage_services
from appeals.models import Appeal, Status
from layers.categories import ensure_categories
from layers.models import Category
from outages.models import Outage
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

RULE = {"no_cold_water": {"min_buildings": 2, "radius_m": 100, "window_minutes": 30}}


def _appeal(*, building, number: str, at) -> Appeal:
    """An appeal written the way intake writes it, with a number of its own (no counter row to queue on)."""
    category = Category.objects.get(code="no_cold_water")
    return Appeal.objects.create(number=number, category=category, building=building, point=building.point,
                                 status=Status.SENT, created_at=at, updated_at=at,
                                 deadline=deadlines.compute_deadline(registered_at=at, hours=category.deadline_hours,
                                                                     is_emergency=category.is_emergency))


def _advisory_waiters() -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        return cur.fetchone()[0]


@override_settings(OUTAGE_DETECTION=RULE)
def test_two_concurrent_detections_of_one_burst_make_one_suspected_outage():
    city = factories.tiny_city()
    ensure_categories()
    at = timezone.now() - timezone.timedelta(minutes=10)
    b = city.buildings
    appeals = [_appeal(building=b[key], number=f"26-99000{i}", at=at + timezone.timedelta(seconds=i))
               for i, key in enumerate(("parkova:12", "parkova:12А", "parkova:14"))]  # committed, none detected yet
    first_detected = threading.Event()
    results: dict = {}
    waited: dict = {}

    def first():
        try:
            with transaction.atomic():
                results["first"] = outage_services.detect_outage(appeal=appeals[1], now=at)
                first_detected.set()
                # Hold the transaction open until the second is queued on the category's lock (or 10 s pass).
                deadline = time.monotonic() + 10
                while _advisory_waiters() == 0 and time.monotonic() < deadline:
                    time.sleep(0.02)
                waited["second_queued"] = _advisory_waiters() > 0
        except Exception as exc:  # noqa: BLE001 - the test reports whatever the thread hit
            results["first"] = exc
        finally:
            first_detected.set()
            connection.close()

    def second():
        try:
            first_detected.wait(timeout=10)
            with transaction.atomic():
                results["second"] = outage_services.detect_outage(appeal=appeals[2], now=at)
        except Exception as exc:  # noqa: BLE001
            results["second"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    one, two = results["first"], results["second"]
    assert not isinstance(one, Exception) and not isinstance(two, Exception), results
    # The second really overlapped the first: it waited on the lock while the first was still open.
    assert waited["second_queued"]
    assert one.created and not two.created and two.outage.pk == one.outage.pk
    outage = Outage.objects.get()
    assert outage.detected_buildings == 3 and outage.area.covers(b["parkova:14"].point)
    assert Appeal.objects.filter(outage=outage).count() == 3
