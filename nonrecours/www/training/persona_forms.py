"""The forms of a persona's pages: the persona (name, public, barriers,
rights received), its timeline and testimonies as blocks, its situation in
the simulator's one-page (expert) forms with ages instead of birth dates,
and the raw YAML (typed or uploaded).

The forms write the persona's YAML (``persona_text``): the domain checks
and stores that text (training.actions.persona_save), the same way as a
file. ``persona_form_data`` is the reverse, to show a stored persona."""

import copy
import re
from typing import Any

import yaml
from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.text import slugify

from nonrecours.errors import Problem
from nonrecours.rights.catalogue import benefits
from nonrecours.rights.situation_person import ADULT_AGE, OLDEST
from nonrecours.territories.models import Territory
from nonrecours.territories.queries import member_communes
from nonrecours.textrules import shown
from nonrecours.training.enums import FILE_WORDS, Barrier, LifeEvent, Public
from nonrecours.training.persona_file import MAX_FILE_BYTES, SLUG, Persona, birth_date
from nonrecours.training.personas import PersonaError
from nonrecours.www.rights import path
from nonrecours.www.rights.forms import (
    MAX_CHILDREN,
    ChildForm,
    ExpertHousingForm,
    ExpertPersonForm,
    HouseholdMoneyForm,
    ResourcesForm,
    SimulatorForm,
    TaxNoticeForm,
    income_year,
)
from nonrecours.www.validators import free_text, single_line

# The file's French words, by value (enums' values -> words of the YAML).
WORD_OF = {
    kind: {value: word for word, value in words.items()} for kind, words in FILE_WORDS.items()
}
MAX_BLOCKS = 30  # events or testimonies shown at most, filled or not
SPARE_BLOCKS = 2  # empty blocks after the filled ones
FICTION = "Témoignage fictif, écrit pour la formation"
HEADER = "# Persona fictif pour la formation des professionnel·les (docs/guide/personas.md).\n"


