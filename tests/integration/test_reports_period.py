"""Period reports and provider performance on a generated two-year history (tiny city): every count equals an
independent SQL count, the PDF's text holds them, the XLSX opens with openpyxl and its totals add up, and the
pages serve deputy mayors and analysts (no personal data) but not provider operators."""

from __future__ import annotations

import io
import re
import statistics
from datetime import datetime, timedelta

import numpy as np
import openpyxl
import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from pypdf import PdfReader

from appeals.demo import history
from reports import documents, period, xlsx
from tests import factories

KYIV = history.KYIV
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=KYIV)
OPEN = ("registered", "sent", "accepted", "rejected", "in_progress", "reopened")


@pytest.fixture
def generated(registry):
    result = history.generate_history(years=2.0, calls_per_year=2500, now=NOW, seed=9)
    assert not result.skipped and result.counters.appeals > 2000
    return registry


def rows(query: str, params: list) -> list:
    with connection.cursor() as cur:
        cur.execute(query, params)
        return cur.fetchall()


def scalar(query: str, params: list):
    return rows(query, params)[0][0]


# Kyiv days, converted by PostgreSQL: [first day 00:00, day after the last 00:00).
IN = "{col} >= (%s::timestamp AT TIME ZONE 'Europe/Kyiv') AND {col} < (%s::timestamp AT TIME ZONE 'Europe/Kyiv')"


def bounds(p: period.Period) -> list[str]:
    return [f"{p.start} 00:00", f"{p.end + timedelta(days=1)} 00:00"]


def expected(p: period.Period) -> dict:
    b = bounds(p)
    resolved_hours = [r[0] for r in rows(
        "SELECT (extract(epoch FROM resolved_at - created_at) / 3600)::float FROM appeals_appeal WHERE "
        + IN.format(col="resolved_at"), b)]
    return {
        "calls": scalar("SELECT count(*) FROM appeals_call WHERE " + IN.format(col="started_at"), b),
        "calls_by_outcome": dict(rows("SELECT outcome, count(*) FROM appeals_call WHERE " + IN.format(col="started_at")
                                      + " GROUP BY outcome", b)),
        "appeals": scalar("SELECT count(*) FROM appeals_appeal WHERE " + IN.format(col="created_at"), b),
        "categories": dict(rows("SELECT c.name_uk, count(*) FROM appeals_appeal a JOIN layers_category c ON c.id = a.category_id "
                                "WHERE " + IN.format(col="a.created_at") + " GROUP BY c.name_uk", b)),
        "channels": dict(rows("SELECT channel, count(*) FROM appeals_appeal WHERE " + IN.format(col="created_at")
                              + " GROUP BY channel", b)),
        "neighbourhoods": dict(rows(
            "SELECT coalesce(n.name_uk, '-'), count(*) FROM appeals_appeal a LEFT JOIN layers_building bd ON bd.id = a.building_id "
            "LEFT JOIN layers_neighbourhood n ON n.id = bd.neighbourhood_id WHERE " + IN.format(col="a.created_at")
            + " GROUP BY 1", b)),
        "service_kinds": dict(rows(
            "SELECT s.name_uk, count(DISTINCT r.appeal_id) FROM appeals_appealroute r JOIN appeals_appeal a ON a.id = r.appeal_id "
            "JOIN layers_servicekind s ON s.code = r.service_kind_id WHERE " + IN.format(col="a.created_at") + " GROUP BY 1", b)),
        "providers": dict(rows(
            "SELECT p.name, count(DISTINCT r.appeal_id) FROM appeals_appealroute r JOIN appeals_appeal a ON a.id = r.appeal_id "
            "JOIN layers_provider p ON p.id = r.provider_id WHERE " + IN.format(col="a.created_at") + " GROUP BY 1", b)),
        "resolved": len(resolved_hours),
        "median": statistics.median(resolved_hours) if resolved_hours else None,
        "p90": float(np.percentile(resolved_hours, 90)) if resolved_hours else None,
        "on_time": scalar("SELECT count(*) FROM appeals_appeal WHERE resolved_at <= deadline AND "
                          + IN.format(col="resolved_at"), b),
        "reopened": scalar("SELECT count(*) FROM appeals_appeal WHERE reopen_count > 0 AND " + IN.format(col="resolved_at"), b),
        "escalated": scalar("SELECT count(*) FROM appeals_appeal WHERE control_level = 2 AND "
                            + IN.format(col="escalated_at"), b),
        "confirmation": dict(rows("SELECT confirmation, count(*) FROM appeals_appeal WHERE " + IN.format(col="resolved_at")
                                  + " GROUP BY 1", b)),
        "disputed": scalar("SELECT count(*) FROM appeals_appealevent WHERE from_status = 'resolved' AND "
                           "to_status = 'reopened' AND " + IN.format(col="at"), b),
        "formal": dict(rows("SELECT is_formal, count(*) FROM appeals_appeal WHERE " + IN.format(col="created_at")
                            + " GROUP BY 1", b)),
        "rating": scalar("SELECT avg(rating)::float FROM appeals_appeal WHERE " + IN.format(col="resolved_at"), b),
    }


