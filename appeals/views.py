"""Staff pages: the dispatcher's screen, provider journals, control, appeal cards.

Views only adapt: forms check input, appeals.services writes, appeals.selectors (through
appeals.page_helpers) reads within the user's scope. An appeal outside the scope is a 404 on
every URL, the same as one that does not exist.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from appeals import (
    access_log,
    forms,
    outage_services,
    page_helpers,
    paging,
    roles,
    selectors,
    services,
    workflow,
)
from appeals.deadlines import DeadlineError
from appeals.errors import AddressNotFound, AppealError, AppealNotFound, Conflict, NotAllowed
from appeals.models import CallOutcome, Status
from appeals.page_helpers import CONTROL_ROLES, DISPATCH_ROLES, JOURNAL_ROLES, SEARCH_ROLES, require_role
from appeals.two_factor_views import TwoStepLoginMixin
from layers.models import Building, Category
from outages import selectors as outage_selectors
from outages.errors import OutageError

PAGE_SIZE = 50


class StaffLoginView(TwoStepLoginMixin, LoginView):
    template_name = "appeals/login.html"
    next_page = reverse_lazy("appeals-home")


@login_required
def home(request):
    """Where a signed-in user lands: the page of their role."""
    if roles.role_of(request.user) is None:
        return render(request, "appeals/no_role.html", {"staff_role": page_helpers.staff_role(request.user)},
                      status=403)
    return redirect(page_helpers.home_url(request.user))


def _context(request, **extra) -> dict:
    return {"staff_role": request.staff_role, **extra}


# --- the dispatcher --------------------------------------------------------------------------------


def _dispatch_config(request) -> dict:
    lon, lat = 37.556, 48.738  # Kramatorsk; the map moves to the building once one is chosen
    return {
        "centre": {"lon": lon, "lat": lat},
        "tile_url": settings.BASEMAP_TILE_URL,
        "attribution": settings.DEMO_ATTRIBUTION,
        "outcome_new": CallOutcome.NEW_APPEAL.value,
        "outcome_linked": CallOutcome.ADDED_TO_APPEAL.value,
        "outcome_status": CallOutcome.STATUS_INQUIRY.value,
        "outcome_consultation": CallOutcome.CONSULTATION.value,
        "outcome_outage": CallOutcome.OUTAGE_KNOWN.value,
        # A consultation is a call, never an appeal: choosing such a category switches the outcome.
        "consultation_categories": [str(pk) for pk in Category.objects.filter(is_consultation=True)
                                    .values_list("pk", flat=True)],
        "urls": {
            "suggest": reverse("suggest-address"),
            "basemap": reverse("layers-basemap"),
            "phone": reverse("dispatch-phone"),
            "building": reverse("dispatch-building"),
            "preview": reverse("dispatch-preview"),
            "outages": reverse("api-outages"),
        },
        "text": {
            "overdue": _("прострочено"),
            "no_history": _("З цього номера раніше не телефонували."),
            "earlier_appeals": _("Звернення з цього номера"),
            "earlier_calls": _("Попередні дзвінки"),
            "floors": _("пов."),
            "ask_range": _("Ви ввели кілька будинків (%s). Який саме?"),
            "ask_dash": _("«%s»: кутовий будинок чи будинок і квартира?"),
            "flat_short": _("кв."),
            "flat_moved": _("Квартиру %s перенесено в поле «Квартира»."),
            "all_providers": _("Усі виконавці будинку (%s)"),
            "flats": _("кв."),
            "service": _("Послуга"),
            "provider": _("Виконавець"),
            "phones": _("Телефони"),
            "nobody": _("немає виконавця"),
            "no_provider_for": _("Немає виконавця в реєстрі:"),
            "open_here": _("Відкриті звернення в цьому будинку"),
            "nearby": _("Звернення поруч за 3 доби"),
            "duplicate_title": _("Схоже, про це вже повідомили:"),
            "add_to": _("Додати цей дзвінок до звернення %s"),
            "will_link": _("Дзвінок буде додано до звернення %s"),
            "cancel_link": _("скасувати"),
            "save_link": _("Додати до звернення %s"),
            "goes_to": _("Отримає:"),
            "deadline": _("Строк"),
            "emergency": _("аварійна"),
            "save": _("Зберегти"),
            "status_inquiry": _("запит про стан"),
            "saving": _("Збереження…"),
            "outage_link": _("Зарахувати дзвінок до відключення №%s"),
            "outage_insist": _("Все одно зареєструвати звернення"),
            "outage_subscribe": _("повідомити про відновлення"),
            "outage_affected": _("будинків без послуги"),
        },
    }


def _saved_result(request) -> dict | None:
    """What the last save produced, shown once after the redirect (POST/redirect/GET)."""
    number = request.GET.get("saved", "")
    if number:
        try:
            appeal = selectors.appeal_detail(user=request.user, appeal=number)
        except AppealNotFound:
            return None
        linked = request.GET.get("linked") == "1"
        message = (_("Дзвінок додано до звернення") if linked else _("Звернення зареєстровано"))
        return {"appeal": appeal, "routes": page_helpers.active_routes(appeal), "message": message}
    if request.GET.get("call") == CallOutcome.OUTAGE_KNOWN:
        return {"appeal": None, "message": _("Дзвінок зараховано до відключення №%(id)s") % {
            "id": request.GET.get("outage", "")}}
    if request.GET.get("call"):
        return {"appeal": None, "message": _("Дзвінок зареєстровано: %(outcome)s") % {
            "outcome": dict(forms.INTAKE_OUTCOMES).get(request.GET["call"], request.GET["call"])}}
    return None


@require_role(*DISPATCH_ROLES)
def dispatch(request):
    """GET: an empty intake form with a fresh idempotency key. POST: save the call (and the appeal), then redirect."""
    if request.method == "POST":
        form = forms.IntakeForm(request.POST)
        if form.is_valid():
            response = _save_intake(request, form)
            if response is not None:
                return response
        status = 400
    else:
        form = forms.IntakeForm(initial={"idempotency_key": forms.new_idempotency_key()})
        status = 200
    return render(request, "appeals/dispatch.html", _context(
        request, form=form, config=_dispatch_config(request), saved=_saved_result(request) if status == 200 else None,
        suspected=outage_selectors.suspected_outages(), highlight_outage=request.GET.get("outage", ""),
    ), status=status)


@require_POST
@require_role(*DISPATCH_ROLES)
def outage_action(request, outage_id: int, action: str):
    """One action on a suspected outage from the dispatcher's screen: confirm it, or cancel a false alarm."""
    try:
        if action == "confirm":
            outage_services.confirm_outage(outage=outage_id, actor=request.user)
            messages.success(request, _("Відключення №%(id)s підтверджено") % {"id": outage_id})
        elif action == "cancel":
            outage_services.cancel_outage(outage=outage_id, actor=request.user, note=_("хибна тривога"))
            messages.info(request, _("Відключення №%(id)s скасовано") % {"id": outage_id})
        else:
            raise Http404(action)
    except OutageError as exc:
        messages.error(request, str(exc))
    return redirect("dispatch")


