from django.apps import AppConfig


class CitizensConfig(AppConfig):
    name = "citizens"
    verbose_name = "Мешканці"
    default_auto_field = "django.db.models.BigAutoField"
