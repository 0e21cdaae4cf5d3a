"""An offer's e-mail change is treated like a structure's (issue #12):
dated, signed and told to whoever no longer receives its referrals, and the
reminders of referrals already sent still go to the receivers who were told
at sending time, never silently to the new address."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from nonrecours.accounts.enums import Role
from nonrecours.directory import actions as directory_actions
from nonrecours.directory import imports as directory_imports
from nonrecours.directory.models import Offer, Structure
from nonrecours.referrals import actions
from nonrecours.referrals.enums import ConsentMode
from tests.referrals.conftest import OFFER, PERSON, STRUCTURE, member

pytestmark = pytest.mark.django_db

OLD = "droits@ccas-arras.example"
NEW = "ailleurs@exemple.example"
SENT = datetime.datetime(2026, 1, 5, 9, 0, tzinfo=datetime.UTC)
CHANGED = SENT + datetime.timedelta(days=2)  # 11:00 in Paris
SIGNATURE = "Léa Roux (Équipe TZNR)"


@pytest.fixture
def offer(arras) -> Offer:
    directory_imports.directory_import(
        records=[STRUCTURE, {**OFFER, "courriel": OLD}], territory=arras
    )
    return Offer.objects.select_related("structure").get()


@pytest.fixture
def referral(arras, offer, django_capture_on_commit_callbacks):
    sender = member(arras, "France Services d'Arras", Role.PARTNER, email="agent@fs.example")
    with time_machine.travel(SENT, tick=False), django_capture_on_commit_callbacks(execute=True):
        sent = actions.referral_send(
            territory=arras, sender=sender,
            sender_organisation=sender.memberships.get().organisation,
            structure=offer.structure, offer=offer, person=PERSON, consent=True,
            consent_mode=ConsentMode.ORAL,
        )  # fmt: skip
    assert sent.receiver_email == OLD
    assert [m.to for m in mail.outbox if "vous est orientée" in m.subject] == [[OLD]]
    mail.outbox.clear()
    return sent


def edit(arras, offer, email, capture):
    with time_machine.travel(CHANGED, tick=False), capture(execute=True):
        return directory_actions.directory_entry_edit(
            territory=arras, record={**offer.record, "courriel": email}, by=SIGNATURE, entry=offer
        )


def test_the_old_address_is_told_with_the_date_and_who(
    arras, offer, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    saved = edit(arras, offer, NEW, django_capture_on_commit_callbacks)
    assert saved.record["courriel"] == NEW
    (notice,) = mail.outbox
    assert notice.to == [OLD]  # the new address is not the one that needs warning
    assert notice.subject == (
        "Orientations vers Accompagnement à l'accès aux droits — CCAS d'Arras : "
        "changement de destinataire"
    )
    assert "ne vous sont plus adressées" in notice.body
    assert f"le 07/01/2026 à 10:00 par {SIGNATURE}" in notice.body
    assert "déjà reçues restent les vôtres" in notice.body
    mail.outbox.clear()
    edit(arras, Offer.objects.get(), NEW, django_capture_on_commit_callbacks)
    assert mail.outbox == []  # nothing changed, nobody told


def test_the_offer_falling_back_to_its_structures_address_is_told_too(
    arras, offer, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    record = {k: v for k, v in offer.record.items() if k != "courriel"}
    with time_machine.travel(CHANGED, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            directory_actions.directory_entry_edit(
                territory=arras, record=record, by=SIGNATURE, entry=offer
            )
    (notice,) = mail.outbox
    assert notice.to == [OLD]


def test_reminders_of_referrals_already_sent_stay_with_who_was_told(
    arras, offer, referral, django_capture_on_commit_callbacks
):
    edit(arras, offer, NEW, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with time_machine.travel(SENT + datetime.timedelta(days=10), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert actions.referrals_process_deadlines().reminded == 1
    (reminder,) = [m for m in mail.outbox if m.subject.startswith("Relance")]
    assert reminder.to == [OLD]  # before: the new address, with the link to the person
    assert all(NEW not in m.to for m in mail.outbox)
    # New referrals go to the new address.
    structure, offer = Structure.objects.get(), Offer.objects.get()
    assert actions.receiver_of(structure, offer) == (None, NEW)


def test_the_edit_page_changes_an_offers_e_mail_signed_by_its_author(
    client, arras, offer, django_capture_on_commit_callbacks
):
    lead = member(arras, "Équipe TZNR", Role.PROJECT_LEAD, first_name="Léa", last_name="Roux")
    client.force_login(lead)
    url = reverse("directory_offer_edit", args=[offer.pk])
    data = {
        "nom": offer.name,
        "description": OFFER["description"],
        "type": OFFER["type"],
        "thematiques": OFFER["thematiques"],
        "publics": OFFER["publics"],
        "zone_eligibilite": "62041",
        "courriel": NEW,
    }
    mail.outbox.clear()
    with time_machine.travel(CHANGED, tick=False), django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    offer.refresh_from_db()
    assert offer.record["courriel"] == NEW
    (notice,) = mail.outbox
    assert notice.to == [OLD]
    assert f"par {SIGNATURE}" in notice.body
    # A refused edit changes nothing and tells no one.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(url, {**data, "courriel": "pas-un-courriel"})
    assert refused.status_code == 422
    offer.refresh_from_db()
    assert offer.record["courriel"] == NEW and mail.outbox == []