def as_dict(breakdown: period.Breakdown, *, which: str = "current") -> dict:
    return {r.label: getattr(r, which) for r in breakdown.rows if getattr(r, which)}


def pdf_text(pdf: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"[\s\u00a0\u202f]+", " ", text)


def outcomes_are_present(p: period.Period) -> None:
    """The generator fills what the callbacks and online filing record: every confirmation outcome among the fixes
    of the period, ratings, and reports to the map without contacts (is_formal false)."""
    want = expected(p)
    assert set(want["confirmation"]) == {"confirmed", "unreachable", ""} and want["disputed"] > 0
    assert want["formal"].get(False, 0) > 10 and want["rating"] is not None


def test_the_nine_month_report_counts_equal_independent_sql_counts_for_both_years(generated):
    p = period.months_period(months=9, year=2026)
    outcomes_are_present(p)
    report = period.period_report(period=p, now=NOW)
    labels = dict(rows("SELECT id::text, name_uk FROM layers_neighbourhood", []))
    for which, per in (("current", p), ("previous", p.previous())):
        want = expected(per)
        assert want["appeals"] > 500 and want["calls"] > 500
        assert getattr(report.calls, which) == want["calls"] and getattr(report.appeals, which) == want["appeals"]
        assert {r.key: getattr(r, which) for r in report.breakdown("calls").rows if getattr(r, which)} == want["calls_by_outcome"]
        assert as_dict(report.breakdown("categories"), which=which) == want["categories"]
        assert {r.key: getattr(r, which) for r in report.breakdown("channels").rows if getattr(r, which)} == want["channels"]
        got_nb = {("-" if r.key == period.NO_NEIGHBOURHOOD else labels[r.key]): getattr(r, which)
                  for r in report.breakdown("neighbourhoods").rows if getattr(r, which)}
        assert got_nb == want["neighbourhoods"]
        assert as_dict(report.breakdown("service_kinds"), which=which) == want["service_kinds"]
        assert as_dict(report.breakdown("providers"), which=which) == want["providers"]
        q = report.quality_current if which == "current" else report.quality_previous
        assert (q.resolved, q.on_time, q.reopened, q.escalated, q.disputed) == (
            want["resolved"], want["on_time"], want["reopened"], want["escalated"], want["disputed"])
        assert q.median_hours == pytest.approx(want["median"], rel=1e-9)
        assert q.p90_hours == pytest.approx(want["p90"], rel=1e-9)
        assert (q.mean_rating is None and want["rating"] is None) or q.mean_rating == pytest.approx(want["rating"])
        assert {r.key: getattr(r, which) for r in report.breakdown("confirmation").rows if getattr(r, which)} == \
            want["confirmation"]
        assert {r.key == "True": getattr(r, which) for r in report.breakdown("formal").rows if getattr(r, which)} == \
            want["formal"]
    assert report.breakdown("confirmation").total.current == report.quality_current.resolved
    total = report.breakdown("categories").total
    assert total.current == report.appeals.current and total.diff == report.appeals.current - report.appeals.previous
    assert total.pct == pytest.approx((report.appeals.current - report.appeals.previous) / report.appeals.previous)
    assert sum(m[2] for m in report.monthly) == report.appeals.current
    assert sum(m[1] for m in report.monthly) == report.calls.current
    assert sum(m[4] for m in report.monthly) == report.appeals.previous


