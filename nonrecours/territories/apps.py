from django.apps import AppConfig


class TerritoriesConfig(AppConfig):
    name = "nonrecours.territories"
    label = "territories"
    verbose_name = "Territoires"
