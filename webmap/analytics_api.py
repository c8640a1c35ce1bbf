"""JSON for the analytics page (/api/v1/analytics/...): signed-in analysts only.

Common parameters: since, until (YYYY-MM-DD, Kyiv days; default the last 30 days), category=code,...
"""

from __future__ import annotations

import datetime as dt
import json

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from gis.api_errors import error_json
from webmap import access, analytics

MAX_PERIOD_DAYS = 366


class BadPeriod(ValueError):
    """since/until that are not dates, run backwards or span too long (answered with 400)."""


def _period(request) -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    try:
        until = dt.date.fromisoformat(request.GET["until"]) if request.GET.get("until") else today
        since = (dt.date.fromisoformat(request.GET["since"]) if request.GET.get("since")
                 else until - dt.timedelta(days=29))
    except ValueError as exc:
        raise BadPeriod(_("since і until: очікуються дати РРРР-ММ-ДД.")) from exc
    if since > until or (until - since).days > MAX_PERIOD_DAYS:
        raise BadPeriod(_("Період має йти вперед і тривати не більше %(n)d днів.") % {"n": MAX_PERIOD_DAYS})
    return since, until


def _json(payload) -> HttpResponse:
    response = HttpResponse(json.dumps(payload, ensure_ascii=False), content_type="application/json")
    response["Cache-Control"] = "private, max-age=60"
    return response


def _analyst_view(fn):
    @require_GET
    def view(request):
        if not access.is_analyst(request.user):
            return error_json(_("Лише для аналітиків і контролерів."), code="analysts_only", status=403)
        try:
            since, until = _period(request)
            codes = [c for c in request.GET.get("category", "").split(",") if c]
            return _json(fn(request, since=since, until=until, codes=codes))
        except BadPeriod as exc:
            return error_json(str(exc), code="invalid_period")
        except ValueError:
            # A number parameter (eps_m, window_hours, min…) or a step that is not one of ours.
            return error_json(_("Некоректний параметр запиту: перевірте числа та step (day або week)."),
                              code="invalid_parameter")

    view.__name__ = fn.__name__
    view.__doc__ = fn.__doc__
    return view


@_analyst_view
def heat(request, *, since, until, codes):
    """Heat frames by day or week (?step=day|week), and the whole period."""
    step = request.GET.get("step", "day")
    frames = analytics.heat_frames(since=since, until=until, category_codes=codes, step=step)
    return {"since": since.isoformat(), "until": until.isoformat(), "step": step,
            "appeals": sum(f["appeals"] for f in frames), "frames": frames,
            "total": analytics.heat_points(since=since, until=until, category_codes=codes)}


@_analyst_view
def trend(request, *, since, until, codes):
    """Appeals per category per week (?step=week|day): the trend chart under the map."""
    return analytics.category_trend(since=since, until=until, category_codes=codes,
                                    step=request.GET.get("step", "week"))


@_analyst_view
def incidents(request, *, since, until, codes):
    """Incidents (?eps_m=250&window_hours=24&min_buildings=3; min_appeals is the older name of min_buildings)."""
    return analytics.find_incidents(
        since=since, until=until, category_codes=codes,
        eps_m=min(float(request.GET.get("eps_m", 250)), 2000.0),
        window_hours=min(float(request.GET.get("window_hours", 24)), 24 * 14),
        min_buildings=max(int(request.GET.get("min_buildings", request.GET.get("min_appeals", 3))), 2),
    )


@_analyst_view
def choropleth(request, *, since, until, codes):
    """Counts per neighbourhood or service area (?by=neighbourhood|service_area)."""
    return analytics.choropleth(by=request.GET.get("by", "neighbourhood"), since=since, until=until, category_codes=codes)


@_analyst_view
def repeats(request, *, since, until, codes):
    """Repeat addresses (?min=3)."""
    return {"addresses": analytics.repeat_addresses(since=since, until=until, category_codes=codes,
                                                    min_appeals=max(int(request.GET.get("min", 3)), 2))}