def _save_intake(request, form: forms.IntakeForm):
    """Call the intake service for the chosen outcome; None means the form now carries the error."""
    d = form.cleaned_data
    outcome = d["outcome"]
    try:
        if outcome in (CallOutcome.NEW_APPEAL, CallOutcome.ADDED_TO_APPEAL):
            linked = outcome == CallOutcome.ADDED_TO_APPEAL
            result = services.register_intake(
                dispatcher=request.user, category=d["category"], phone=d["phone"], address_text=d["address"],
                building=d["building"], description=d["description"], flat=d["flat"],
                applicant_name=d["applicant_name"], idempotency_key=d["idempotency_key"],
                link_to_appeal=d["link_to"] if linked else None, outage=None if linked else d["outage"],
            )
            detected = getattr(result.detection, "outage", None)
            return HttpResponseRedirect(
                reverse("dispatch") + f"?saved={result.number}" + ("&linked=1" if linked else "")
                + (f"&outage={detected.pk}" if detected is not None else ""))
        if outcome == CallOutcome.OUTAGE_KNOWN:
            to = (d["subscribe_to"] or "").strip() or d["phone"]
            outage_services.link_call_to_outage(
                dispatcher=request.user, outage=d["outage"], phone=d["phone"], note=d["note"],
                subscribe_channel=("email" if "@" in to else "sms") if d["subscribe"] else "", subscribe_to=to,
                idempotency_key=d["idempotency_key"])
            return HttpResponseRedirect(reverse("dispatch") + f"?call={outcome}&outage={d['outage']}")
        services.record_call(
            dispatcher=request.user, phone=d["phone"], outcome=outcome, appeal=d["link_to"] or None,
            consultation_office=d["consultation_office"], note=d["note"], idempotency_key=d["idempotency_key"],
        )
        return HttpResponseRedirect(reverse("dispatch") + f"?call={outcome}")
    except OutageError as exc:
        form.add_error(None, str(exc))
    except AddressNotFound as exc:
        form.add_error("address", str(exc))
    except AppealNotFound as exc:
        form.add_error("link_to", str(exc))
    except AppealError as exc:
        form.add_error(None, str(exc))
    return None


