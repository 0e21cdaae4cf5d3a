"""The simulator's forms: each fills a part of a situation (the format of
nonrecours.rights.situation), shared by the step-by-step path and the
professional's one-page mode.

The path asks a question only when it applies (a student's CROUS criteria,
a tenant's flat-share…): the views choose the forms from the answers
already given; the one-page mode shows every field and checks on the field
that an answer applies (« ne concerne qu'une personne étudiante »)."""

from typing import Any

from django import forms
from django.forms.renderers import Jinja2
from django.utils import timezone

from nonrecours.rights.resources import RECEIVED_LIST, RESOURCE_LIST, ResourceKind
from nonrecours.rights.situation import TENANTS, Activity
from nonrecours.rights.situation_person import ADULT_AGE

# The simulator's forms draw their widgets with Jinja2 (Django's own widget
# templates for it, the same HTML): the expert page draws about a hundred
# (ADR 019). Only these forms: the Django admin's widgets have no Jinja2
# templates.
SIMULATOR_RENDERER = Jinja2()


class SimulatorForm(forms.Form):
    default_renderer = SIMULATOR_RENDERER


# The first four keep their place (and their radio's id) from before the
# self-employed were asked.
ACTIVITIES = [
    ("salarie", "En emploi (salarié·e)"),
    ("chomeur", "Demandeur·se d'emploi"),
    ("etudiant", "Étudiant·e ou en formation"),
    ("retraite", "Retraité·e"),
    ("independant", "Travailleur·se indépendant·e / micro-entrepreneur·e"),
    ("inactif", "Sans activité (au foyer, en arrêt…)"),
]
HOUSING = [
    ("locataire_hlm", "Locataire d'un logement social (HLM)"),
    ("locataire_vide", "Locataire d'un logement non meublé"),
    ("locataire_meuble", "Locataire d'un logement meublé"),
    ("locataire_foyer", "En foyer ou résidence sociale"),
    ("proprietaire", "Propriétaire (sans emprunt en cours)"),
    ("primo_accedant", "Propriétaire qui rembourse un emprunt"),
    ("loge_gratuitement", "Hébergé·e gratuitement (famille, ami·es…)"),
    ("sans_domicile", "Sans domicile"),
]
TENANT_STATUSES = frozenset(status.value for status in TENANTS)
PARTIAL_DISABILITY = "0.5"  # taux de 50 à 79 % : the RSDAE question applies
DISABILITY = [
    ("", "Non"),
    (PARTIAL_DISABILITY, "Oui, taux de 50 à 79 %"),
    ("0.8", "Oui, taux de 80 % ou plus"),
]
SCHOOLING = [
    ("aucune", "Pas encore scolarisé·e, ou ne va plus à l'école"),
    ("maternelle", "École maternelle"),
    ("primaire", "École élémentaire"),
    ("college", "Collège"),
    ("lycee", "Lycée"),
    ("enseignement_superieur", "Études supérieures"),
]
YES_NO = [("non", "Non"), ("oui", "Oui")]
PREGNANCY = [
    ("non", "Non"),
    ("demandeur", "Oui, je suis enceinte"),
    ("conjoint", "Oui, ma ou mon conjoint·e est enceinte"),
]
STUDIES = (
    "rattache_foyer_parents",
    "revenus_parents",
    "enfants_a_charge_parents",
    "enfants_etudiants_parents",
    "distance_domicile_familial",
)
MAX_CHILDREN = 8


def income_year(month: str) -> int:
    """The year of the incomes read by the family benefits for `month`
    (« AAAA-MM ») : N-2, as `Situation.notice_year` (nonrecours.rights.situation),
    on the tax notice received in N-1."""
    return int(month[:4]) - 2


def euros(label: str, help_text: str = "", *, high: int = 100_000) -> forms.DecimalField:
    """An optional amount in euros, from 0 to `high`."""
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=0,
        max_value=high,
        decimal_places=2,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )


