from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "nonrecours.accounts"
    label = "accounts"
    verbose_name = "Comptes et organisations"
