"""The person who acted sees on the page that a mail could not go, why,
and that it will be retried. These tests commit for real (transaction=True):
the first attempt is made right after the action's commit, inside the
request, as in production."""

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from nonrecours.accounts.enums import OrganisationKind, Role
from nonrecours.accounts.models import Invitation, Membership, Organisation, User
from nonrecours.mailing.enums import MailStatus
from nonrecours.mailing.models import Mail
from nonrecours.referrals.enums import EventKind
from nonrecours.referrals.models import Referral

pytestmark = pytest.mark.django_db(transaction=True)


def texts(response) -> list[tuple[str, str]]:
    return [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]


def test_sending_a_referral_to_a_dead_server_says_so(client, settings, directory, sender, receiver):
    settings.EMAIL_BACKEND = "tests.mailing.backends.TimingOut"
    client.force_login(sender)
    response = client.post(
        reverse("referral_new") + f"?offre={directory[1].pk}",
        {
            "sender_organisation": sender.memberships.get().organisation.pk,
            "first_name": "Dominique",
            "last_name": "Durand",
            "phone": "0612345678",
            "commune": "62041",
            "consent_mode": "oral",
            "consent": "on",
        },
    )
    referral = Referral.objects.get()
    assert response.status_code == 302
    (success, warning) = texts(response)
    assert success[0] == "success" and f"Orientation n° {referral.pk} envoyée" in success[1]
    assert warning[0] == "warning"
    assert warning[1].startswith(f"Les courriels « Orientation n° {referral.pk} : une personne")
    assert (
        "n'ont pas pu être envoyés : le serveur de courriel ne répond pas (délai de 10 s "
        "dépassé). Ils seront renvoyés automatiquement (prochain essai vers " in warning[1]
    )
    assert Mail.objects.filter(status=MailStatus.PENDING).count() == 2
    assert referral.events.filter(kind=EventKind.NOTIFY_FAILED).count() == 2
    assert not referral.events.filter(kind=EventKind.NOTIFIED).exists()


def test_answering_with_no_server_says_it_and_not_that_the_sender_knows(
    client, settings, send, receiver
):
    referral = send()
    mail.outbox.clear()
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    client.force_login(receiver)
    response = client.post(
        reverse("referral_act", args=[referral.pk]),
        {"formulaire": "reponse", "reponse-decision": "accept"},
    )
    assert response.status_code == 302
    assert texts(response) == [
        ("success", "C'est enregistré."),
        (
            "warning",
            f"Le courriel « Orientation n° {referral.pk} acceptée par CCAS d'Arras » n'a pas "
            "pu être envoyé : aucun serveur de courriel configuré (NONRECOURS_EMAIL_HOST). Il "
            "sera renvoyé automatiquement (prochain essai vers "
            + texts_time(Mail.objects.latest("pk").next_attempt_at)
            + ").",
        ),
    ]


def texts_time(moment) -> str:
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%H:%M")


def test_an_invitation_refused_by_the_server_is_shown_as_not_sent(client, settings, arras):
    team = Organisation.objects.create(territory=arras, name="Équipe", kind=OrganisationKind.OTHER)
    caf = Organisation.objects.create(territory=arras, name="CAF", kind=OrganisationKind.CAF)
    lead = User.objects.create_user("cheffe", password="mot-de-passe-de-test")
    Membership.objects.create(user=lead, organisation=team, role=Role.PROJECT_LEAD)
    settings.EMAIL_BACKEND = "tests.mailing.backends.RefusingAddresses"
    client.force_login(lead)
    response = client.post(
        reverse("invitation_new", args=[arras.siren]),
        {"email": "nadia@caf.example", "organisation": caf.pk, "role": Role.PARTNER},
    )
    assert response.status_code == 302
    (success, warning) = texts(response)
    assert success[1].startswith("Invitation enregistrée pour nadia@caf.example")
    assert warning == (
        "warning",
        "Le courriel « Invitation à rejoindre nonrecours — CAF » n'a pas pu être envoyé : "
        "adresse refusée par le serveur (code 550). Il ne sera pas renvoyé.",
    )
    invitation = Invitation.objects.get()
    assert invitation.send_error == (
        "Courriel abandonné après 1 essai : adresse refusée par le serveur (code 550)."
    )


def test_the_invitation_command_says_the_mail_did_not_go(settings, arras, capsys):
    from django.core.management import call_command

    Organisation.objects.create(territory=arras, name="CAF", kind=OrganisationKind.CAF)
    settings.EMAIL_BACKEND = "tests.mailing.backends.TimingOut"
    call_command("accounts", "inviter", arras.siren, "nadia@caf.example", "CAF", "partenaire")
    out, err = capsys.readouterr()
    assert out.startswith("Invitation enregistrée pour nadia@caf.example (CAF, ")
    # (Only the command's own line: a log handler of another test may also
    # write on the captured stderr, depending on the order tests ran in.)
    assert any(
        line.startswith("Le courriel « Invitation à rejoindre nonrecours — CAF » n'a pas pu")
        for line in err.splitlines()
    ), err
    assert "ne répond pas (délai de 10 s dépassé). Il sera renvoyé automatiquement" in err
