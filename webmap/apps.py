from django.apps import AppConfig


class WebmapConfig(AppConfig):
    name = "webmap"
    default_auto_field = "django.db.models.BigAutoField"
