"""The « Corriger » action on a referral's outcomes, through the receiving
structure's account and through the e-mailed link, with the history of
corrections on the page and the count on the statistics page."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from nonrecours.accounts.enums import Role
from nonrecours.referrals import actions
from nonrecours.referrals.enums import Channel, EventKind, OutcomeKind
from nonrecours.referrals.models import Outcome
from nonrecours.referrals.notifications import link_token
from tests.referrals.conftest import START, member

pytestmark = pytest.mark.django_db
NBSP = "\u00a0"


@pytest.fixture
def referral(send, receiver):
    """Accepted by the CCAS, RSA opened at 500 € a month."""
    with time_machine.travel(START, tick=False):
        referral = send()
        actions.referral_answer(referral, accept=True, user=receiver, via=Channel.ACCOUNT)
        actions.referral_record_outcome(
            referral,
            kind=OutcomeKind.RIGHT_OPENED,
            benefit="rsa",
            monthly_amount="500",
            user=receiver,
            via=Channel.ACCOUNT,
        )
    return referral


def correction(outcome, **fields):
    prefix = f"correction-{outcome.pk}"
    return {
        "formulaire": "correction",
        "resultat_corrige": str(outcome.pk),
        f"{prefix}-kind": OutcomeKind.NO_RIGHT,
        f"{prefix}-benefit": "",
        f"{prefix}-monthly_amount": "",
        f"{prefix}-reason": "La CAF a refusé le RSA",
        **{f"{prefix}-{key}": value for key, value in fields.items()},
    }


def test_the_receiving_account_corrects_and_the_page_keeps_the_history(client, referral, receiver):
    outcome = referral.outcomes.get()
    client.force_login(receiver)
    detail = reverse("referral_detail", args=[referral.pk])
    page = client.get(detail).content.decode()
    assert "Corriger ce résultat" in page
    assert f'name="correction-{outcome.pk}-reason"' in page
    assert 'value="500,00"' in page  # the form starts from the current value
    act = reverse("referral_act", args=[referral.pk])
    with time_machine.travel(START + datetime.timedelta(days=9, hours=10), tick=False):
        done = client.post(act, correction(outcome))
    assert done.status_code == 302 and done["Location"] == detail
    fixed = Outcome.objects.current().get()
    assert fixed.corrects == outcome and fixed.kind == OutcomeKind.NO_RIGHT
    assert fixed.recorded_via == Channel.ACCOUNT and fixed.recorded_by == receiver
    page = client.get(detail).content.decode()
    assert "<li>Pas de droit — le 14 janvier 2026" in page
    assert "corrigé</span>" in page
    assert "Corrigé le 14 janvier 2026" in page
    assert "motif : La CAF a refusé le RSA." in page
    assert (
        f"Valeur précédente : Droit ouvert : Revenu de solidarité active (RSA), "
        f"500,00{NBSP}€ par mois, enregistrée le 5 janvier 2026." in page
    )
    assert "<strong>Résultat corrigé</strong>" in page  # the journal
    # The corrected value has its own « Corriger » form; the replaced one none.
    assert f'name="correction-{fixed.pk}-reason"' in page
    assert f'name="correction-{outcome.pk}-reason"' not in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"reason": ""}, "Motif de la correction : Indiquez le motif de la correction."),
        (
            {"kind": OutcomeKind.RIGHT_OPENED, "benefit": "rsa", "monthly_amount": "500"},
            "identique au résultat enregistré",
        ),
        (
            {"kind": OutcomeKind.RIGHT_OPENED, "benefit": "rsa", "monthly_amount": "12 €/j"},
            "Montant illisible : « 12 €/j »",
        ),
        ({"kind": "<script>"}, "Résultat corrigé : "),
    ],
)
def test_a_refused_correction_says_why_and_writes_nothing(
    client, referral, receiver, fields, message
):
    outcome = referral.outcomes.get()
    client.force_login(receiver)
    act = reverse("referral_act", args=[referral.pk])
    refused = client.post(act, correction(outcome, **fields))
    assert refused.status_code == 422
    page = refused.content.decode()
    assert message.replace("'", "&#x27;") in page, page[:3000]
    assert '<details class="outcome-correction" open>' in page
    assert Outcome.objects.count() == 1
    assert not referral.events.filter(kind=EventKind.CORRECTED).exists()


def test_an_unknown_or_replaced_outcome_is_refused_in_french(client, referral, receiver):
    outcome = referral.outcomes.get()
    client.force_login(receiver)
    act = reverse("referral_act", args=[referral.pk])
    for raw in ("999999", "abc", ""):
        data = {**correction(outcome), "resultat_corrige": raw}
        data = {key.replace(f"correction-{outcome.pk}-", f"correction-{raw}-"): value
                for key, value in data.items()}  # fmt: skip
        refused = client.post(act, data)
        assert refused.status_code == 422
        assert "Ce résultat n&#x27;existe pas pour cette orientation." in refused.content.decode()
    assert client.post(act, correction(outcome)).status_code == 302
    again = client.post(act, correction(outcome, kind=OutcomeKind.NOT_REACHED))
    assert again.status_code == 422
    assert "a déjà été corrigé : corrigez le résultat en vigueur" in again.content.decode()
    assert Outcome.objects.count() == 2


def test_the_link_corrects_too_and_the_journal_says_so(client, send, receiver):
    referral = send(amounts={"rsa": 480.0})
    client.post(reverse("referral_link", args=[link_token(referral)]))
    act = reverse("referral_act", args=[referral.pk])
    client.post(act, {"formulaire": "reponse", "reponse-decision": "accept"})
    client.post(act, {"formulaire": "resultat", "resultat-kind": OutcomeKind.NOT_REACHED})
    outcome = referral.outcomes.get()
    done = client.post(
        act,
        correction(outcome, kind=OutcomeKind.RIGHT_OPENED, benefit="rsa", reason="jointe le 3"),
    )
    assert done.status_code == 302
    fixed = Outcome.objects.current().get()
    assert fixed.monthly_amount == 480 and fixed.amount_from_simulator
    assert fixed.recorded_via == Channel.LINK and fixed.recorded_by is None
    event = referral.events.get(kind=EventKind.CORRECTED)
    assert event.channel == Channel.LINK and "lien" in event.actor_label
    assert event.detail.startswith("Personne non jointe → Droit ouvert")


def test_only_the_receiving_side_corrects(client, arras, referral, sender):
    outcome = referral.outcomes.get()
    act = reverse("referral_act", args=[referral.pk])
    client.force_login(sender)
    page = client.get(reverse("referral_detail", args=[referral.pk])).content.decode()
    assert "Droit ouvert" in page and "Corriger ce résultat" not in page
    assert client.post(act, correction(outcome)).status_code == 403
    client.force_login(member(arras, "Mission locale", Role.PARTNER))
    assert client.post(act, correction(outcome)).status_code == 404
    assert Outcome.objects.count() == 1


def test_the_statistics_page_says_how_many_outcomes_were_corrected(
    client, arras, referral, receiver
):
    outcome = referral.outcomes.get()
    client.force_login(receiver)
    client.post(reverse("referral_act", args=[referral.pk]), correction(outcome))
    client.force_login(member(arras, "Équipe TZNR", Role.PROJECT_LEAD))
    page = client.get(reverse("referral_dashboard", args=[arras.siren]) + "?annee=2026")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Résultats : 1 résultat enregistré, dont 1 résultat corrigé par la structure" in text
