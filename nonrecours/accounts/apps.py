from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "nonrecours.accounts"
    label = "accounts"
    verbose_name = "Comptes et organisations"

    def ready(self) -> None:
        # Registers the system checks of the accounts' settings.
        from nonrecours.accounts import checks  # noqa: F401
