"""The follow-up's writes: consent, contact rules, answers, erasure, and the
anonymous count of simulations."""

import datetime
from decimal import Decimal

import pytest

from nonrecours.evaluation.followup_actions import (
    FollowUpError,
    followup_answer,
    followup_create,
    followup_unsubscribe,
    phone_normalise,
    simulation_tally_increment,
)
from nonrecours.evaluation.followup_enums import ContactErasure
from nonrecours.evaluation.followup_models import FollowUp, FollowUpBenefit, SimulationTally
from tests.evaluation.followup_setup import consent

# Answers are taken until 31 March of the following year: the tests answer
# in 2026, whatever the clock of the run (CI also runs it a year ahead).
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.time_machine(datetime.datetime(2026, 6, 1, 10, 0, tzinfo=datetime.UTC)),
]


def create(territory, **fields):
    values = {
        "territory": territory,
        "commune_code": "62041",
        "benefits": [("rsa", 573.49)],
        "email": "personne@exemple.fr",
        "phone": "",
        "consent": True,
        "nonce": "abc",
    }
    values.update(fields)
    return followup_create(**values)


def test_consent_is_required_and_nothing_is_written_without_it(arras):
    with pytest.raises(FollowUpError) as refused:
        create(arras, consent=False)
    assert refused.value.field == "consentement"
    assert "Cochez la case" in str(refused.value)
    assert not FollowUp.objects.exists() and not FollowUpBenefit.objects.exists()


def test_a_contact_is_required(arras):
    with pytest.raises(FollowUpError, match="au moins l'un des deux : un courriel ou un numéro"):
        create(arras, email="", phone="")


def test_only_the_benefits_found_are_kept_never_the_situation(arras):
    follow_up = create(arras, benefits=[("rsa", 573.49), ("aide_logement", 290)])
    assert follow_up.consent_text.startswith("J'accepte de recevoir deux messages, dans 7 et 30")
    assert "effacé après le second message (au plus tard dans 37 jours)" in follow_up.consent_text
    # Short, to be read on a phone (it was about 80 words).
    assert len(follow_up.consent_text.split()) <= 50
    rows = sorted(follow_up.benefits.values_list("benefit_id", "monthly_amount"))
    assert rows == [("aide_logement", Decimal("290.00")), ("rsa", Decimal("573.49"))]
    fields = {f.name for f in FollowUp._meta.get_fields()}
    assert "situation" not in fields


def test_the_same_results_page_records_once(arras):
    first = create(arras, nonce="same")
    again = create(arras, nonce="same", email="autre@exemple.fr")
    assert again.pk == first.pk and FollowUp.objects.count() == 1
    assert again.email == "personne@exemple.fr"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("07.81.23.45.67", "+33781234567"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("0033612345678", "+33612345678"),
        ("0692 12 34 56", "+262692123456"),  # La Réunion
        ("", ""),
    ],
)
def test_french_mobiles_are_accepted(typed, expected):
    assert phone_normalise(typed) == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("01 42 34 56 78", "numéro de téléphone fixe"),
        ("06 12 34", "n'est pas un numéro de mobile français valide"),
        ("+44 7911 123456", "n'est pas un numéro de mobile français valide"),
        ("bonjour", "n'est pas un numéro de téléphone"),
    ],
)
def test_other_numbers_are_refused_in_french(typed, message):
    with pytest.raises(FollowUpError, match=message) as refused:
        phone_normalise(typed)
    assert refused.value.field == "telephone"


def test_every_bad_field_is_said_at_once(arras):
    with pytest.raises(FollowUpError) as refused:
        create(arras, consent=False, email="pas-une-adresse", phone="01 42 34 56 78")
    fields = [p.field for p in refused.value.problem_list()]
    assert fields == ["consentement", "courriel", "telephone"]
    assert not FollowUp.objects.exists()


