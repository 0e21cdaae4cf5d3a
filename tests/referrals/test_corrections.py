"""Correcting a recorded outcome (issue #17): a new record that replaces the
old one, with a reason, dated, in the journal; the statistics count the
latest value and say how many outcomes were corrected."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nonrecours.referrals import actions
from nonrecours.referrals import statistics as referral_stats
from nonrecours.referrals.enums import Channel, EventKind, OutcomeKind, Status
from nonrecours.referrals.exports import statistics_notes_text
from nonrecours.referrals.models import Outcome
from nonrecours.referrals.outcome_actions import referral_correct_outcome
from nonrecours.referrals.queries import outcome_histories
from tests.referrals.conftest import START

pytestmark = pytest.mark.django_db
NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.fixture
def accepted(send, receiver):
    """accepted(**send overrides) -> a referral the CCAS accepted on START."""

    def make(**overrides):
        with time_machine.travel(START, tick=False):
            referral = send(**overrides)
            actions.referral_answer(referral, accept=True, user=receiver, via=Channel.ACCOUNT)
        return referral

    return make


def record(referral, user, kind, **extra):
    with time_machine.travel(START + datetime.timedelta(days=3), tick=False):
        return actions.referral_record_outcome(
            referral, kind=kind, user=user, via=Channel.ACCOUNT, **extra
        )


def correct(referral, user, outcome, kind, reason="erreur de saisie", days=10, **extra):
    with time_machine.travel(START + datetime.timedelta(days=days), tick=False):
        return referral_correct_outcome(
            referral,
            outcome_id=outcome.pk,
            kind=kind,
            reason=reason,
            user=user,
            via=Channel.ACCOUNT,
            **extra,
        )


def test_a_correction_is_a_new_record_in_the_journal_and_told_to_the_sender(
    accepted, receiver, django_capture_on_commit_callbacks
):
    referral = accepted()
    rsa = record(referral, receiver, OutcomeKind.RIGHT_OPENED, benefit="rsa", monthly_amount="500")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        fixed = correct(
            referral,
            receiver,
            rsa,
            OutcomeKind.RIGHT_OPENED,
            benefit="rsa",
            monthly_amount="412,30",
            reason="  Montant   notifié par la CAF ",
        )
    # The earlier value is kept unchanged; the new one replaces it.
    rsa.refresh_from_db()
    assert (rsa.kind, rsa.monthly_amount) == (OutcomeKind.RIGHT_OPENED, Decimal("500.00"))
    assert fixed.corrects == rsa and fixed.monthly_amount == Decimal("412.30")
    assert fixed.correction_reason == "Montant notifié par la CAF"
    assert fixed.recorded_at == START + datetime.timedelta(days=10)
    assert list(Outcome.objects.current()) == [fixed]
    assert list(Outcome.objects.current().corrections()) == [fixed]
    assert Outcome.objects.count() == 2
    event = referral.events.get(kind=EventKind.CORRECTED)
    assert event.get_kind_display() == "Résultat corrigé"
    assert event.at == START + datetime.timedelta(days=10) and event.actor == receiver
    assert event.detail == (
        f"Droit ouvert : Revenu de solidarité active (RSA), 500,00{NBSP}€ par mois → "
        f"Droit ouvert : Revenu de solidarité active (RSA), 412,30{NBSP}€ par mois ; "
        "motif : Montant notifié par la CAF"
    )
    (message,) = mail.outbox
    assert message.subject == f"Orientation n° {referral.pk} : résultat corrigé"
    assert message.to == ["agent@fs.example"]
    assert (
        f"avant : Droit ouvert : Revenu de solidarité active (RSA), 500,00{NBSP}€" in message.body
    )
    assert f"maintenant : Droit ouvert : Revenu de solidarité active (RSA), 412,30{NBSP}€" in (
        message.body
    )
    # The reason, free text, stays on the page: never in an e-mail.
    assert "Montant notifié" not in message.body and "Camille" not in message.body
    # A correction of the correction: a chain, one link in force.
    again = correct(referral, receiver, fixed, OutcomeKind.NO_RIGHT, days=12)
    assert list(Outcome.objects.current()) == [again]
    (history,) = outcome_histories(referral)
    assert history.outcome == again
    chain = [(c.correction, c.replaced) for c in history.corrections]
    assert chain == [(again, fixed), (fixed, rsa)]
    assert history.corrections[-1].replaced_label.endswith(f"500,00{NBSP}€ par mois")
    # Deleting the referral (its territory deleted) takes the whole chain.
    referral.delete()
    assert not Outcome.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"reason": "   "}, "reason", "Indiquez le motif de la correction"),
        ({"reason": "x" * 301}, "reason", "compte 301 caractères : 300 au plus"),
        ({"kind": "autre"}, "kind", "Choisissez le résultat corrigé"),
        ({"benefit": "inconnu"}, "benefit", "Choisissez le droit ouvert"),
        ({"monthly_amount": "beaucoup"}, "monthly_amount", "Montant illisible : « beaucoup »"),
        ({"monthly_amount": "-4"}, "monthly_amount", "entre 0 et 5\u202f000"),
        ({"monthly_amount": "12 500,50"}, "monthly_amount", "un montant annuel se divise par 12"),
        ({"monthly_amount": "500"}, "kind", "identique au résultat enregistré"),
        ({"outcome_id": "999999"}, "outcome", "n'existe pas pour cette orientation"),
        ({"outcome_id": "1 OR 1=1"}, "outcome", "n'existe pas pour cette orientation"),
        ({"benefit": "aide_logement"}, "benefit", "déjà enregistré pour cette orientation"),
    ],
)
def test_bad_corrections_are_refused_in_french_and_nothing_is_written(
    accepted, receiver, change, field, message
):
    referral = accepted()
    rsa = record(referral, receiver, OutcomeKind.RIGHT_OPENED, benefit="rsa", monthly_amount="500")
    record(referral, receiver, OutcomeKind.RIGHT_OPENED, benefit="aide_logement")
    arguments = {
        "outcome_id": rsa.pk,
        "kind": OutcomeKind.RIGHT_OPENED,
        "benefit": "rsa",
        "monthly_amount": "450",
        "reason": "montant notifié",
        **change,
    }
    events = referral.events.count()
    with pytest.raises(actions.ReferralError) as error:
        referral_correct_outcome(referral, user=receiver, via=Channel.ACCOUNT, **arguments)
    assert (error.value.field, message in str(error.value)) == (field, True), str(error.value)
    assert Outcome.objects.count() == 2 and referral.events.count() == events


def test_corrections_keep_the_outcomes_consistent(accepted, receiver):
    referral = accepted()
    support = record(referral, receiver, OutcomeKind.ACCOMPANIMENT)
    no_right = record(referral, receiver, OutcomeKind.NO_RIGHT)
    # « Pas de droit » only follows an accompaniment.
    with pytest.raises(actions.ReferralError, match="ne peut suivre qu'un accompagnement"):
        correct(referral, receiver, support, OutcomeKind.RIGHT_OPENED, benefit="rsa")
    with pytest.raises(actions.ReferralError, match="Personne non jointe"):
        correct(referral, receiver, no_right, OutcomeKind.NOT_REACHED)
    # A right opened in the end: the « pas de droit » becomes it.
    opened = correct(referral, receiver, no_right, OutcomeKind.RIGHT_OPENED, benefit="css")
    assert opened.monthly_amount is None  # a right in kind: no money
    # An outcome already corrected is not corrected twice: its successor is.
    with pytest.raises(actions.ReferralError, match="déjà été corrigé") as error:
        correct(referral, receiver, no_right, OutcomeKind.ACCOMPANIMENT)
    assert error.value.field == "outcome"
    # Recording reads the outcomes in force: the corrected « pas de droit »
    # no longer closes the referral, the right opened now blocks « pas de droit ».
    record(referral, receiver, OutcomeKind.RIGHT_OPENED, benefit="rsa", monthly_amount="300")
    with pytest.raises(actions.ReferralError, match="ne peut pas suivre"):
        record(referral, receiver, OutcomeKind.NO_RIGHT)


def test_a_correction_takes_the_simulators_amount_unless_given(accepted, receiver):
    referral = accepted(amounts={"rsa": 534.25})
    wrong = record(referral, receiver, OutcomeKind.NO_RIGHT)
    fixed = correct(referral, receiver, wrong, OutcomeKind.RIGHT_OPENED, benefit="rsa")
    assert fixed.monthly_amount == Decimal("534.25") and fixed.amount_from_simulator
    assert referral.events.get(kind=EventKind.CORRECTED).detail.startswith(
        f"Pas de droit → Droit ouvert : Revenu de solidarité active (RSA), 534,25{NBSP}€ par "
        "mois (simulateur) ; motif"
    )


def test_only_an_accepted_referral_and_an_anonymised_one_still_corrects(accepted, send, receiver):
    referral = accepted()
    outcome = record(referral, receiver, OutcomeKind.NOT_REACHED)
    # After the retention period the person's details are gone; the outcome
    # stays for the statistics, and may still be corrected.
    with time_machine.travel(START + datetime.timedelta(days=800), tick=False):
        assert actions.referrals_anonymise() == 1
        referral.refresh_from_db()
        fixed = referral_correct_outcome(
            referral,
            outcome_id=outcome.pk,
            kind=OutcomeKind.NO_RIGHT,
            reason="jointe finalement",
            user=receiver,
            via=Channel.ACCOUNT,
        )
    assert fixed.corrects == outcome and referral.anonymised_at is not None
    with time_machine.travel(START, tick=False):
        waiting = send()
    with pytest.raises(actions.ReferralError, match="orientation acceptée peut être corrigé"):
        referral_correct_outcome(
            waiting,
            outcome_id=outcome.pk,
            kind=OutcomeKind.NO_RIGHT,
            reason="r",
            user=receiver,
            via=Channel.ACCOUNT,
        )
    assert waiting.status == Status.SENT


def test_statistics_count_the_latest_value_and_the_corrections(accepted, receiver):
    """Three referrals, each with a right opened: RSA 500 €, housing aid
    200 €, RSA 500 € corrected to « pas de droit ». By hand: 2 referrals
    with a right, 1 with an outcome and no right, (500 + 200) × 12 = 8 400 €
    a year; 3 outcomes in force, 1 of them a correction."""
    referrals = [accepted() for _ in range(3)]
    record(referrals[0], receiver, OutcomeKind.RIGHT_OPENED, benefit="rsa", monthly_amount="500")
    record(
        referrals[1], receiver, OutcomeKind.RIGHT_OPENED, benefit="aide_logement",
        monthly_amount="200",
    )  # fmt: skip
    mistaken = record(
        referrals[2], receiver, OutcomeKind.RIGHT_OPENED, benefit="rsa", monthly_amount="500"
    )
    before = referral_stats.referral_dashboard(referrals[0].territory, year=2026).exact
    assert before.total.parts["right_opened"] == 3
    assert before.total.yearly_amount == Decimal((500 + 200 + 500) * 12)
    assert (before.outcomes, before.corrected) == (3, 0)
    assert before.corrected_text == "dont aucun résultat corrigé"

    correct(referrals[2], receiver, mistaken, OutcomeKind.NO_RIGHT)
    dashboard = referral_stats.referral_dashboard(referrals[0].territory, year=2026)
    exact = dashboard.exact
    assert exact.total.n == 3
    assert exact.total.parts["right_opened"] == 2
    assert exact.total.parts["outcome_no_right"] == 1
    assert exact.total.yearly_amount == Decimal(8400)
    assert (exact.outcomes, exact.corrected) == (3, 1)
    assert exact.outcomes_text == "3 résultats enregistrés"
    assert exact.corrected_text == "dont 1 résultat corrigé"
    # The published view: 3 referrals, under 11, nothing is published.
    assert dashboard.published.total is None
    assert (dashboard.published.outcomes, dashboard.published.corrected) == (None, None)
    # Corrected again, to a right opened of 450 €: still one correction in force.
    fixed = Outcome.objects.current().get(referral=referrals[2])
    correct(
        referrals[2], receiver, fixed, OutcomeKind.RIGHT_OPENED, benefit="rsa",
        monthly_amount="450", days=20,
    )  # fmt: skip
    exact = referral_stats.referral_dashboard(referrals[0].territory, year=2026).exact
    assert exact.total.parts["right_opened"] == 3
    assert exact.total.yearly_amount == Decimal((500 + 200 + 450) * 12)
    assert (exact.outcomes, exact.corrected) == (3, 1)


def test_the_published_view_says_the_corrections_from_11_on(dataset, receiver):
    """The dataset's 25 RSA outcomes and 9 « non jointe »: 34 outcomes.
    3 corrected: under 11, hidden; 11 corrected: published."""
    rsa = list(Outcome.objects.filter(kind=OutcomeKind.RIGHT_OPENED).order_by("pk"))
    for outcome in rsa[:3]:
        correct(outcome.referral, receiver, outcome, OutcomeKind.NO_RIGHT)
    stats = referral_stats.referral_statistics(dataset, year=2026)
    assert (stats.outcomes, stats.corrected) == (34, None)
    assert stats.corrected_text == "dont moins de 11 résultats corrigés (secret statistique)"
    notes = statistics_notes_text(stats, generated_at=START)
    assert (
        "résultats corrigés : 34 résultats enregistrés, dont moins de 11 résultats corrigés "
        "(secret statistique) par la structure" in notes
    )
    for outcome in rsa[3:11]:
        correct(outcome.referral, receiver, outcome, OutcomeKind.NO_RIGHT)
    stats = referral_stats.referral_statistics(dataset, year=2026)
    assert (stats.outcomes, stats.corrected) == (34, 11)
    assert stats.corrected_text == "dont 11 résultats corrigés"
    # 25 - 11 = 14 referrals keep a right opened, 9 + 11 = 20 have an outcome without.
    exact = referral_stats.referral_dashboard(dataset, year=2026).exact
    assert exact.total.parts["right_opened"] == 14
    assert exact.total.parts["outcome_no_right"] == 20
    assert exact.total.yearly_amount == Decimal(14 * 500 * 12)


TEXT = st.text(st.characters(codec="utf-8"), max_size=40) | st.sampled_from(
    ["", "500", "12,5", "1e9", "NaN", "-0", "rsa", "aide_logement", "css", "right_opened"]
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kind=st.sampled_from([*OutcomeKind.values, ""]) | TEXT,
    benefit=TEXT,
    amount=TEXT,
    reason=TEXT,
    outcome_id=TEXT,
)
def test_hostile_corrections_are_refused_in_french_or_recorded_whole(
    accepted, receiver, kind, benefit, amount, reason, outcome_id
):
    """Whatever is typed: a ReferralError (French, with its field) and
    nothing written, or exactly one new outcome and one journal event."""
    referral = Outcome.objects.first().referral if Outcome.objects.exists() else None
    if referral is None:
        referral = accepted()
        record(referral, receiver, OutcomeKind.RIGHT_OPENED, benefit="rsa", monthly_amount="5")
    current = Outcome.objects.current().get(referral=referral)
    before = (Outcome.objects.count(), referral.events.count())
    try:
        fixed = referral_correct_outcome(
            referral,
            outcome_id=outcome_id if outcome_id != "rsa" else current.pk,
            kind=kind,
            benefit=benefit,
            monthly_amount=amount,
            reason=reason,
            user=receiver,
            via=Channel.ACCOUNT,
        )
    except actions.ReferralError as error:
        assert str(error) and error.field in {"", "outcome", "reason", "kind", "benefit",
                                              "monthly_amount"}  # fmt: skip
        assert (Outcome.objects.count(), referral.events.count()) == before
    else:
        assert fixed.corrects == current and fixed.correction_reason.strip()
        assert (Outcome.objects.count(), referral.events.count()) == (before[0] + 1, before[1] + 1)