class PersonaForm(forms.Form):
    """What a persona is besides its situation, timeline and testimonies.
    ``cle`` only for a new persona (empty: made from the name)."""

    cle = forms.CharField(
        label="Clé",
        required=False,
        max_length=60,
        help_text="Identifiant du persona : minuscules sans accent, chiffres et tirets, par "
        "exemple ines-24-ans. Vide : tirée du nom. Elle ne change plus ensuite.",
    )
    nom = forms.CharField(
        label="Nom",
        max_length=80,
        validators=[single_line],
        help_text="Ce que lisent les participant·es : « Inès, 24 ans ».",
    )
    public = forms.ChoiceField(label="Public", choices=Public.choices, widget=forms.RadioSelect)
    freins = forms.MultipleChoiceField(
        label="Freins (ce qui l'éloigne de ses droits)",
        required=False,
        choices=Barrier.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    droits_percus = forms.MultipleChoiceField(
        label="Droits déjà perçus",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leurs montants sont calculés par le simulateur au mois de la séance. Chacun "
        "doit être un droit que le simulateur trouve pour cette situation.",
    )

    def __init__(self, *args: Any, new: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.new = new
        if not new:
            del self.fields["cle"]
        received = self.fields["droits_percus"]
        assert isinstance(received, forms.MultipleChoiceField)  # noqa: S101 (declared above)
        received.choices = [(b.id, b.label) for b in benefits()]

    def clean_cle(self) -> str:
        key = str(self.cleaned_data.get("cle") or "").strip()
        if key and not SLUG.fullmatch(key):
            raise forms.ValidationError(
                f"« {shown(key)} » : minuscules sans accent, chiffres et tirets (ines-24-ans)."
            )
        return key

    def key(self) -> str:
        """The key typed, or made from the name (« Inès, 24 ans » → ines-24-ans)."""
        return str(
            self.cleaned_data.get("cle") or slugify(self.cleaned_data["nom"])[:60].strip("-")
        )


class BlockForm(forms.Form):
    """A block of a list (an event, a testimony) that may be left empty:
    a started block is checked whole, an empty one is ignored."""

    def __init__(self, *args: Any, block: str, **kwargs: Any):
        kwargs.setdefault("use_required_attribute", False)
        super().__init__(*args, **kwargs)
        self.block = block

    def started(self) -> bool:
        return any(str(self.data.get(self.add_prefix(name)) or "").strip() for name in self.fields)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.started():
            for name, field in self.fields.items():
                if field.widget.is_hidden or name in self.errors:
                    continue
                if not str(data.get(name) or "").strip():
                    self.add_error(
                        name, f"À remplir, car le bloc « {self.block} » est commencé (ou videz-le)."
                    )
        return data


class EventForm(BlockForm):
    quand = forms.CharField(
        label="Quand",
        required=False,
        max_length=80,
        validators=[single_line],
        help_text="Comme on le dit : « il y a 3 mois ».",
    )
    evenement = forms.ChoiceField(
        label="Événement", required=False, choices=[("", "Choisir…"), *LifeEvent.choices]
    )
    texte = forms.CharField(
        label="Récit",
        required=False,
        max_length=1000,
        validators=[free_text],
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def part(self) -> dict[str, str]:
        data = self.cleaned_data
        return {
            "quand": data["quand"].strip(),
            "evenement": WORD_OF["evenement"][data["evenement"]],
            "texte": data["texte"].strip(),
        }


class TestimonyForm(BlockForm):
    texte = forms.CharField(
        label="Témoignage",
        required=False,
        max_length=2000,
        validators=[free_text],
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    source = forms.CharField(
        label="Source",
        required=False,
        initial=FICTION,
        max_length=200,
        validators=[single_line],
        help_text=f"Par exemple « {FICTION} » ; un témoignage recueilli, anonymisé et avec "
        "l'accord de la personne.",
    )

    def started(self) -> bool:
        # The source alone (its suggestion left in place) starts nothing.
        return bool(str(self.data.get(self.add_prefix("texte")) or "").strip())

    def part(self) -> dict[str, str]:
        return {"texte": self.cleaned_data["texte"].strip(), "source": self.cleaned_data["source"]}


def _age_field(*, low: int, block: str = "") -> forms.IntegerField:
    messages = {"required": "Indiquez l'âge en années."}
    if block:
        messages["required"] = (
            f"À remplir, car le bloc « {block} » est commencé (ou videz tout le bloc)."
        )
    return forms.IntegerField(
        label="Âge (en années)",
        min_value=low,
        max_value=OLDEST,
        help_text="Au mois de la séance : la date de naissance en est calculée.",
        error_messages=messages,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class _AgeInsteadOfBirth:
    """The simulator's person form with `age` in place of `naissance`: the
    birth date is computed from the session's month (persona_file.birth_date)
    and the person's part says `age`."""

    fields: dict[str, forms.Field]
    cleaned_data: dict[str, Any]
    month: str

    def use_age(self, *, low: int, block: str, month: str) -> None:
        self.month = month
        others = {name: field for name, field in self.fields.items() if name != "naissance"}
        self.fields = {"age": _age_field(low=low, block=block), **others}

    def with_birth(self, data: dict[str, Any]) -> dict[str, Any]:
        if data.get("age") is not None:
            data["naissance"] = birth_date(data["age"], self.month)
        return data

    def with_age(self, person: dict[str, Any]) -> dict[str, Any]:
        person.pop("naissance", None)
        return {"age": self.cleaned_data["age"], **person}


class PersonaAdultForm(_AgeInsteadOfBirth, ExpertPersonForm):
    def __init__(self, *args: Any, month: str, block: str = "", **kwargs: Any):
        super().__init__(*args, block=block, **kwargs)
        self.use_age(low=ADULT_AGE, block=block, month=month)

    def clean(self) -> dict[str, Any]:
        return self.with_birth(super().clean())

    def part(self) -> dict[str, Any]:
        return self.with_age(super().part())


class PersonaChildForm(_AgeInsteadOfBirth, ChildForm):
    def __init__(self, *args: Any, month: str, block: str = "", **kwargs: Any):
        super().__init__(*args, block=block, **kwargs)
        self.use_age(low=0, block=block, month=month)

    def clean(self) -> dict[str, Any]:
        return self.with_birth(super().clean() or {})

    def part(self) -> dict[str, Any]:
        child = self.with_age(super().part())
        return {"role": child.pop("role"), **child}


class PersonaHousingForm(ExpertHousingForm):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["commune"].label = "Commune du persona"


class PersonaTaxForm(TaxNoticeForm):
    """The revenu fiscal de référence of the notice on the incomes of year
    N-2 of the session (persona file: `revenu_fiscal_reference`)."""

    def __init__(self, *args: Any, year: int, **kwargs: Any):
        super().__init__(*args, year=year, ask_unknown=False, **kwargs)
        field = self.fields["revenu_fiscal_reference"]
        field.label = "Revenu fiscal de référence de l'avis sur les revenus de l'année N-2"
        field.help_text = (
            f"N-2 de l'année de la séance : à une séance de {year + 2}, l'avis reçu en "
            f"{year + 1} sur les revenus {year}. Vide : douze fois les revenus d'aujourd'hui."
        )

    def part(self) -> dict[str, Any]:
        amount = self.cleaned_data.get("revenu_fiscal_reference")
        return {} if amount is None else {"revenu_fiscal_reference": float(amount)}


class NothingReceived(SimulatorForm):
    """A persona gives no amount received (its `droits_percus` say which)."""

    def part(self) -> dict[str, Any]:
        return {}


def _person_blocks(data: Any, month: str) -> dict[str, Any]:
    """The blocks of the one-page forms that may be left empty (the
    partner and the children: www.rights.path), with ages."""
    return {
        "partner": PersonaAdultForm(
            data,
            prefix="conjoint",
            year=income_year(month),
            month=month,
            block=path.PARTNER_BLOCK,
            use_required_attribute=False,
        ),
        "partner_resources": ResourcesForm(data, prefix="ressources-conjoint", self_employed=True),
        "partner_resources_12": ResourcesForm(
            data, prefix="ressources12-conjoint", self_employed=True
        ),
        "children": [
            PersonaChildForm(
                data,
                prefix=f"enfant{i}",
                month=month,
                block=f"Enfant {i + 1}",
                use_required_attribute=False,
            )
            for i in range(MAX_CHILDREN)
        ],
    }


def situation_forms(data: Any, territory: Territory, month: str) -> dict[str, Any]:
    """The simulator's one-page forms (www.rights.path.expert_forms) for a
    persona of the territory: ages, its commune, no amount received."""
    year = income_year(month)
    return {
        "housing": PersonaHousingForm(data, prefix="logement", communes=member_communes(territory)),
        "claimant": PersonaAdultForm(data, prefix="demandeur", year=year, month=month),
        "claimant_resources": ResourcesForm(
            data, prefix="ressources-demandeur", self_employed=True
        ),
        "claimant_resources_12": ResourcesForm(
            data, prefix="ressources12-demandeur", self_employed=True
        ),
        **_person_blocks(data, month),
        "household": HouseholdMoneyForm(data, prefix="menage", ask_change=False),
        "tax": PersonaTaxForm(data, prefix="percues", year=year),
        "received": NothingReceived(data, prefix="percues"),
    }


def situation_from_forms(expert: dict[str, Any], month: str) -> tuple[str, dict[str, Any]] | None:
    """(commune, situation of the persona file) from the bound forms, or
    None when one has errors. The blocks left empty (partner, children)
    are shown empty again."""
    situation = path.situation_from_expert(expert, month)
    blank_absent_blocks(expert, month)
    if situation is None:
        return None
    situation.pop("mois", None)
    commune = str(situation.pop("commune"))
    return commune, _plain(situation)


def blank_absent_blocks(expert: dict[str, Any], month: str) -> None:
    """The partner's and children's blocks left empty, drawn unbound (no
    « obligatoire » on them), with ages."""
    path.drop_absent_blocks(expert, month)
    blank = _person_blocks(None, month)
    for name in path.PARTNER_FORMS:
        if not expert[name].is_bound:
            expert[name] = blank[name]
    for index, child in enumerate(expert["children"]):
        if not child.is_bound:
            expert["children"][index] = blank["children"][index]


def _plain(value: Any) -> Any:
    """Whole amounts as integers (« loyer: 430 », not 430.0); the keys
    that say their default (false, an empty dict) left out."""
    if isinstance(value, dict):
        return {
            key: _plain(item) for key, item in value.items() if item is not False and item != {}
        }
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def blocks(data: Any, kind: type[BlockForm], prefix: str, count: int, legend: str) -> list[Any]:
    return [kind(data, prefix=f"{prefix}{i}", block=f"{legend} {i + 1}") for i in range(count)]


def block_count(data: Any, name: str, filled: int = 0) -> int:
    """How many blocks to show: the number the page sent (hidden field
    ``name``, bounded) or the filled ones and SPARE_BLOCKS empty ones."""
    sent = str(data.get(name) or "") if data is not None else ""
    if re.fullmatch(r"[0-9]{1,9}", sent):
        return max(1, min(int(sent), MAX_BLOCKS))
    return max(1, min(filled + SPARE_BLOCKS, MAX_BLOCKS))


def persona_text(
    key: str,
    persona: PersonaForm,
    events: list[EventForm],
    testimonies: list[TestimonyForm],
    commune: str,
    situation: dict[str, Any],
) -> str:
    """The persona file's YAML of the valid forms (`version` is set by the
    store)."""
    data = persona.cleaned_data
    content: dict[str, Any] = {
        "version": 1,
        "cle": key,
        "nom": data["nom"].strip(),
        "public": WORD_OF["public"][data["public"]],
        "commune": commune,
        "situation": situation,
        "parcours": [form.part() for form in events if form.started()],
        "freins": [WORD_OF["freins"][value] for value in data["freins"]],
        "droits_percus": list(data["droits_percus"]),
        "temoignages": [form.part() for form in testimonies if form.started()],
    }
    for name in ("parcours", "freins", "droits_percus", "temoignages"):
        if not content[name]:
            del content[name]
    return HEADER + yaml.safe_dump(content, allow_unicode=True, sort_keys=False, width=88)


def persona_form_data(persona: Persona, month: str) -> dict[str, Any]:
    """The form data that shows a persona in the pages' forms at ``month``
    (the session's): its fields, blocks and situation."""
    situation = {**copy.deepcopy(persona.situation), "commune": persona.commune}
    data: dict[str, Any] = {
        key: value
        for key, value in path.expert_initial(situation, month).items()
        if not key.endswith("-naissance")
    }
    children = 0
    for person in persona.situation.get("personnes", []):
        if person.get("role") == "enfant":
            data[f"enfant{children}-age"] = person.get("age")
            children += 1
        else:
            data[f"{person.get('role')}-age"] = person.get("age")
    data |= {
        "nom": persona.name,
        "public": persona.public.value,
        "freins": [barrier.value for barrier in persona.barriers],
        "droits_percus": list(persona.received),
        "evenements": block_count(None, "", len(persona.timeline)),
        "temoignages": block_count(None, "", len(persona.testimonies)),
    }
    for index, event in enumerate(persona.timeline):
        data |= {
            f"evenement{index}-quand": event.when,
            f"evenement{index}-evenement": event.kind.value,
            f"evenement{index}-texte": event.text,
        }
    for index, testimony in enumerate(persona.testimonies):
        data |= {
            f"temoignage{index}-texte": testimony.text,
            f"temoignage{index}-source": testimony.source,
        }
    return data | blank_testimonies(data, len(persona.testimonies))


def blank_testimonies(data: Any, filled: int = 0) -> dict[str, str]:
    """The suggested source of the empty testimony blocks (« Témoignage
    fictif… »), where none was sent."""
    return {
        f"temoignage{index}-source": FICTION
        for index in range(filled, block_count(data, "temoignages", filled))
        if data is None or not data.get(f"temoignage{index}-source")
    }


# --- Errors of the domain on the forms --------------------------------------


def place_of(problem: Problem) -> str:
    """A problem's message without its file's name (the page says which)."""
    prefix = f"{problem.file}, "
    return problem.message.removeprefix(prefix) if problem.file else problem.message


def add_persona_error(
    error: PersonaError,
    persona: PersonaForm,
    housing: forms.Form,
    events: list[EventForm],
    testimonies: list[TestimonyForm],
) -> list[str]:
    """Each problem of the store on its field or block (the n-th event of
    the file is the n-th started block); returns those of the situation
    and the others, to show above the situation's fields."""
    started: dict[str, list[EventForm] | list[TestimonyForm]] = {
        "parcours": [form for form in events if form.started()],
        "temoignages": [form for form in testimonies if form.started()],
    }
    others = []
    for problem in error.problem_list():
        message = place_of(problem)
        where = problem.field
        kind, _, number = where.partition(" ")
        if where in persona.fields:
            persona.add_error(where, message)
        elif where == "commune":
            housing.add_error("commune", message)
        elif kind in started and number.isdigit() and 0 < int(number) <= len(started[kind]):
            started[kind][int(number) - 1].add_error(None, message)
        else:
            others.append(message)
    return others


# --- The raw YAML -----------------------------------------------------------


class YamlForm(forms.Form):
    """A persona's YAML typed in, or a file sent (not both)."""

    texte = forms.CharField(
        label="Le persona en YAML",
        required=False,
        max_length=MAX_FILE_BYTES,
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false", "class": "code"}),
        help_text="Le format des fichiers de persona (guide « Les personas de la formation »).",
    )
    fichier = forms.FileField(
        label="… ou un fichier .yaml",
        required=False,
        help_text=f"Un fichier de persona en UTF-8, de {MAX_FILE_BYTES // 1000} Ko au plus.",
        widget=forms.ClearableFileInput(attrs={"accept": ".yaml,.yml,application/yaml,text/yaml"}),
    )

    source = "texte"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload: UploadedFile | None = data.get("fichier")
        typed = str(data.get("texte") or "")
        if self.errors:
            return data
        if upload is not None and typed.strip():
            self.add_error("fichier", "Envoyez un fichier ou tapez le texte, pas les deux.")
        elif upload is not None:
            data["yaml"] = self._read(upload)
        elif typed.strip():
            data["yaml"] = typed
        else:
            self.add_error("texte", "Tapez le persona en YAML ou choisissez un fichier.")
        return data

    def _read(self, upload: UploadedFile) -> str:
        self.source = shown(upload.name or "fichier.yaml", 100)
        if (upload.size or 0) > MAX_FILE_BYTES:
            self.add_error(
                "fichier",
                f"{self.source} : plus de {MAX_FILE_BYTES // 1000} Ko ; un persona tient en "
                "une page.",
            )
            return ""
        raw: bytes = upload.read(MAX_FILE_BYTES + 1)
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = raw[: error.start].count(b"\n") + 1
            self.add_error(
                "fichier",
                f"{self.source} : le fichier n'est pas un texte UTF-8 (ligne {line}) ; "
                "enregistrez-le en UTF-8.",
            )
            return ""