def test_e_mail_is_refused_when_e_mail_sending_is_disabled(arras, settings):
    settings.NONRECOURS_EMAIL_DISABLED = True
    with pytest.raises(FollowUpError, match="envoi de courriels est désactivé") as refused:
        create(arras)
    assert refused.value.field == "courriel"
    # A mobile alone is still accepted.
    follow_up = create(arras, email="", phone="0612345678")
    assert follow_up.phone == "+33612345678" and follow_up.email == ""


def test_a_phone_is_refused_without_an_sms_backend(arras, settings):
    settings.SMS_BACKEND = ""
    with pytest.raises(FollowUpError, match="SMS n'est pas configuré"):
        create(arras, email="", phone="0612345678")


def test_answers_count_the_latest_and_erase_the_contact_when_nothing_is_left(arras):
    follow_up = consent(arras, email="a@exemple.fr", phone="0612345678")
    followup_answer(follow_up=follow_up, answers={"rsa": "not_yet"}, reason="missing_document")
    follow_up.refresh_from_db()
    assert follow_up.reason == "missing_document" and follow_up.email == "a@exemple.fr"
    followup_answer(follow_up=follow_up, answers={"rsa": "claimed", "aide_logement": "not_yet"})
    follow_up.refresh_from_db()
    assert follow_up.contact_erased_at is None  # « pas encore » for one: ask again at 30 days
    assert follow_up.reason == "missing_document"  # kept when not given again
    followup_answer(follow_up=follow_up, answers={"aide_logement": "claimed"})
    follow_up.refresh_from_db()
    assert dict(follow_up.benefits.values_list("benefit_id", "answer")) == {
        "rsa": "claimed",
        "aide_logement": "claimed",
    }
    assert (follow_up.email, follow_up.phone) == ("", "")
    assert follow_up.erasure == ContactErasure.NOTHING_TO_ASK
    assert follow_up.contact_erased_at is not None


@pytest.mark.parametrize(
    ("answers", "reason", "message"),
    [
        ({"aah": "claimed"}, "", "Aide inconnue"),
        ({"rsa": "peut-être"}, "", "Réponse inconnue"),
        ({}, "trop loin", "Raison inconnue"),
    ],
)
def test_unknown_answers_are_refused_and_nothing_is_written(arras, answers, reason, message):
    follow_up = consent(arras)
    with pytest.raises(FollowUpError, match=message):
        followup_answer(follow_up=follow_up, answers=answers, reason=reason)
    follow_up.refresh_from_db()
    assert follow_up.answered_at is None and follow_up.reason == ""
    assert not follow_up.benefits.exclude(answer="").exists()


def test_unsubscribing_erases_the_contact_at_once(arras):
    follow_up = consent(arras, email="a@exemple.fr", phone="0612345678")
    followup_unsubscribe(follow_up=follow_up)
    follow_up.refresh_from_db()
    assert (follow_up.email, follow_up.phone, follow_up.erasure) == ("", "", "unsubscribed")
    first = follow_up.contact_erased_at
    followup_unsubscribe(follow_up=follow_up)
    follow_up.refresh_from_db()
    assert follow_up.contact_erased_at == first


def test_simulations_are_counted_by_territory_and_month_once_per_nonce(arras):
    for day in (1, 15, 31):
        assert simulation_tally_increment(
            territory=arras, day=datetime.date(2026, 3, day), nonce=f"page-{day}"
        )
    # The same results page again (sent twice, reloaded): not counted.
    assert not simulation_tally_increment(
        territory=arras, day=datetime.date(2026, 3, 31), nonce="page-31"
    )
    assert not simulation_tally_increment(territory=arras, day=datetime.date(2026, 3, 31), nonce="")
    simulation_tally_increment(territory=arras, day=datetime.date(2026, 4, 1), nonce="page-april")
    counts = dict(SimulationTally.objects.values_list("month", "count"))
    assert counts == {datetime.date(2026, 3, 1): 3, datetime.date(2026, 4, 1): 1}
