"""The invitation pages over HTTP: the territory team invites, resends and
cancels; the invitee opens the link, chooses a password (and sets up the
second factor where the role needs it)."""

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from nonrecours.accounts import actions
from nonrecours.accounts.enums import InvitationStatus, Role
from nonrecours.accounts.models import Invitation, Membership, User
from tests.accounts.conftest import GOOD_PASSWORD, code_for, member

pytestmark = pytest.mark.django_db
LIST = "/territoires/200033579/invitations/"


def token_of(message) -> str:
    return re.search(r"/invitation/([\w-]+)/", message.body).group(1)


@pytest.fixture
def sent(caf, lead, django_capture_on_commit_callbacks):
    """An invitation sent to a partner, and its link's token."""
    with django_capture_on_commit_callbacks(execute=True):
        invitation = actions.invitation_create(
            invited_by=lead, email="nadia@caf.example", organisation=caf, role=Role.PARTNER
        )
    return invitation, token_of(mail.outbox[-1])


@pytest.mark.parametrize("role", [Role.PARTNER, Role.FIELD_AGENT])
def test_only_the_territory_team_sees_the_invitations(client, caf, role):
    client.force_login(member(caf, role, "x"))
    assert client.get(LIST).status_code == 403
    client.logout()
    assert client.get(LIST).url.startswith("/connexion/")


def test_a_project_lead_invites_one_person_without_the_admin_role(
    client, caf, lead, django_capture_on_commit_callbacks
):
    client.force_login(lead)
    page = client.get(LIST).content.decode()
    assert 'value="admin"' not in page  # not offered to a project lead
    assert "Seul·e un·e administrateur·rice peut donner le rôle" in page
    forged = client.post(
        reverse("invitation_new", args=["200033579"]),
        {"email": "a@caf.example", "organisation": caf.pk, "role": Role.ADMIN},
    )
    assert "Choisissez un rôle de la liste" in forged.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            reverse("invitation_new", args=["200033579"]),
            {"email": "a@caf.example", "organisation": caf.pk, "role": Role.PARTNER},
        )
    assert done.status_code == 302
    assert mail.outbox[0].to == ["a@caf.example"]
    listing = client.get(LIST).content.decode()
    assert "a@caf.example" in listing and "En attente" in listing


def test_errors_come_back_on_their_field(client, caf, lead):
    client.force_login(lead)
    response = client.post(
        reverse("invitation_new", args=["200033579"]),
        {"email": "pas-une-adresse", "organisation": caf.pk, "role": Role.PARTNER},
    )
    html = response.content.decode()
    assert "Le formulaire contient des erreurs" in html
    assert '<a href="#id_email">' in html
    assert "« pas-une-adresse » n&#x27;est pas une adresse e-mail valable" in html
    assert not Invitation.objects.exists()


def test_an_organisation_of_another_territory_is_refused(client, lead, caf):
    from nonrecours.accounts.models import Organisation
    from nonrecours.territories import actions as territory_actions
    from tests.conftest import LENS_SIREN

    lens = territory_actions.territory_import(siren=LENS_SIREN).territory
    elsewhere = Organisation.objects.create(territory=lens, name="CCAS de Lens", kind="ccas")
    client.force_login(lead)
    response = client.post(
        reverse("invitation_new", args=["200033579"]),
        {"email": "a@caf.example", "organisation": elsewhere.pk, "role": Role.PARTNER},
    )
    assert "Choisissez une organisation de la liste" in response.content.decode()
    assert client.get(f"/territoires/{LENS_SIREN}/invitations/").status_code == 403