@require_GET
@require_role(*DISPATCH_ROLES)
def phone_history(request):
    phone = request.GET.get("phone", "").strip()
    if len("".join(ch for ch in phone if ch.isdigit())) < 5:
        return JsonResponse({"calls": [], "appeals": []})
    access_log.log_phone_search(user=request.user, phone=phone, where="dispatch phone panel", request=request)
    return JsonResponse(page_helpers.phone_panel(user=request.user, phone=phone))


def _int_param(request, name: str) -> int:
    try:
        return int(request.GET.get(name, ""))
    except ValueError as exc:
        raise Http404(name) from exc


@require_GET
@require_role(*DISPATCH_ROLES)
def building_info(request):
    building = get_object_or_404(Building.objects.select_related("street", "neighbourhood"),
                                 pk=_int_param(request, "building"))
    return JsonResponse(page_helpers.building_panel(building=building))


@require_GET
@require_role(*DISPATCH_ROLES)
def category_preview(request):
    building = get_object_or_404(Building.objects.select_related("street"), pk=_int_param(request, "building"))
    category = get_object_or_404(Category, pk=_int_param(request, "category"))
    return JsonResponse(page_helpers.category_preview(category=category, building=building))


@require_GET
@require_role(*SEARCH_ROLES)
def search(request):
    """'What happened to my appeal?': by number, phone, address, provider, status and dates."""
    form = forms.SearchForm(request.GET or None)
    if not request.staff_role.sees_personal_data:
        del form.fields["phone"]  # an analyst may not look people up by phone
    found = None
    if form.has_criteria():
        d = form.cleaned_data
        found = selectors.search_appeals(user=request.user, filters=selectors.SearchFilters(
            number=d["number"], phone=d.get("phone", ""), address=d["address"],
            building_id=d["building"].pk if d["building"] else None,
            provider_id=d["provider"].pk if d["provider"] else None,
            status=(d["status"],) if d["status"] else (),
            created_from=d["date_from"], created_to=d["date_to"],
        ))
        if d.get("phone"):
            access_log.log_phone_search(user=request.user, phone=d["phone"], where="search page", request=request)
    return render(request, "appeals/search.html", _context(
        request, form=form, searched=found is not None, show_personal=request.staff_role.sees_personal_data,
        **_paged(request, found)))


ROW_ERRORS = "ecity_row_errors"


def _row_errors(request) -> dict[str, str]:
    """Errors of actions taken from a list, keyed by appeal number: shown once, in their row."""
    return request.session.pop(ROW_ERRORS, {}) if hasattr(request, "session") else {}


def _back_to_list(request, number: str, error: str):
    """An action posted from a list (control, journal) that was refused: back to the same list, same filters
    and page, with the error in the appeal's row — not thrown out onto the card."""
    back = request.POST.get("next", "")
    if not back or not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                                       require_https=request.is_secure()):
        return None
    request.session[ROW_ERRORS] = {**request.session.get(ROW_ERRORS, {}), number: error}
    messages.error(request, f"{number}: {error}")
    return HttpResponseRedirect(back)


