"""The rules of the bus's calendar, checked on calendars moved by hand."""

import datetime

import pytest

from nonrecours.outreach.calendar_rules import check_calendar, frequency_gaps
from nonrecours.outreach.planning import (
    PlannedStop,
    PlanningError,
    PlanningRules,
    Rule,
    Visit,
)
from nonrecours.outreach.travel import TravelTimes

NB = "\u00a0"  # French typography: a no-break space before « : » and « ; »
MONDAY = datetime.date(2026, 4, 13)
TUESDAY = datetime.date(2026, 4, 14)
MAY_DAY = datetime.date(2026, 5, 1)  # a Friday, holiday

QPV = PlannedStop("qpv", "QPV Saint-Michel", 50.28, 2.79, 0.9, kind="qpv", every_weeks=1)
AGNY = PlannedStop("agny", "Mairie d'Agny", 50.26, 2.76, 0.5, kind="mairie", service_minutes=150)
CAF_STOP = PlannedStop("dainville", "Mairie de Dainville", 50.28, 2.72, 0.4, kind="mairie")
FAR = PlannedStop("basseux", "Mairie de Basseux", 50.23, 2.64, 0.2, service_minutes=150)
STOPS = [QPV, AGNY, CAF_STOP, FAR]
# Minutes each way: Basseux's 2 × 40 + 150 on site exceed a half-day of 210.
TRAVEL = TravelTimes(
    outbound={"qpv": 10, "agny": 15, "dainville": 12, "basseux": 40},
    inbound={"qpv": 10, "agny": 15, "dainville": 12, "basseux": 40},
)
RULES = PlanningRules(
    start=MONDAY,
    weeks=4,
    depot=(50.29, 2.78),
    holidays=frozenset({MAY_DAY}),
    partner_days={1: ("CAF",)},
    stops_needing_partner={"dainville": "CAF"},
)


def weekly_qpv(skip=()):
    """The QPV every Monday morning but the weeks in ``skip``."""
    return [
        Visit("qpv", MONDAY + datetime.timedelta(weeks=w), "matin")
        for w in range(4)
        if w not in skip
    ]


def check(*extra, visits=None):
    return check_calendar(
        (visits if visits is not None else weekly_qpv()) + list(extra), STOPS, RULES, TRAVEL
    )


def only(violations):
    assert len(violations) == 1, [v.message for v in violations]
    return violations[0]


def test_a_calendar_that_keeps_every_rule_has_no_violation():
    assert check(Visit("agny", TUESDAY, "après-midi"), Visit("dainville", TUESDAY, "matin")) == []


def test_visit_on_a_holiday():
    violation = only(check(Visit("agny", MAY_DAY, "matin")))
    assert (violation.rule, violation.stop_key, violation.day) == (Rule.HOLIDAY, "agny", MAY_DAY)
    assert violation.message == f"Mairie d'Agny{NB}: visite le 1er mai 2026, jour férié."


def test_visit_on_a_day_the_bus_does_not_work():
    violation = only(check(Visit("agny", datetime.date(2026, 4, 18), "matin")))
    assert violation.rule == Rule.NON_WORKING_DAY
    assert violation.message == (
        f"Mairie d'Agny{NB}: visite le samedi 18 avril 2026, jour où le bus ne circule pas."
    )


def test_visit_outside_the_calendar_weeks():
    violation = only(check(Visit("agny", datetime.date(2026, 5, 11), "matin")))
    assert violation.rule == Rule.OUTSIDE_CALENDAR
    assert violation.message == (
        f"Mairie d'Agny{NB}: visite le 11 mai 2026, hors du calendrier "
        "(du 13 avril 2026 au 10 mai 2026)."
    )


def test_two_stops_on_the_same_half_day_and_vehicle():
    violation = only(check(Visit("agny", MONDAY, "matin")))
    assert (violation.rule, violation.stop_key) == (Rule.DOUBLE_BOOKING, "agny")
    assert violation.message == (
        f"Lundi 13 avril 2026 (matin), véhicule 1{NB}: QPV Saint-Michel et Mairie d'Agny en "
        f"même temps{NB}; un véhicule ne stationne qu'à un endroit par demi-journée."
    )


def test_half_day_too_short_for_the_trip_and_the_time_on_site():
    violation = only(check(Visit("basseux", TUESDAY, "matin")))
    assert violation.rule == Rule.TOO_SHORT
    assert violation.message == (
        f"Mairie de Basseux, mardi 14 avril 2026 (matin){NB}: le trajet aller-retour depuis le "
        "dépôt (1 h 20) et le temps sur place (2 h 30) dépassent la demi-journée (3 h 30)."
    )


