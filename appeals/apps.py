from django.apps import AppConfig


class AppealsConfig(AppConfig):
    name = "appeals"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Open appeals follow the registry: when areas or assignments change, they are re-routed
        # (layers.services sends routing_changed inside the edit's transaction).
        from appeals.services import reroute_on_routing_change
        from layers.services import routing_changed

        routing_changed.connect(reroute_on_routing_change, dispatch_uid="appeals.reroute_on_routing_change")

        # The admin's own login form gets the second step too (appeals.two_factor): a user with a confirmed
        # TOTP device is asked for the code before the admin opens.
        from django.contrib import admin

        from appeals.two_factor_views import admin_login

        admin.site.login = admin_login