class CappedPaginator(Paginator):
    """Counts at most COUNT_CAP rows: an exact COUNT over a provider's whole history (hundreds of
    thousands of appeals) costs more than the page itself. Beyond the cap the page says "more than"."""

    COUNT_CAP = 1000

    @cached_property
    def count(self) -> int:
        n = self.object_list[: self.COUNT_CAP + 1].count()
        self.capped = n > self.COUNT_CAP
        return min(n, self.COUNT_CAP)


def _paged(request, qs) -> dict:
    if qs is None:
        return {"rows": [], "count": 0}
    paginator = CappedPaginator(qs, PAGE_SIZE, allow_empty_first_page=True)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    rows = page_helpers.rows(page.object_list, personal=request.staff_role.sees_personal_data,
                             errors=_row_errors(request))
    return {"rows": rows, "count": paginator.count, "capped": getattr(paginator, "capped", False), "page_obj": page,
            "query_without_page": query.urlencode()}


@require_GET
@require_role(*DISPATCH_ROLES)
def shift_report(request):
    """Level-1 control: the appeals a provider held through the last shift without a single report."""
    report = selectors.latest_shift_report()
    qs = selectors.shift_report_appeals(user=request.user, report=report) if report else None
    return render(request, "appeals/shift_report.html", _context(
        request, report=report, show_personal=True, **_paged(request, qs)))


# --- the provider's journal -------------------------------------------------------------------------


@require_GET
@require_role(*JOURNAL_ROLES)
def journal(request):
    """Only the operator's provider's appeals (scoped in the selector's query), filtered like the old journals."""
    form = forms.JournalFilterForm(request.GET or None)
    d = form.cleaned_data if form.is_valid() else {}
    status = d.get("status", "")
    deadline = d.get("deadline", "")
    qs = selectors.provider_journal(
        user=request.user,
        status=(status,) if status and status != "all" else (),
        open_only=status != "all",
        category=d["category"].code if d.get("category") else "",
        overdue=True if deadline == "overdue" else False if deadline == "open" else None,
    )
    sort = d.get("sort", "")
    if not sort and (status == "all" or status in (Status.CLOSED, Status.CANCELLED, Status.DUPLICATE,
                                                   Status.CONFIRMED)):
        sort = "newest"  # the whole history reads newest first (and walks the created_at index)
    if deadline == "today":
        qs = page_helpers.due_today(qs)
    if d.get("area"):
        qs = page_helpers.in_neighbourhood(qs, d["area"].pk)
    if d.get("number"):
        qs = qs.filter(number__endswith=d["number"].strip())
    provider = request.staff_role.provider or _("усі виконавці")
    return render(request, "appeals/journal.html", _context(
        request, form=form, provider=provider, show_personal=True, quick_accept=_QUICK_ACCEPT,
        bulk_form=forms.BulkActionForm(), saved_filter_text={"remove": _("видалити")},
        **_keyset(request, qs, order=JOURNAL_ORDERS[sort])))


# Journal orders; the last field is unique, so a keyset page is exact.
JOURNAL_ORDERS = {
    "": ("deadline", "id"),
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
}


def _keyset(request, qs, *, order: tuple[str, ...]) -> dict:
    """A keyset page (appeals.paging) of qs: any depth at the cost of the first page; the count is capped."""
    size = PAGE_SIZE
    try:
        size = int(request.GET.get("page_size", PAGE_SIZE))
    except ValueError:
        size = PAGE_SIZE
    page = paging.keyset_page(qs, order=order, cursor=request.GET.get("after"), size=size)
    query = request.GET.copy()
    query.pop("after", None)
    counted = CappedPaginator(qs, PAGE_SIZE)
    rows = page_helpers.rows(page.items, personal=request.staff_role.sees_personal_data, errors=_row_errors(request))
    return {"rows": rows, "count": counted.count, "capped": getattr(counted, "capped", False),
            "next_cursor": page.next_cursor, "is_first_page": page.is_first,
            "query_without_page": query.urlencode()}


