from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "nonrecours.outreach"
    label = "outreach"
    verbose_name = "Aller-vers"
