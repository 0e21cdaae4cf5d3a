"""The activity log of the bus: the persons received during a visit (a
half-day at a stop), as the staff notes them on its phone, offline, each
sent once under a key the phone draws (visitor_record); the hours the staff
was actually there (visit_presence_save); the referrals sent from the bus,
through the referrals app's own flow, tagged with the visit
(bus_referral_send); and the reads of the log's pages.

No name, no contact: commune and QPV of residence, age band, what the
person came for (VisitTheme) and counts of what was done for them. Every
refusal is a UserError whose problems name their field, in French.
"""

import datetime
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from nonrecours.accounts.access import ROLE_CAPABILITIES
from nonrecours.accounts.enums import Capability
from nonrecours.accounts.models import Membership, User
from nonrecours.directory.hours import clock_text
from nonrecours.errors import Problem, UserError
from nonrecours.french import date_text, number, plural
from nonrecours.outreach import posters
from nonrecours.outreach.enums import VisitStatus, VisitTheme
from nonrecours.outreach.models import BusReferral, BusVisit, BusVisitor, PriorityArea
from nonrecours.outreach.planning import DEFAULT_HALF_DAYS, day_text
from nonrecours.outreach.queries import running_visits
from nonrecours.referrals.actions import ReferralError, referral_send
from nonrecours.referrals.enums import AgeBand
from nonrecours.referrals.models import Referral
from nonrecours.surveys.questionnaire import clean_key, parse_moment
from nonrecours.territories.models import Commune, Territory
from nonrecours.territories.queries import member_communes
from nonrecours.textrules import shown

Refuse = Callable[[str, str], None]

# Counts of one person's simulations, referrals and appointments: a few at
# most; 50 is already a typing slip, never a real half-day with one person.
MAX_COUNT = 50
# A phone whose clock runs a little ahead (or across midnight) is believed;
# a day is the most it may be ahead of the server.
RECORDED_AHEAD = datetime.timedelta(days=1)
# BusVisitor.idempotency_key's length (the phone draws a UUID: 36).
KEY_MAX_LENGTH = 64
# What a commune's INSEE code (Corsica's 2A, 2B) and a QPV's code look like.
INSEE_CODE = re.compile(r"[0-9][0-9AB][0-9]{3}")
AREA_CODE = re.compile(r"[A-Z0-9]{1,20}")
# Visits shown on the log's list: the last week and the next.
LOG_WINDOW = datetime.timedelta(days=7)

LABELS = {
    "first_contact": "Premier contact",
    "commune": "Commune de résidence",
    "priority_area": "Quartier prioritaire",
    "age_band": "Tranche d'âge",
    "themes": "Thèmes",
    "simulations": "Simulations faites",
    "referrals": "Orientations envoyées",
    "appointments": "Rendez-vous pris",
    "recorded_at": "Heure de la saisie",
}
COUNTS = ("simulations", "referrals", "appointments")
CANCELLED = "Ce passage du bus a été annulé : on n'y note plus personne."


class VisitorError(UserError, ValueError):
    """A person of the log refused: French problems, each on its field
    (LABELS' keys, ``idempotency_key``, ``passage``)."""


class PresenceError(UserError, ValueError):
    """Hours of presence refused (French, on ``arrived_at`` or ``left_at``)."""


class BusReferralError(ReferralError):
    """A referral from the bus refused for the visit it is tagged with
    (French, on ``passage``); a ReferralError, as the referral form expects."""


