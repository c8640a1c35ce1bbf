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


@require_role(*SUMMARY_ROLES)
def daily_pdf(request, day: str):
    summary = get_object_or_404(DailySummary.objects.only("date", "pdf"), date=_parse_day(day))
    response = HttpResponse(bytes(summary.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="zvedennia-{summary.date.isoformat()}.pdf"'
    return response


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
