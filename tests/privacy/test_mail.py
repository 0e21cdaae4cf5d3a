"""The "no e-mail" mode: one helper says whether a link may be sent, and the
backend never writes a message's body anywhere."""

import logging

from django.core import mail
from django.core.mail import EmailMessage

from nonrecours.privacy.mail import DisabledEmailBackend, links_can_be_sent


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
