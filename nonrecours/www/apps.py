from django.apps import AppConfig


class WwwConfig(AppConfig):
    name = "nonrecours.www"
    label = "www"
    verbose_name = "Site web"

    def ready(self) -> None:
        # Connects the receiver that ends link grants at login.
        from nonrecours.www.referrals import views  # noqa: F401
