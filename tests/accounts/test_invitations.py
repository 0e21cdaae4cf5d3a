"""Invitations by e-mail: who may invite with which role, the link (hashed,
valid a few days, single use), resending and cancelling, accepting it with a
password and, where the role needs one, a second factor."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from nonrecours.accounts import actions, queries, second_factor
from nonrecours.accounts.enums import InvitationStatus, Role
from nonrecours.accounts.models import Invitation, Membership, User
from nonrecours.mailing import watch
from nonrecours.mailing.actions import mail_send_due
from nonrecours.mailing.enums import MailStatus
from nonrecours.mailing.models import Mail
from tests.accounts.conftest import GOOD_PASSWORD, code_for, member

pytestmark = pytest.mark.django_db
LINK = re.compile(r"https?://\S+/invitation/([\w-]+)/")


def invite(caf, by, email="nadia.benali@caf.example", role=Role.PARTNER, *, capture):
    with capture(execute=True):
        return actions.invitation_create(invited_by=by, email=email, organisation=caf, role=role)


def token_of(message) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def account(**fields) -> actions.NewAccount:
    return actions.NewAccount(password=GOOD_PASSWORD, password_again=GOOD_PASSWORD, **fields)


def test_the_invitee_gets_an_e_mail_with_a_link_whose_token_is_stored_hashed(
    caf, lead, django_capture_on_commit_callbacks, settings
):
    settings.NONRECOURS_BASE_URL = "https://nonrecours.exemple.fr"
    invitation = invite(
        caf, lead, email="  Nadia.Benali@CAF.example ", capture=django_capture_on_commit_callbacks
    )
    assert invitation.email == "nadia.benali@caf.example"
    (message,) = mail.outbox
    assert message.to == ["nadia.benali@caf.example"]
    assert "CAF du Pas-de-Calais" in message.subject
    assert "« Partenaire »" in message.body
    assert "https://nonrecours.exemple.fr/invitation/" in message.body
    token = token_of(message)
    invitation.refresh_from_db()  # the link is made when the mail goes
    assert token not in invitation.token_hash
    assert invitation.token_hash == queries.token_hash(token)
    assert queries.invitation_by_token(token) == invitation
    assert invitation.status == InvitationStatus.PENDING
    assert invitation.expires_at - invitation.sent_at == datetime.timedelta(days=7)


def test_nothing_is_sent_when_the_transaction_is_rolled_back(
    caf, lead, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.invitation_create(
            invited_by=lead, email="a@caf.example", organisation=caf, role=Role.PARTNER
        )
    assert len(callbacks) == 1  # sent only after the commit
    assert mail.outbox == []


def test_a_failing_mail_server_is_kept_on_the_invitation(
    caf, lead, django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_BACKEND = "tests.mailing.backends.Refusing"
    invitation = invite(caf, lead, capture=django_capture_on_commit_callbacks)
    invitation.refresh_from_db()
    assert invitation.send_error == (
        "Courriel non envoyé : le serveur de courriel refuse la connexion ; "
        "nouvel essai automatique."
    )


def test_the_link_lasts_the_configured_days_then_expires(
    caf, lead, settings, django_capture_on_commit_callbacks
):
    settings.NONRECOURS_INVITATION_DAYS = 3
    invitation = invite(caf, lead, capture=django_capture_on_commit_callbacks)
    token = token_of(mail.outbox[0])
    with time_machine.travel(timezone.now() + datetime.timedelta(days=2, hours=23)):
        assert invitation.status == InvitationStatus.PENDING
    with time_machine.travel(timezone.now() + datetime.timedelta(days=3, minutes=1)):
        assert invitation.status == InvitationStatus.EXPIRED
        with pytest.raises(actions.InvitationError, match="ne fonctionne plus"):
            actions.invitation_accept(invitation=invitation, account=account())
    assert not User.objects.filter(username="nadia.benali@caf.example").exists()
    assert queries.invitation_by_token(token) == invitation


def test_accepting_creates_the_account_named_by_the_e_mail_and_serves_once(
    caf, lead, django_capture_on_commit_callbacks
):
    invitation = invite(caf, lead, capture=django_capture_on_commit_callbacks)
    user, device = actions.invitation_accept(
        invitation=invitation, account=account(first_name="Nadia", last_name="Benali")
    )
    assert device is None  # a partner needs no second factor
    assert user.username == user.email == "nadia.benali@caf.example"
    assert user.check_password(GOOD_PASSWORD)
    assert user.get_full_name() == "Nadia Benali"
    assert Membership.objects.get(user=user).role == Role.PARTNER
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED
    assert invitation.user == user
    with pytest.raises(actions.InvitationError, match="ne fonctionne plus"):
        actions.invitation_accept(invitation=invitation, account=account())


@pytest.mark.parametrize(
    ("password", "again", "field", "message"),
    [
        ("court", "court", "password", "trop court"),
        ("12345678901", "12345678901", "password", "entièrement numérique"),
        ("motdepasse", "motdepasse", "password", "trop courant"),
        ("nadia.benali@caf", "nadia.benali@caf", "password", "trop semblable"),
        (GOOD_PASSWORD, GOOD_PASSWORD + "x", "password_again", "pas identiques"),
    ],
)
def test_django_s_password_rules_apply_and_nothing_is_written(
    caf, lead, django_capture_on_commit_callbacks, password, again, field, message
):
    invitation = invite(caf, lead, capture=django_capture_on_commit_callbacks)
    with pytest.raises(actions.InvitationError, match=message) as refused:
        actions.invitation_accept(
            invitation=invitation,
            account=actions.NewAccount(password=password, password_again=again),
        )
    assert refused.value.field == field
    assert not User.objects.filter(email="nadia.benali@caf.example").exists()
    assert Invitation.objects.get().status == InvitationStatus.PENDING


def test_a_project_lead_sets_up_the_second_factor_before_the_account_exists(
    team, admin, django_capture_on_commit_callbacks, settings
):
    settings.NONRECOURS_REQUIRE_2FA = True
    invitation = invite(
        team, admin, email="lead@arras.example", role=Role.PROJECT_LEAD,
        capture=django_capture_on_commit_callbacks,
    )  # fmt: skip
    key = second_factor.new_totp_key()
    with pytest.raises(actions.InvitationError, match="ne correspond pas") as wrong:
        actions.invitation_accept(
            invitation=invitation,
            account=account(totp_key=key, code=code_for(key, offset_steps=5)),
        )
    assert wrong.value.field == "code"
    assert not User.objects.filter(username="lead@arras.example").exists()
    assert not TOTPDevice.objects.exists()
    user, device = actions.invitation_accept(
        invitation=invitation, account=account(totp_key=key, code=code_for(key))
    )
    assert device.user == user and device.confirmed and device.key == key


def test_an_existing_account_invited_again_gets_the_membership_added(
    caf, team, lead, django_capture_on_commit_callbacks
):
    partner = member(caf, Role.PARTNER, "agent-caf", email="agent@caf.example")
    invitation = invite(
        team, lead, email="AGENT@caf.example", role=Role.FIELD_AGENT,
        capture=django_capture_on_commit_callbacks,
    )  # fmt: skip
    with pytest.raises(actions.InvitationError, match="connectez-vous"):
        actions.invitation_accept(invitation=invitation, account=account())
    with pytest.raises(actions.InvitationError, match="adressée à agent@caf.example"):
        actions.invitation_accept_existing(invitation=invitation, user=lead)
    actions.invitation_accept_existing(invitation=invitation, user=partner)
    assert set(partner.memberships.values_list("role", flat=True)) == {
        Role.PARTNER,
        Role.FIELD_AGENT,
    }
    assert partner.check_password("mot-de-passe-de-test")  # unchanged


def test_a_project_lead_cannot_grant_the_admin_role_but_an_admin_can(
    team, lead, admin, django_capture_on_commit_callbacks
):
    with pytest.raises(actions.InvitationError, match="Seul·e un·e administrateur·rice") as refused:
        actions.invitation_create(
            invited_by=lead, email="x@arras.example", organisation=team, role=Role.ADMIN
        )
    assert refused.value.field == "role"
    assert not Invitation.objects.exists()
    invite(
        team,
        admin,
        email="x@arras.example",
        role=Role.ADMIN,
        capture=django_capture_on_commit_callbacks,
    )
    assert Invitation.objects.get().role == Role.ADMIN


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "obligatoire"),
        ("pas-une-adresse", "n'est pas une adresse e-mail valable"),
        ("o'brien@caf.example", "n'est pas une adresse e-mail valable"),  # not a username
        ("a\u202e@caf.example", "caractères de contrôle"),
        ("cheffe@arras.example", "déjà rattaché·e"),
    ],
)
def test_bad_addresses_and_existing_members_are_refused(team, lead, email, message):
    with pytest.raises(actions.InvitationError, match=message) as refused:
        actions.invitation_create(
            invited_by=lead, email=email, organisation=team, role=Role.FIELD_AGENT
        )
    assert refused.value.field == "email"
    assert not Invitation.objects.exists()


def test_a_pending_invitation_is_resent_not_duplicated_and_an_expired_one_renewed(
    caf, lead, django_capture_on_commit_callbacks
):
    invitation = invite(caf, lead, capture=django_capture_on_commit_callbacks)
    with pytest.raises(actions.InvitationError, match="renvoyez-la"):
        invite(caf, lead, capture=django_capture_on_commit_callbacks)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=8)):
        renewed = invite(
            caf, lead, role=Role.FIELD_AGENT, capture=django_capture_on_commit_callbacks
        )
        assert renewed.pk == invitation.pk
        assert renewed.status == InvitationStatus.PENDING
        assert renewed.role == Role.FIELD_AGENT
    assert Invitation.objects.count() == 1


def test_resending_gives_a_new_link_and_the_old_one_stops_working(
    caf, lead, django_capture_on_commit_callbacks
):
    invitation = invite(caf, lead, capture=django_capture_on_commit_callbacks)
    old = token_of(mail.outbox[0])
    with time_machine.travel(timezone.now() + datetime.timedelta(days=10)):
        assert invitation.status == InvitationStatus.EXPIRED
        with django_capture_on_commit_callbacks(execute=True):
            actions.invitation_resend(invitation=invitation)
        new = token_of(mail.outbox[1])
        assert queries.invitation_by_token(old) is None
        resent = queries.invitation_by_token(new)
        assert resent is not None and resent.status == InvitationStatus.PENDING


def test_a_cancelled_invitation_cannot_be_accepted_nor_resent(
    caf, lead, django_capture_on_commit_callbacks
):
    invitation = invite(caf, lead, capture=django_capture_on_commit_callbacks)
    actions.invitation_cancel(invitation=invitation, cancelled_by=lead)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.CANCELLED
    assert invitation.cancelled_by == lead
    with pytest.raises(actions.InvitationError, match="ne fonctionne plus"):
        actions.invitation_accept(invitation=invitation, account=account())
    with pytest.raises(actions.InvitationError, match="ne peut plus être renvoyée"):
        actions.invitation_resend(invitation=invitation)
    with pytest.raises(actions.InvitationError, match="déjà annulée"):
        actions.invitation_cancel(invitation=invitation, cancelled_by=lead)


def test_no_invitation_when_e_mail_is_disabled(caf, lead, settings):
    settings.NONRECOURS_EMAIL_DISABLED = True
    with pytest.raises(actions.InvitationError, match="NONRECOURS_EMAIL_DISABLED"):
        actions.invitation_create(
            invited_by=lead, email="a@caf.example", organisation=caf, role=Role.PARTNER
        )
    assert not Invitation.objects.exists()


def test_the_territory_list_counts_each_status(caf, lead, django_capture_on_commit_callbacks):
    first = invite(caf, lead, email="a@caf.example", capture=django_capture_on_commit_callbacks)
    invite(caf, lead, email="b@caf.example", capture=django_capture_on_commit_callbacks)
    actions.invitation_cancel(invitation=first, cancelled_by=lead)
    listing = queries.territory_invitations(caf.territory)
    assert listing.counts[InvitationStatus.PENDING] == 1
    assert listing.counts[InvitationStatus.CANCELLED] == 1
    pending = queries.territory_invitations(caf.territory, InvitationStatus.PENDING)
    assert [i.email for i in pending.invitations] == ["b@caf.example"]


@pytest.mark.django_db(transaction=True)
def test_a_long_file_tries_20_mails_in_the_request_and_leaves_the_rest_to_the_timer(
    client, caf, lead
):
    """As in production (no transaction around the request): the first
    attempts made inside one request are capped (watch.FIRST_ATTEMPTS); the
    page says how many went and how many will go; the timer sends the rest."""
    rows = "".join(f"p{n}@caf.example;CAF du Pas-de-Calais;partenaire\n" for n in range(25))
    upload = SimpleUploadedFile("liste.csv", f"e-mail;organisation;rôle\n{rows}".encode())
    client.force_login(lead)
    page = client.post(
        reverse("invitation_import", args=["200033579"]), {"file": upload}, follow=True
    )
    shown = [str(message) for message in page.context["messages"]]
    assert "25 invitation(s) enregistrée(s)." in shown
    assert (
        "20 courriel(s) envoyé(s) tout de suite ; les 5 autre(s) partiront automatiquement "
        "dans les prochaines minutes." in shown
    )
    assert len(mail.outbox) == 20
    assert Mail.objects.filter(status=MailStatus.PENDING).count() == 5
    assert mail_send_due().sent == 5
    assert len(mail.outbox) == 25


def test_the_first_attempts_stop_when_the_time_is_up(
    caf, lead, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(watch, "FIRST_ATTEMPTS_SECONDS", -1.0)
    with watch.mail_watch() as seen, django_capture_on_commit_callbacks(execute=True):
        actions.invitation_create(
            invited_by=lead, email="nadia@caf.example", organisation=caf, role=Role.PARTNER
        )
    assert not mail.outbox and seen.budget.deferred == 1
    assert Mail.objects.get().status == MailStatus.PENDING
