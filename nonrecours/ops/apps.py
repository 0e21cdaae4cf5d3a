from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "nonrecours.ops"
    label = "ops"
    verbose_name = "Exploitation"

    def ready(self) -> None:
        # Registers the deployment checks of the service (nonrecours.E003…).
        from nonrecours.ops import checks  # noqa: F401