@dataclass(frozen=True)
class _Visitor:
    """A person's fields once read, in the model's terms."""

    first_contact: bool
    commune: Commune | None
    priority_area: PriorityArea | None
    age_band: str
    themes: list[str]
    simulations: int
    referrals: int
    appointments: int
    recorded_at: datetime.datetime

    def differs_from(self, stored: BusVisitor) -> list[str]:
        """The labels of the fields where the stored row says otherwise."""
        pairs = {
            "first_contact": (self.first_contact, stored.first_contact),
            "commune": (self.commune.pk if self.commune else None, stored.commune_id),
            "priority_area": (
                self.priority_area.pk if self.priority_area else None,
                stored.priority_area_id,
            ),
            "age_band": (self.age_band, stored.age_band),
            "themes": (self.themes, list(stored.themes)),
            "simulations": (self.simulations, stored.simulations),
            "referrals": (self.referrals, stored.referrals),
            "appointments": (self.appointments, stored.appointments),
            "recorded_at": (self.recorded_at, stored.recorded_at),
        }
        return [LABELS[name] for name, (given, kept) in pairs.items() if given != kept]


def visitor_record(
    *,
    visit: BusVisit,
    payload: Mapping[str, Any],
    user: User | None,
    idempotency_key: str,
    now: datetime.datetime | None = None,
) -> BusVisitor:
    """Note one person received during ``visit``, exactly once per key.

    ``payload``: {first_contact: bool, commune: INSEE code of a member
    commune of the visit's territory or "" / None (« hors du territoire »),
    priority_area: code of a QPV of the territory in that commune or "" /
    None, age_band: an AgeBand value or "", themes: a non-empty list of
    VisitTheme values, simulations / referrals / appointments: whole numbers
    from 0 to MAX_COUNT, recorded_at: ISO 8601 moment noted by the phone, not
    before the visit's day nor more than RECORDED_AHEAD after ``now``}; no
    other key (no name, no contact). ``idempotency_key``: drawn by the phone.

    The same key sent again with the same content gives back the stored row
    (a lost acknowledgement, a replayed queue); with another content it is
    refused. Raises VisitorError (French, each problem on its field) and
    writes nothing when refused; a cancelled visit refuses every new person.
    """
    now = now or timezone.now()
    try:
        key = clean_key(idempotency_key)
    except ValueError as error:
        raise VisitorError(str(error), field="idempotency_key") from None
    if len(key) > KEY_MAX_LENGTH:
        raise VisitorError(
            f"Clé d'envoi invalide : plus de {KEY_MAX_LENGTH} caractères.", field="idempotency_key"
        )
    stored = BusVisitor.objects.filter(idempotency_key=key).first()
    if stored is None and visit.status == VisitStatus.CANCELLED:
        raise VisitorError(CANCELLED, field="passage")
    clean = _clean(visit, payload, now)
    if stored is not None:
        return _same_or_refused(stored, visit, clean)
    try:
        with transaction.atomic():
            return BusVisitor.objects.create(
                visit=visit,
                idempotency_key=key,
                first_contact=clean.first_contact,
                commune=clean.commune,
                priority_area=clean.priority_area,
                age_band=clean.age_band,
                themes=clean.themes,
                simulations=clean.simulations,
                referrals=clean.referrals,
                appointments=clean.appointments,
                recorded_at=clean.recorded_at,
                recorded_by=user,
            )
    except IntegrityError:
        # The same key sent twice at once: the other request stored it.
        return _same_or_refused(BusVisitor.objects.get(idempotency_key=key), visit, clean)


def _same_or_refused(stored: BusVisitor, visit: BusVisit, clean: _Visitor) -> BusVisitor:
    """The stored person when the replay is the same; else VisitorError
    that says no more than « already used »: naming what differs would let
    whoever replays a colleague's key read the stored answers one by one."""
    if stored.visit_id != visit.pk or clean.differs_from(stored):
        raise VisitorError(
            "Cette clé d'envoi a déjà servi pour une autre personne : rien n'est enregistré. "
            "Notez la personne à nouveau.",
            field="idempotency_key",
        )
    return stored


