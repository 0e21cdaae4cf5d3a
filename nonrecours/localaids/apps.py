from django.apps import AppConfig


class LocalAidsConfig(AppConfig):
    name = "nonrecours.localaids"
    label = "localaids"
    verbose_name = "Aides locales"