def test_a_file_is_invited_whole_or_refused_with_lines(
    client, caf, lead, django_capture_on_commit_callbacks
):
    client.force_login(lead)
    bad = SimpleUploadedFile(
        "liste.csv", "e-mail;organisation;rôle\na@caf.example;CAF du Pas-de-Calais;chef\n".encode()
    )
    response = client.post(reverse("invitation_import", args=["200033579"]), {"file": bad})
    html = response.content.decode()
    assert "Fichier refusé : personne n'a été invité" in html
    assert "ligne 2, colonne « rôle » : « chef » n&#x27;est pas un rôle" in html
    latin1 = SimpleUploadedFile("liste.csv", "e-mail;organisation;rôle\n".encode("latin-1"))
    response = client.post(reverse("invitation_import", args=["200033579"]), {"file": latin1})
    assert "n&#x27;est pas en UTF-8 (ligne 1)" in response.content.decode()
    good = SimpleUploadedFile(
        "liste.csv",
        "\ufeffe-mail;organisation;rôle\na@caf.example;CAF du Pas-de-Calais;partenaire\n".encode(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse("invitation_import", args=["200033579"]), {"file": good})
    assert done.status_code == 302
    assert Invitation.objects.get().email == "a@caf.example"


def test_resend_and_cancel(client, lead, sent, django_capture_on_commit_callbacks):
    invitation, old = sent
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("invitation_resend", args=["200033579", invitation.pk]))
    assert len(mail.outbox) == 2
    assert client.get(reverse("invitation_accept", args=[old])).status_code == 410
    client.post(reverse("invitation_cancel", args=["200033579", invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.CANCELLED
    closed = client.get(reverse("invitation_accept", args=[token_of(mail.outbox[1])]))
    assert closed.status_code == 410
    assert "Ce lien d'invitation ne fonctionne pas" in closed.content.decode()
    again = client.post(reverse("invitation_cancel", args=["200033579", invitation.pk]))
    assert again.status_code == 302  # a French message, not an error page


def test_a_project_lead_cannot_cancel_an_admin_invitation(client, team, lead, admin):
    invitation = actions.invitation_create(
        invited_by=admin, email="x@arras.example", organisation=team, role=Role.ADMIN
    )
    client.force_login(lead)
    assert (
        client.post(reverse("invitation_cancel", args=["200033579", invitation.pk])).status_code
        == 403
    )
    assert "Annuler<span" not in client.get(LIST).content.decode()


def test_the_invitee_chooses_a_password_and_is_logged_in(client, caf, sent):
    invitation, token = sent
    url = reverse("invitation_accept", args=[token])
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "CAF du Pas-de-Calais" in html and "Partenaire" in html
    assert 'autocomplete="new-password"' in html
    assert "Votre second facteur" not in html
    short = client.post(url, {"password": "court", "password_again": "court"})
    assert "trop court" in short.content.decode()
    assert 'aria-invalid="true"' in short.content.decode()
    done = client.post(
        url, {"password": GOOD_PASSWORD, "password_again": GOOD_PASSWORD, "first_name": "Nadia"}
    )
    assert done.status_code == 302 and done.url == "/territoires/200033579/"
    user = User.objects.get(username="nadia@caf.example")
    assert int(client.session["_auth_user_id"]) == user.pk
    assert client.get(url).status_code == 410  # single use


def test_a_project_lead_invitee_sets_up_the_second_factor_on_the_same_page(
    client, team, admin, settings, django_capture_on_commit_callbacks
):
    settings.NONRECOURS_REQUIRE_2FA = True
    with django_capture_on_commit_callbacks(execute=True):
        actions.invitation_create(
            invited_by=admin, email="lead@arras.example", organisation=team, role=Role.PROJECT_LEAD
        )
    url = reverse("invitation_accept", args=[token_of(mail.outbox[-1])])
    html = client.get(url).content.decode()
    assert "Votre second facteur" in html and '<svg role="img"' in html
    key = client.session["accounts.invitation_totp_key"]["key"]
    assert client.get(url).content.decode().count(key) == 0  # the hex key itself is not shown
    assert client.session["accounts.invitation_totp_key"]["key"] == key  # stable on reload
    data = {"password": GOOD_PASSWORD, "password_again": GOOD_PASSWORD}
    missing = client.post(url, data)
    assert "Saisissez le code à 6 chiffres" in missing.content.decode()
    assert not User.objects.filter(username="lead@arras.example").exists()
    done = client.post(url, {**data, "code": code_for(key)})
    assert done.status_code == 302
    user = User.objects.get(username="lead@arras.example")
    assert TOTPDevice.objects.get(user=user).confirmed
    assert client.get("/territoires/200033579/").status_code == 200  # verified already


def test_an_existing_account_accepts_logged_in(
    client, caf, team, lead, django_capture_on_commit_callbacks
):
    partner = member(caf, Role.PARTNER, "nadia@caf.example", email="nadia@caf.example")
    with django_capture_on_commit_callbacks(execute=True):
        actions.invitation_create(
            invited_by=lead, email="nadia@caf.example", organisation=team, role=Role.FIELD_AGENT
        )
    url = reverse("invitation_accept", args=[token_of(mail.outbox[-1])])
    anonymous = client.get(url).content.decode()
    assert "Vous avez déjà un compte" in anonymous
    assert "/connexion/?next=%2Finvitation%2F" in anonymous
    client.force_login(lead)
    other = client.get(url).content.decode()
    assert "Cette invitation est pour quelqu'un d'autre" in other
    assert client.post(url).status_code == 200
    assert not Membership.objects.filter(user=partner, organisation=team).exists()
    client.force_login(partner)
    assert client.post(url).status_code == 302
    assert Membership.objects.get(user=partner, organisation=team).role == Role.FIELD_AGENT


def test_logging_out_from_an_invitation_meant_for_someone_else(client, lead, sent):
    _, token = sent
    client.force_login(lead)
    response = client.post(reverse("invitation_logout", args=[token]))
    assert response.url == reverse("invitation_accept", args=[token])
    assert "_auth_user_id" not in client.session


def test_an_unknown_token_gets_the_same_page_as_a_closed_one(client):
    response = client.get(reverse("invitation_accept", args=["inconnu"]))
    assert response.status_code == 410
    assert "ne fonctionne plus" in response.content.decode()


def test_the_territory_page_leads_the_team_to_the_invitations(client, caf, lead):
    client.force_login(lead)
    assert f'href="{LIST}"' in client.get("/territoires/200033579/").content.decode()
    client.force_login(member(caf, Role.PARTNER, "partenaire"))
    assert f'href="{LIST}"' not in client.get("/territoires/200033579/").content.decode()
