"""Residents' pages (/report/, /track/) and the dispatcher's online queue and callback worklist. Thin."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from appeals import confirmation, online
from appeals.errors import AppealError
from appeals.page_helpers import require_role
from citizens import ratelimit, selectors, services, tracking
from citizens.api import script_for
from citizens.forms import ConfirmForm, ReportForm, TrackForm
from gis import security
from layers.models import Category

# Kramatorsk: where the map opens when nothing better is known.
CITY_CENTRE = (37.56, 48.73)


def client_ip(request) -> str:
    # X-Forwarded-For counts only from a proxy in TRUSTED_PROXIES (gis.security): anyone else could forge it
    # and file past the per-address limit.
    return security.client_ip(request)[:45]


def _map_config() -> dict:
    return {"centre": {"lon": CITY_CENTRE[0], "lat": CITY_CENTRE[1]}, "zoom": 13,
            "basemapTileUrl": settings.BASEMAP_TILE_URL, "attribution": settings.DEMO_ATTRIBUTION}


def _categories() -> list[dict]:
    return [{"id": c.pk, "code": c.code, "name": c.name_uk, "hint": c.hint}
            for c in selectors.public_categories()]


@never_cache
@require_http_methods(["GET", "POST"])
def report(request):
    """/report/ : file a problem online (category, place, description, photos, contact)."""
    if request.method == "POST":
        form = ReportForm(request.POST)
        if request.POST.get("website"):
            # The honeypot was filled in: a bot. Nothing is saved; the message says nothing useful to it.
            return render(request, "citizens/report.html", _report_context(form, error=_("Не вдалося надіслати.")),
                          status=400)
        if form.is_valid():
            d = form.cleaned_data
            try:
                result = services.file_online(
                    category=d["category"], description=d["description"], lon=d["lon"], lat=d["lat"],
                    building=d["building"], address_text=d["address"], name=d["name"], phone=d["phone"],
                    email=d["email"], consent=d["consent"], photos=request.FILES.getlist("photos"),
                    join_appeal=d["join"] or None, idempotency_key=d["idempotency_key"] or None, notify=d["notify"],
                    client_ip=client_ip(request))
            except services.FilingError as exc:
                for field, msgs in exc.errors.items():
                    for m in msgs:
                        form.add_error(field if field in form.fields else None, m)
            except ratelimit.RateLimited as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc))
            else:
                return render(request, "citizens/report_done.html", {"result": result})
        return render(request, "citizens/report.html", _report_context(form), status=400)
    initial = {}
    for key in ("lon", "lat", "building", "address"):
        if request.GET.get(key):
            initial[key] = request.GET[key]
    return render(request, "citizens/report.html", _report_context(ReportForm(initial=initial)))


def _report_context(form, error: str = "") -> dict:
    return {"form": form, "error": error, "categories": _categories(),
            "config_json": json.dumps(_map_config(), ensure_ascii=False)}


@require_GET
def report_nearby(request):
    """/report/nearby.json?category=&building= | lon=&lat= : open appeals within 150 m and active outages.

    Public data only: number, status, category, date, building address, distance.
    """
    category = Category.objects.filter(pk=request.GET.get("category") or 0, is_public=True).first() \
        if (request.GET.get("category") or "").isdigit() else None
    if category is None:
        return JsonResponse({"detail": _("оберіть категорію"), "code": "category_required"}, status=400)
    building = services.find_building(request.GET.get("building")) if request.GET.get("building") else None
    try:
        lon = float(request.GET["lon"]) if request.GET.get("lon") else None
        lat = float(request.GET["lat"]) if request.GET.get("lat") else None
    except ValueError:
        return JsonResponse({"detail": _("некоректні координати"), "code": "invalid_point"}, status=400)
    inside = True if building is not None or lon is None else selectors.within_hromada(lon=lon, lat=lat)
    nearby = selectors.nearby_open_appeals(category=category, building=building, lon=lon, lat=lat)
    outages = selectors.active_outages_at(category=category, building=building, lon=lon, lat=lat) if inside else []
    return JsonResponse({
        "inside": inside,
        "appeals": [{"number": a.number, "status": a.status, "status_name": a.status_name, "category": a.category,
                     "created": timezone.localtime(a.created_at).date().isoformat(), "address": a.address,
                     "distance_m": a.distance_m} for a in nearby],
        "outages": [{**o, "started_at": o["started_at"].isoformat(),
                     "expected_end": o["expected_end"].isoformat() if o["expected_end"] else None} for o in outages],
    }, json_dumps_params={"ensure_ascii": False})


@never_cache
@require_GET
def track(request):
    """/track/?number=&code= : the whole story with the code, the public card without it."""
    form = TrackForm(request.GET or None)
    context: dict = {"form": form}
    if form.is_bound and form.is_valid():
        story = tracking.story(number=form.cleaned_data["number"], code=form.cleaned_data["code"])
        if story is None:
            form.add_error("number", _("звернення з таким номером не знайдено (або його категорія не публічна)"))
        else:
            context["story"] = story
            if story.private and story.awaits_confirmation:
                context["confirm_form"] = ConfirmForm(initial={"number": story.number,
                                                                "code": form.cleaned_data["code"]})
    return render(request, "citizens/track.html", context, status=200 if "story" in context or not form.is_bound
                  else 404)


@require_POST
def track_confirm(request):
    """POST /track/confirm : the applicant (with the code) confirms or disputes the fix."""
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Заповніть форму підтвердження."))
    d = form.cleaned_data
    appeal = tracking.own_appeal(number=d["number"], code=d["code"])
    if appeal is None:
        raise Http404
    try:
        if d["outcome"] == "confirmed":
            confirmation.confirm(appeal=appeal, rating=d["rating"], comment=d["comment"], source="online")
            messages.success(request, _("Дякуємо! Звернення закрито з вашим підтвердженням."))
        else:
            confirmation.dispute(appeal=appeal, comment=d["comment"], rating=d["rating"], source="online")
            messages.success(request, _("Звернення відкрито повторно й повернуто виконавцю."))
    except (AppealError, confirmation.ConfirmationError) as exc:
        messages.error(request, str(exc))
    return redirect(f"/track/?number={appeal.number}&code={d['code']}")


# --- staff ---------------------------------------------------------------------------------------


@require_role("dispatcher", "supervisor", "administrator")
@require_http_methods(["GET", "POST"])
def online_queue(request):
    """/dispatch/online/ : online appeals to check (correct address or category, approve photos, spam)."""
    if request.method == "POST":
        number = request.POST.get("number", "")
        try:
            version = int(request.POST.get("version", "0"))
            if request.POST.get("action") == "spam":
                online.reject_as_spam(appeal=number, actor=request.user, version=version,
                                      reason=request.POST.get("reason", ""))
                messages.success(request, _("Звернення %(n)s відхилено як спам.") % {"n": number})
            else:
                category = Category.objects.filter(pk=request.POST.get("category") or 0).first() \
                    if (request.POST.get("category") or "").isdigit() else None
                building = services.building_for_review(building_id=request.POST.get("building", ""),
                                                        address=request.POST.get("address", ""))
                online.review_online(appeal=number, actor=request.user, version=version, category=category,
                                     building=building,
                                     approve_photos=[int(x) for x in request.POST.getlist("approve") if x.isdigit()],
                                     reject_photos=[int(x) for x in request.POST.getlist("remove") if x.isdigit()])
                messages.success(request, _("Звернення %(n)s перевірено.") % {"n": number})
        except (AppealError, ValueError) as exc:
            messages.error(request, f"{number}: {exc}")
        return redirect("citizens-online-queue")
    return render(request, "citizens/online_queue.html", {
        "appeals": tracking.review_queue(), "categories": Category.objects.filter(is_consultation=False),
        "staff_role": request.staff_role, "map_config": _map_config(),
    })


@require_role("dispatcher", "supervisor", "administrator")
@require_http_methods(["GET", "POST"])
def callbacks(request):
    """/dispatch/callbacks/ : resolved appeals to phone back, oldest first, with a short script."""
    if request.method == "POST":
        number = request.POST.get("number", "")
        outcome = request.POST.get("outcome", "")
        try:
            version = int(request.POST.get("version", "0"))
            rating = int(request.POST["rating"]) if request.POST.get("rating") else None
            if outcome == "confirmed":
                confirmation.confirm(appeal=number, rating=rating, comment=request.POST.get("comment", ""),
                                     source="callback", actor=request.user, version=version)
            elif outcome == "disputed":
                confirmation.dispute(appeal=number, comment=request.POST.get("comment", ""), rating=rating,
                                     source="callback", actor=request.user, version=version)
            elif outcome == "no_answer":
                confirmation.no_answer(appeal=number, source="callback", actor=request.user, version=version)
            else:
                raise confirmation.ConfirmationError(_("оберіть результат дзвінка"))
            messages.success(request, _("%(n)s: записано.") % {"n": number})
        except (AppealError, ValueError) as exc:
            messages.error(request, f"{number}: {exc}")
        return redirect("citizens-callbacks")
    rows = [{"appeal": a, "script": script_for(a)} for a in confirmation.callback_worklist()]
    return render(request, "citizens/callbacks.html", {"rows": rows, "staff_role": request.staff_role})


@require_GET
def photo(request, pk: int):
    """/photos/<id>.jpg : an approved photo for everyone; an unapproved one for staff only."""
    from django.http import FileResponse

    from appeals import roles
    from appeals.models import AppealPhoto

    p = AppealPhoto.objects.filter(pk=pk).first()
    if p is None or not (p.approved or roles.role_of(request.user) in ("dispatcher", "supervisor", "administrator")):
        raise Http404
    try:
        return FileResponse(p.file.open("rb"), content_type="image/jpeg")
    except FileNotFoundError as exc:
        raise Http404 from exc
