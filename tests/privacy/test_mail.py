"""The "no e-mail" mode: one helper says whether a link may be sent, and the
backend never writes a message's body anywhere. Every templated e-mail is
written the same way (nonrecours.mailing.actions.mail_queue_templated)."""

import datetime
import logging

from django.core import mail
from django.core.mail import EmailMessage
from django.utils import translation

from nonrecours.accounts.enums import Role
from nonrecours.accounts.models import Invitation, Organisation
from nonrecours.mailing.actions import mail_queue_templated
from nonrecours.privacy.mail import DisabledEmailBackend, links_can_be_sent
from nonrecours.territories.models import Territory


def test_links_can_be_sent_unless_email_is_disabled(settings):
    settings.NONRECOURS_EMAIL_DISABLED = False
    assert links_can_be_sent()
    settings.NONRECOURS_EMAIL_DISABLED = True
    assert not links_can_be_sent()


def test_the_disabled_backend_sends_nothing_and_logs_no_body(caplog):
    message = EmailMessage(
        "Nouvelle orientation",
        "Ouvrir : https://nonrecours.exemple.fr/orientations/lien/SECRET/",
        None,
        ["a@exemple.fr", "b@exemple.fr"],
    )
    with caplog.at_level(logging.WARNING, logger="nonrecours.privacy.mail"):
        sent = DisabledEmailBackend().send_messages([message])
    assert sent == 0
    assert "« Nouvelle orientation » à 2 destinataire(s)" in caplog.text
    assert "SECRET" not in caplog.text
    assert "a@exemple.fr" not in caplog.text


def test_the_disabled_backend_is_used_through_send_mail(settings, caplog):
    settings.EMAIL_BACKEND = "nonrecours.privacy.mail.DisabledEmailBackend"
    with caplog.at_level(logging.WARNING, logger="nonrecours.privacy.mail"):
        assert mail.send_mail("Sujet", "Corps avec lien", None, ["a@exemple.fr"]) == 0
    assert "Corps" not in caplog.text


def test_a_templated_e_mail_has_its_first_line_as_subject_and_french_dates(
    settings, db, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    territory = Territory(name="Communauté urbaine d'Arras")
    invitation = Invitation(
        email="nadia.benali@caf.example",
        organisation=Organisation(name="CAF du Pas-de-Calais", territory=territory),
        role=Role.PARTNER,
        expires_at=datetime.datetime(2030, 1, 15, 9, 30, tzinfo=datetime.UTC),
    )
    context = {"invitation": invitation, "inviter": "", "link_url": "https://x.example/l/"}
    with (
        translation.override("en"),  # a request or a command in another language
        django_capture_on_commit_callbacks(execute=True),
    ):
        queued = mail_queue_templated(
            "accounts/emails/invitation.txt",
            {**context, "second_factor": False},
            ["nadia.benali@caf.example"],
        )
    (message,) = mail.outbox
    assert (
        queued.subject
        == message.subject
        == "Invitation à rejoindre nonrecours — CAF du Pas-de-Calais"
    )
    assert message.body.startswith("Bonjour,")
    assert "15 janvier 2030" in message.body
    assert message.to == ["nadia.benali@caf.example"]
