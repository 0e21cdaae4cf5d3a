from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "nonrecours.surveys"
    label = "surveys"
    verbose_name = "Baromètre"
