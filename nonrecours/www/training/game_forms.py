"""The forms of the serious game's pages: a new session (title, week,
rounds, month, up to twelve teams and a table per desk of the rules), a
team's steps of a round, a table agent's note, a solo player's persona.

The forms only read what was typed; the domain (training.game_actions)
decides what a session, a step or a note may be and says why not, in
French: its problems are put back on the fields (``add_problems``)."""

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django import forms

from nonrecours.errors import Problem, UserError
from nonrecours.french import month_text
from nonrecours.rights.system import LEGISLATION_FROM, LEGISLATION_UNTIL
from nonrecours.training.enums import Barrier
from nonrecours.training.game_actions import MAX_NOTE
from nonrecours.training.game_board import DAYS, HALF_DAYS, Action, Way
from nonrecours.training.game_rules import MAX_ROUNDS, GameRules
from nonrecours.training.models import PersonaVersion
from nonrecours.www.validators import free_text, single_line

NONE = ("", "—")


def set_choices(form: forms.Form, name: str, choices: Sequence[tuple[str, str]]) -> None:
    """The choices of a form's ChoiceField, known when the form is made."""
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)  # noqa: S101 (declared so)
    field.choices = list(choices)


def next_monday(today: datetime.date) -> datetime.date:
    """The first Monday after ``today`` (a week from today on a Monday)."""
    return today + datetime.timedelta(days=7 - today.weekday())


def month_choices() -> list[tuple[str, str]]:
    """Every month the simulator knows, « novembre 2026 », the latest first."""
    year, month = int(LEGISLATION_UNTIL[:4]), int(LEGISLATION_UNTIL[5:7])
    choices = []
    while f"{year:04d}-{month:02d}" >= LEGISLATION_FROM:
        value = f"{year:04d}-{month:02d}"
        choices.append((value, month_text(datetime.date(year, month, 1))))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return choices


def persona_label(version: PersonaVersion) -> str:
    return f"{version.name} ({version.get_public_display().lower()})"