def _clean(visit: BusVisit, payload: Mapping[str, Any], now: datetime.datetime) -> _Visitor:
    """The payload read, or VisitorError with every problem on its field."""
    problems: list[Problem] = []

    def refuse(field: str, message: str) -> None:
        problems.append(Problem(f"{LABELS.get(field, field)} : {message}", field=field))

    if not isinstance(payload, Mapping):
        raise VisitorError("La personne notée doit être un objet JSON.", field="passage")
    for name in sorted(set(payload) - set(LABELS), key=str):
        # A name or a phone number must never reach the log.
        problems.append(
            Problem(
                f"Champ inconnu « {shown(name, 40)} » : le journal ne garde ni nom ni coordonnées.",
                field=shown(name, 40),
            )
        )
    first_contact = payload.get("first_contact")
    if not isinstance(first_contact, bool):
        refuse("first_contact", "répondez oui ou non.")
    commune, area = _place(visit.calendar.territory, payload, refuse)
    age_band = payload.get("age_band") or ""
    if age_band and age_band not in AgeBand.values:
        refuse("age_band", "choisissez une tranche de la liste (ou « Non précisée »).")
        age_band = ""
    themes = _themes(payload.get("themes"), refuse)
    counts = {name: _count(payload.get(name), name, refuse) for name in COUNTS}
    recorded_at = _recorded_at(visit, payload.get("recorded_at"), now, refuse)
    if problems or recorded_at is None:
        raise VisitorError(
            f"Personne refusée : {number(len(problems))} {plural(len(problems), 'problème')}.",
            problems=problems,
        )
    return _Visitor(
        first_contact=bool(first_contact),
        commune=commune,
        priority_area=area,
        age_band=age_band,
        themes=themes,
        recorded_at=recorded_at,
        **counts,
    )


def _place(
    territory: Territory, payload: Mapping[str, Any], refuse: Refuse
) -> tuple[Commune | None, PriorityArea | None]:
    """The commune of residence (None: outside the territory) and its QPV."""
    code = payload.get("commune") or ""
    area_code = payload.get("priority_area") or ""
    commune = None
    if not isinstance(code, str):
        refuse("commune", "code INSEE attendu.")
        return None, None
    if code:
        # Checked before the query: PostgreSQL refuses a NUL in a parameter.
        if INSEE_CODE.fullmatch(code) is not None:
            commune = Commune.objects.members_of(territory).filter(insee_code=code).first()
        if commune is None:
            refuse("commune", f"« {shown(code, 10)} » n'est pas une commune du territoire.")
            return None, None
    if not area_code:
        return commune, None
    if not isinstance(area_code, str):
        refuse("priority_area", "code du quartier attendu.")
        return commune, None
    area = None
    if AREA_CODE.fullmatch(area_code) is not None:
        area = PriorityArea.objects.filter(territory=territory, code=area_code).first()
    if area is None:
        refuse("priority_area", f"« {shown(area_code, 20)} » n'est pas un quartier du territoire.")
        return commune, None
    if commune is None:
        refuse("priority_area", f"choisissez d'abord la commune où est « {area.name} ».")
        return None, None
    if commune.insee_code not in area.insee_codes:
        refuse("priority_area", f"« {area.name} » n'est pas à {commune.name}.")
        return commune, None
    return commune, area


def _themes(value: Any, refuse: Refuse) -> list[str]:
    """The themes in VisitTheme's order, each once."""
    if not isinstance(value, list) or not value:
        refuse("themes", "cochez au moins un thème.")
        return []
    unknown = [shown(v, 20) for v in value if v not in VisitTheme.values]
    if unknown:
        refuse("themes", f"thème(s) inconnu(s) : {', '.join(unknown[:5])}.")
    return [theme for theme in VisitTheme.values if theme in value]


def _count(value: Any, name: str, refuse: Refuse) -> int:
    """A whole number from 0 to MAX_COUNT (absent: 0); as text, digits."""
    if value is None or value == "":
        return 0
    text = value.strip() if isinstance(value, str) else ""
    if text.isascii() and text.isdigit() and len(text) <= 3:  # not « ² » nor « ١ »
        value = int(text)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        refuse(name, f"un nombre entier de 0 à {MAX_COUNT} est attendu.")
        return 0
    return int(value)


