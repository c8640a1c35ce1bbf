from django.apps import AppConfig


class AppealsConfig(AppConfig):
    name = "appeals"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Open appeals follow the registry: when areas or assignments change, they are re-routed
        # (layers.services sends routing_changed inside the edit's transaction).
        # The receivers import their modules when first called: a process that never edits the registry or
        # serves the admin (a report command, a worker) does not load the intake's services and their
        # geocoders at start-up.
        from layers.services import routing_changed

        routing_changed.connect(_reroute_on_routing_change, dispatch_uid="appeals.reroute_on_routing_change")

        # The admin's own login form gets the second step too (appeals.two_factor): a user with a confirmed
        # TOTP device is asked for the code before the admin opens.
        from django.contrib import admin

        admin.site.login = _admin_login


def _reroute_on_routing_change(sender, **kwargs):
    from appeals.services import reroute_on_routing_change

    return reroute_on_routing_change(sender, **kwargs)


def _admin_login(request, extra_context=None):
    from appeals.two_factor_views import admin_login

    return admin_login(request, extra_context)
