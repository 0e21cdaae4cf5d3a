from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "nonrecours.referrals"
    label = "referrals"
    verbose_name = "Orientations entre partenaires"
