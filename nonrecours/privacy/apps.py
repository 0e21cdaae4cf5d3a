from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "nonrecours.privacy"
    label = "privacy"
    verbose_name = "Données personnelles"

    def ready(self) -> None:
        # Registers the deployment checks (nonrecours.E001…).
        from nonrecours.privacy import checks  # noqa: F401