class SessionForm(forms.Form):
    """A new forum session: what it is called, the week it plays, its
    rounds and the month of the legislation its amounts are computed at."""

    titre = forms.CharField(label="Titre", max_length=120, validators=[single_line])
    debut = forms.DateField(
        label="Semaine jouée (le lundi du premier tour)",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Les horaires réels des tables et les jours du bus de cette semaine, puis des "
        "suivantes, sont ceux du jeu. Un autre jour compte pour le lundi de sa semaine.",
    )
    tours = forms.IntegerField(
        label="Nombre de tours (une semaine chacun)", min_value=1, max_value=MAX_ROUNDS
    )
    mois = forms.ChoiceField(
        label="Mois de la législation",
        help_text="Les montants des droits sont calculés par le simulateur à ce mois.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "mois", month_choices())


class TeamRowForm(forms.Form):
    """A team of the session (a row without persona is left out)."""

    nom = forms.CharField(label="Nom de l'équipe", max_length=60, required=False,
                          validators=[single_line])  # fmt: skip
    persona = forms.ChoiceField(label="Persona", required=False)

    def __init__(self, *args: Any, versions: Sequence[PersonaVersion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.versions = {str(version.pk): version for version in versions}
        set_choices(
            self,
            "persona",
            [("", "— aucune —")]
            + [(key, persona_label(version)) for key, version in self.versions.items()],
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("nom") and not data.get("persona"):
            self.add_error("persona", "Choisir le persona de cette équipe.")
        return data

    def team(self, number: int) -> tuple[str, PersonaVersion] | None:
        """(name, persona version), None for a row left empty."""
        key = self.cleaned_data.get("persona")
        if not key:
            return None
        return (self.cleaned_data.get("nom") or f"Équipe {number}", self.versions[key])


class TableRowForm(forms.Form):
    """A desk of the rules: set up or not, tied to a directory entry or
    given a name and a commune."""

    installer = forms.BooleanField(label="Installer cette table", required=False)
    fiche = forms.ChoiceField(label="Fiche de l'annuaire", required=False,
                              help_text="Son nom, son adresse et ses horaires réels.")  # fmt: skip
    nom = forms.CharField(label="Nom affiché", max_length=150, required=False,
                          validators=[single_line],
                          help_text="Sans fiche ; vide : le nom du guichet.")  # fmt: skip
    commune = forms.ChoiceField(
        label="Commune", required=False, help_text="Sans fiche ; vide : la plus peuplée."
    )

    def __init__(
        self,
        *args: Any,
        kind: str,
        desk_name: str,
        roaming: bool,
        structures: Sequence[tuple[str, str]],
        communes: Sequence[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.desk_name = desk_name
        self.roaming = roaming
        set_choices(self, "fiche", [("", "— aucune —"), *structures])
        set_choices(self, "commune", [NONE, *communes])
        if roaming:  # the bus goes where its calendar says
            del self.fields["commune"]


def _day(day: datetime.date) -> str:
    """« samedi 21 », « lundi 1er » (short enough for half a phone's width)."""
    return f"{DAYS[day.weekday()]} {'1er' if day.day == 1 else day.day}"


class StepForm(forms.Form):
    """One step of a team's round, in the words team_steps_save reads."""

    action = forms.ChoiceField(label="Démarche", required=False)
    mode = forms.ChoiceField(label="Comment", required=False, choices=Way.choices)
    table = forms.ChoiceField(label="Où (table)", required=False)
    droit = forms.ChoiceField(label="Droit demandé", required=False,
                              help_text="Pour « Demander un droit ».")  # fmt: skip
    piece = forms.ChoiceField(label="Pièce à obtenir", required=False,
                              help_text="Pour « Obtenir une pièce justificative ».")  # fmt: skip
    frein = forms.ChoiceField(label="Frein à lever", required=False,
                              help_text="Pour « Se faire aider ».")  # fmt: skip
    jour = forms.ChoiceField(label="Jour", required=False)
    moment = forms.ChoiceField(label="Moment", required=False,
                               choices=list(HALF_DAYS.items()))  # fmt: skip

    def __init__(
        self,
        *args: Any,
        rules: GameRules,
        tables: Sequence[tuple[str, str]],
        rights: dict[str, str],
        week: datetime.date,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "action", [("", "— aucune (démarche non jouée) —"), *Action.choices])
        set_choices(self, "table", [("", "— aucune (en ligne) —"), *tables])
        set_choices(
            self, "droit", [NONE] + [(right, rights.get(right, right)) for right in rules.rights]
        )
        set_choices(self, "piece", [NONE, *rules.documents.items()])
        set_choices(self, "frein", [NONE, *Barrier.choices])
        set_choices(
            self,
            "jour",
            [
                (str(index), _day(week + datetime.timedelta(days=index)))
                for index in range(len(DAYS))
            ],
        )

    def step(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name) or "" for name in self.fields}


class NoteForm(forms.Form):
    """What the agent at a table noted about a team."""

    equipe = forms.ChoiceField(label="Équipe")
    note = forms.CharField(
        label="Ce qui s'est passé à la table",
        max_length=MAX_NOTE,
        validators=[free_text],
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Gardée pour le débriefing de la séance, jamais pour le bilan annuel.",
    )

    def __init__(self, *args: Any, teams: Iterable[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "equipe", [("", "— choisir —"), *teams])


class SoloForm(forms.Form):
    """The persona a professional plays alone."""

    persona = forms.ChoiceField(label="Persona joué", widget=forms.RadioSelect)

    def __init__(self, *args: Any, versions: Sequence[PersonaVersion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.versions = {str(version.pk): version for version in versions}
        set_choices(
            self,
            "persona",
            [(key, persona_label(version)) for key, version in self.versions.items()],
        )


def add_problems(error: UserError, form: forms.Form, rows: Sequence[forms.Form] = ()) -> None:
    """Each problem of ``error`` on its place: a row's field when the problem
    names a row (« Démarche 2 : … », ``Problem.row`` from 1) and a field of
    it, else the field of ``form`` it names, else ``form``'s own errors."""
    for problem in error.problem_list():
        _place(problem, form, rows)


def _place(problem: Problem, form: forms.Form, rows: Sequence[forms.Form]) -> None:
    if problem.row is not None and 1 <= problem.row <= len(rows):
        row = rows[problem.row - 1]
        if problem.field in row.fields:
            row.add_error(problem.field, problem.message)
            return
    form.add_error(problem.field if problem.field in form.fields else None, problem.message)