@require_POST
@require_role(*JOURNAL_ROLES)
def journal_bulk(request):
    """Accept many rows, or add one progress note to many, all or nothing (services.bulk_change_status)."""
    form = forms.BulkActionForm(request.POST)
    back = request.POST.get("next", "")
    if not (back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                                     require_https=request.is_secure())):
        back = reverse("journal")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return HttpResponseRedirect(back)
    d = form.cleaned_data
    target = Status.ACCEPTED if d["action"] == "accept" else Status.IN_PROGRESS
    try:
        done = services.bulk_change_status(items=d["appeal"], actor=request.user, to_status=target, note=d["note"],
                                           public_note=d["public"])
    except Conflict as exc:
        messages.error(request, _("%(error)s — звернення щойно змінив інший користувач; нічого не змінено, "
                                  "оновіть список.") % {"error": exc})
    except (AppealError, workflow.WorkflowError) as exc:
        messages.error(request, _("Нічого не змінено: %(error)s") % {"error": exc})
    else:
        messages.success(request, _("Збережено для %(n)d звернень: %(action)s") % {
            "n": len(done), "action": dict(form.fields["action"].choices)[d["action"]]})
    return HttpResponseRedirect(back)


# The journal accepts straight from the list; everything else is done on the card.
_QUICK_ACCEPT = (Status.SENT, Status.REOPENED)


# --- control (supervisors) ----------------------------------------------------------------------------


@require_GET
@require_role(*CONTROL_ROLES)
def control(request):
    """Second-level control: the escalation queue by provider and area, with plan dates."""
    form = forms.ControlFilterForm(request.GET or None)
    d = form.cleaned_data if form.is_valid() else {}
    qs = selectors.escalation_queue(user=request.user).select_related("building__neighbourhood")
    if d.get("provider"):
        qs = page_helpers.held_by_provider(qs, d["provider"].pk)
    if d.get("area"):
        qs = page_helpers.in_neighbourhood(qs, d["area"].pk)
    summary = page_helpers.control_summary(qs)
    health = page_helpers.queue_health(qs, user=request.user)
    peak = max([max(e, r) for _day, e, r in health.trend] + [1])
    config = {"points": health.points, "attribution": settings.DEMO_ATTRIBUTION,
              "basemapTileUrl": settings.BASEMAP_TILE_URL,
              "text": {"overdue": _("прострочено"), "card": _("картка звернення")}}
    return render(request, "appeals/control.html", _context(
        request, form=form, summary=summary, show_personal=False, health=health, trend_peak=peak,
        control_config=config, **_paged(request, qs)))


# --- the appeal card and its actions -------------------------------------------------------------------

# The page's actions: (name, target status, form class, label, css). Shown only when the workflow allows.
ACTIONS = {
    "accept": (Status.ACCEPTED, forms.AcceptForm, _("Прийняти"), "primary"),
    "progress": (Status.IN_PROGRESS, forms.ProgressForm, _("Звіт про хід робіт"), ""),
    "resolve": (Status.RESOLVED, forms.ResolveForm, _("Виконано"), "primary"),
    "reject": (Status.REJECTED, forms.RejectForm, _("Відхилити: не наше"), "danger"),
    "confirm": (Status.CONFIRMED, forms.AcceptForm, _("Заявник підтвердив"), "primary"),
    "reopen": (Status.REOPENED, forms.ReasonForm, _("Відкрити повторно"), "danger"),
    "close": (Status.CLOSED, forms.AcceptForm, _("Закрити"), ""),
    "cancel": (Status.CANCELLED, forms.ReasonForm, _("Скасувати"), "danger"),
    "duplicate": (Status.DUPLICATE, forms.DuplicateForm, _("Позначити як дублікат"), ""),
}
SPECIAL_ACTIONS = {
    "reroute": (forms.AcceptForm, _("Маршрутизувати знову"), ""),
    "assign": (forms.AssignForm, _("Призначити виконавців"), "primary"),
    "plan": (forms.PlanDateForm, _("Встановити планову дату"), "primary"),
    "extend": (forms.ExtendForm, _("Продовжити строк"), ""),
    "crew": (forms.CrewForm, _("Призначити виконавця з бригади"), ""),
}


