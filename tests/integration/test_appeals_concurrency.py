"""Real concurrency (two connections, committed data): double submits and simultaneous edits."""

import threading

import pytest
from django.db import connection

from appeals import services
from appeals.models import Appeal, AppealEvent, Call, Status
from tests import factories


def _in_threads(*fns):
    """Run the functions at once, each in its own thread (so its own database connection)."""
    results: list = [None] * len(fns)
    barrier = threading.Barrier(len(fns))

    def run(i, fn):
        try:
            barrier.wait(timeout=10)
            results[i] = fn()
        except Exception as exc:  # noqa: BLE001 - the test inspects whatever each side got
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_simultaneous_double_submits_and_simultaneous_edits_lose_nothing_and_duplicate_nothing():
    city = factories.tiny_city()
    cat = factories.category("t_leak", service_kinds=("in_house",))
    dispatcher = factories.staff("disp", "dispatcher")
    operator = factories.staff("op", "provider_operator", provider=city.providers["zhek1"])

    def submit():
        return services.register_intake(dispatcher=dispatcher, category=cat, building=city.buildings["druzhby:3"].pk,
                                        phone="0501234567", idempotency_key="double-click-1")

    first, second = _in_threads(submit, submit)
    assert not isinstance(first, Exception) and not isinstance(second, Exception), (first, second)
    assert first.appeal.pk == second.appeal.pk and {first.created, second.created} == {True, False}
    assert Appeal.objects.count() == 1 and Call.objects.count() == 1

    appeal = Appeal.objects.get()
    seen = appeal.version

    def accept():
        return services.change_status(appeal=appeal.pk, actor=operator, to_status=Status.ACCEPTED, version=seen)

    def reject():
        return services.change_status(appeal=appeal.pk, actor=operator, to_status=Status.REJECTED, version=seen,
                                      reason="не наше")

    outcomes = _in_threads(accept, reject)
    conflicts = [o for o in outcomes if isinstance(o, services.Conflict)]
    winners = [o for o in outcomes if isinstance(o, Appeal)]
    assert len(conflicts) == 1 and len(winners) == 1, outcomes
    appeal.refresh_from_db()
    assert appeal.status == winners[0].status and appeal.version == seen + 1
    assert AppealEvent.objects.filter(appeal=appeal, action="status", from_status="sent").count() == 1
