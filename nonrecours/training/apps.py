from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "nonrecours.training"
    label = "training"
    verbose_name = "Formation"
