"""The rules of the bus the team sets once for its territory (BusSettings):
the depot, the days it runs, the hours of its half-days and so the lunch
break, the partners on board each weekday. Every calendar computed
afterwards uses them (outreach.calendar.territory_calendar); a saved
calendar keeps those it was computed with."""

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import transaction

from nonrecours.accounts.models import User
from nonrecours.errors import Problem, UserError
from nonrecours.outreach.models import BusSettings, Stop
from nonrecours.outreach.planning import DEFAULT_HALF_DAYS, HalfDay, weekday_name
from nonrecours.territories.models import Territory
from nonrecours.textrules import clean_text, database_id

# A half-day shorter than this leaves no time on site after the trips.
MIN_HALF_DAY_MINUTES = 60
# Partners on board one day: a bus seats a few agents.
MAX_PARTNERS_PER_DAY = 5
MAX_PARTNER_LENGTH = 60
# The bus works by day: its hours stay between these (the staff's margin
# around a half-day, outreach.activity.PRESENCE_MARGIN, stays in the day).
EARLIEST = datetime.time(6, 0)
LATEST = datetime.time(22, 0)
WORKING_DAYS = frozenset(range(5))


HOUR_FIELDS = ("morning_start", "morning_end", "afternoon_start", "afternoon_end")


class BusSettingsError(UserError):
    """Settings refused (French, each problem on its field); nothing saved."""


@dataclass(frozen=True)
class BusRules:
    """The rules in force: ``depot`` the stop the bus leaves from (None: the
    town hall of the central city), ``weekdays`` (0 = Monday),
    ``half_days`` (« matin », « après-midi », with their hours),
    ``partner_days`` weekday → partners on board."""

    depot: Stop | None
    weekdays: frozenset[int]
    half_days: tuple[HalfDay, ...]
    partner_days: Mapping[int, tuple[str, ...]]


def bus_rules(territory: Territory) -> BusRules:
    """The territory's rules: its BusSettings, else the defaults (Monday to
    Friday, DEFAULT_HALF_DAYS, no partner, the central town hall)."""
    row = BusSettings.objects.filter(territory=territory).select_related("depot").first()
    if row is None:
        return BusRules(None, WORKING_DAYS, DEFAULT_HALF_DAYS, {})
    return BusRules(
        depot=row.depot if row.depot is not None and row.depot.is_active else None,
        weekdays=frozenset(int(d) for d in row.weekdays) or WORKING_DAYS,
        half_days=(
            HalfDay(DEFAULT_HALF_DAYS[0].label, row.morning_start, row.morning_end),
            HalfDay(DEFAULT_HALF_DAYS[1].label, row.afternoon_start, row.afternoon_end),
        ),
        partner_days={int(day): tuple(names) for day, names in row.partner_days.items()},
    )


def partner_names(text: str, field: str) -> tuple[list[str], list[Problem]]:
    """« CAF, MSA » → ["CAF", "MSA"] (each on one line, at most
    MAX_PARTNER_LENGTH characters, MAX_PARTNERS_PER_DAY a day, duplicates
    dropped), with the problems on ``field``."""
    names: list[str] = []
    problems = []
    for part in text.replace(";", ",").split(","):
        try:
            name = clean_text(part, max_length=MAX_PARTNER_LENGTH)
        except ValueError as error:
            problems.append(Problem(str(error), field=field))
            continue
        if name and name.casefold() not in {n.casefold() for n in names}:
            names.append(name)
    if len(names) > MAX_PARTNERS_PER_DAY:
        problems.append(
            Problem(f"{MAX_PARTNERS_PER_DAY} partenaires par jour au plus.", field=field)
        )
    return names, problems


