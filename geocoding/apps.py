from django.apps import AppConfig


class GeocodingConfig(AppConfig):
    name = "geocoding"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from layers.models import Address, Building, Neighbourhood, Street, StreetAlias

        # Any registry write in this process marks the in-memory index stale at once.
        for model in (Building, Address, Street, StreetAlias, Neighbourhood):
            post_save.connect(_invalidate, sender=model, dispatch_uid=f"geocoding-{model.__name__}-save")
            post_delete.connect(_invalidate, sender=model, dispatch_uid=f"geocoding-{model.__name__}-delete")


def _invalidate(**kwargs):
    """gazetteer.invalidate, imported when a registry row is first written (not at every process's start)."""
    from geocoding import gazetteer

    return gazetteer.invalidate(**kwargs)