def test_provider_performance_equals_independent_sql_counts(generated):
    p = period.months_period(months=12, year=2025)
    b = bounds(p)
    perf = {x.name: x for x in period.provider_performance(period=p, now=NOW)}
    received = dict(rows("SELECT p.name, count(DISTINCT r.appeal_id) FROM appeals_appealroute r JOIN layers_provider p "
                         "ON p.id = r.provider_id WHERE " + IN.format(col="r.created_at") + " GROUP BY 1", b))
    rejected = dict(rows("SELECT p.name, count(*) FROM appeals_appealroute r JOIN layers_provider p ON p.id = r.provider_id "
                         "WHERE r.rejected AND " + IN.format(col="r.created_at") + " GROUP BY 1", b))
    resolved = {name: (n, on_time) for name, n, on_time in rows(
        "SELECT p.name, count(DISTINCT a.id), count(DISTINCT a.id) FILTER (WHERE a.resolved_at <= a.deadline) "
        "FROM appeals_appealroute r JOIN appeals_appeal a ON a.id = r.appeal_id JOIN layers_provider p ON p.id = r.provider_id "
        "WHERE r.active AND " + IN.format(col="a.resolved_at") + " GROUP BY 1", b)}
    overdue = dict(rows(
        "SELECT p.name, count(DISTINCT a.id) FROM appeals_appealroute r JOIN appeals_appeal a ON a.id = r.appeal_id "
        "JOIN layers_provider p ON p.id = r.provider_id WHERE r.active AND a.status = ANY(%s) AND a.deadline < %s GROUP BY 1",
        [list(OPEN), NOW]))
    assert len(received) >= 2 and sum(resolved[n][0] for n in resolved) > 100
    assert {n: x.received for n, x in perf.items() if x.received} == received
    assert {n: x.rejected for n, x in perf.items() if x.rejected} == rejected
    assert {n: (x.resolved, x.resolved_on_time) for n, x in perf.items() if x.resolved} == resolved
    assert {n: x.overdue_now for n, x in perf.items() if x.overdue_now} == overdue
    # Accepted in time, proved right, median, reopened and ratings recounted in Python from the raw rows.
    routes = rows("SELECT r.id, r.appeal_id, p.name, r.service_kind_id, r.created_at, r.rejected FROM appeals_appealroute r "
                  "JOIN layers_provider p ON p.id = r.provider_id WHERE " + IN.format(col="r.created_at"), b)
    taken = {}
    for appeal_id, at in rows("SELECT appeal_id, at FROM appeals_appealevent WHERE action = 'status' "
                              "AND to_status IN ('accepted', 'in_progress')", []):
        taken.setdefault(appeal_id, []).append(at)
    active = {}
    for appeal_id, kind, provider in rows("SELECT appeal_id, service_kind_id, provider_id FROM appeals_appealroute "
                                          "WHERE active AND provider_id IS NOT NULL", []):
        active.setdefault((appeal_id, kind), set()).add(provider)
    ids = dict(rows("SELECT name, id FROM layers_provider", []))
    accepted, right = {}, {}
    for _id, appeal_id, name, kind, created, was_rejected in routes:
        if any(created <= at <= created + timedelta(hours=period.ACCEPT_HOURS) for at in taken.get(appeal_id, ())):
            accepted.setdefault(name, set()).add(appeal_id)
        if was_rejected and active.get((appeal_id, kind), set()) - {ids[name]}:
            right[name] = right.get(name, 0) + 1
    assert sum(len(v) for v in accepted.values()) > 100 and sum(right.values()) > 0
    assert {n: x.accepted_in_time for n, x in perf.items() if x.accepted_in_time} == {n: len(v) for n, v in accepted.items()}
    assert {n: x.rejected_proved_right for n, x in perf.items() if x.rejected_proved_right} == right
    held = {}
    for name, appeal_id, hours, reopened, rating in rows(
            "SELECT p.name, a.id, extract(epoch FROM a.resolved_at - r.created_at) / 3600, a.reopen_count > 0, a.rating "
            "FROM appeals_appealroute r JOIN appeals_appeal a ON a.id = r.appeal_id JOIN layers_provider p ON p.id = r.provider_id "
            "WHERE r.active AND " + IN.format(col="a.resolved_at"), b):
        held.setdefault(name, []).append((appeal_id, float(hours), reopened, rating))
    for name, xs in held.items():
        x = perf[name]
        assert x.median_hours == pytest.approx(statistics.median(h for _a, h, _r, _t in xs), rel=1e-9)
        assert x.reopened == len({a for a, _h, r, _t in xs if r})
        ratings = [t for _a, _h, _r, t in xs if t is not None]
        assert x.rated == len(ratings)
        assert (x.mean_rating is None and not ratings) or x.mean_rating == pytest.approx(statistics.mean(ratings))
    one = next(iter(perf.values()))
    (alone,) = period.provider_performance(period=p, now=NOW, provider_ids=[one.provider_id])
    assert alone == one