def _recorded_at(
    visit: BusVisit, value: Any, now: datetime.datetime, refuse: Refuse
) -> datetime.datetime | None:
    """When the phone noted the person: not before the visit's day (local
    time), not more than RECORDED_AHEAD after now."""
    zone = timezone.get_current_timezone()
    try:
        moment = parse_moment(value, now=now, naive_zone=zone, what="L'heure")
    except ValueError as error:
        refuse("recorded_at", str(error))
        return None
    if moment is None:
        refuse("recorded_at", "absente.")
        return None
    local = timezone.localtime(moment, zone)
    shown = f"{date_text(local.date())} à {local:%H:%M}"
    if local.date() < visit.day:
        refuse(
            "recorded_at",
            f"le {shown}, avant le jour du passage ({date_text(visit.day)}) : vérifiez la "
            "date du téléphone.",
        )
        return None
    if moment > now + RECORDED_AHEAD:
        refuse(
            "recorded_at",
            f"le {shown}, plus d'un jour dans le futur : vérifiez la date du téléphone.",
        )
        return None
    return moment


def visit_presence_save(
    *,
    visit: BusVisit,
    arrived_at: datetime.time | str | None,
    left_at: datetime.time | str | None,
) -> BusVisit:
    """Save the hours the staff was actually at the stop (local times;
    "HH:MM" text accepted; None or "" for not known yet — the departure may
    wait, the arrival may not be missing when a departure is given; the
    departure after the arrival). Raises PresenceError (French, on its
    field) and saves nothing; a cancelled visit refuses."""
    if visit.status == VisitStatus.CANCELLED:
        raise PresenceError(CANCELLED, field="arrived_at")
    arrived = _hour(arrived_at, "arrived_at", "Heure d'arrivée")
    left = _hour(left_at, "left_at", "Heure de départ")
    if arrived is None and left is not None:
        raise PresenceError(
            "Heure d'arrivée : à donner avec l'heure de départ.", field="arrived_at"
        )
    if arrived is not None and left is not None and left <= arrived:
        raise PresenceError(
            f"Heure de départ : {left:%H:%M} n'est pas après l'arrivée ({arrived:%H:%M}).",
            field="left_at",
        )
    if arrived is not None and visit.day > timezone.localdate():
        raise PresenceError(
            f"Heures de présence : le passage du {date_text(visit.day)} n'a pas encore eu lieu.",
            field="arrived_at",
        )
    _within_half_day(visit, arrived, "arrived_at", "Heure d'arrivée")
    _within_half_day(visit, left, "left_at", "Heure de départ")
    with transaction.atomic():
        visit.arrived_at, visit.left_at = arrived, left
        visit.save(update_fields=["arrived_at", "left_at"])
    return visit


# The staff may come early or leave late, not work another half-day: hours
# of presence stay within the planned half-day and this margin around it
# (the morning 9:00–12:30 takes hours from 7:30 to 14:00).
PRESENCE_MARGIN = datetime.timedelta(minutes=90)


def _within_half_day(visit: BusVisit, hour: datetime.time | None, field: str, label: str) -> None:
    """Raises PresenceError when ``hour`` is outside the visit's half-day
    (its calendar's hours, outreach.posters.half_day_hours) widened by
    PRESENCE_MARGIN."""
    if hour is None:
        return
    planned = posters.half_day_hours(visit.calendar, visit.half_day)
    earliest = (datetime.datetime.combine(visit.day, planned.start) - PRESENCE_MARGIN).time()
    latest = (datetime.datetime.combine(visit.day, planned.end) + PRESENCE_MARGIN).time()
    if not earliest <= hour <= latest:
        raise PresenceError(
            f"{label} : {hour:%H:%M} est loin de la demi-journée prévue ({visit.half_day}, "
            f"{half_day_hours(visit)}) ; attendu de {earliest:%H:%M} à {latest:%H:%M}.",
            field=field,
        )


