"""What each stop of the bus achieved (outreach.achievements): figures
computed by hand on a small case, the secrecy rule of the exports, and the
suggestions."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.utils import timezone

from nonrecours.outreach.achievement_exports import achievements_csv, achievements_xlsx
from nonrecours.outreach.achievements import (
    AchievementsError,
    achievement_suggestions,
    published_achievements,
    stop_achievements,
)
from nonrecours.outreach.enums import StopKind, VisitStatus
from nonrecours.outreach.models import (
    BusCalendar,
    BusReferral,
    BusVisit,
    BusVisitor,
    PriorityArea,
    Stop,
)
from nonrecours.outreach.priorities import PlacePriority, PriorityIndex
from nonrecours.referrals.enums import Channel, ConsentMode, OutcomeKind, Status
from nonrecours.referrals.models import Outcome, Referral
from nonrecours.territories.models import Commune
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

# Today, for every test here: the period's visits are all in the past.
TODAY = datetime.datetime(2026, 6, 10, 10, 0, tzinfo=datetime.UTC)
START, END = datetime.date(2026, 3, 1), datetime.date(2026, 5, 31)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(TODAY, tick=False):
        yield


class Bus:
    """A territory's calendar, its stops, visits, people and referrals,
    written with the ORM."""

    def __init__(self, territory, cost: str | None = "450", published: bool = True) -> None:
        self.territory = territory
        self.calendar = BusCalendar.objects.create(
            territory=territory, name="Printemps 2026", start=datetime.date(2026, 3, 2),
            weeks=12, problem={}, status="optimal", objective=0, coverage=0,
            half_day_cost=None if cost is None else Decimal(cost),
            published_at=timezone.now() if published else None,
        )  # fmt: skip
        self.sender = OrganisationFactory(territory=territory, name="Bus France Services")
        self.count = 0

    def stop(self, name: str, commune: str, kind: str = StopKind.PLACE) -> Stop:
        return Stop.objects.create(
            territory=self.territory, kind=kind, name=name,
            commune=Commune.objects.get(name=commune), latitude=50.29, longitude=2.78,
        )  # fmt: skip

    def visit(self, stop, day, half_day="matin", status=VisitStatus.PLANNED, hours=None):
        arrived, left = hours or (None, None)
        return BusVisit.objects.create(
            calendar=self.calendar, stop=stop, stop_key=f"lieu-{stop.pk}", day=day,
            half_day=half_day, status=status,
            arrived_at=arrived and datetime.time(*arrived), left_at=left and datetime.time(*left),
        )  # fmt: skip

    def visitor(self, visit, first=True, area=None, simulations=0, appointments=0, commune=None):
        self.count += 1
        return BusVisitor.objects.create(
            visit=visit, idempotency_key=f"cle-{self.count}", first_contact=first,
            priority_area=area, simulations=simulations, appointments=appointments,
            commune=commune and Commune.objects.get(name=commune), recorded_at=timezone.now(),
        )  # fmt: skip

    def referral(self, visit, status=Status.ACCEPTED, outcomes=()):
        referral = Referral.objects.create(
            territory=self.territory, structure_name="CCAS d'Arras",
            sender_organisation=self.sender, sender_name="Agent du bus",
            consent_text="Accord donné à l'oral.", consent_mode=ConsentMode.ORAL,
            commune="62041", sent_at=timezone.now(), status=status,
        )  # fmt: skip
        for kind, benefit, amount in outcomes:
            Outcome.objects.create(
                referral=referral, kind=kind, benefit=benefit,
                monthly_amount=None if amount is None else Decimal(amount),
                recorded_at=timezone.now(), recorded_via=Channel.ACCOUNT,
            )  # fmt: skip
        BusReferral.objects.create(visit=visit, referral=referral)
        return referral


@pytest.fixture
def small(arras):
    """Two stops over March to May 2026, half-days at 450 €.

    Place du marché (Arras): 3 March morning, noted 9:00–12:00 (3 h), 10
    March afternoon, not noted (3 h 30), 17 March cancelled, 2 June (after
    the period): 2 half-days, 6,5 h. People: 6 (4 first contacts, 3 living
    in a QPV), 5 simulations, 2 appointments. Referrals: 2, one with two
    rights (RSA 500 € and housing aid 120,50 € a month), one without.

    Mairie de Wailly: 7 and 14 April mornings (3 h 30 each), 21 April
    afternoon noted 14:00–16:30 (2 h 30): 3 half-days, 9,5 h. People: 3 (2
    first contacts, none in a QPV, one living in Dainville), 1 simulation.
    Referrals: 2, one with a right in kind (no amount), one unanswered."""
    bus = Bus(arras)
    qpv = PriorityArea.objects.create(
        territory=arras, code="QN06201M", name="Saint-Michel", insee_codes=["62041"],
        geometry={}, latitude=50.28, longitude=2.79, file_name="qpv.geojson",
        imported_at=timezone.now(),
    )  # fmt: skip
    market = bus.stop("Place du marché", "Arras")
    wailly = bus.stop("Mairie de Wailly", "Wailly", StopKind.TOWN_HALL)
    v1 = bus.visit(market, datetime.date(2026, 3, 3), hours=((9, 0), (12, 0)))
    v2 = bus.visit(market, datetime.date(2026, 3, 10), "après-midi")
    bus.visit(market, datetime.date(2026, 3, 17), status=VisitStatus.CANCELLED)
    after = bus.visit(market, datetime.date(2026, 6, 2))
    bus.visitor(after)  # after the period: not counted
    bus.visitor(v1, True, qpv, simulations=1)
    bus.visitor(v1, True, None, simulations=2, appointments=1)
    bus.visitor(v1, False, qpv)
    bus.visitor(v1, False, None, simulations=1)
    bus.visitor(v2, True, None, appointments=1)
    bus.visitor(v2, True, qpv, simulations=1)
    opened = OutcomeKind.RIGHT_OPENED
    bus.referral(v1, outcomes=[(opened, "rsa", "500"), (opened, "aide_logement", "120.50")])
    bus.referral(v1, outcomes=[(OutcomeKind.NO_RIGHT, "", None)])
    w1 = bus.visit(wailly, datetime.date(2026, 4, 7))
    bus.visit(wailly, datetime.date(2026, 4, 14))
    w3 = bus.visit(wailly, datetime.date(2026, 4, 21), "après-midi", hours=((14, 0), (16, 30)))
    bus.visitor(w1, False, commune="Dainville")
    bus.visitor(w1, True, simulations=1)
    bus.visitor(w3, True)
    bus.referral(w3, outcomes=[(opened, "css", None)])
    bus.referral(w3, status=Status.SENT)
    return bus


def test_every_figure_of_a_small_case_computed_by_hand(small):
    result = stop_achievements(small.territory, start=START, end=END)

    wailly, market = result.rows  # by name
    assert (market.label, market.commune) == ("Place du marché", "Arras")
    assert (market.half_days, market.cancelled, market.measured_half_days) == (2, 1, 1)
    assert market.hours == pytest.approx(6.5)  # 3 h noted + 3 h 30 planned
    assert market.visitors == 6
    assert market.visitors_per_hour == pytest.approx(6 / 6.5)
    assert (market.first_contacts, market.first_contact_share) == (4, pytest.approx(4 / 6))
    assert (market.priority_area_residents, market.priority_area_share) == (3, 0.5)
    assert (market.simulations, market.appointments) == (5, 2)
    assert (market.referrals, market.rights_opened) == (2, 1)
    assert market.yearly_amount == Decimal("7446.00")  # 12 × (500 + 120,50)
    assert (market.cost, market.cost_per_half_day, market.cost_per_right) == (900, 450, 900)

    assert (wailly.half_days, wailly.cancelled, wailly.measured_half_days) == (3, 0, 1)
    assert wailly.hours == pytest.approx(9.5)  # 3 h 30 + 3 h 30 + 2 h 30 noted
    assert wailly.visitors_per_hour == pytest.approx(3 / 9.5)
    assert (wailly.first_contacts, wailly.priority_area_residents) == (2, 0)
    assert (wailly.simulations, wailly.appointments) == (1, 0)
    assert (wailly.referrals, wailly.rights_opened, wailly.yearly_amount) == (2, 1, 0)
    assert (wailly.cost, wailly.cost_per_right) == (1350, 1350)

    total = result.total
    assert (total.half_days, total.cancelled, total.hours, total.visitors) == (5, 1, 16, 9)
    assert total.visitors_per_hour == pytest.approx(9 / 16)
    assert total.first_contact_share == pytest.approx(6 / 9)
    assert total.priority_area_share == pytest.approx(3 / 9)
    assert (total.referrals, total.rights_opened, total.yearly_amount) == (4, 2, Decimal("7446"))
    assert (total.cost, total.cost_per_half_day, total.cost_per_right) == (2250, 450, 1125)
    assert result.until == END and result.exact and not result.uncosted


def test_half_days_to_come_and_uncosted_calendars(small):
    BusCalendar.objects.filter(pk=small.calendar.pk).update(half_day_cost=None)
    stop = Stop.objects.get(name="Place du marché")
    future = small.visit(stop, datetime.date(2026, 6, 20))
    small.visitor(future)

    result = stop_achievements(small.territory, start=START, end=datetime.date(2026, 6, 30))

    assert result.until == datetime.date(2026, 6, 10)  # today
    market = result.rows[1]
    assert (market.half_days, market.visitors) == (3, 7)  # 2 June counted, 20 June not yet
    assert market.cost is None and market.cost_per_half_day is None
    assert market.cost_per_right is None
    assert result.uncosted == ("Printemps 2026",)


def test_a_reversed_period_is_refused_in_french(arras):
    with pytest.raises(AchievementsError) as error:
        stop_achievements(arras, start=END, end=START)

    assert error.value.field == "fin"
    assert str(error.value) == (
        "La fin de la période (1er mars 2026) est avant son début (31 mai 2026)."
    )


def test_nothing_yet_gives_empty_lines(arras):
    result = stop_achievements(arras, start=START, end=END)

    assert result.rows == () and result.total.visitors == 0
    assert result.total.visitors_per_hour is None and result.total.cost_per_right is None
    # Nobody is known to be nobody: zeros are published (and no cost per half-day).
    assert achievements_csv(arras, start=START, end=END).splitlines()[1] == (
        "Ensemble des arrêts;;0;0;0;0;0;;0;;0;;0;0;0;0;0;0;;"
    )


# ---------- Secrecy ----------


@pytest.fixture
def secrecy_case(arras):
    """Three stops with 20, 15 and 4 people received (all first contacts,
    none in a QPV), one referral each, no right opened."""
    bus = Bus(arras)
    for name, commune, people in (
        ("Grand-Place", "Arras", 20),
        ("Mairie d'Achicourt", "Achicourt", 15),
        ("Mairie de Wailly", "Wailly", 4),
    ):
        visit = bus.visit(bus.stop(name, commune), datetime.date(2026, 4, 7))
        for _ in range(people):
            bus.visitor(visit, True)
        bus.referral(visit, status=Status.SENT)
    return bus


def test_the_published_view_hides_small_counts_and_what_gives_them_back(secrecy_case):
    exact = stop_achievements(secrecy_case.territory, start=START, end=END)
    published = published_achievements(secrecy_case.territory, start=START, end=END)

    assert [r.visitors for r in exact.rows] == [20, 15, 4]
    # Wailly's 4 are under 11; the total (39) minus Arras (20) and
    # Achicourt (15) would give them back: the smaller of the two goes too.
    assert published.total.visitors == 39
    assert [r.visitors for r in published.rows] == [20, None, None]
    assert [r.first_contacts for r in published.rows] == [20, None, None]
    # Zero QPV residents everywhere: known to be empty, published.
    assert [r.priority_area_residents for r in published.rows] == [0, 0, 0]
    # 3 referrals in all: nothing about them is published.
    assert published.total.referrals is None
    assert all(r.referrals is None for r in published.rows)
    # Half-days and hours describe the bus: never hidden.
    assert [r.half_days for r in published.rows] == [1, 1, 1]


def test_the_exports_carry_the_rule_not_the_exact_counts(secrecy_case):
    text = achievements_csv(secrecy_case.territory, start=START, end=END)

    lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    header, total, arras_line, achicourt, wailly = lines
    assert header[:7] == [
        "arrêt", "commune", "demi-journées de présence", "passages annulés",
        "heures de présence", "dont demi-journées aux heures notées", "personnes reçues",
    ]  # fmt: skip
    assert total[:8] == ["Ensemble des arrêts", "", "3", "0", "10,5", "0", "39", "3,7"]
    assert wailly[:8] == ["Mairie de Wailly", "Wailly", "1", "0", "3,5", "0", "secret", "secret"]
    assert achicourt[6] == "secret" and arras_line[6] == "20"
    assert "4" not in wailly[6:] and "15" not in achicourt[6:]
    assert wailly[header.index("coût par demi-journée (€)")] == "450"

    book = openpyxl.load_workbook(
        io.BytesIO(achievements_xlsx(secrecy_case.territory, start=START, end=END))
    )
    assert book.sheetnames == ["données", "notes"]
    rows = list(book["données"].iter_rows(values_only=True))
    assert rows[0][6] == "personnes reçues"
    assert rows[1][6] == 39 and rows[2][6] == 20 and rows[4][6] == "secret"
    notes = {heading: text for heading, text in book["notes"].iter_rows(values_only=True)}
    assert "aucune case ne décrit moins de 11 personnes" in notes["règle de diffusion"]
    assert notes["période"] == "du 1er mars 2026 au 31 mai 2026"


def test_a_formula_in_a_stop_name_stays_text(arras):
    bus = Bus(arras)
    bus.visit(bus.stop('=HYPERLINK("x")', "Arras"), datetime.date(2026, 4, 7))

    text = achievements_csv(arras, start=START, end=END)

    assert "'=HYPERLINK" in text


# ---------- Suggestions ----------


def _index(territory, scores: dict[str, float]) -> PriorityIndex:
    places = []
    for rank, (name, score) in enumerate(scores.items(), start=1):
        commune = Commune.objects.get(name=name.removesuffix(" (QPV)"))
        places.append(
            PlacePriority(
                key=commune.insee_code, kind="qpv" if "QPV" in name else "commune", name=name,
                insee_code=commune.insee_code, population=1000, stratum="", score=score,
                rank=rank, values=(), contributions={}, reasons="",
            )
        )  # fmt: skip
    return PriorityIndex(territory, tuple(places), {}, (), (), None, 0)


def test_suggestions_rethink_a_quiet_stop_and_add_a_high_commune_nobody_comes_from(small):
    result = stop_achievements(small.territory, start=START, end=END)
    index = _index(
        small.territory,
        {
            "Arras (QPV)": 99,  # a QPV: not a commune of the quarter
            "Arras": 90,  # a stop of presence
            "Dainville": 85,  # someone received lives there
            "Achicourt": 85,  # tied at the cut: in the top quarter
            "Wailly": 50, "Agny": 40, "Anzin-Saint-Aubin": 30, "Athies": 20, "Beaurains": 10,
        },
    )  # fmt: skip

    suggestions = achievement_suggestions(result, index=index)

    assert [(s.kind, s.place) for s in suggestions] == [
        ("repenser", "Mairie de Wailly"),
        ("ajouter", "Achicourt"),
    ]
    assert suggestions[0].text == (
        "« Mairie de Wailly » (Wailly) : 3 demi-journées de présence, 9,5 heures, "
        "3 personnes reçues, soit 0,3 par heure de présence (moins de 1) : à repenser "
        "(autre jour, autre lieu, annonce en mairie) ou à retirer du calendrier."
    )
    assert suggestions[1].text == (
        "« Achicourt » : indice de priorité 85 (rang 4), aucune demi-journée du bus ni "
        "aucune personne reçue qui y habite du 1er mars 2026 au 31 mai 2026 : un passage "
        "à ajouter au calendrier."
    )


def test_two_half_days_are_not_enough_to_judge_a_stop(small):
    """The market drew 0,9 person an hour, on 2 half-days only: not judged."""
    result = stop_achievements(small.territory, start=START, end=END)

    suggestions = achievement_suggestions(result, index=_index(small.territory, {}))

    assert [s.place for s in suggestions] == ["Mairie de Wailly"]
    with pytest.raises(ValueError, match="chiffres exacts"):
        achievement_suggestions(published_achievements(small.territory, start=START, end=END))


def test_a_draft_counts_only_where_activity_was_noted(arras):
    """Two variants computed but never published run no bus: their visits
    count for nothing, unless the staff noted activity on one (a calendar
    replaced in mid-season keeps what it achieved)."""
    published = Bus(arras)
    draft = Bus(arras, published=False)
    place = published.stop("Place du marché", "Arras")
    published.visit(place, datetime.date(2026, 3, 3))
    draft.visit(place, datetime.date(2026, 3, 4))
    draft.visit(place, datetime.date(2026, 3, 5))
    noted = draft.visit(place, datetime.date(2026, 3, 6), hours=((9, 0), (12, 0)))

    figures = stop_achievements(arras, start=START, end=END)

    assert figures.total.half_days == 2  # the published visit, the noted one
    assert figures.total.hours == pytest.approx(3.5 + 3.0)
    draft.visitor(noted)
    draft.visit(place, datetime.date(2026, 3, 9))
    assert stop_achievements(arras, start=START, end=END).total.half_days == 2


def test_the_demonstration_counts_only_while_nothing_real_is_published(arras):
    demo = Bus(arras, published=False)
    demo.calendar.is_synthetic = True
    demo.calendar.save()
    place = demo.stop("Place du marché", "Arras")
    demo.visitor(demo.visit(place, datetime.date(2026, 3, 3), hours=((9, 0), (12, 0))))
    assert stop_achievements(arras, start=START, end=END).total.half_days == 1

    real = Bus(arras)
    real.visit(place, datetime.date(2026, 3, 10))

    figures = stop_achievements(arras, start=START, end=END)
    assert figures.total.half_days == 1  # the real visit only
    assert not figures.synthetic