def _actions_for(request, appeal, bound: dict | None = None) -> list[dict]:
    """The actions this user may take on this appeal now (the services check again on submit)."""
    role = request.staff_role.role
    if role is None or role == workflow.ANALYST:
        return []
    if role == workflow.PROVIDER_OPERATOR:
        provider = request.staff_role.provider
        if provider is None or not any(r.provider_id == provider.pk for r in page_helpers.active_routes(appeal)):
            return []
    targets = set(workflow.allowed_targets(from_status=appeal.status, role=role))
    out = []
    bound = bound or {}
    for name, (target, form_class, label, css) in ACTIONS.items():
        if target in targets:
            out.append({"name": name, "label": label, "css": css,
                        "form": bound.get(name) or form_class(prefix=name, initial={"version": appeal.version})})
    if appeal.is_open and role in (workflow.DISPATCHER, workflow.SUPERVISOR, workflow.ADMINISTRATOR) and (
            appeal.status in (Status.REGISTERED, Status.REJECTED)):
        form_class, label, css = SPECIAL_ACTIONS["reroute"]
        out.append({"name": "reroute", "label": label, "css": css,
                    "form": bound.get("reroute") or form_class(prefix="reroute", initial={"version": appeal.version})})
        form_class, label, css = SPECIAL_ACTIONS["assign"]
        out.append({"name": "assign", "label": label, "css": css,
                    "form": bound.get("assign") or form_class(prefix="assign", initial={"version": appeal.version},
                                                              kinds=page_helpers.assignment_kinds(appeal))})
    if appeal.is_open and role in (workflow.DISPATCHER, workflow.SUPERVISOR, workflow.ADMINISTRATOR):
        form_class, label, css = SPECIAL_ACTIONS["extend"]
        out.append({"name": "extend", "label": label, "css": css,
                    "form": bound.get("extend") or form_class(prefix="extend", initial={"version": appeal.version})})
    members = page_helpers.crew_members(appeal, user=request.user) if appeal.is_open else None
    if members is not None and members.exists():
        form_class, label, css = SPECIAL_ACTIONS["crew"]
        out.append({"name": "crew", "label": label, "css": css,
                    "form": bound.get("crew") or form_class(prefix="crew", members=members, initial={
                        "version": appeal.version, "crew_member": appeal.crew_member_id})})
    if appeal.is_open and role in (workflow.SUPERVISOR, workflow.ADMINISTRATOR):
        form_class, label, css = SPECIAL_ACTIONS["plan"]
        out.append({"name": "plan", "label": label, "css": css,
                    "form": bound.get("plan") or form_class(prefix="plan", initial={"version": appeal.version,
                                                                                     "plan_date": appeal.plan_date})})
    return out


def _detail_context(request, appeal, *, bound: dict | None = None, conflict: str = "") -> dict:
    return _context(
        request, appeal=appeal, address=page_helpers.appeal_address(appeal, personal=request.staff_role.sees_personal_data),
        overdue=page_helpers.is_overdue(appeal, timezone.now()),
        show_personal=request.staff_role.sees_personal_data,
        show_contacts=request.staff_role.role != workflow.ANALYST,
        routes=page_helpers.all_routes(appeal), events=page_helpers.history(appeal),
        calls_count=appeal.calls.count(), actions=_actions_for(request, appeal, bound), conflict=conflict,
        card_map={"map": page_helpers.card_map(appeal, user=request.user), "attribution": settings.DEMO_ATTRIBUTION,
                  "basemapTileUrl": settings.BASEMAP_TILE_URL, "text": {"overdue": _("прострочено")}},
        photos=page_helpers.card_photos(appeal, role=request.staff_role.role),
    )


