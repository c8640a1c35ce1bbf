"""Admin for every registry model, with map widgets that work offline."""

from django.contrib import admin
from django.contrib.gis.db import models as gis_models
from django.utils.translation import gettext_lazy as _

from audit.admin_mixins import AuditedAdminMixin
from layers import models, services
from layers.widgets import OfflineMapWidget

admin.site.site_header = _("Е-Місто · адміністрування")
admin.site.site_title = _("Е-Місто")
admin.site.index_title = _("Реєстр міста і звернення")


class RegistryAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Every add, change and delete of a registry row in the admin goes to the audit log too."""


class MapAdmin(RegistryAdmin):
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
class StreetAliasAdmin(RegistryAdmin):
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

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if any(fs.model is models.BuildingAssignment and fs.has_changed() for fs in formsets):
            services.assignment_changed(building_ids=[form.instance.pk], reason="building assignments edited in admin")


@admin.register(models.ServiceKind)
class ServiceKindAdmin(RegistryAdmin):
    list_display = ["code", "name_uk", "name_en", "in_house"]


@admin.register(models.Provider)
class ProviderAdmin(RegistryAdmin):
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

    # Every edit announces routing_changed (layers.services) so open appeals inside are re-routed.
    def save_model(self, request, obj, form, change):
        form._previous_geom = (models.ServiceArea.objects.filter(pk=obj.pk).values_list("geom", flat=True).first()
                               if change else None)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        previous = getattr(form, "_previous_geom", None)
        services.area_changed(area_ids=[form.instance.pk],
                              previous_geoms={form.instance.pk: previous} if previous else None,
                              reason="service area edited in admin")

    def delete_model(self, request, obj):
        services.delete_area(area=obj)

    def delete_queryset(self, request, queryset):
        for area in queryset:
            services.delete_area(area=area)

    def get_urls(self):
        from django.urls import path

        from layers.admin_health import registry_health_view

        return [
            path("health/", self.admin_site.admin_view(registry_health_view), name="layers_registry_health"),
        ] + super().get_urls()


@admin.register(models.BuildingAssignment)
class BuildingAssignmentAdmin(RegistryAdmin):
    list_display = ["building", "provider", "valid_from", "valid_to"]
    list_filter = ["provider__kind"]
    autocomplete_fields = ["building", "provider"]
    filter_horizontal = ["service_kinds"]
    list_select_related = ["building__street", "provider"]

    def save_model(self, request, obj, form, change):
        form._previous_building = (models.BuildingAssignment.objects.filter(pk=obj.pk)
                                   .values_list("building_id", flat=True).first() if change else None)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        buildings = {form.instance.building_id, getattr(form, "_previous_building", None)} - {None}
        services.assignment_changed(building_ids=buildings, assignment_ids=[form.instance.pk],
                                    reason="building assignment edited in admin")

    def delete_model(self, request, obj):
        services.delete_assignment(assignment=obj)

    def delete_queryset(self, request, queryset):
        for assignment in queryset:
            services.delete_assignment(assignment=assignment)


@admin.register(models.Category)
class CategoryAdmin(RegistryAdmin):
    list_display = ["name_uk", "code", "is_emergency", "deadline_hours", "street_level", "is_public", "sort_order"]
    list_editable = ["deadline_hours", "is_public", "sort_order"]
    filter_horizontal = ["service_kinds"]