def test_stop_needing_a_partner_on_a_day_the_partner_is_absent():
    violation = only(check(Visit("dainville", datetime.date(2026, 4, 15), "matin")))
    assert violation.rule == Rule.PARTNER_ABSENT
    assert violation.message == (
        f"Mairie de Dainville, mercredi 15 avril 2026 (matin){NB}: CAF, partenaire demandé pour "
        f"cette étape, n'est pas à bord le mercredi (à bord{NB}: le mardi)."
    )


def test_qpv_left_two_weeks():
    violation = only(check(visits=weekly_qpv(skip={1, 2})))
    assert (violation.rule, violation.day) == (Rule.FREQUENCY, datetime.date(2026, 4, 20))
    assert violation.message == (
        f"QPV Saint-Michel{NB}: aucune visite pendant 2 semaines, du 20 avril 2026 au "
        "3 mai 2026, alors qu'une visite est demandée chaque semaine."
    )


def test_qpv_left_one_week():
    violation = only(check(visits=weekly_qpv(skip={3})))
    assert violation.message == (
        f"QPV Saint-Michel{NB}: aucune visite la semaine du 4 mai 2026, alors qu'une visite "
        "est demandée chaque semaine."
    )


def test_more_visits_in_a_week_than_allowed():
    violation = only(check(Visit("agny", MONDAY, "après-midi"), Visit("agny", TUESDAY, "matin")))
    assert (violation.rule, violation.day) == (Rule.WEEKLY_LIMIT, MONDAY)
    assert violation.message == (
        f"Mairie d'Agny{NB}: 2 visites la semaine du 13 avril 2026, au plus 1 permise."
    )


def test_two_visits_of_a_stop_on_one_day():
    violations = check(Visit("agny", TUESDAY, "matin"), Visit("agny", TUESDAY, "après-midi"))
    assert [v.rule for v in violations] == [Rule.SAME_DAY, Rule.WEEKLY_LIMIT]
    assert violations[0].message == (
        f"Mairie d'Agny{NB}: 2 visites le 14 avril 2026{NB}; le bus vient au plus une fois "
        "par jour à une étape."
    )


@pytest.mark.parametrize(
    ("visit", "rule", "message"),
    [
        (
            Visit("ailleurs", TUESDAY, "matin"),
            Rule.UNKNOWN_STOP,
            f"Visite du 14 avril 2026 (matin){NB}: étape inconnue «{NB}ailleurs{NB}».",
        ),
        (
            Visit("agny", TUESDAY, "soir"),
            Rule.UNKNOWN_HALF_DAY,
            f"Mairie d'Agny, 14 avril 2026{NB}: demi-journée inconnue «{NB}soir{NB}» "
            f"(demi-journées du calendrier{NB}: matin et après-midi).",
        ),
        (
            Visit("agny", TUESDAY, "matin", vehicle=2),
            Rule.UNKNOWN_VEHICLE,
            f"Mairie d'Agny, 14 avril 2026 (matin){NB}: véhicule 2 inconnu "
            "(le calendrier en compte 1).",
        ),
    ],
)
def test_visit_of_what_the_problem_does_not_know(visit, rule, message):
    violation = only(check(visit))
    assert (violation.rule, violation.message) == (rule, message)


def test_frequency_gaps_are_the_longest_runs_without_a_visit():
    assert frequency_gaps({1, 2}, 1, 4) == [range(0, 1), range(3, 4)]
    # Every 4 weeks: weeks 0-2 (3 weeks) are fine, weeks 4-7 are not.
    assert frequency_gaps({3}, 4, 8) == [range(4, 8)]
    assert frequency_gaps(set(), 4, 12) == [range(0, 12)]
    assert frequency_gaps({3, 7, 11}, 4, 12) == []


def test_a_wrong_problem_is_refused():
    with pytest.raises(PlanningError, match="deux étapes ont l'identifiant « agny »"):
        check_calendar([], [AGNY, AGNY], RULES, TRAVEL)
    with pytest.raises(PlanningError, match="pas de temps de trajet pour « Mairie d'Agny »"):
        check_calendar([], [AGNY], RULES, TravelTimes({}, {}))


def test_rules_and_stops_out_of_range_are_refused_in_french():
    with pytest.raises(PlanningError, match="doit commencer un lundi, pas le mardi 14 avril 2026"):
        PlanningRules(start=TUESDAY, weeks=4, depot=(50.29, 2.78))
    with pytest.raises(PlanningError, match="de 4 à 12 semaines, pas 13"):
        PlanningRules(start=MONDAY, weeks=13, depot=(50.29, 2.78))
    with pytest.raises(PlanningError, match="sa priorité .-1. doit être un nombre positif"):
        PlannedStop("x", "Mairie de X", 50.0, 2.0, -1)
