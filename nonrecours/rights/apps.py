from django.apps import AppConfig


class RightsConfig(AppConfig):
    name = "nonrecours.rights"
    label = "rights"
    verbose_name = "Simulateur de droits"
