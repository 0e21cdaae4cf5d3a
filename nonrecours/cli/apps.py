from django.apps import AppConfig


class CliConfig(AppConfig):
    name = "nonrecours.cli"
    label = "cli"
    verbose_name = "Ligne de commande"

    def ready(self) -> None:
        # The project's commands in French, and their former names (parser.py).
        from nonrecours.cli import parser

        parser.install()
