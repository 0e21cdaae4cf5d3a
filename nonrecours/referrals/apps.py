from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "nonrecours.referrals"
    label = "referrals"
    verbose_name = "Orientations entre partenaires"

    def ready(self) -> None:
        # The outbox tells the referral's journal what became of its mails.
        # and signs their link when they go.
        from nonrecours.mailing.outcomes import finish_with, listen
        from nonrecours.referrals.events import referral_mail_outcome
        from nonrecours.referrals.notifications import MAIL_ABOUT, referral_link

        listen(MAIL_ABOUT, referral_mail_outcome)
        finish_with(MAIL_ABOUT, referral_link)