def _half_day_problems(
    morning: tuple[datetime.time, datetime.time], afternoon: tuple[datetime.time, datetime.time]
) -> list[Problem]:
    problems = []
    for hour, field in zip((*morning, *afternoon), HOUR_FIELDS, strict=True):
        if not EARLIEST <= hour <= LATEST:
            problems.append(
                Problem(
                    f"{hour:%H:%M} : le bus circule de {EARLIEST:%H:%M} à {LATEST:%H:%M}.",
                    field=field,
                )
            )
    for (start, end), label, field in (
        (morning, "matin", "morning_end"),
        (afternoon, "après-midi", "afternoon_end"),
    ):
        minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
        if minutes < MIN_HALF_DAY_MINUTES:
            problems.append(
                Problem(
                    f"La demi-journée du {label} doit durer au moins {MIN_HALF_DAY_MINUTES} "
                    f"minutes ({start:%H:%M} – {end:%H:%M}).",
                    field=field,
                )
            )
    if morning[1] > afternoon[0]:
        problems.append(
            Problem(
                f"L'après-midi commence ({afternoon[0]:%H:%M}) avant la fin du matin "
                f"({morning[1]:%H:%M}).",
                field="afternoon_start",
            )
        )
    return problems


def bus_settings_save(
    *,
    territory: Territory,
    depot_id: object,
    weekdays: Iterable[int],
    morning: tuple[datetime.time, datetime.time],
    afternoon: tuple[datetime.time, datetime.time],
    partner_days: Mapping[int, str],
    user: User | None,
) -> BusSettings:
    """Save the territory's rules: ``depot_id`` an active stop of the
    territory ("" or None: the central town hall), ``weekdays`` at least one
    of 0 (Monday) … 6, two half-days of at least MIN_HALF_DAY_MINUTES
    between EARLIEST and LATEST (seconds dropped), the morning ending before
    the afternoon starts, ``partner_days`` weekday →
    names separated by commas (partner_names). Raises BusSettingsError
    (French, each problem on its field) and saves nothing."""
    # Minutes only: a second typed (« 09:00:30 ») is not a bus's timetable.
    morning = (
        morning[0].replace(second=0, microsecond=0),
        morning[1].replace(second=0, microsecond=0),
    )
    afternoon = (
        afternoon[0].replace(second=0, microsecond=0),
        afternoon[1].replace(second=0, microsecond=0),
    )
    problems: list[Problem] = []
    depot = None
    if depot_id not in (None, ""):
        key = database_id(depot_id)
        depot = (
            None
            if key is None
            else Stop.objects.filter(territory=territory, pk=key, is_active=True).first()
        )
        if depot is None:
            problems.append(Problem("Choisissez un arrêt actif du territoire.", field="depot"))
    days = sorted(set(weekdays))
    if not days or not set(days) <= set(range(7)):
        problems.append(Problem("Cochez au moins un jour de circulation.", field="weekdays"))
    problems += _half_day_problems(morning, afternoon)
    partners: dict[str, list[str]] = {}
    for day, text in sorted(partner_days.items()):
        names, found = partner_names(text, f"partners_{day}")
        problems += found
        if names:
            partners[str(day)] = names
    if problems:
        raise BusSettingsError("Les réglages du bus n'ont pas été enregistrés.", problems=problems)
    with transaction.atomic():
        saved, _ = BusSettings.objects.update_or_create(
            territory=territory,
            defaults={
                "depot": depot,
                "weekdays": days,
                "morning_start": morning[0],
                "morning_end": morning[1],
                "afternoon_start": afternoon[0],
                "afternoon_end": afternoon[1],
                "partner_days": partners,
                "updated_by": user,
            },
        )
    return saved


def partners_text(rules: BusRules) -> str:
    """« CAF le mardi ; MSA le jeudi » (« aucun partenaire à bord »)."""
    by_partner: dict[str, list[int]] = {}
    for day, names in sorted(rules.partner_days.items()):
        for name in names:
            by_partner.setdefault(name, []).append(day)
    if not by_partner:
        return "aucun partenaire à bord"
    return " ; ".join(
        f"{name} le {', le '.join(weekday_name(d) for d in days)}"
        for name, days in by_partner.items()
    )


def rules_text(rules: BusRules) -> str:
    """« le lundi, le mardi … ; matin 9:00–12:30, après-midi 13:30–17:00 ;
    départ : mairie de la ville-centre ; CAF le mardi »."""
    days = ", ".join(f"le {weekday_name(d)}" for d in sorted(rules.weekdays))
    hours = ", ".join(f"{h.label} {h.start:%H:%M}–{h.end:%H:%M}" for h in rules.half_days)
    depot = rules.depot.name if rules.depot else "mairie de la ville-centre"
    return f"{days} ; {hours} ; départ : {depot} ; {partners_text(rules)}"