def yes_no(label: str, help_text: str = "", *, required: bool = False) -> forms.ChoiceField:
    """A « Non / Oui » question. Optional ones start on « Non » (an empty
    answer reads as « non ») ; required ones start empty."""
    return forms.ChoiceField(
        label=label,
        choices=YES_NO,
        required=required,
        initial=None if required else "non",
        help_text=help_text,
        widget=forms.RadioSelect,
    )


def count(
    label: str, help_text: str = "", *, low: int, high: int, initial: int | None = None
) -> forms.IntegerField:
    """An optional whole number from `low` to `high`."""
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=low,
        max_value=high,
        initial=initial,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


def answered(form: forms.Form, name: str) -> bool:
    """Whether the bound `form` holds an answer for field `name` other than
    its default (a « Non » left as is, the first schooling…). A value not
    sent (a radio group nobody clicked, an empty box) is no answer."""
    field = form.fields[name]
    value = form[name].data
    if not form.is_bound or value in (None, "", False):
        return False
    return bool(field.has_changed(form.get_initial_for_field(field, name), value))


def _yes(value: Any) -> bool:
    return bool(value == "oui")


class DateField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date"})

    def __init__(self, *, minimum_age: int = 0, **kwargs: Any):
        kwargs.setdefault("input_formats", ["%Y-%m-%d", "%d/%m/%Y"])
        kwargs.setdefault(
            "error_messages",
            {"invalid": "Date invalide : jour/mois/année, par exemple 15/05/1991."},
        )
        super().__init__(**kwargs)
        self.minimum_age = minimum_age

    def validate(self, value: Any) -> None:
        """The checks parse_situation makes, said on the field: no date in
        the future, none over 120 years ago, an adult of at least
        `minimum_age` years on the first day of this month, the day the
        situation counts ages on (it refuses a claimant or a partner under
        16 then: one turning 16 later this month was refused on the results
        page instead of on this field)."""
        super().validate(value)
        today = timezone.localdate()
        if value and value > today:
            raise forms.ValidationError("Cette date est dans le futur.")
        if value and (value.year < 1900 or today.year - value.year > 120):
            raise forms.ValidationError("Cette date est trop ancienne (plus de 120 ans).")
        if value and self.minimum_age:
            first = today.replace(day=1)
            age = first.year - value.year - ((first.month, first.day) < (value.month, value.day))
            if age < self.minimum_age:
                raise forms.ValidationError(
                    f"Une personne adulte du foyer a au moins {self.minimum_age} ans ; "
                    "un enfant se déclare à l'étape des enfants."
                )


class BlockForm(SimulatorForm):
    """A form for one person of the one-page mode that may be left empty on
    purpose (the partner, a child): `block` names it in the message of a
    required field, which is only checked when the block is started."""

    def __init__(self, *args: Any, block: str = "", **kwargs: Any):
        super().__init__(*args, **kwargs)
        if block:
            for field in self.fields.values():
                if field.required:
                    field.error_messages = {
                        **field.error_messages,
                        "required": f"À remplir, car le bloc « {block} » est commencé "
                        "(ou videz tout le bloc).",
                    }


# --- Housing -----------------------------------------------------------------

RENT_LABEL = "Loyer mensuel hors charges"
RENT_HELP = (
    "Sans les charges : eau, chauffage collectif, entretien… ; c'est ce montant que la CAF "
    "retient. Sans déduire l'aide au logement."
)
RENT_REQUIRED = "Indiquez le loyer mensuel hors charges (les locataires en ont un, plus de 0 €)."


