from django.apps import AppConfig
from django.core import checks


class TrainingConfig(AppConfig):
    name = "nonrecours.training"
    label = "training"
    verbose_name = "Formation"

    def ready(self) -> None:
        from nonrecours.training.checks import rules_file_check

        checks.register(rules_file_check)
