from django.apps import AppConfig
from django.db.models.signals import pre_delete


class EvaluationConfig(AppConfig):
    name = "nonrecours.evaluation"
    label = "evaluation"
    verbose_name = "Évaluation"

    def ready(self) -> None:
        # The call-back request (surveys.Contact) is erased by surveys, which
        # cannot import evaluation: the chain keeps its figures and unlinks
        # its referrals just before its personal link goes with it.
        from nonrecours.evaluation.chain_actions import chain_contact_deleting
        from nonrecours.evaluation.chain_models import ChainContact
        from nonrecours.evaluation.followup_actions import MAIL_ABOUT
        from nonrecours.evaluation.followup_sending import mail_token
        from nonrecours.mailing.outcomes import finish_with

        pre_delete.connect(
            chain_contact_deleting, sender=ChainContact, dispatch_uid="chain_personal_erase"
        )
        # A follow-up's e-mail is stored without its links' token: signed
        # when the outbox sends it (ADR 030).
        finish_with(MAIL_ABOUT, mail_token)
