from django.apps import AppConfig


class MailingConfig(AppConfig):
    name = "nonrecours.mailing"
    label = "mailing"
    verbose_name = "Courriels sortants"