class HousingForm(SimulatorForm):
    commune = forms.ChoiceField(label="Votre commune")
    statut = forms.ChoiceField(label="Votre logement", choices=HOUSING, widget=forms.RadioSelect)

    def __init__(self, *args: Any, communes: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        choice = self.fields["commune"]
        assert isinstance(choice, forms.ChoiceField)  # noqa: S101 (declared above)
        choice.choices = [("", "Choisissez…")] + [(c.insee_code, c.name) for c in communes]

    def part(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"commune": data["commune"], "logement": {"statut": data["statut"]}}


class RentForm(SimulatorForm):
    """A tenant's rent (hors charges, required, more than 0 €), flat-share
    and landlord of the family (no housing aid then, code de la construction
    et de l'habitation art. R822-2)."""

    loyer = euros(RENT_LABEL, RENT_HELP, high=20_000)
    colocation = yes_no(
        "Vivez-vous en colocation ?",
        "Plusieurs locataires qui partagent le logement, chacun·e avec sa part de loyer.",
    )
    bailleur_parent = yes_no(
        "Le logement appartient-il à l'un de vos parents ou enfants ?",
        "Parent, grand-parent, enfant ou petit-enfant, de vous ou de votre conjoint·e : "
        "la CAF ne verse alors pas d'aide au logement.",
    )

    tenant = True

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        rent = self.fields["loyer"]
        rent.required = True  # the path asks it of a tenant only
        rent.error_messages = {**rent.error_messages, "required": RENT_REQUIRED}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.tenant and not data.get("loyer") and "loyer" not in self.errors:
            self.add_error("loyer", RENT_REQUIRED)
        return data

    def rent_part(self) -> dict[str, Any]:
        data = self.cleaned_data
        housing: dict[str, Any] = {}
        if data.get("loyer") is not None:
            housing["loyer"] = float(data["loyer"])
        if self.tenant:
            housing["colocation"] = _yes(data.get("colocation"))
            housing["bailleur_parent"] = _yes(data.get("bailleur_parent"))
        return housing


class ExpertHousingForm(HousingForm, RentForm):
    """Housing of the one-page mode: the tenant's questions with the status;
    they only count (and are only checked) for a tenant."""

    field_order = ["commune", "statut", "loyer", "colocation", "bailleur_parent"]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["loyer"].label = f"{RENT_LABEL} (facultatif sauf pour un·e locataire)"
        self.fields["loyer"].required = False  # checked in clean() for a tenant

    def clean(self) -> dict[str, Any]:
        self.tenant = self.cleaned_data.get("statut") in TENANT_STATUSES
        data = super().clean()
        if not self.tenant:
            for name in ("colocation", "bailleur_parent"):
                if _yes(data.get(name)):
                    self.add_error(name, "Ne concerne qu'un·e locataire : répondez « Non ».")
        return data

    def part(self) -> dict[str, Any]:
        result = super().part()
        result["logement"].update(self.rent_part())
        return result


# --- Persons -----------------------------------------------------------------


class PersonForm(BlockForm):
    naissance = DateField(label="Date de naissance", minimum_age=ADULT_AGE)
    activite = forms.ChoiceField(label="Situation", choices=ACTIVITIES, widget=forms.RadioSelect)
    handicap = forms.ChoiceField(
        label="Handicap reconnu par la MDPH",
        choices=DISABILITY,
        required=False,
        widget=forms.RadioSelect,
    )

    def part(self) -> dict[str, Any]:
        data = self.cleaned_data
        person: dict[str, Any] = {
            "naissance": data["naissance"].isoformat(),
            "activite": data["activite"],
        }
        if data.get("handicap"):
            person["taux_incapacite"] = float(data["handicap"])
        return person


def detail_fields(year: int, *, student: bool, partial_disability: bool) -> dict[str, Any]:
    """The questions that apply to a student (rattachement, CROUS grant
    criteria on the parents' incomes of `year`) and to an incapacity rate of
    50 to 79 % (RSDAE, for the AAH, code de la sécurité sociale art. L821-2)."""
    fields: dict[str, Any] = {}
    if partial_disability:
        fields["rsdae"] = yes_no(
            "La CDAPH a-t-elle reconnu une « restriction substantielle et durable d'accès à "
            "l'emploi » ?",
            "Mention de la notification de la MDPH (décision d'AAH avec un taux de 50 à 79 %).",
        )
    if student:
        fields["rattache_foyer_parents"] = yes_no(
            "Rattaché·e au foyer fiscal des parents ?",
            "Compté·e sur la déclaration de revenus de ses parents (enfant majeur rattaché).",
        )
        fields["revenus_parents"] = euros(
            f"Revenu brut global des parents, en {year} (euros par an)",
            f"Ligne « revenu brut global » de l'avis d'imposition des parents reçu en "
            f"{year + 1}, sur les revenus {year} ; laissez vide si vous ne le connaissez pas.",
            high=10_000_000,
        )
        fields["enfants_a_charge_parents"] = count(
            "Nombre d'enfants à la charge des parents, l'étudiant·e compris·e",
            low=1,
            high=20,
            initial=1,
        )
        fields["enfants_etudiants_parents"] = count(
            "Dont étudiant·es dans l'enseignement supérieur, l'étudiant·e compris·e",
            low=1,
            high=20,
            initial=1,
        )
        fields["distance_domicile_familial"] = count(
            "Distance entre le domicile des parents et le lieu d'études (km)",
            low=0,
            high=20_000,
            initial=0,
        )
    return fields


def check_studies(form: forms.Form) -> None:
    """Errors on the field: more students than children supported."""
    data = form.cleaned_data
    children = data.get("enfants_a_charge_parents") or 1
    students = data.get("enfants_etudiants_parents") or 1
    if students > children:
        form.add_error(
            "enfants_etudiants_parents",
            f"{students} étudiant·es pour {children} enfant(s) à la charge des parents : "
            "pas plus que d'enfants à charge.",
        )


def details_part(
    data: dict[str, Any], *, student: bool, partial_disability: bool
) -> dict[str, Any]:
    """The person keys `rsdae` and `etudes` from the cleaned answers."""
    part: dict[str, Any] = {}
    if partial_disability:
        part["rsdae"] = _yes(data.get("rsdae"))
    if student:
        studies: dict[str, Any] = {
            "rattache_foyer_parents": _yes(data.get("rattache_foyer_parents")),
            "enfants_a_charge_parents": data.get("enfants_a_charge_parents") or 1,
            "enfants_etudiants_parents": data.get("enfants_etudiants_parents") or 1,
            "distance_domicile_familial": data.get("distance_domicile_familial") or 0,
        }
        if data.get("revenus_parents") is not None:
            studies["revenus_parents"] = float(data["revenus_parents"])
        part["etudes"] = studies
    return part


class PersonDetailsForm(SimulatorForm):
    """The step after « Vous » (or « Votre conjoint·e ») in the path, with
    only the questions that apply."""

    def __init__(
        self, *args: Any, year: int, student: bool, partial_disability: bool, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.student = student
        self.partial_disability = partial_disability
        self.fields.update(
            detail_fields(year, student=student, partial_disability=partial_disability)
        )
        if student:
            self.fields["rattache_foyer_parents"].required = True
            self.fields["rattache_foyer_parents"].initial = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.student:
            check_studies(self)
        return data

    def part(self) -> dict[str, Any]:
        return details_part(
            self.cleaned_data, student=self.student, partial_disability=self.partial_disability
        )


class ExpertPersonForm(PersonForm):
    """An adult of the one-page mode: every key of the format, each
    checked against the situation it needs."""

    def __init__(self, *args: Any, year: int, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["enceinte"] = yes_no("Enceinte ?")
        self.fields.update(detail_fields(year, student=True, partial_disability=True))
        self.fields["rsdae"].label = "RSDAE reconnue par la CDAPH (taux de 50 à 79 %) ?"

    @property
    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in STUDIES]

    @property
    def studies_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in STUDIES]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if _yes(data.get("rsdae")) and data.get("handicap") != PARTIAL_DISABILITY:
            self.add_error("rsdae", "Ne concerne qu'un taux d'incapacité de 50 à 79 %.")
        if data.get("activite") != Activity.STUDENT.value:
            for name in STUDIES:
                if answered(self, name) and name not in self.errors:
                    self.add_error(name, "Ne concerne qu'une personne étudiante.")
        else:
            check_studies(self)
        return data

    def part(self) -> dict[str, Any]:
        data = self.cleaned_data
        person = super().part()
        if _yes(data.get("enceinte")):
            person["enceinte"] = True
        person.update(
            details_part(
                data,
                student=data["activite"] == Activity.STUDENT.value,
                partial_disability=data.get("handicap") == PARTIAL_DISABILITY,
            )
        )
        if person.get("rsdae") is False:
            del person["rsdae"]
        return person


class HouseholdForm(SimulatorForm):
    en_couple = forms.ChoiceField(
        label="Vivez-vous en couple ?",
        choices=[("non", "Non"), ("oui", "Oui")],
        widget=forms.RadioSelect,
    )
    enfants = forms.IntegerField(
        label="Nombre d'enfants à votre charge",
        min_value=0,
        max_value=MAX_CHILDREN,
        initial=0,
        help_text=f"De 0 à {MAX_CHILDREN}.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    grossesse = forms.ChoiceField(
        label="Une grossesse est-elle en cours dans votre foyer ?",
        choices=PREGNANCY,
        required=False,
        initial="non",
        help_text="Elle compte pour le RSA et les aides à la naissance (PAJE).",
        widget=forms.RadioSelect,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("grossesse") == "conjoint" and data.get("en_couple") == "non":
            self.add_error(
                "grossesse",
                "Vous avez répondu ne pas vivre en couple : choisissez « Oui, je suis "
                "enceinte » ou « Non ».",
            )
        return data


class ChildForm(BlockForm):
    naissance = DateField(label="Date de naissance")
    scolarite = forms.ChoiceField(label="Scolarité", choices=SCHOOLING, initial="aucune")
    handicap = forms.ChoiceField(
        label="Handicap reconnu par la MDPH", choices=DISABILITY, required=False
    )
    garde_alternee = yes_no(
        "En garde alternée ?",
        "Résidence alternée : l'enfant vit une semaine sur deux (ou à parts égales) chez "
        "chacun de ses parents.",
    )

    def part(self) -> dict[str, Any]:
        data = self.cleaned_data
        child: dict[str, Any] = {
            "role": "enfant",
            "naissance": data["naissance"].isoformat(),
            "scolarite": data["scolarite"],
            "garde_alternee": _yes(data.get("garde_alternee")),
        }
        if data.get("handicap"):
            child["taux_incapacite"] = float(data["handicap"])
        return child


# --- Money -------------------------------------------------------------------


class ResourcesForm(SimulatorForm):
    """Monthly resources of one adult: the average of the last three months
    (or of the last twelve); a micro-entrepreneur's turnover by kind."""

    def __init__(self, *args: Any, self_employed: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for resource in RESOURCE_LIST:
            if resource.kind == ResourceKind.TURNOVER and not self_employed:
                continue
            self.fields[resource.key] = euros(resource.label, resource.help_text)

    def part(self) -> dict[str, float]:
        return {
            name: float(value)
            for name, value in self.cleaned_data.items()
            if value not in (None, "") and float(value) > 0
        }


class HouseholdMoneyForm(SimulatorForm):
    """The household's savings and, in the path, whether the incomes
    changed during the year (then the next step asks the 12-month average)."""

    revenus_changes = yes_no(
        "Vos revenus (ou ceux de votre conjoint·e) ont-ils changé au cours des 12 derniers mois ?",
        "Nouvel emploi, fin des allocations chômage, départ à la retraite… ; si oui, "
        "l'écran suivant demande la moyenne des 12 derniers mois.",
    )
    epargne = euros(
        "Épargne du foyer : livrets, comptes",
        "Le total aujourd'hui (livret A, LDDS, LEP, assurance-vie, comptes…). Certaines "
        "aides (RSA, complémentaire santé solidaire, ASPA) en comptent une part.",
        high=100_000_000,
    )

    def __init__(self, *args: Any, ask_change: bool = True, couple: bool = True, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not ask_change:
            del self.fields["revenus_changes"]
        elif not couple:
            self.fields[
                "revenus_changes"
            ].label = "Vos revenus ont-ils changé au cours des 12 derniers mois ?"

    def part(self) -> dict[str, Any]:
        if self.cleaned_data.get("epargne") is None:
            return {}
        return {"epargne": float(self.cleaned_data["epargne"])}


class _AmountOrUnknown(forms.DecimalField):
    """An amount that is required unless « Je ne le connais pas » is
    ticked: shown as required (no « facultatif »), checked by the form."""

    class Widget(forms.NumberInput):
        def use_required_attribute(self, initial: Any) -> bool:
            return False

    def validate(self, value: Any) -> None:
        if value not in self.empty_values:
            super().validate(value)


class TaxNoticeForm(SimulatorForm):
    """The revenu fiscal de référence of the notice on the incomes of year
    `year` (N-2 of the simulated month), or « Je ne le connais pas » (the
    result then gives ranges). In the one-page mode an empty field says it."""

    def __init__(self, *args: Any, year: int, ask_unknown: bool = True, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.year = year
        self.ask_unknown = ask_unknown
        self.fields["revenu_fiscal_reference"] = euros(
            f"Revenu fiscal de référence de votre avis d'imposition {year + 1} "
            f"(sur les revenus {year})",
            "En haut de la première page de l'avis, dans le cadre « Vos références ». Ce "
            f"n'est pas forcément votre dernier avis : c'est celui reçu en {year + 1}, sur "
            f"les revenus de {year}, que les aides lisent."
            + ("" if ask_unknown else " Vide : inconnu (le résultat donne alors des fourchettes)."),
            high=10_000_000,
        )
        if ask_unknown:
            amount = self.fields["revenu_fiscal_reference"]
            self.fields["revenu_fiscal_reference"] = _AmountOrUnknown(
                label=amount.label,
                help_text=amount.help_text,
                min_value=0,
                max_value=10_000_000,
                decimal_places=2,
                widget=_AmountOrUnknown.Widget(attrs={"inputmode": "decimal", "step": "0.01"}),
            )
            self.fields["avis_inconnu"] = forms.BooleanField(
                label="Je ne le connais pas", required=False
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.ask_unknown or "revenu_fiscal_reference" in self.errors:
            return data
        amount = data.get("revenu_fiscal_reference")
        if amount is None and not data.get("avis_inconnu"):
            self.add_error(
                "revenu_fiscal_reference",
                f"Indiquez le revenu fiscal de référence de l'avis {self.year + 1}, ou cochez "
                "« Je ne le connais pas ».",
            )
        elif amount is not None and data.get("avis_inconnu"):
            self.add_error(
                "revenu_fiscal_reference",
                "Vous avez aussi coché « Je ne le connais pas » : videz le montant ou "
                "décochez la case.",
            )
        return data

    def part(self) -> dict[str, Any]:
        amount = self.cleaned_data.get("revenu_fiscal_reference")
        if amount is None:
            return {}
        return {
            "avis_imposition": [{"revenus": self.year, "revenu_fiscal_reference": float(amount)}]
        }


class ReceivedForm(SimulatorForm):
    """Benefits already received, monthly amounts."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for benefit in RECEIVED_LIST:
            self.fields[benefit.id] = euros(f"{benefit.label} (par mois)")

    def part(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "prestations_percues": {
                benefit.id: float(data[benefit.id])
                for benefit in RECEIVED_LIST
                if data.get(benefit.id) not in (None, "")
            }
        }


class ConsentForm(SimulatorForm):
    consent = forms.BooleanField(
        label="J'accepte que cette simulation soit conservée",
        required=True,
        error_messages={"required": "Cochez la case pour que la simulation soit conservée."},
    )


class CodeForm(SimulatorForm):
    code = forms.CharField(
        label="Code de la simulation",
        max_length=20,
        help_text="Huit caractères, par exemple 7KQ4-MZ2P (tirets et espaces ignorés).",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
