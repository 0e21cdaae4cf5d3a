"""Take-up after a simulation and where people got stuck, checked against
counts made by hand, with the secrecy rule; and the simulations count."""

import datetime
import itertools

import pytest
import time_machine

from nonrecours.evaluation.followup_actions import followup_answer, simulation_tally_increment
from nonrecours.evaluation.followup_models import FollowUp, FollowUpBenefit
from nonrecours.evaluation.followup_queries import (
    answers_cutoff,
    followup_statistics,
    simulations_count,
)
from tests.evaluation.followup_setup import CONSENT_AT, consent

# Answers are taken until 31 March of the following year: the tests answer
# in 2026, whatever the clock of the run (CI also runs it a year ahead).
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.time_machine(datetime.datetime(2026, 6, 1, 10, 0, tzinfo=datetime.UTC)),
]
YEAR = (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
PAGES = itertools.count()
HOUR = datetime.timedelta(hours=1)


def rsa_answer(i):
    return "claimed" if i < 12 else "not_yet" if i < 23 else ""


def housing_answer(i):
    return "claimed" if i < 15 else "not_yet" if i < 18 else ""


def reason(i):
    return "missing_document" if 12 <= i < 23 else "fear" if i == 0 else ""


@pytest.fixture
def followed(arras):
    """36 follow-ups of 2026: all found the RSA, the first 20 also the
    housing aid; answers and reasons as the functions above say."""
    for i in range(36):
        benefits = [("rsa", 573.49)] + ([("aide_logement", 290.0)] if i < 20 else [])
        follow_up = consent(arras, benefits=benefits, at=CONSENT_AT + datetime.timedelta(hours=i))
        answers = {"rsa": rsa_answer(i)}
        if i < 20:
            answers["aide_logement"] = housing_answer(i)
        answers = {k: v for k, v in answers.items() if v}
        if answers or reason(i):
            followup_answer(follow_up=follow_up, answers=answers, reason=reason(i))
    return arras


def test_exact_figures_with_a_threshold_of_one(followed):
    stats = followup_statistics(followed, *YEAR, threshold=1)
    # Hand counts from the functions above.
    assert (stats.followed_up, stats.answered) == (36, 23)
    rsa, housing = stats.benefits  # the catalogue's order: RSA first
    assert (rsa.benefit_id, rsa.label) == ("rsa", "Revenu de solidarité active (RSA)")
    assert (rsa.followed_up, rsa.answers, rsa.claimed, rsa.not_yet, rsa.not_needed) == (
        36, 23, 12, 11, 0,
    )  # fmt: skip
    assert rsa.take_up_rate == pytest.approx(12 / 23)
    assert (housing.followed_up, housing.answers, housing.claimed, housing.not_yet) == (
        20, 18, 15, 3,
    )  # fmt: skip
    assert housing.take_up_rate == pytest.approx(15 / 18)
    reasons = {r.reason: r.count for r in stats.reasons}
    assert reasons == {
        "where_to_go": 0, "online_too_hard": 0, "missing_document": 11,
        "no_appointment": 0, "no_answer": 0, "fear": 1, "other": 0,
    }  # fmt: skip
    assert [r.label for r in stats.reasons][2] == "Il me manque une pièce justificative"


def test_the_secrecy_rule_hides_small_counts_and_what_gives_them_back(followed):
    stats = followup_statistics(followed, *YEAR)
    assert stats.threshold == 11
    assert (stats.followed_up, stats.answered) == (36, 23)
    rsa, housing = stats.benefits
    # RSA: every atom has 0 or at least 11 follow-ups: all published.
    assert (rsa.followed_up, rsa.answers, rsa.claimed, rsa.not_yet, rsa.not_needed) == (
        36, 23, 12, 11, 0,
    )  # fmt: skip
    assert rsa.take_up_rate == pytest.approx(12 / 23)
    # Housing: 3 « pas encore » (hidden) and 2 without answer (an atom of 2).
    assert housing.not_yet is None
    # What protect decides (analysis.disclosure): 15 claimed would give the
    # 3 + 2 back from the 20 followed up, so it goes too; and the 0 « pas
    # besoin » beside them: with it, answers − claimed = not yet.
    assert (housing.followed_up, housing.answers, housing.claimed, housing.not_needed) == (
        20, None, None, None,
    )  # fmt: skip
    assert housing.take_up_rate is None
    shown = {
        name: getattr(housing, name)
        for name in ("followed_up", "answers", "claimed", "not_yet", "not_needed")
        if getattr(housing, name) is not None
    }
    # No difference of published counts gives the 3 or the 2 back.
    assert not {"answers", "claimed"} <= shown.keys()  # answers − claimed − 0 = 3
    assert not {"followed_up", "answers"} <= shown.keys()  # followed − answers = 2
    if housing.answers is None or housing.claimed is None:
        assert housing.take_up_rate is None
    reasons = {r.reason: r.count for r in stats.reasons}
    assert reasons["fear"] is None and reasons["missing_document"] == 11
    # Beside a hidden reason, the zeros are hidden too (they would say who
    # did not give it); the 11, at the threshold, stays.
    assert reasons["where_to_go"] is None


def test_the_period_is_of_consent_days_in_paris(arras):
    # 23:30 in Paris on 31 December is 2026; 00:30 on 1 January is 2027
    # (22:30 and 23:30 UTC on 31 December).
    late = datetime.datetime(2026, 12, 31, 22, 30, tzinfo=datetime.UTC)
    consent(arras, at=late)
    consent(arras, at=late + datetime.timedelta(hours=1))
    consent(arras, at=datetime.datetime(2025, 12, 31, 12, 0, tzinfo=datetime.UTC))
    assert followup_statistics(arras, *YEAR, threshold=1).followed_up == 1
    with pytest.raises(ValueError, match="avant son début"):
        followup_statistics(arras, YEAR[1], YEAR[0])


def test_simulations_count_adds_the_months_of_the_period(arras):
    counts = [
        (datetime.date(2025, 12, 31), 2),
        (datetime.date(2026, 1, 1), 3),
        (datetime.date(2026, 7, 14), 4),
        (datetime.date(2027, 1, 1), 5),
    ]
    for day, times in counts:
        for _ in range(times):
            simulation_tally_increment(territory=arras, day=day, nonce=f"{day}-{next(PAGES)}")
    assert simulations_count(arras, *YEAR) == 7
    assert simulations_count(arras, datetime.date(2026, 7, 1), datetime.date(2026, 7, 31)) == 4
    assert simulations_count(arras, datetime.date(2024, 1, 1), datetime.date(2024, 12, 31)) == 0


def test_zeros_beside_a_hidden_count_are_hidden_and_so_is_the_rate(arras):
    """The reviewers' case: answers « s », claimed « s », not yet 0, not
    needed 0 told that every one of fewer than 11 people claimed."""
    for i in range(20):
        follow_up = consent(arras, benefits=[("rsa", 573.49)], at=CONSENT_AT + i * HOUR)
        if i < 5:
            followup_answer(follow_up=follow_up, answers={"rsa": "claimed"}, reason="fear")
    stats = followup_statistics(arras, *YEAR)
    (rsa,) = stats.benefits
    assert rsa.followed_up == 20
    assert (rsa.answers, rsa.claimed, rsa.not_yet, rsa.not_needed) == (None,) * 4
    assert rsa.take_up_rate is None
    # The reasons: 5 « peur » hidden, and the zeros beside it too.
    assert {r.count for r in stats.reasons} == {None}


def test_a_row_without_anything_hidden_keeps_its_zeros(followed):
    (rsa, _) = followup_statistics(followed, *YEAR).benefits
    assert rsa.not_needed == 0 and rsa.take_up_rate == pytest.approx(12 / 23)


def test_a_reason_given_alone_is_an_answer(arras):
    follow_up = consent(arras)
    followup_answer(follow_up=follow_up, answers={}, reason="no_answer")
    stats = followup_statistics(arras, *YEAR, threshold=1)
    assert stats.answered == 1
    assert {r.reason: r.count for r in stats.reasons}["no_answer"] == 1


def test_answers_recorded_after_the_cut_off_are_not_counted(arras):
    follow_up = consent(arras, benefits=[("rsa", 573.49)])
    cutoff = answers_cutoff(2026)
    assert cutoff == datetime.datetime(2027, 3, 31, 22, 0, tzinfo=datetime.UTC)  # Paris, summer
    just_before = cutoff - datetime.timedelta(seconds=1)
    with time_machine.travel(just_before, tick=False):
        followup_answer(follow_up=follow_up, answers={"rsa": "claimed"}, reason="fear")
    stats = followup_statistics(arras, *YEAR, threshold=1, recorded_before=cutoff)
    assert (stats.answered, stats.benefits[0].claimed) == (1, 1)
    FollowUpBenefit.objects.update(answered_at=cutoff)
    FollowUp.objects.update(answered_at=cutoff)
    late = followup_statistics(arras, *YEAR, threshold=1, recorded_before=cutoff)
    assert (late.answered, late.benefits[0].answers, late.benefits[0].claimed) == (0, 0, 0)
    assert {r.reason: r.count for r in late.reasons}["fear"] == 0
    live = followup_statistics(arras, *YEAR, threshold=1)
    assert (live.answered, live.benefits[0].claimed) == (1, 1)
