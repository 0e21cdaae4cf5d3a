from django.apps import AppConfig


class WwwConfig(AppConfig):
    name = "nonrecours.www"
    label = "www"
    verbose_name = "Site web"