def _hour(value: datetime.time | str | None, field: str, label: str) -> datetime.time | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    text = value.strip() if isinstance(value, str) else ""
    parts = text.split(":")
    if len(parts) == 2 and all(p.isascii() and p.isdigit() and len(p) == 2 for p in parts):
        hours, minutes = int(parts[0]), int(parts[1])
        if hours < 24 and minutes < 60:
            return datetime.time(hours, minutes)
    raise PresenceError(f"{label} : heure attendue au format 14:30.", field=field)


def bus_referral_send(*, visit: BusVisit, **referral: Any) -> Referral:
    """Send a referral (referrals.actions.referral_send, same keyword
    arguments) from the bus during ``visit``, and tag it with the visit
    (BusReferral), both or neither. Raises BusReferralError (French, on
    ``passage``) when the visit is cancelled or of another territory than
    the referral, and whatever referral_send raises."""
    if visit.status == VisitStatus.CANCELLED:
        raise BusReferralError(CANCELLED, "passage")
    if referral.get("territory") != visit.calendar.territory:
        raise BusReferralError(
            "Ce passage du bus est celui d'un autre territoire que la structure choisie.",
            "passage",
        )
    with transaction.atomic():
        sent = referral_send(**referral)
        BusReferral.objects.create(visit=visit, referral=sent)
    return sent


# ---------- Reads of the log's pages ----------


def log_territories(user: User) -> list[Territory]:
    """The territories where the user may note the bus's activity (every
    territory for a superuser), by name."""
    if not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        return list(Territory.objects.order_by("name"))
    memberships = Membership.objects.filter(user=user).select_related("organisation__territory")
    territories = {
        m.organisation.territory
        for m in memberships
        if Capability.LOG_OUTREACH in ROLE_CAPABILITIES[m.role]
    }
    return sorted(territories, key=lambda t: t.name)


def visits_to_log(territories: list[Territory], *, today: datetime.date) -> list[BusVisit]:
    """The visits the bus makes in the territories
    (outreach.queries.running_visits: published, not drafts, nor days a
    later calendar took over), from LOG_WINDOW
    before ``today`` to LOG_WINDOW after, in time order (the morning before
    the afternoon; cancelled ones included: they are shown as such)."""
    running = BusVisit.objects.none()
    for territory in territories:
        running |= running_visits(territory)
    visits = running.filter(
        day__gte=today - LOG_WINDOW,
        day__lte=today + LOG_WINDOW,
    ).select_related("calendar__territory", "stop__commune")
    order = {h.label: i for i, h in enumerate(DEFAULT_HALF_DAYS)}
    return sorted(visits, key=lambda v: (v.day, order.get(v.half_day, 9), v.vehicle, v.pk))


def half_day_hours(visit: BusVisit) -> str:
    """The planned hours of the visit's half-day, as its calendar has them
    (outreach.posters.half_day_hours): « de 9 h à 12 h 30 » (no-break
    spaces, directory.hours.clock_text)."""
    planned = posters.half_day_hours(visit.calendar, visit.half_day)
    return f"de {clock_text(planned.start)} à {clock_text(planned.end)}"


def visitor_keys(visit: BusVisit) -> list[str]:
    """The keys of the persons already noted for the visit (the phone counts
    them with its own, without counting one twice)."""
    return list(visit.visitors.order_by("pk").values_list("idempotency_key", flat=True))


def commune_choices(territory: Territory) -> list[tuple[str, str]]:
    """(INSEE code, name) of the member communes, in French alphabetical order."""
    return [(c.insee_code, c.name) for c in member_communes(territory)]


def priority_area_choices(territory: Territory) -> list[tuple[str, str, list[str]]]:
    """(code, name, INSEE codes of its communes) of the territory's QPV."""
    return [
        (a.code, a.name, list(a.insee_codes))
        for a in PriorityArea.objects.filter(territory=territory).order_by("name")
    ]


def visit_title(visit: BusVisit) -> str:
    """« Mairie d'Achicourt — lundi 4 mai 2026, matin »."""
    return f"{visit.stop.name} — {day_text(visit.day)}, {visit.half_day}"