def _appeal_or_404(request, number: str):
    try:
        return selectors.appeal_detail(user=request.user, appeal=number)
    except AppealNotFound as exc:
        raise Http404(str(exc)) from exc


@require_GET
@require_role()
def appeal_detail(request, number: str):
    appeal = _appeal_or_404(request, number)
    access_log.log_card_read(user=request.user, appeal=appeal, request=request, where="page")
    return render(request, "appeals/appeal_detail.html", _detail_context(request, appeal))


@require_POST
@require_role()
def appeal_action(request, number: str, action: str):
    """One action on one appeal, with the version the user saw: a stale one is a clear conflict (409)."""
    appeal = _appeal_or_404(request, number)
    if action not in ACTIONS and action not in SPECIAL_ACTIONS:
        raise Http404(action)
    form_class = ACTIONS[action][1] if action in ACTIONS else SPECIAL_ACTIONS[action][0]
    # The plan form on the control page posts unprefixed fields; the card's forms are prefixed.
    prefix = None if "version" in request.POST else action
    extra = {"kinds": page_helpers.assignment_kinds(appeal)} if action == "assign" else {}
    if action == "crew":
        extra = {"members": page_helpers.crew_members(appeal, user=request.user)}
    form = form_class(request.POST, prefix=prefix, **extra)
    if not form.is_valid():
        listed = _back_to_list(request, number, " ".join(str(e) for errors in form.errors.values() for e in errors))
        if listed is not None:
            return listed
        messages.error(request, _("Перевірте поля форми."))
        return render(request, "appeals/appeal_detail.html",
                      _detail_context(request, appeal, bound={action: form}), status=400)
    d = form.cleaned_data
    try:
        if action == "reroute":
            services.reroute(appeal=appeal, actor=request.user, version=d["version"], note=d.get("note", ""))
        elif action == "assign":
            services.reroute(appeal=appeal, actor=request.user, version=d["version"], providers=form.chosen(),
                             note=d.get("note", ""))
        elif action == "extend":
            services.extend_deadline(appeal=appeal, actor=request.user, version=d["version"],
                                     new_deadline=d["new_deadline"], reason=d["reason"])
        elif action == "crew":
            services.assign_crew(appeal=appeal, actor=request.user, version=d["version"],
                                 crew_member=d["crew_member"].pk if d["crew_member"] else None)
        elif action == "plan":
            services.set_plan_date(appeal=appeal, actor=request.user, version=d["version"],
                                   plan_date=d["plan_date"], note=d.get("note", ""))
        else:
            target = ACTIONS[action][0]
            services.change_status(
                appeal=appeal, actor=request.user, to_status=target, version=d["version"], note=d.get("note", ""),
                reason=d.get("reason", ""), resolution=d.get("resolution", ""),
                duplicate_of=d.get("duplicate_of") or None, public_note=bool(d.get("public")),
            )
    except Conflict:
        fresh = _appeal_or_404(request, number)
        text = _("Звернення %(number)s щойно змінив інший користувач. Нижче — його актуальний стан; "
                 "перевірте і повторіть дію, якщо вона ще потрібна.") % {"number": number}
        return render(request, "appeals/appeal_detail.html", _detail_context(request, fresh, conflict=text),
                      status=409)
    except AppealNotFound as exc:
        raise Http404(str(exc)) from exc
    except NotAllowed as exc:
        messages.error(request, str(exc))
        return render(request, "appeals/appeal_detail.html", _detail_context(request, appeal), status=403)
    except (AppealError, workflow.WorkflowError, DeadlineError) as exc:
        listed = _back_to_list(request, number, str(exc))
        if listed is not None:
            return listed
        messages.error(request, str(exc))
        return render(request, "appeals/appeal_detail.html",
                      _detail_context(request, appeal, bound={action: form}), status=400)
    messages.success(request, _("Збережено: %(number)s — %(action)s") % {
        "number": number, "action": (ACTIONS.get(action) or SPECIAL_ACTIONS[action])[-2]})
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                                require_https=request.is_secure()):
        return HttpResponseRedirect(back)
    return HttpResponseRedirect(reverse("appeal-detail", args=[number]))
