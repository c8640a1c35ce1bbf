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
