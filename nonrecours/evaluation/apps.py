from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "nonrecours.evaluation"
    label = "evaluation"
    verbose_name = "Évaluation"
