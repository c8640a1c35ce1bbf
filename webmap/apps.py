from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _public_precision_follows_settings(sender, using="default", **kwargs) -> None:
    """After every migrate: if PUBLIC_EXACT_MIN_FLATS changed, re-create the cell triggers and rebuild the cells."""
    from appeals import precision
    from webmap import cells

    installed = cells.installed_min_flats()
    if installed is not None and installed != precision.min_flats():
        cells.install_public_precision()


class WebmapConfig(AppConfig):
    name = "webmap"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(_public_precision_follows_settings, sender=self, dispatch_uid="webmap_public_precision")
