"""Admin for every registry model, with map widgets that work offline."""

from django.conf import settings
from django.contrib import admin
from django.contrib.gis.db import models as gis_models

from layers import models
from layers.widgets import OfflineMapWidget

admin.site.site_header = "E-City · Електронне місто"
admin.site.site_title = "E-City"
admin.site.index_title = settings.DEMO_ATTRIBUTION


class MapAdmin(admin.ModelAdmin):
    formfield_overrides = {
        gis_models.PointField: {"widget": OfflineMapWidget},
        gis_models.MultiPointField: {"widget": OfflineMapWidget},
        gis_models.LineStringField: {"widget": OfflineMapWidget},
        gis_models.MultiLineStringField: {"widget": OfflineMapWidget},
        gis_models.PolygonField: {"widget": OfflineMapWidget},
        gis_models.MultiPolygonField: {"widget": OfflineMapWidget},
    }


@admin.register(models.Boundary)
class BoundaryAdmin(MapAdmin):
    list_display = ["name_uk", "admin_level", "source", "source_id"]


@admin.register(models.Neighbourhood)
class NeighbourhoodAdmin(MapAdmin):
    list_display = ["name_uk", "name_ru", "kind", "urban", "source"]
    list_filter = ["kind", "urban", "source"]
    search_fields = ["name_uk", "name_ru"]


class StreetAliasInline(admin.TabularInline):
    model = models.StreetAlias
    extra = 0


@admin.register(models.Street)
class StreetAdmin(MapAdmin):
    list_display = ["name", "street_type", "neighbourhood", "source"]
    list_filter = ["street_type", "neighbourhood"]
    search_fields = ["name", "aliases__name"]
    inlines = [StreetAliasInline]
    list_select_related = ["neighbourhood"]


@admin.register(models.StreetAlias)
class StreetAliasAdmin(admin.ModelAdmin):
    list_display = ["name", "street", "kind", "valid_until_year"]
    list_filter = ["kind"]
    search_fields = ["name", "street__name"]
    autocomplete_fields = ["street"]


class BuildingAssignmentInline(admin.TabularInline):
    model = models.BuildingAssignment
    extra = 0
    autocomplete_fields = ["provider"]


@admin.register(models.Building)
class BuildingAdmin(MapAdmin):
    list_display = ["__str__", "kind", "floors", "flats", "neighbourhood", "source"]
    list_filter = ["kind", "neighbourhood", "source"]
    search_fields = ["street__name", "housenumber"]
    list_select_related = ["street", "neighbourhood"]
    autocomplete_fields = ["street"]
    inlines = [BuildingAssignmentInline]


@admin.register(models.ServiceKind)
class ServiceKindAdmin(admin.ModelAdmin):
    list_display = ["code", "name_uk", "name_en", "in_house"]


@admin.register(models.Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "emergency_phone", "is_24_7", "hours"]
    list_filter = ["kind", "is_24_7"]
    search_fields = ["name", "short_name"]
    filter_horizontal = ["service_kinds"]


@admin.register(models.ServiceArea)
class ServiceAreaAdmin(MapAdmin):
    list_display = ["name", "provider", "valid_from", "valid_to", "priority"]
    list_filter = ["provider__kind", "service_kinds"]
    search_fields = ["name", "provider__name"]
    filter_horizontal = ["service_kinds"]
    autocomplete_fields = ["provider"]


@admin.register(models.BuildingAssignment)
class BuildingAssignmentAdmin(admin.ModelAdmin):
    list_display = ["building", "provider", "valid_from", "valid_to"]
    list_filter = ["provider__kind"]
    autocomplete_fields = ["building", "provider"]
    filter_horizontal = ["service_kinds"]
    list_select_related = ["building__street", "provider"]


@admin.register(models.Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name_uk", "code", "is_emergency", "deadline_hours", "street_level", "is_public", "sort_order"]
    list_editable = ["deadline_hours", "is_public", "sort_order"]
    filter_horizontal = ["service_kinds"]
