from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "nonrecours.accounts"
    label = "accounts"
    verbose_name = "Comptes et organisations"

    def ready(self) -> None:
        # Registers the system checks of the accounts' settings.
        from nonrecours.accounts import checks  # noqa: F401

        # The outbox keeps on the invitation what became of its mail, and
        # has its link made when it goes.
        from nonrecours.accounts.notifications import (
            MAIL_ABOUT,
            invitation_link,
            invitation_mail_outcome,
        )
        from nonrecours.mailing.outcomes import finish_with, listen

        listen(MAIL_ABOUT, invitation_mail_outcome)
        finish_with(MAIL_ABOUT, invitation_link)
