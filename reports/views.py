"""Report pages: the 07:00 summaries archive, the provider's daily report form, period reports and provider
performance. Views only adapt: reads from reports.selectors / reports.period, writes through reports.services.

Who sees what: the archived summaries (which carry the providers' own free text) are for dispatchers,
supervisors (deputy mayors) and administrators; period reports and provider performance are
aggregates without personal data, for supervisors, analysts and administrators.
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from appeals import workflow
from appeals.page_helpers import require_role
from reports import forms, selectors, services
from reports.models import DailySummary, ProviderDailyReport

SUMMARY_ROLES = (workflow.DISPATCHER, workflow.SUPERVISOR, workflow.ADMINISTRATOR)
PERIOD_ROLES = (workflow.SUPERVISOR, workflow.ANALYST, workflow.ADMINISTRATOR)
PROVIDER_REPORT_ROLES = (workflow.PROVIDER_OPERATOR,)


def _context(request, **extra) -> dict:
    return {"staff_role": request.staff_role, **extra}


@require_role(*SUMMARY_ROLES)
def daily_list(request):
    summaries = DailySummary.objects.only("date", "window_start", "window_end", "generated_at", "figures")[:400]
    return render(request, "reports/daily_list.html", _context(request, summaries=summaries))


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise Http404(_("Немає такої дати")) from exc


@require_role(*SUMMARY_ROLES)
def daily_detail(request, day: str):
    summary = get_object_or_404(DailySummary.objects.defer("pdf", "document_html"), date=_parse_day(day))
    return render(request, "reports/daily_detail.html", _context(request, summary=summary))


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attachment(data: bytes, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_role(*SUMMARY_ROLES)
def daily_pdf(request, day: str):
    summary = get_object_or_404(DailySummary.objects.only("date", "pdf"), date=_parse_day(day))
    return _attachment(bytes(summary.pdf), content_type="application/pdf",
                       filename=f"zvedennia-{summary.date.isoformat()}.pdf")


@require_role(*PROVIDER_REPORT_ROLES)
@require_http_methods(["GET", "POST"])
def provider_report(request):
    """A provider operator's daily report: done today, still open and why, planned outages."""
    provider = request.staff_role.provider
    if provider is None:
        raise Http404(_("Ваш обліковий запис не прив'язано до виконавця"))
    today = timezone.localdate(timezone.now(), selectors.KYIV)
    existing = ProviderDailyReport.objects.filter(provider=provider, date=today).first()
    if request.method == "POST":
        form = forms.ProviderReportForm(request.POST)
        if form.is_valid():
            try:
                services.submit_provider_report(
                    provider=provider, day=form.cleaned_data["date"], done_today=form.cleaned_data["done_today"],
                    still_open=form.cleaned_data["still_open"], planned_outages=form.cleaned_data["planned_outages"],
                    user=request.user)
            except services.ReportError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Звіт за %(d)s збережено.") % {
                    "d": form.cleaned_data["date"].strftime("%d.%m.%Y")})
                return redirect(reverse("reports-provider-report"))
    else:
        initial = {"date": today.isoformat()}
        if existing is not None:
            initial.update(done_today=existing.done_today, still_open=existing.still_open,
                           planned_outages=existing.planned_outages)
        form = forms.ProviderReportForm(initial=initial)
    recent = ProviderDailyReport.objects.filter(provider=provider).order_by("-date")[:14]
    open_appeals = selectors.open_appeals_of_provider(provider=provider, limit=100)
    return render(request, "reports/provider_report.html", _context(
        request, form=form, provider=provider, existing=existing, recent=recent, open_appeals=open_appeals,
        now=timezone.now()))


# --- period reports and provider performance ----------------------------------------------------------


def _period_form(request) -> forms.PeriodForm:
    if request.GET:
        return forms.PeriodForm(request.GET)
    return forms.PeriodForm(initial=forms.default_period_initial(timezone.localdate(timezone.now(), selectors.KYIV)))


@require_role(*PERIOD_ROLES)
def period_page(request):
    from reports import documents, period

    form = _period_form(request)
    report = None
    if form.is_bound and form.is_valid():
        report = period.period_report(period=form.cleaned_data["period"], now=timezone.now())
    query = request.GET.urlencode()
    charts = {"monthly": reverse("reports-period-chart", args=["monthly"]) + "?" + query,
              "choropleth": reverse("reports-period-chart", args=["choropleth"]) + "?" + query}
    ctx = documents.period_context(report, charts=charts) if report else {}
    return render(request, "reports/period.html", _context(request, form=form, query=query, **ctx))


def _valid_period(request):
    form = forms.PeriodForm(request.GET)
    if not form.is_valid():
        raise Http404(_("Період не вказано або вказано з помилкою"))
    return form.cleaned_data["period"]


@require_role(*PERIOD_ROLES)
def period_chart(request, name: str):
    from reports import charts, period

    p = _valid_period(request)
    if name == "monthly":
        png = charts.monthly_png(period.monthly(period=p))
    elif name == "choropleth":
        png = charts.choropleth_png(period.by_neighbourhood_counts(period=p))
    else:
        raise Http404(_("Немає такого графіка"))
    return HttpResponse(png, content_type="image/png")


@require_role(*PERIOD_ROLES)
def period_xlsx(request):
    from reports import period, xlsx

    p = _valid_period(request)
    return _attachment(xlsx.period_xlsx(period.period_report(period=p, now=timezone.now())),
                       content_type=XLSX_TYPE, filename=f"zvit-{p.slug}.xlsx")


@require_role(*PERIOD_ROLES)
def period_pdf(request):
    from reports import documents, period, reads

    p = _valid_period(request)
    prepared = reads.ahead({"pdf": documents.prepare_period_pdf})  # imports and outlines while the database counts
    report = period.period_report(period=p, now=timezone.now())
    return _attachment(documents.period_pdf(report, prepared=prepared.result("pdf")),
                       content_type="application/pdf", filename=f"zvit-{p.slug}.pdf")


@require_role(*PERIOD_ROLES)
def providers_page(request):
    from reports import period

    form = _period_form(request)
    rows, p = [], None
    if form.is_bound and form.is_valid():
        p = form.cleaned_data["period"]
        rows = period.provider_performance(period=p, now=timezone.now())
    return render(request, "reports/providers.html", _context(
        request, form=form, period=p, performance=rows, query=request.GET.urlencode(),
        accept_hours=period.ACCEPT_HOURS))


@require_role(*PERIOD_ROLES)
def providers_xlsx(request):
    from reports import period, xlsx

    p = _valid_period(request)
    return _attachment(xlsx.performance_xlsx(period.provider_performance(period=p, now=timezone.now())),
                       content_type=XLSX_TYPE, filename=f"vykonavtsi-{p.slug}.xlsx")
