from django.apps import AppConfig


class CliConfig(AppConfig):
    name = "nonrecours.cli"
    label = "cli"
    verbose_name = "Ligne de commande"
