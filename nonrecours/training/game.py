"""The serious game's engine: what happens when a team's persona goes
somewhere and does something, decided by the rules (training.game_rules,
rules/regles.yaml) and by the simulator's rights of the persona at that
round (training.game_round computes them for every team at once).

Pure: no database. A round takes the board (the session's tables with
their real hours and bus days), the persona's rights at that round, the
team's state and its steps; it gives the new state and what happened, in
French (``Outcome``). Each step costs time (half-days) and, on site,
travel; a persona has ``GameRules.half_days`` half-days a round.

A claim is filed when the persona reaches a desk that opens the right (or
helps to file it) with every document, with an appointment where the desk
receives on appointment, and with no barrier standing in the way; it is
decided ``instruction_semaines`` rounds later (one more when filed through a
partner), against the rights of THAT round: a persona whose situation
changed in between may be refused.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from nonrecours.directory.hours import opening_state
from nonrecours.training.enums import Barrier
from nonrecours.training.game_board import (
    HALF_DAY_TIME,
    PARIS,
    Action,
    Board,
    Outcome,
    OutcomeKind,
    Step,
    Table,
    TeamState,
    Way,
    benefit_labels,
    when_text,
)
from nonrecours.training.game_rules import Desk, GameRules
from nonrecours.training.persona_file import Persona
from nonrecours.training.personas import PersonaRights, RightAmount


def initial_state(rules: GameRules, persona: Persona) -> TeamState:
    """A team's state before round 1: every document but those the rules
    say the persona lacks, its barriers, the rights it receives known."""
    missing = set(rules.persona(persona.key).missing)
    return TeamState(
        documents=[document for document in rules.documents if document not in missing],
        barriers=[barrier.value for barrier in persona.barriers],
        known=list(persona.received),
    )


def persona_at(rules: GameRules, persona: Persona, round_number: int) -> Persona:
    """The persona as it is at ``round_number``: its situation replaced by
    the last change of the rules (personas, changements) from that round."""
    changes = [c for c in rules.persona(persona.key).changes if c.round <= round_number]
    return replace(persona, situation=changes[-1].situation) if changes else persona


def play_round(
    board: Board,
    persona: Persona,
    rights: PersonaRights,
    state: TeamState,
    round_number: int,
    steps: Sequence[Step],
) -> tuple[TeamState, list[Outcome]]:
    """Round ``round_number`` for one team: the change of situation of that
    round, the claims decided (against ``rights``, the persona's rights at
    that round from the simulator), the rights opened without a claim, then
    each step in order. Returns the new state (``state`` is not modified)
    and what happened. Steps beyond ``rules.steps`` are ignored."""
    game = _Round(board, persona, rights, TeamState.from_data(state.data()), round_number)
    game.start()
    for index, step in enumerate(steps[: board.rules.steps]):
        game.play(index, step)
    game.state.rounds_played = max(game.state.rounds_played, round_number)
    return game.state, game.outcomes


@dataclass
class _Round:
    board: Board
    persona: Persona
    rights: PersonaRights
    state: TeamState
    number: int
    outcomes: list[Outcome] = field(default_factory=list)
    spent: int = 0  # half-days spent this round
    step_spent: int = 0  # … by the step being played
    step_km: float = 0.0
    here: tuple[str, datetime.date, str] | None = None  # table, day, half-day
    slots: dict[tuple[datetime.date, str], str] = field(default_factory=dict)  # -> table

    @property
    def rules(self) -> GameRules:
        return self.board.rules

    @property
    def first_name(self) -> str:
        return self.persona.name.split(",")[0].split(" et ")[0].strip()

    def has(self, right: str) -> bool:
        """Whether the persona receives ``right`` (before or since the game)."""
        item = self.eligible(right)
        received = item is not None and item.received
        return received or self.state.claims.get(right, {}).get("status") == "ouvert"

    def eligible(self, right: str) -> RightAmount | None:
        return next((item for item in self.rights.eligible if item.benefit == right), None)

    def label(self, right: str) -> str:
        return benefit_labels().get(right, right)

    def add(self, kind: OutcomeKind, text: str, **values: Any) -> None:
        self.outcomes.append(Outcome(kind, text, **values))

    def start(self) -> None:
        for change in self.rules.persona(self.persona.key).changes:
            if change.round == self.number:
                self.add(OutcomeKind.CHANGE, change.text)
        for right, claim in sorted(self.state.claims.items()):
            if claim["status"] == "instruction" and claim["decided"] <= self.number:
                self.decide(right, claim)
        for right, rule in sorted(self.rules.rights.items()):
            # Opened without a claim once its document is obtained in the
            # game (before the game, the persona file says what is received).
            automatic = rule.automatic_with
            if automatic is None or automatic not in self.state.obtained:
                continue
            item = self.eligible(right)
            if item is None or item.received or right in self.state.claims:
                continue
            self.state.claims[right] = _claim(
                "ouvert", self.number, self.number, None, item.monthly
            )
            self.add(
                OutcomeKind.OPENED,
                f"{item.label} : ouvert sans demande ({item.amount_text}).",
                right=right,
                monthly=item.monthly,
            )

    def decide(self, right: str, claim: dict[str, Any]) -> None:
        item = self.eligible(right)
        if item is None:
            claim["status"] = "refuse"
            self.add(
                OutcomeKind.REFUSED,
                f"{self.label(right)} : demande refusée, la situation de {self.first_name} "
                "n'y donne pas droit.",
                right=right,
            )
            return
        claim["status"] = "ouvert"
        claim["monthly"] = item.monthly
        self.add(
            OutcomeKind.OPENED,
            f"{item.label} : droit ouvert, {item.amount_text}.",
            right=right,
            table=claim.get("table"),
            monthly=item.monthly,
        )

    # --- a step -----------------------------------------------------------

    def play(self, index: int, step: Step) -> None:
        """Play one step; its first outcome carries the time and km spent."""
        before = len(self.outcomes)
        self.step_spent, self.step_km = 0, 0.0
        self.move(index, step)
        if len(self.outcomes) > before:
            first = self.outcomes[before]
            self.outcomes[before] = replace(first, half_days=self.step_spent, km=self.step_km)

    def move(self, index: int, step: Step) -> None:
        self.state.steps += 1
        table = self.board.table(step.table)
        desk = self.rules.desks.get(table.kind) if table else None
        if step.way == Way.ONLINE:
            self.online(index, step)
            return
        if table is None or desk is None:
            self.add(OutcomeKind.NOT_POSSIBLE, "Choisissez une table.", step=index)
            return
        if step.way == Way.PHONE:
            if not self.call(index, step, table, desk):
                return
        elif not desk.on_site:
            self.add(
                OutcomeKind.NOT_POSSIBLE,
                f"{table.name} ne reçoit pas de public : par téléphone ou en ligne.",
                step=index,
                table=table.id,
            )
            return
        elif not self.go(index, step, table):
            return
        self.act(index, step, table, desk)

    def blocked(self, index: int, block: str, table: Table | None = None) -> bool:
        for value in self.state.barriers:
            rule = self.rules.barriers.get(Barrier(value))
            if rule is not None and block in rule.blocks:
                if value not in self.state.barriers_met:
                    self.state.barriers_met.append(value)
                self.add(
                    OutcomeKind.BLOCKED,
                    rule.text.replace("{nom}", self.first_name),
                    step=index,
                    table=table.id if table else None,
                )
                return True
        return False

    def spend(self, index: int, cost: int, table: Table | None) -> bool:
        if self.spent + cost > self.rules.half_days:
            self.add(
                OutcomeKind.OUT_OF_TIME,
                f"{self.first_name} n'a plus le temps cette semaine "
                f"({self.rules.half_days} demi-journées) : la démarche attendra.",
                step=index,
                table=table.id if table else None,
            )
            return False
        self.spent += cost
        self.step_spent += cost
        self.state.half_days += cost
        return True

    def call(self, index: int, step: Step, table: Table, desk: Desk) -> bool:
        if not desk.phone:
            self.add(
                OutcomeKind.NOT_POSSIBLE,
                f"{table.name} ne répond pas au téléphone.",
                step=index,
                table=table.id,
            )
            return False
        if step.action == Action.CLAIM or step.action == Action.DOCUMENT:
            self.add(
                OutcomeKind.NOT_POSSIBLE,
                "Cela ne se fait pas au téléphone : il faut se déplacer ou passer par internet.",
                step=index,
                table=table.id,
            )
            return False
        if self.blocked(index, "appel", table):
            return False
        weekday = min(max(step.weekday, 0), 5)
        day = self.board.day(self.number, weekday)
        if not self.is_open(table, day, step.half_day):
            when = when_text(day, step.half_day)
            self.add(
                OutcomeKind.CLOSED,
                f"{table.name} ne répond pas {when} : ce n'est pas une heure d'ouverture.",
                step=index,
                table=table.id,
            )
            return False
        if not self.spend(index, self.rules.costs["appel"], table):
            return False
        if table.id not in self.state.visited:
            self.state.visited.append(table.id)
        return True

    def go(self, index: int, step: Step, table: Table) -> bool:
        """Take the persona to ``table`` at the step's day and half-day:
        time (and trip) spent, unless it stays where it already is."""
        weekday = min(max(step.weekday, 0), 5)
        day = self.board.day(self.number, weekday)
        when = when_text(day, step.half_day)
        roaming = bool(table.stops) or self.rules.desks[table.kind].roaming
        home = self.persona.commune
        if roaming:
            # Where the bus (or one of the buses) is that half-day: in the
            # persona's commune if it comes there, else the nearest place.
            places = table.stops.get((day, step.half_day), ())
            place = min(
                places, key=lambda code: (code != home, self.board.km(home, code)), default=None
            )
        else:
            place = table.commune
        if weekday < 5 and self.blocked(index, "deplacement_semaine", table):
            return False
        if (table.id, day, step.half_day) == self.here:
            return True  # a second step at the same desk, in the same half-day
        elsewhere = self.slots.get((day, step.half_day))
        if elsewhere is not None and elsewhere != table.id:
            other = self.board.table(elsewhere)
            self.add(
                OutcomeKind.NOT_POSSIBLE,
                f"{self.first_name} est déjà à {other.name if other else 'un autre guichet'} "
                f"{when} : une demi-journée, un seul lieu.",
                step=index,
                table=table.id,
            )
            return False
        self.slots[(day, step.half_day)] = table.id
        if roaming and place is None:
            # Nobody travels to a bus that runs nowhere: the half-day is lost.
            if self.spend(index, self.rules.costs["deplacement"], table):
                self.add(
                    OutcomeKind.CLOSED,
                    f"{table.name} : le bus ne passe nulle part {when}.",
                    step=index,
                    table=table.id,
                )
            return False
        trip = 0
        if place and place != home:
            trip = self.rules.costs["trajet_hors_commune"]
            for value in self.state.barriers:
                rule = self.rules.barriers.get(Barrier(value))
                if rule is not None and rule.trip_cost:
                    trip += rule.trip_cost
                    if value not in self.state.barriers_met:
                        self.state.barriers_met.append(value)
        if not self.spend(index, self.rules.costs["deplacement"] + trip, table):
            return False
        km = round(2 * self.board.km(home, place), 1)
        self.state.trips += 1
        self.state.km = round(self.state.km + km, 1)
        self.step_km = km
        if table.id not in self.state.visited:
            self.state.visited.append(table.id)
        if not self.is_open(table, day, step.half_day):
            self.add(
                OutcomeKind.CLOSED,
                f"{table.name} : porte close {when}.",
                step=index,
                table=table.id,
            )
            return False
        self.here = (table.id, day, step.half_day)
        return True

    def is_open(self, table: Table, day: datetime.date, half_day: str) -> bool:
        """Whether the desk receives at some moment of that half-day (every
        quarter of an hour looked at; public holidays closed where its
        hours say « PH off »); hours it cannot read count as open."""
        if table.stops or self.rules.desks[table.kind].roaming:
            return True
        hours = table.hours or self.rules.desks[table.kind].hours
        (start_hour, start_minute), (end_hour, end_minute) = HALF_DAY_TIME.get(
            half_day, HALF_DAY_TIME["matin"]
        )
        when = datetime.datetime(
            day.year, day.month, day.day, start_hour, start_minute, tzinfo=PARIS
        )
        end = when.replace(hour=end_hour, minute=end_minute)
        states = set()
        while when < end:
            states.add(opening_state(hours, when))
            when += datetime.timedelta(minutes=15)
        return states != {"fermé"}

    def online(self, index: int, step: Step) -> None:
        right = step.right
        desks = [desk for desk in self.rules.openers(right or "") if desk.online]
        if step.action != Action.CLAIM or not right or not desks:
            self.add(
                OutcomeKind.NOT_POSSIBLE, "Cette démarche ne se fait pas en ligne.", step=index
            )
            return
        if self.blocked(index, "en_ligne") or not self.spend(
            index, self.rules.costs["en_ligne"], None
        ):
            return
        self.claim(index, step, None, desks[0], online=True)

    def act(self, index: int, step: Step, table: Table, desk: Desk) -> None:
        if step.action == Action.INFORM:
            self.inform(index, table, desk)
        elif step.action == Action.APPOINTMENT:
            self.appointment(index, table, desk)
        elif step.action == Action.DOCUMENT:
            self.document(index, step, table, desk)
        elif step.action == Action.LIFT:
            self.lift(index, step, table, desk)
        else:
            self.claim(index, step, table, desk)

    def inform(self, index: int, table: Table, desk: Desk) -> None:
        told = [
            item
            for item in self.rights.eligible
            if desk.tells(item.benefit)
            and not item.received
            and self.state.claims.get(item.benefit, {}).get("status") != "ouvert"
        ]
        for item in told:
            if item.benefit not in self.state.known:
                self.state.known.append(item.benefit)
        if not told:
            self.add(
                OutcomeKind.INFORMED,
                f"{table.name} : rien de plus à demander ici pour l'instant.",
                step=index,
                table=table.id,
            )
            return
        names = " ; ".join(f"{item.label} : {item.amount_text}" for item in told)
        self.add(
            OutcomeKind.INFORMED,
            f"{table.name} : {self.first_name} pourrait avoir droit à… {names}.",
            step=index,
            table=table.id,
        )

    def appointment(self, index: int, table: Table, desk: Desk) -> None:
        if not desk.appointment_weeks:
            self.add(
                OutcomeKind.APPOINTMENT,
                f"{table.name} reçoit sans rendez-vous.",
                step=index,
                table=table.id,
            )
            return
        self.book(table, self.number + desk.appointment_weeks, index)

    def book(self, table: Table, round_number: int, index: int | None, why: str = "") -> None:
        current = self.state.appointments.get(table.id)
        if current is None or current > round_number or current < self.number:
            self.state.appointments[table.id] = round_number
        self.add(
            OutcomeKind.APPOINTMENT,
            f"{table.name}{why} : rendez-vous la semaine {self.state.appointments[table.id]}.",
            step=index,
            table=table.id,
        )

    def document(self, index: int, step: Step, table: Table, desk: Desk) -> None:
        document = step.document or ""
        label = self.rules.documents.get(document, document)
        if document in self.state.documents:
            self.add(OutcomeKind.DOCUMENT, f"{label} : déjà en main.", step=index, table=table.id)
        elif document in desk.provides:
            self.state.documents.append(document)
            self.state.obtained.append(document)
            self.add(
                OutcomeKind.DOCUMENT, f"{table.name} : {label} obtenu.", step=index, table=table.id
            )
        else:
            where = self.desks_text(lambda d: document in d.provides)
            self.add(
                OutcomeKind.NOT_POSSIBLE,
                f"{table.name} ne délivre pas : {label}. {where}",
                step=index,
                table=table.id,
            )

    def lift(self, index: int, step: Step, table: Table, desk: Desk) -> None:
        value = step.barrier or ""
        if value not in self.state.barriers:
            self.add(
                OutcomeKind.NOT_POSSIBLE,
                "Ce frein ne retient pas le persona.",
                step=index,
                table=table.id,
            )
            return
        barrier = Barrier(value)
        rule = self.rules.barriers.get(barrier)
        if barrier not in desk.lifts or (step.way == Way.PHONE and not (rule and rule.remote)):
            where = self.desks_text(lambda d: barrier in d.lifts)
            self.add(
                OutcomeKind.NOT_POSSIBLE,
                f"{table.name} ne peut pas aider ainsi ({barrier.label.lower()}). {where}",
                step=index,
                table=table.id,
            )
            return
        self.state.barriers.remove(value)
        self.add(
            OutcomeKind.LIFTED,
            f"{table.name} : {barrier.label.lower()}, solution trouvée.",
            step=index,
            table=table.id,
        )

    def claim(
        self, index: int, step: Step, table: Table | None, desk: Desk, *, online: bool = False
    ) -> None:
        right = step.right or ""
        label = self.label(right)
        where = table.id if table else None
        if right not in self.rules.rights:
            self.add(OutcomeKind.NOT_POSSIBLE, f"{label} : hors du jeu.", step=index, table=where)
            return
        if self.blocked(index, "demande", table):
            return
        if desk.institution and self.blocked(index, "demande_institution", table):
            return
        if right not in self.state.known and self.blocked(index, "demande_inconnue", table):
            return
        claim = self.state.claims.get(right)
        item = self.eligible(right)
        if (item is not None and item.received) or (claim and claim["status"] != "refuse"):
            self.add(OutcomeKind.NOT_POSSIBLE, f"{label} : déjà demandé.", step=index, table=where)
            return
        opens = right in desk.opens
        if table is not None and not opens and right not in desk.files:
            self.refer(index, right, table)
            return
        if table is not None and desk.appointment_weeks:
            booked = self.state.appointments.get(table.id)
            if booked is None or booked > self.number:
                why = " reçoit sur rendez-vous, la demande attendra"
                self.book(table, booked or self.number + desk.appointment_weeks, index, why)
                return
        rule = self.rules.rights[right]
        needed = rule.documents
        if rule.lighter is not None and self.has(rule.lighter[0]):
            needed = rule.lighter[1]
        missing = [d for d in needed if d not in self.state.documents]
        if missing:
            names = ", ".join(self.rules.documents[d] for d in missing)
            self.add(
                OutcomeKind.MISSING,
                f"{label} : il manque {names}.",
                step=index,
                table=where,
                right=right,
            )
            return
        weeks = rule.weeks + (0 if opens or online else 1)
        self.state.claims[right] = _claim(
            "instruction", self.number, self.number + weeks, where, None
        )
        via = "en ligne" if online else f"à {table.name}" if table else ""
        self.add(
            OutcomeKind.FILED,
            f"{label} : demande déposée {via}, réponse la semaine {self.number + weeks}.",
            step=index,
            table=where,
            right=right,
        )
        if weeks == 0:
            self.decide(right, self.state.claims[right])

    def refer(self, index: int, right: str, table: Table) -> None:
        """A desk that neither opens nor files ``right`` refers the persona
        to the session's tables that open it, with an appointment sooner
        (one week less) than asked alone."""
        targets = [t for t in self.board.tables if right in self.rules.desks[t.kind].opens]
        label = self.label(right)
        if not targets:
            desks = ", ".join(desk.name for desk in self.rules.openers(right))
            self.add(
                OutcomeKind.NOT_POSSIBLE,
                f"{table.name} ne traite pas {label} : il se demande à {desks}, "
                "absent de cette séance.",
                step=index,
                table=table.id,
                right=right,
            )
            return
        self.state.referrals.append({"round": self.number, "from": table.id, "right": right})
        names = ", ".join(t.name for t in targets)
        self.add(
            OutcomeKind.REFERRAL,
            f"{table.name} ne traite pas {label} : orientation vers {names}.",
            step=index,
            table=table.id,
            right=right,
        )
        for target in targets:
            weeks = self.rules.desks[target.kind].appointment_weeks
            if weeks and target.id not in self.state.appointments:
                self.book(target, self.number + max(1, weeks - 1), index)

    def desks_text(self, test: Any) -> str:
        names = [t.name for t in self.board.tables if test(self.rules.desks[t.kind])]
        return f"À voir : {', '.join(names)}." if names else "Aucune table de la séance ne le fait."


def _claim(
    status: str, filed: int, decided: int, table: str | None, monthly: float | None
) -> dict[str, Any]:
    return {
        "status": status,
        "filed": filed,
        "decided": decided,
        "table": table,
        "monthly": monthly,
    }
