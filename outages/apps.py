from django.apps import AppConfig


class OutagesConfig(AppConfig):
    name = "outages"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Відключення"