def test_the_pdf_holds_the_counts_and_the_xlsx_opens_with_totals_that_add_up(generated, tmp_path):
    call_command("period_report", "--months", "9", "--year", "2026", "--out", str(tmp_path), stdout=io.StringIO())
    p = period.months_period(months=9, year=2026)
    want, want_prev = expected(p), expected(p.previous())
    pdf = (tmp_path / "zvit-2026-01-01_2026-09-30.pdf").read_bytes()
    text = pdf_text(pdf)
    assert "01.01.2026–30.09.2026" in text and "01.01.2025–30.09.2025" in text

    def n(x: int) -> str:
        return f"{x:,}".replace(",", " ")

    assert f"Дзвінки {n(want['calls'])} {n(want_prev['calls'])}" in text
    assert f"Звернення {n(want['appeals'])} {n(want_prev['appeals'])}" in text
    for label, count in want["categories"].items():
        assert f"{label} {n(count)} {n(want_prev['categories'].get(label, 0))}" in text
    assert len(PdfReader(io.BytesIO(pdf)).pages) >= 2

    wb = openpyxl.load_workbook(tmp_path / "zvit-2026-01-01_2026-09-30.xlsx")
    assert {"Про звіт", "Підсумок", "Звернення за категоріями", "Звернення за каналами", "Звернення за мікрорайонами",
            "Звернення за видами послуг", "Звернення за виконавцями", "Дзвінки за результатом", "Помісячно",
            "Ефективність виконавців"} <= set(wb.sheetnames)
    for name in ("Звернення за категоріями", "Звернення за каналами", "Звернення за мікрорайонами", "Дзвінки за результатом"):
        ws = wb[name]
        assert ws.freeze_panes == "B2"
        values = list(ws.iter_rows(min_row=2, values_only=True))
        body = [v for v in values if v[0] != "Разом" and v[0] is not None]
        (total,) = [v for v in values if v[0] == "Разом"]
        assert all(isinstance(v[1], int | float) and isinstance(v[2], int | float) for v in body)
        assert sum(v[1] for v in body) == total[1] and sum(v[2] for v in body) == total[2]
        assert total[3] == total[1] - total[2]
    assert wb["Звернення за категоріями"]["B1"].value == "період"
    cats = {v[0]: v[1] for v in wb["Звернення за категоріями"].iter_rows(min_row=2, values_only=True) if v[0] != "Разом"}
    assert {k: v for k, v in cats.items() if v} == want["categories"]
    summary = {v[0]: v[1:] for v in wb["Підсумок"].iter_rows(min_row=2, values_only=True)}
    assert summary["Дзвінки"][:2] == (want["calls"], want_prev["calls"])
    assert summary["Звернення"][:2] == (want["appeals"], want_prev["appeals"])
    monthly = list(wb["Помісячно"].iter_rows(min_row=2, values_only=True))
    assert monthly[-1][0] == "Разом" and monthly[-1][2] == sum(r[2] for r in monthly[:-1]) == want["appeals"]
    assert monthly[0][0].year == 2026 and monthly[0][0].month == 1  # a real date cell
    assert wb["Помісячно"]["A2"].number_format == xlsx.UA_MONTH
    perf = list(wb["Ефективність виконавців"].iter_rows(min_row=2, values_only=True))
    assert perf and all(isinstance(r[2], int | float) for r in perf)


