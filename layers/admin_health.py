"""The registry-health admin page: the report of layers.health with a map (Leaflet, offline basemap).

Mounted by ServiceAreaAdmin.get_urls at /admin/layers/servicearea/health/ (staff only, through admin_view).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from layers.health import health_geojson, registry_health
from layers.models import ServiceArea, ServiceKind


def registry_health_view(request, model_admin: admin.ModelAdmin | None = None):
    try:
        at = dt.date.fromisoformat(request.GET["at"]) if request.GET.get("at") else None
    except ValueError:
        at = None
    report = registry_health(at=at)
    kind_names = dict(ServiceKind.objects.values_list("code", "name_uk"))
    context = {
        **admin.site.each_context(request),
        "title": _("Стан реєстру маршрутизації"),
        "opts": ServiceArea._meta,
        "report": report,
        "summary": report.summary(),
        "gaps": [(code, kind_names.get(code, code), len(ids), report.gap_building_kinds.get(code, {}))
                 for code, ids in sorted(report.gaps.items())],
        "kinds_without_areas": [kind_names.get(code, code) for code in report.kinds_without_areas],
        "overlaps": report.overlaps[:200],
        "empty_areas": ServiceArea.objects.filter(id__in=report.empty_areas).select_related("provider")[:200],
        "features": health_geojson(report),
    }
    return TemplateResponse(request, "admin/layers/registry_health.html", context)
