"""The 07:00 summary on a generated history (tiny city): its counts equal independent SQL counts, the PDF's
text holds them, the window is 07:00→07:00 Kyiv local time (23/25 h when the clocks change), the archive
and the command, and the providers' daily reports."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from pypdf import PdfReader

from appeals.demo import history
from reports import selectors, services
from reports.models import DailySummary, ProviderDailyReport
from tests import factories

KYIV = history.KYIV
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=KYIV)  # the history ends here: both DST changes of 2026 are inside


@pytest.fixture
def generated(registry):
    result = history.generate_history(years=1.0, calls_per_year=6000, now=NOW, seed=5)
    assert not result.skipped and result.counters.appeals > 1000
    return registry


def sql_scalar(query: str, params: list) -> int:
    with connection.cursor() as cur:
        cur.execute(query, params)
        return cur.fetchone()[0]


def sql_pairs(query: str, params: list) -> dict:
    with connection.cursor() as cur:
        cur.execute(query, params)
        return {k: v for k, v in cur.fetchall()}


# The window in SQL's own terms: local Kyiv wall time, converted by PostgreSQL (not by our Python code).
WINDOW = "(%s::timestamp AT TIME ZONE 'Europe/Kyiv') AND {col} < (%s::timestamp AT TIME ZONE 'Europe/Kyiv')"


def window_sql(col: str) -> str:
    return f"{col} >= " + WINDOW.format(col=col)


def local_window(day: date) -> list[str]:
    return [f"{day - timedelta(days=1)} 07:00", f"{day} 07:00"]


def busiest_morning() -> date:
    """The morning (07:00→07:00) with the most appeals, found in SQL."""
    with connection.cursor() as cur:
        cur.execute("SELECT ((created_at AT TIME ZONE 'Europe/Kyiv') + interval '17 hours')::date AS d, count(*) "
                    "FROM appeals_appeal GROUP BY d ORDER BY count(*) DESC, d LIMIT 1")
        return cur.fetchone()[0]


def expected_counts(day: date) -> dict:
    w = local_window(day)
    return {
        "calls": sql_scalar("SELECT count(*) FROM appeals_call WHERE " + window_sql("started_at"), w),
        "calls_by_outcome": sql_pairs("SELECT outcome, count(*) FROM appeals_call WHERE " + window_sql("started_at")
                                      + " GROUP BY outcome", w),
        "appeals": sql_scalar("SELECT count(*) FROM appeals_appeal WHERE " + window_sql("created_at"), w),
        "by_category": sql_pairs("SELECT c.name_uk, count(*) FROM appeals_appeal a JOIN layers_category c ON c.id = a.category_id "
                                 "WHERE " + window_sql("a.created_at") + " GROUP BY c.name_uk", w),
        "by_channel": sql_pairs("SELECT channel, count(*) FROM appeals_appeal WHERE " + window_sql("created_at")
                                + " GROUP BY channel", w),
        "by_provider": sql_pairs(
            "SELECT p.name, count(DISTINCT r.appeal_id) FROM appeals_appealroute r JOIN appeals_appeal a ON a.id = r.appeal_id "
            "JOIN layers_provider p ON p.id = r.provider_id WHERE r.active AND " + window_sql("a.created_at")
            + " GROUP BY p.name", w),
        "resolved": sql_scalar("SELECT count(*) FROM appeals_appeal WHERE " + window_sql("resolved_at"), w),
        "escalated": sql_scalar("SELECT count(*) FROM appeals_appeal WHERE control_level = 2 AND "
                                + window_sql("escalated_at"), w),
        "reopened": sql_scalar("SELECT count(DISTINCT appeal_id) FROM appeals_appealevent WHERE to_status = 'reopened' "
                               "AND from_status <> 'reopened' AND " + window_sql("at"), w),
        "overdue": sql_scalar(
            "SELECT count(*) FROM appeals_appeal WHERE status IN ('registered','sent','accepted','rejected','in_progress',"
            "'reopened') AND deadline < (%s::timestamp AT TIME ZONE 'Europe/Kyiv')", w[1:]),
        "long_overdue": sql_scalar(
            "SELECT count(*) FROM appeals_appeal WHERE status IN ('registered','sent','accepted','rejected','in_progress',"
            "'reopened') AND deadline < (%s::timestamp AT TIME ZONE 'Europe/Kyiv') - interval '1 day'", w[1:]),
    }


def pdf_text(pdf: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"[ \u00a0\u202f]+", " ", text)


def test_the_summary_counts_equal_independent_sql_counts_and_the_pdf_holds_them(generated):
    day = busiest_morning()
    want = expected_counts(day)
    assert want["appeals"] >= 10 and want["calls"] >= 10  # the test means something

    f = selectors.daily_figures(day=day)
    assert f.calls_total == want["calls"]
    assert {x.key: x.n for x in f.calls_by_outcome if x.n} == want["calls_by_outcome"]
    assert f.appeals_total == want["appeals"]
    assert {x.label: x.n for x in f.by_category} == want["by_category"]
    assert {x.key: x.n for x in f.by_channel if x.n} == want["by_channel"]
    assert {x.label: x.n for x in f.by_provider} == want["by_provider"]
    assert (f.resolved, f.escalated, f.reopened, f.overdue, f.long_overdue_total) == (
        want["resolved"], want["escalated"], want["reopened"], want["overdue"], want["long_overdue"])
    assert len(f.long_overdue) == min(want["long_overdue"], selectors.LONG_OVERDUE_LIST_MAX)

    summary = services.build_daily_summary(day=day)
    text = pdf_text(bytes(summary.pdf))
    assert f"{day:%d.%m.%Y}" in text
    for outcome_label, n in [(x.label, x.n) for x in f.calls_by_outcome]:
        assert f"{outcome_label} {n}" in text
    for label, n in want["by_category"].items():
        assert f"{label} {n}" in text
    assert f"Разом {want['calls']}" in text and f"Разом {want['appeals']}" in text
    assert f"Прострочено понад добу: {want['long_overdue']}".replace("  ", " ") in text.replace("\n", " ")
    # No personal data in the summary: no applicant's phone or name of the window's appeals appears.
    with connection.cursor() as cur:
        cur.execute("SELECT applicant_phone, applicant_name FROM appeals_appeal WHERE applicant_phone <> '' AND "
                    + window_sql("created_at"), local_window(day))
        for phone, name in cur.fetchall():
            assert phone not in summary.document_html and (not name or name not in summary.document_html)


@pytest.mark.parametrize(("day", "hours"), [(date(2026, 3, 29), 23), (date(2026, 10, 25), 25), (date(2026, 6, 10), 24)])
def test_the_window_runs_from_seven_to_seven_local_time_also_when_the_clocks_change(generated, day, hours):
    f = selectors.daily_figures(day=day)
    assert f.hours == hours
    assert f.window_start.astimezone(KYIV).hour == 7 and f.window_end.astimezone(KYIV).hour == 7
    want = expected_counts(day)
    assert (f.calls_total, f.appeals_total, f.resolved) == (want["calls"], want["appeals"], want["resolved"])
    assert want["calls"] > 0


def test_the_command_writes_html_and_pdf_and_archives_the_summary_once(generated, tmp_path):
    day = date(2026, 10, 25)
    call_command("daily_summary", "--date", day.isoformat(), "--out", str(tmp_path / "out"), stdout=io.StringIO())
    html = (tmp_path / "out" / "zvedennia-2026-10-25.html").read_text(encoding="utf-8")
    pdf = (tmp_path / "out" / "zvedennia-2026-10-25.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and "25.10.2026" in html and "(25 год)" in html
    assert 'style="' not in html and "<script" not in html
    first = DailySummary.objects.get(date=day)
    call_command("daily_summary", "--date", day.isoformat(), "--out", str(tmp_path / "again"), stdout=io.StringIO())
    assert DailySummary.objects.filter(date=day).count() == 1
    assert DailySummary.objects.get(date=day).generated_at == first.generated_at  # archived, not remade


def test_a_provider_operator_files_a_daily_report_and_the_summary_includes_it_and_names_who_did_not(generated, client):
    day = busiest_morning()
    report_day = day - timedelta(days=1)
    start, end = selectors.summary_window(day=day)
    expected = selectors.providers_expected_to_report(start=start, end=end)
    assert len(expected) >= 2
    reporter, silent = expected[0], expected[1:]
    operator = factories.staff("op_report", "provider_operator", provider=reporter)
    client.force_login(operator)
    page = client.get(reverse("reports-provider-report"))
    assert page.status_code == 200 and 'style="' not in page.content.decode()
    ProviderDailyReport.objects.all().delete()
    # The form files for today; the report for the summary's day goes in through the same service.
    resp = client.post(reverse("reports-provider-report"), {
        "date": "", "done_today": "x"})
    assert resp.status_code == 200 and ProviderDailyReport.objects.count() == 0  # a date is required
    services.submit_provider_report(provider=reporter, day=report_day, done_today="Замінено засувку на Парковій",
                                    still_open="Паркова 14: чекаємо на деталь", planned_outages="Вода: 12.11 з 9 до 13",
                                    user=operator, now=datetime.combine(day, datetime.min.time(), tzinfo=KYIV))
    with pytest.raises(services.ReportError):
        services.submit_provider_report(provider=reporter, day=report_day, done_today="  ")

    summary = services.build_daily_summary(day=day)
    text = pdf_text(bytes(summary.pdf))
    assert "Замінено засувку на Парковій" in text and "чекаємо на деталь" in text
    missing = summary.figures["providers_not_reported"]
    assert reporter.name not in missing and sorted(missing) == sorted(p.name for p in silent)
    assert "Не звітували:" in text


def test_the_archive_is_for_staff_who_control_and_the_pdf_downloads(generated, client):
    day = date(2026, 10, 25)
    services.build_daily_summary(day=day)
    anonymous = client.get(reverse("reports-daily"))
    assert anonymous.status_code == 302
    client.force_login(factories.staff("analyst_daily", "analyst"))
    assert client.get(reverse("reports-daily")).status_code == 403
    client.force_login(factories.staff("disp_daily", "dispatcher"))
    listing = client.get(reverse("reports-daily"))
    assert listing.status_code == 200 and "25.10.2026" in listing.content.decode()
    detail = client.get(reverse("reports-daily-detail", args=["2026-10-25"]))
    body = detail.content.decode()
    assert detail.status_code == 200 and "(25 год)" in body and 'style="' not in body
    pdf = client.get(reverse("reports-daily-pdf", args=["2026-10-25"]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert client.get(reverse("reports-daily-detail", args=["2026-10-26"])).status_code == 404


def test_outages_in_force_and_planned_are_in_the_summary_with_affected_buildings_and_residents(generated):
    from outages import services as outage_services

    day = date(2026, 10, 25)
    start, end = selectors.summary_window(day=day)
    b = generated.buildings
    burst = outage_services.declare_outage(
        service_kinds=["water"], provider=generated.providers["water"], cause="Порив водогону на Парковій",
        building_ids=[b["parkova:12"].pk, b["parkova:14"].pk, b["shkilna_e:4"].pk],
        started_at=start + timedelta(hours=3), expected_end=end + timedelta(hours=5), now=start + timedelta(hours=3))
    planned = outage_services.declare_outage(
        service_kinds=["water"], provider=generated.providers["water"], kind="planned", cause="Заміна засувки",
        building_ids=[b["druzhby:3"].pk], started_at=end + timedelta(days=1), expected_end=end + timedelta(days=1, hours=4),
        now=start)
    old = outage_services.declare_outage(  # resolved before the window: not in it
        service_kinds=["water"], building_ids=[b["myru:5"].pk], cause="Давня аварія",
        started_at=start - timedelta(days=3), expected_end=start - timedelta(days=2), now=start - timedelta(days=3))
    outage_services.set_status(outage=old.outage, to_status="resolved", ended_at=start - timedelta(days=2),
                               now=start - timedelta(days=2))
    with connection.cursor() as cur:
        cur.execute("SELECT outage_id, count(*), sum(flats), sum(residents) FROM outages_outagebuilding "
                    "WHERE outage_id IN (%s, %s) GROUP BY outage_id", [burst.outage.pk, planned.outage.pk])
        want = {row[0]: row[1:] for row in cur.fetchall()}
    f = selectors.daily_figures(day=day)
    assert f.outages_available
    got = {int(o.title.split(":")[0].removeprefix("№ ")): (o.buildings, o.flats, o.residents) for o in f.outages}
    assert got == want and want[burst.outage.pk][0] == 3
    text = pdf_text(bytes(services.build_daily_summary(day=day).pdf)).replace("\n", " ")
    assert "Порив водогону на Парковій" in text and "Заміна засувки" in text and "Давня аварія" not in text
    assert "Немає даних про відключення" not in text