def test_the_choropleth_and_the_monthly_chart_are_drawn_offline_into_the_pdf(generated):
    from reports import charts

    report = period.period_report(period=period.months_period(months=6, year=2026), now=NOW, with_performance=False)
    png = charts.choropleth_png(report.neighbourhood_counts)
    assert png.startswith(b"\x89PNG") and len(png) > 5000
    assert charts.monthly_png(report.monthly).startswith(b"\x89PNG")
    pdf = documents.period_pdf(report)
    reader = PdfReader(io.BytesIO(pdf))
    images = sum(len(page.images) for page in reader.pages)
    assert images >= 2


def test_deputy_mayors_and_analysts_see_the_period_pages_and_provider_operators_do_not(generated, client):
    query = {"months": "9", "year": "2026"}
    client.force_login(factories.staff("op_period", "provider_operator", provider=generated.providers["zhek1"]))
    assert client.get(reverse("reports-period"), query).status_code == 403
    assert client.get(reverse("reports-period-xlsx"), query).status_code == 403
    client.force_login(factories.staff("analyst_period", "analyst"))
    page = client.get(reverse("reports-period"), query)
    body = page.content.decode()
    # No inline style or code (the CSP allows neither): scripts only from files, data only as JSON blocks.
    inline_code = re.findall(r'<script(?![^>]*(?:\bsrc=|type="application/json"))[^>]*>', body)
    assert page.status_code == 200 and 'style="' not in body and inline_code == []
    want = expected(period.months_period(months=9, year=2026))
    assert f"{want['appeals']:,}".replace(",", "\u00a0") in body
    # Analysts never get personal data: no applicant's name or phone from the period appears anywhere.
    people = rows("SELECT applicant_name, applicant_phone FROM appeals_appeal WHERE applicant_phone <> '' "
                  "ORDER BY id LIMIT 200", [])
    for name, phone in people:
        assert phone not in body and (not name or name not in body)
    xlsx_resp = client.get(reverse("reports-period-xlsx"), query)
    assert xlsx_resp.status_code == 200 and xlsx_resp.content[:2] == b"PK"
    chart = client.get(reverse("reports-period-chart", args=["choropleth"]), query)
    assert chart.status_code == 200 and chart["Content-Type"] == "image/png"
    client.force_login(factories.staff("deputy_period", "supervisor"))
    assert client.get(reverse("reports-period"), {"date_from": "2026-02-01", "date_to": "2026-01-01"}).status_code == 200
    providers = client.get(reverse("reports-providers"), query)
    assert providers.status_code == 200 and "ЖЕК-1" in providers.content.decode()
    pdf = client.get(reverse("reports-period-pdf"), query)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get(reverse("reports-period-pdf"), {"months": "7", "year": "2026"}).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_reads_run_at_once_on_connections_of_their_own_and_give_the_same_report_as_one_after_another(
        registry, settings):
    """Outside a transaction the report's reads run in threads, each on its own connection (what the command and
    the pages do); the figures are those of the same reads run one after another, and of the raw SQL."""
    from layers.categories import ensure_categories

    ensure_categories()  # an earlier transactional test's flush removed the seeded categories
    # replace: a committed history left by an earlier test of the session would make the generator skip.
    assert not history.generate_history(years=1.2, calls_per_year=1500, now=NOW, seed=5, replace=True).skipped
    assert not connection.in_atomic_block
    p = period.months_period(months=9, year=2026)
    settings.REPORTS_PARALLEL_READS = 4
    together = period.period_report(period=p, now=NOW)
    settings.REPORTS_PARALLEL_READS = 1
    apart = period.period_report(period=p, now=NOW)
    assert together.appeals == apart.appeals and together.calls == apart.calls and together.monthly == apart.monthly
    assert [(b.key, b.rows, b.total) for b in together.breakdowns] == [(b.key, b.rows, b.total) for b in apart.breakdowns]
    assert together.quality_current == apart.quality_current and together.performance == apart.performance
    want = expected(p)
    assert together.appeals.current == want["appeals"] > 100 and together.calls.current == want["calls"]
    assert as_dict(together.breakdown("providers")) == want["providers"]
    assert [m[2] for m in period.monthly(period=p)] == [m[2] for m in together.monthly]
