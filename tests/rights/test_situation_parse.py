"""The situation parser field by field: what it reads, and the exact French
problems it lists (each naming its field), so that a wrong amount, a
wrong bound or a message changed is seen. Kept fast: these tests are the
mutation runs' selection for rights/situation*."""

import datetime

import pytest

from nonrecours.rights.resources import RECEIVED, RESOURCES
from nonrecours.rights.situation import (
    Activity,
    Housing,
    Person,
    Role,
    Schooling,
    SituationError,
    Studies,
)
from nonrecours.rights.situation_parse import parse_situation

CLAIMANT = {"role": "demandeur", "naissance": "1991-05-15"}


def base(**changes):
    data = {
        "mois": "2026-11",
        "commune": "62041",
        "logement": {"statut": "locataire_vide", "loyer": 450},
        "personnes": [dict(CLAIMANT)],
    }
    data.update(changes)
    return data


def person(**fields):
    return base(personnes=[{**CLAIMANT, **fields}])


def problems(data):
    with pytest.raises(SituationError) as error:
        parse_situation(data, "cas.yaml")
    return error.value.problems


def claimant(data):
    return parse_situation(data).persons[0]


# --- The error ------------------------------------------------------------------


def test_the_error_names_its_source_and_every_problem():
    with pytest.raises(SituationError) as error:
        parse_situation(base(mois="x", zz=1), "cas.yaml")
    assert error.value.source == "cas.yaml"
    assert str(error.value) == (
        "cas.yaml : champ(s) inconnu(s) : zz ; mois : « x » ; attendu AAAA-MM, par exemple 2026-11"
    )
    with pytest.raises(SituationError) as error:
        parse_situation("mois: 2026-11")
    assert error.value.source == "situation"
    assert error.value.problems == [
        "la situation doit être un dictionnaire (clés mois, personnes…)"
    ]
    assert str(error.value) == (
        "situation : la situation doit être un dictionnaire (clés mois, personnes…)"
    )
    assert error.value.message == str(error.value)


def test_unknown_keys_are_listed_sorted_whatever_their_type():
    assert problems(base(zz=1, aa=2)) == ["champ(s) inconnu(s) : aa, zz"]
    # A YAML key may be a number: listed, not a crash.
    assert problems({**base(), 2024: 1, "b": 2}) == ["champ(s) inconnu(s) : 2024, b"]
    situation = parse_situation(
        base(libelle="Cas 1", source="https://x", calcul={}, attendu={}, epargne=None)
    )
    assert situation.label == "Cas 1"
    assert parse_situation(base()).label == ""
    assert parse_situation(base(libelle=None)).label == ""


# --- Month, commune -------------------------------------------------------------


@pytest.mark.parametrize("month", ["2000-01", "2026-09", "2026-10", "2026-12", "2099-12"])
def test_months_read(month):
    born = f"{int(month[:4]) - 30}-01-01"
    data = base(mois=month, personnes=[{"role": "demandeur", "naissance": born}])
    situation = parse_situation(data)
    assert situation.month == month
    assert situation.first_day == datetime.date(int(month[:4]), int(month[5:]), 1)


@pytest.mark.parametrize("month", ["", "2026-1", "2026-00", "2026-13", "1999-12", "2100-01",
                                   "2026-11-01", "x2026-11", "novembre"])  # fmt: skip
def test_months_refused(month):
    assert problems(base(mois=month)) == [
        f"mois : « {month} » ; attendu AAAA-MM, par exemple 2026-11"
    ]


def test_a_month_with_spaces_or_as_number_of_yaml():
    assert parse_situation(base(mois=" 2026-11 ")).month == "2026-11"
    assert problems({k: v for k, v in base().items() if k != "mois"}) == [
        "mois : «  » ; attendu AAAA-MM, par exemple 2026-11"
    ]


def test_a_wrong_month_still_checks_the_persons_on_january_2026():
    # Born on 2010-01-01: 16 on 2026-01-01 (no problem), still 15 on 2025-12-31.
    data = base(mois="x", personnes=[{"role": "demandeur", "naissance": "2010-01-01"}])
    assert problems(data) == ["mois : « x » ; attendu AAAA-MM, par exemple 2026-11"]
    data = base(mois="x", personnes=[CLAIMANT, {"role": "enfant", "naissance": "2026-02-01"}])
    assert problems(data)[1:] == ["personne 2, naissance : 2026-02-01 est après le mois simulé"]


@pytest.mark.parametrize("code", ["62041", "2A004", "2B033", "01071"])
def test_communes_read(code):
    assert parse_situation(base(commune=f" {code} ")).commune == code


def test_no_commune_is_an_empty_code():
    assert parse_situation(base(commune=None)).commune == ""
    assert parse_situation(base(commune="")).commune == ""
    assert parse_situation({k: v for k, v in base().items() if k != "commune"}).commune == ""


@pytest.mark.parametrize("code", ["6204", "620411", "A2041", "2C004", "62O41", "Arras"])
def test_commune_codes_refused(code):
    assert problems(base(commune=code)) == [
        f"commune : « {code} » n'est pas un code INSEE (5 caractères)"
    ]


def test_unknown_commune_refused():
    assert problems(base(commune="62999")) == [
        "commune : « 62999 » n'est pas une commune connue (code INSEE du code officiel "
        "géographique, par exemple 62041 pour Arras)"
    ]


# --- Housing --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "housing"),
    [
        ("locataire_hlm", Housing.SOCIAL_TENANT),
        ("locataire_vide", Housing.TENANT),
        ("locataire_meuble", Housing.FURNISHED_TENANT),
        ("locataire_foyer", Housing.HOSTEL),
    ],
)
def test_tenants_pay_a_rent(status, housing):
    situation = parse_situation(base(logement={"statut": f" {status} ", "loyer": "450,5"}))
    assert (situation.housing, situation.rent) == (housing, 450.5)
    assert problems(base(logement={"statut": status})) == [
        "logement, loyer : obligatoire pour un·e locataire (montant mensuel hors charges)"
    ]
    assert problems(base(logement={"statut": status, "loyer": "0,00"})) == [
        "logement, loyer : un·e locataire paie un loyer ; indiquez le loyer mensuel hors "
        "charges (plus de 0 €)"
    ]


@pytest.mark.parametrize(
    ("status", "housing"),
    [
        ("proprietaire", Housing.OWNER),
        ("primo_accedant", Housing.BUYER),
        ("loge_gratuitement", Housing.HOUSED_FREE),
        ("sans_domicile", Housing.HOMELESS),
    ],
)
def test_other_housings_need_no_rent(status, housing):
    situation = parse_situation(base(logement={"statut": status}))
    assert (situation.housing, situation.rent) == (housing, 0.0)
    assert (situation.flat_share, situation.relative_landlord) == (False, False)
    assert parse_situation(base(logement={"statut": status, "loyer": 0})).rent == 0.0
    # A flat-share or a relative landlord only concerns a tenant.
    for key in ("colocation", "bailleur_parent"):
        assert problems(base(logement={"statut": status, key: "oui"})) == [
            "logement : colocation et bailleur_parent ne concernent qu'un·e locataire "
            f"(statut « {status} »)"
        ]


def test_no_housing_is_housed_free():
    for absent in (None, "", {}):
        situation = parse_situation(base(logement=absent))
        assert (situation.housing, situation.rent) == (Housing.HOUSED_FREE, 0.0)
    assert parse_situation({k: v for k, v in base().items() if k != "logement"}).rent == 0.0


@pytest.mark.parametrize("housing", ["locataire_vide", ["locataire_vide"], [], 0, 450, True])
def test_housing_that_is_not_a_mapping_is_refused(housing):
    # It was read as « logé gratuitement » with no rent.
    assert problems(base(logement=housing)) == ["logement : attendu {statut: …, loyer: …}"]


def test_housing_fields():
    situation = parse_situation(
        base(logement={"statut": "locataire_meuble", "loyer": "1 200", "colocation": "oui",
                       "bailleur_parent": True})
    )  # fmt: skip
    assert (situation.rent, situation.flat_share, situation.relative_landlord) == (
        1200.0,
        True,
        True,
    )
    assert problems(base(logement={"statut": "chateau", "zz": 1, "aa": 2})) == [
        "logement : champ(s) inconnu(s) : aa, zz ; choisir parmi : bailleur_parent, "
        "colocation, loyer, statut",
        "logement, statut : « chateau » inconnu ; choisir parmi : locataire_hlm, "
        "locataire_vide, locataire_meuble, locataire_foyer, proprietaire, primo_accedant, "
        "loge_gratuitement, sans_domicile",
    ]


@pytest.mark.parametrize(
    ("rent", "read"),
    [("450,50", 450.5), ("1\u202f200", 1200.0), (" 12 ", 12.0), (0.01, 0.01), (20_000, 20_000)],
)
def test_rents_read(rent, read):
    assert parse_situation(base(logement={"statut": "locataire_vide", "loyer": rent})).rent == read


@pytest.mark.parametrize(
    ("rent", "problem"),
    [
        ("beaucoup", "« beaucoup » n'est pas un nombre"),
        ("", "«  » n'est pas un nombre"),
        (True, "un nombre est attendu"),
        (None, "un nombre est attendu"),
        (-5, "-5 hors limites (attendu entre 0 et 20000)"),
        (20_000.5, "20000.5 hors limites (attendu entre 0 et 20000)"),
        ("1e400", "1e400 hors limites (attendu entre 0 et 20000)"),
        ("1_000", "« 1_000 » n'est pas un nombre"),
        ("nan", "« nan » n'est pas un nombre"),
        ("inf", "« inf » n'est pas un nombre"),
    ],
)
def test_a_wrong_rent_gets_one_problem(rent, problem):
    # Not also « un·e locataire paie un loyer »: the rent was not read.
    assert problems(base(logement={"statut": "locataire_vide", "loyer": rent})) == [
        f"logement, loyer : {problem}"
    ]


# --- Yes / no -------------------------------------------------------------------


@pytest.mark.parametrize("word", [True, "true", "OUI", " oui ", "1", 1, "vrai", "Vrai"])
def test_yes(word):
    assert claimant(person(enceinte=word)).pregnant is True


@pytest.mark.parametrize("word", [False, None, "", "false", "NON", " non ", "0", 0, "faux"])
def test_no(word):
    assert claimant(person(enceinte=word)).pregnant is False


@pytest.mark.parametrize("key", ["rsdae", "enceinte", "garde_alternee"])
def test_a_person_s_yes_or_no_names_its_field(key):
    assert problems(person(**{key: "bof"})) == [f"personne 1, {key} : « bof » ; attendu oui ou non"]


def test_neither_yes_nor_no():
    # Read as « non » after its problem: no second problem for an owner.
    data = base(logement={"statut": "proprietaire", "colocation": "peut-être"})
    assert problems(data) == ["logement, colocation : « peut-être » ; attendu oui ou non"]
    data = base(logement={"statut": "proprietaire", "bailleur_parent": "peut-être"})
    assert problems(data) == ["logement, bailleur_parent : « peut-être » ; attendu oui ou non"]


# --- Persons --------------------------------------------------------------------


@pytest.mark.parametrize("persons", [None, [], {}, "demandeur", CLAIMANT])
def test_at_least_one_person(persons):
    assert problems(base(personnes=persons)) == [
        "personnes : au moins une personne (le demandeur ou la demandeuse)"
    ]


def test_a_person_is_a_mapping():
    assert problems(base(personnes=["demandeur"])) == [
        "personne 1 : attendu un dictionnaire (role, naissance…)"
    ]
    assert problems(base(personnes=[CLAIMANT, "enfant"])) == [
        "personne 2 : attendu un dictionnaire (role, naissance…)"
    ]
    # The next persons are still read.
    assert problems(base(personnes=["x", {"role": "demandeur"}])) == [
        "personne 1 : attendu un dictionnaire (role, naissance…)",
        "personne 2, naissance : date de naissance obligatoire (AAAA-MM-JJ)",
    ]


def test_roles():
    data = base(personnes=[
        {"role": "enfant", "naissance": "2015-01-01"},
        {"role": " demandeur ", "naissance": "1990-01-01"},
        {"role": "conjoint", "naissance": "1991-01-01"},
    ])  # fmt: skip
    situation = parse_situation(data)
    assert [p.role for p in situation.persons] == [Role.CHILD, Role.CLAIMANT, Role.PARTNER]
    assert [p.role for p in situation.adults] == [Role.CLAIMANT, Role.PARTNER]
    assert [p.role for p in situation.children] == [Role.CHILD]
    assert problems(base(personnes=[{"naissance": "1990-01-01"}])) == [
        "personne 1, role : obligatoire (demandeur, conjoint, enfant)",
        "personnes : il faut exactement un demandeur (ici 0)",
    ]
    # Read as a child: no second problem about the age of an adult.
    assert problems(base(personnes=[{"naissance": "2015-01-01"}])) == [
        "personne 1, role : obligatoire (demandeur, conjoint, enfant)",
        "personnes : il faut exactement un demandeur (ici 0)",
    ]
    assert problems(base(personnes=[CLAIMANT, CLAIMANT])) == [
        "personnes : il faut exactement un demandeur (ici 2)"
    ]
    partner = {"role": "conjoint", "naissance": "1990-01-01"}
    assert problems(base(personnes=[CLAIMANT, partner, partner])) == [
        "personnes : un seul conjoint possible"
    ]
    assert problems(person(age=30, aa=1)) == ["personne 1 : champ(s) inconnu(s) : aa, age"]
    assert problems(base(personnes=[{**CLAIMANT, 3: 1}])) == [
        "personne 1 : champ(s) inconnu(s) : 3"
    ]


@pytest.mark.parametrize(
    ("birth", "adult"),
    [
        ("2010-11-01", True),  # 16 on the first day of the month
        ("2010-11-02", False),  # 16 the next day: still 15
        ("2010-12-01", False),
        ("2011-10-31", False),  # 15
        ("2010-10-31", True),
    ],
)
def test_a_claimant_or_a_partner_is_16_or_more(birth, adult):
    for role in ("demandeur", "conjoint"):
        persons = [{"role": role, "naissance": birth}]
        if role == "conjoint":
            persons.insert(0, CLAIMANT)
        expected = [] if adult else [f"personne {len(persons)} : un·e {role} de moins de 16 ans"]
        data = base(personnes=persons)
        assert (problems(data) if not adult else []) == expected
        if adult:
            parse_situation(data)


def test_ages_on_a_day():
    born = Person(Role.CLAIMANT, datetime.date(2000, 3, 15))
    assert born.age_on(datetime.date(2026, 3, 15)) == 26
    assert born.age_on(datetime.date(2026, 3, 14)) == 25
    assert born.age_on(datetime.date(2026, 2, 20)) == 25
    assert born.age_on(datetime.date(2026, 4, 1)) == 26
    assert born.age_on(datetime.date(2000, 3, 15)) == 0


def test_birth_dates():
    assert claimant(person(naissance=datetime.date(1991, 5, 15))).birth_date == datetime.date(
        1991, 5, 15
    )
    assert claimant(person(naissance="1991-05-15")).birth_date == datetime.date(1991, 5, 15)
    child = {"role": "enfant", "naissance": "2026-11-01"}  # born on the first day: counted
    assert (
        parse_situation(base(personnes=[CLAIMANT, child]))
        .persons[1]
        .age_on(datetime.date(2026, 11, 1))
        == 0
    )
    assert problems(person(naissance="15/05/1991")) == [
        "personne 1, naissance : « 15/05/1991 » ; attendu AAAA-MM-JJ"
    ]
    assert problems(person(naissance=19910515)) == [
        "personne 1, naissance : date de naissance obligatoire (AAAA-MM-JJ)"
    ]
    assert problems(base(personnes=[{"role": "demandeur"}])) == [
        "personne 1, naissance : date de naissance obligatoire (AAAA-MM-JJ)"
    ]
    assert problems(base(personnes=[CLAIMANT, {"role": "enfant", "naissance": "2026-12-01"}])) == [
        "personne 2, naissance : 2026-12-01 est après le mois simulé"
    ]
    assert problems(person(naissance="1905-12-31")) == [
        "personne 1, naissance : 1905-12-31 (plus de 120 ans)"
    ]
    assert claimant(person(naissance="1906-01-01")).birth_date.year == 1906


@pytest.mark.parametrize("born", ["2026-11-02", "2026-11-30"])
def test_a_child_born_during_the_simulated_month_is_counted_at_age_0(born):
    """The form lets a resident give a birth up to today: a child born after
    the 1st of the month simulated is part of the household, 0 years old on
    every day of the month (not -1)."""
    situation = parse_situation(base(personnes=[CLAIMANT, {"role": "enfant", "naissance": born}]))

    child = situation.persons[1]
    assert child.birth_date == datetime.date.fromisoformat(born)
    assert child.age_on(situation.first_day) == 0
    assert child.age_on(datetime.date(2026, 11, 1)) == 0


@pytest.mark.parametrize("value", [None, [], {}, True, 1991])
def test_a_birth_date_given_as_null_or_not_a_text_is_a_problem(value):
    """`naissance: null` used to be read as 1970-01-01 without a word: a
    claimant aged 56 the resident never said."""
    assert problems(base(personnes=[{"role": "demandeur", "naissance": value}])) == [
        "personne 1, naissance : date de naissance obligatoire (AAAA-MM-JJ)"
    ]
    child = {"role": "enfant", "naissance": value}
    assert problems(base(personnes=[CLAIMANT, child])) == [
        "personne 2, naissance : date de naissance obligatoire (AAAA-MM-JJ)"
    ]


def test_a_missing_birth_date_reads_as_1970_for_the_other_checks():
    # No second problem about the age of the claimant.
    assert problems(base(personnes=[{"role": "demandeur", "naissance": "x"}])) == [
        "personne 1, naissance : « x » ; attendu AAAA-MM-JJ"
    ]


@pytest.mark.parametrize(
    ("value", "activity"),
    [
        ("salarie", Activity.WORKER),
        ("independant", Activity.SELF_EMPLOYED),
        ("chomeur", Activity.JOB_SEEKER),
        ("etudiant", Activity.STUDENT),
        ("retraite", Activity.RETIRED),
        ("inactif", Activity.INACTIVE),
        (None, Activity.INACTIVE),
        ("", Activity.INACTIVE),
    ],
)
def test_activities(value, activity):
    assert claimant(person(activite=value)).activity == activity


@pytest.mark.parametrize(
    ("value", "schooling"),
    [
        ("aucune", Schooling.NONE),
        ("maternelle", Schooling.NURSERY),
        ("primaire", Schooling.PRIMARY),
        ("college", Schooling.MIDDLE),
        ("lycee", Schooling.HIGH),
        ("enseignement_superieur", Schooling.HIGHER),
        (None, Schooling.NONE),
    ],
)
def test_schoolings(value, schooling):
    assert claimant(person(scolarite=value)).schooling == schooling


def test_wrong_choices_list_what_is_accepted():
    assert problems(person(activite="rentier", scolarite="fac")) == [
        "personne 1, activite : « rentier » inconnu ; choisir parmi : salarie, independant, "
        "chomeur, etudiant, retraite, inactif",
        "personne 1, scolarite : « fac » inconnu ; choisir parmi : aucune, maternelle, "
        "primaire, college, lycee, enseignement_superieur",
    ]
    assert problems(person(role="chef")) == [
        "personne 1, role : « chef » inconnu ; choisir parmi : demandeur, conjoint, enfant",
        "personne 1, role : obligatoire (demandeur, conjoint, enfant)",
        "personnes : il faut exactement un demandeur (ici 0)",
    ]


def test_disability_and_rsdae():
    assert claimant(person()).disability_rate == 0.0
    assert claimant(person(taux_incapacite="")).disability_rate == 0.0
    assert claimant(person(taux_incapacite="0,8")).disability_rate == 0.8
    assert claimant(person(taux_incapacite=1)).disability_rate == 1.0
    assert problems(person(taux_incapacite=80)) == [
        "personne 1, taux_incapacite : 80 hors limites (attendu entre 0 et 1)"
    ]
    for rate in (0.5, 0.79):
        read = claimant(person(taux_incapacite=rate, rsdae="oui"))
        assert (read.disability_rate, read.rsdae) == (rate, True)
    assert claimant(person(taux_incapacite=0.5)).rsdae is False
    rsdae_problem = (
        "personne 1, rsdae : la restriction d'accès à l'emploi ne compte que pour un taux "
        "d'incapacité de 50 à 79 % (taux_incapacite de 0.5 à 0.79)"
    )
    for rate in (0.49, 0.8, None):
        assert problems(person(taux_incapacite=rate, rsdae=True)) == [rsdae_problem]
    # A wrong rate reads as 0: the RSDAE then does not apply either.
    assert problems(person(taux_incapacite="x", rsdae=True)) == [
        "personne 1, taux_incapacite : « x » n'est pas un nombre",
        rsdae_problem,
    ]


def test_pregnancy_and_shared_custody():
    child = {"role": "enfant", "naissance": "2015-01-01", "garde_alternee": "oui"}
    situation = parse_situation(base(personnes=[{**CLAIMANT, "enceinte": "oui"}, child]))
    assert situation.persons[0].pregnant is True
    assert situation.persons[1].shared_custody is True
    assert situation.persons[0].shared_custody is False
    assert problems(person(garde_alternee=True)) == [
        "personne 1, garde_alternee : ne concerne qu'un enfant"
    ]
    partner = {"role": "conjoint", "naissance": "1990-01-01", "garde_alternee": True}
    assert problems(base(personnes=[CLAIMANT, partner])) == [
        "personne 2, garde_alternee : ne concerne qu'un enfant"
    ]
    assert problems(base(personnes=[CLAIMANT, {**child, "enceinte": True}])) == [
        "personne 2, enceinte : ne concerne que le demandeur ou le conjoint"
    ]


# --- Resources ------------------------------------------------------------------


def test_resources_are_read_for_three_and_twelve_months():
    read = claimant(person(ressources={"salaire_net": "900,5", "chomage_net": 0}))
    assert read.resources == {"salaire_net": 900.5, "chomage_net": 0.0}
    assert read.resources_12m is None
    for absent in (None, "", {}):
        assert claimant(person(ressources=absent)).resources == {}
    read = claimant(
        person(ressources={"salaire_net": 1200}, ressources_12_mois={"salaire_net": 300})
    )
    assert read.resources_12m == {"salaire_net": 300.0}
    read = claimant(person(ressources_12_mois={}))
    assert read.resources_12m == {}
    assert claimant(person(ressources={k: 1_000_000 for k in RESOURCES})).resources == {
        k: 1_000_000.0 for k in RESOURCES
    }


@pytest.mark.parametrize("given", [[{"salaire_net": 900}], [], "salaire_net: 900", 900, False])
def test_resources_that_are_not_a_mapping_are_refused(given):
    # A list was dropped silently: the claimant had no income.
    assert problems(person(ressources=given)) == [
        "personne 1, ressources : attendu {salaire_net: …}"
    ]
    assert problems(person(ressources_12_mois=given)) == [
        "personne 1, ressources_12_mois : attendu {salaire_net: …}"
    ]


def test_wrong_resources():
    assert problems(
        person(ressources={"loto": 5, "salaire_net": "x", "retraite_nette": 1e6 + 1})
    ) == [
        "personne 1, ressources : « loto » inconnu ; choisir parmi : salaire_net, chomage_net, "
        "retraite_nette, pension_invalidite, pension_alimentaire, indemnites_journalieres, "
        "pension_alimentaire_versee, revenus_capital, ca_micro_vente, ca_micro_services, "
        "ca_micro_liberal",
        "personne 1, ressources, salaire_net : « x » n'est pas un nombre",
        "personne 1, ressources, retraite_nette : 1000001.0 hors limites "
        "(attendu entre 0 et 1e+06)",
    ]


@pytest.mark.parametrize(
    ("three", "twelve", "refused"),
    [
        (1200, 300, False),
        (1200, 299.9992, False),
        # Exactly 3 × 1200 - 0.01 over 12 months: the cent allowed, still accepted.
        (1200, 299.99916666666667, False),
        (1200, 299.999, True),
        (0, 0, False),
    ],
)
def test_twelve_months_hold_the_last_three(three, twelve, refused):
    # 12 × 299.9992 = 3599.9904 ≥ 3 × 1200 - 0.01 (a cent of rounding allowed).
    data = person(ressources={"salaire_net": three}, ressources_12_mois={"salaire_net": twelve})
    if not refused:
        assert claimant(data).resources_12m == {"salaire_net": twelve}
        return
    assert problems(data) == [
        f"personne 1, ressources_12_mois, salaire_net : {twelve:g} € en moyenne sur 12 mois, "
        f"c'est impossible avec {three:g} € par mois sur les 3 derniers (ils en font partie) : "
        "au moins 300 €"
    ]


def test_a_resource_given_for_twelve_months_only():
    data = person(ressources={"salaire_net": 100}, ressources_12_mois={"chomage_net": 50})
    assert claimant(data).resources_12m == {"chomage_net": 50.0}
    # None over the last 3 months: 0 over 12 is possible.
    data = person(ressources={"salaire_net": 100}, ressources_12_mois={"chomage_net": 0})
    assert claimant(data).resources_12m == {"chomage_net": 0.0}


# --- Students -------------------------------------------------------------------


def student(**studies):
    return person(activite="etudiant", etudes=studies)


def test_studies_read():
    assert claimant(person()).studies is None
    assert claimant(person(activite="etudiant")).studies is None
    assert claimant(student()).studies == Studies(
        attached_to_parents=False,
        parents_income=None,
        parents_children=1,
        parents_children_higher_education=1,
        distance_km=0,
    )
    read = claimant(
        student(rattache_foyer_parents="oui", revenus_parents="25 000", enfants_a_charge_parents=3,
                enfants_etudiants_parents="2", distance_domicile_familial="250,7")
    )  # fmt: skip
    assert read.studies == Studies(True, 25_000.0, 3, 2, 250)
    assert claimant(student(revenus_parents="")).studies.parents_income is None
    assert claimant(student(revenus_parents=0)).studies.parents_income == 0.0
    limits = claimant(
        student(revenus_parents=1e8, enfants_a_charge_parents=20, enfants_etudiants_parents=20,
                distance_domicile_familial=20_000)
    ).studies  # fmt: skip
    assert limits == Studies(False, 1e8, 20, 20, 20_000)


def test_wrong_studies():
    assert problems(person(etudes={})) == [
        "personne 1, etudes : ne concerne qu'une personne étudiante"
    ]
    assert problems(person(activite="etudiant", etudes="oui")) == [
        "personne 1, etudes : attendu {rattache_foyer_parents: …, revenus_parents: …}"
    ]
    assert problems(student(bourse=1, age=2)) == [
        "personne 1, etudes : champ(s) inconnu(s) : age, bourse ; choisir parmi : "
        "distance_domicile_familial, enfants_a_charge_parents, enfants_etudiants_parents, "
        "rattache_foyer_parents, revenus_parents"
    ]
    assert problems(student(enfants_a_charge_parents=2, enfants_etudiants_parents=3)) == [
        "personne 1, etudes, enfants_etudiants_parents : 3 étudiant·es pour 2 enfant(s) à charge"
    ]
    assert problems(student(enfants_a_charge_parents=0, enfants_etudiants_parents=21)) == [
        "personne 1, etudes, enfants_a_charge_parents : 0 hors limites (attendu entre 1 et 20)",
        "personne 1, etudes, enfants_etudiants_parents : 21 hors limites (attendu entre 1 et 20)",
    ]
    # A count is whole: « 2,5 » children used to be read as 2 without a word.
    assert problems(student(enfants_a_charge_parents="2,5")) == [
        "personne 1, etudes, enfants_a_charge_parents : « 2,5 » ; un nombre entier est attendu"
    ]
    assert problems(student(enfants_a_charge_parents=3, enfants_etudiants_parents=1.5)) == [
        "personne 1, etudes, enfants_etudiants_parents : « 1.5 » ; un nombre entier est attendu"
    ]
    assert claimant(student(enfants_a_charge_parents="3,0")).studies.parents_children == 3
    # A wrong count reads as 1: no second problem.
    assert problems(student(enfants_a_charge_parents="x")) == [
        "personne 1, etudes, enfants_a_charge_parents : « x » n'est pas un nombre"
    ]
    assert problems(student(enfants_etudiants_parents="x")) == [
        "personne 1, etudes, enfants_etudiants_parents : « x » n'est pas un nombre"
    ]
    assert problems(student(revenus_parents=1e8 + 1)) == [
        "personne 1, etudes, revenus_parents : 100000001.0 hors limites (attendu entre 0 et 1e+08)"
    ]
    assert problems(
        student(revenus_parents=-1, distance_domicile_familial=20_001, rattache_foyer_parents="?")
    ) == [
        "personne 1, etudes, revenus_parents : -1 hors limites (attendu entre 0 et 1e+08)",
        "personne 1, etudes, distance_domicile_familial : 20001 hors limites "
        "(attendu entre 0 et 20000)",
        "personne 1, etudes, rattache_foyer_parents : « ? » ; attendu oui ou non",
    ]


# --- Tax notices, savings, benefits received ------------------------------------


def notices(*items):
    return [{"revenus": year, "revenu_fiscal_reference": amount} for year, amount in items]


def test_tax_notices_read():
    situation = parse_situation(base(avis_imposition=notices((2024, "14 200"), (" 2020 ", 0),
                                                              ("2025", 1e8))))  # fmt: skip
    assert situation.tax_notices == {2024: 14_200.0, 2020: 0.0, 2025: 1e8}
    assert situation.notice_year == 2024
    assert situation.tax_income_n2 == 14_200.0
    legacy = parse_situation(base(revenu_fiscal_reference=9000))
    assert legacy.tax_notices == {2024: 9000.0}
    both = parse_situation(base(avis_imposition=notices((2023, 1)), revenu_fiscal_reference=2))
    assert both.tax_notices == {2023: 1.0, 2024: 2.0}
    assert both.tax_income_n2 == 2.0
    none = parse_situation(base(avis_imposition="", revenu_fiscal_reference=""))
    assert none.tax_notices == {}
    assert none.tax_income_n2 is None
    assert parse_situation(base(avis_imposition=[], revenu_fiscal_reference=None)).tax_notices == {}


def test_wrong_tax_notices():
    expected_shape = "attendu {revenus: année des revenus, revenu_fiscal_reference: montant annuel}"
    assert problems(base(avis_imposition={"revenus": 2024})) == [
        "avis_imposition : attendu une liste, par exemple "
        "[{revenus: 2024, revenu_fiscal_reference: 14200}]"
    ]
    assert problems(
        base(avis_imposition=[2024, {"revenus": 2024}, {**notices((2024, 1))[0], "x": 1}])
    ) == [
        f"avis_imposition 1 : {expected_shape}",
        f"avis_imposition 2 : {expected_shape}",
        f"avis_imposition 3 : {expected_shape}",
    ]
    refused = "attendu l'année des revenus (de 2020 à 2025 pour le mois 2026-11)"
    # Each wrong notice is skipped, the next ones still read (a duplicate seen).
    assert problems(base(avis_imposition=notices((2019, 1), (2026, 1), (True, 1), ("deux", 1),
                                                 (-2024, 1), (2024, 1), (2024, "x"))))  == [
        f"avis_imposition 1, revenus : « 2019 » ; {refused}",
        f"avis_imposition 2, revenus : « 2026 » ; {refused}",
        f"avis_imposition 3, revenus : « True » ; {refused}",
        f"avis_imposition 4, revenus : « deux » ; {refused}",
        f"avis_imposition 5, revenus : « -2024 » ; {refused}",
        "avis_imposition 7 : deux avis pour les revenus 2024",
    ]  # fmt: skip
    # Digits to str.isdigit() that int() refuses: a refusal, not a crash.
    assert problems(base(avis_imposition=notices(("²⁰²⁴", 1), ("٢٠٢٤", 1)))) == [
        f"avis_imposition 1, revenus : « ²⁰²⁴ » ; {refused}",
        f"avis_imposition 2, revenus : « ٢٠٢٤ » ; {refused}",
    ]
    assert problems(base(avis_imposition=notices((2024, 1e8 + 1)))) == [
        "avis_imposition 1, revenu_fiscal_reference : 100000001.0 hors limites "
        "(attendu entre 0 et 1e+08)"
    ]
    assert problems(base(avis_imposition=notices((2024, 1)), revenu_fiscal_reference=5)) == [
        "revenu_fiscal_reference : les revenus 2024 sont déjà donnés dans avis_imposition"
    ]
    assert problems(base(revenu_fiscal_reference=-1)) == [
        "revenu_fiscal_reference : -1 hors limites (attendu entre 0 et 1e+08)"
    ]
    assert problems(base(revenu_fiscal_reference=1e8 + 1)) == [
        "revenu_fiscal_reference : 100000001.0 hors limites (attendu entre 0 et 1e+08)"
    ]
    assert parse_situation(base(revenu_fiscal_reference=1e8)).tax_income_n2 == 1e8


def test_savings():
    assert parse_situation(base()).savings == 0.0
    assert parse_situation(base(epargne="")).savings == 0.0
    assert parse_situation(base(epargne="1 500,5")).savings == 1500.5
    assert parse_situation(base(epargne=1e9)).savings == 1e9
    assert problems(base(epargne=1e9 + 1)) == [
        "epargne : 1000000001.0 hors limites (attendu entre 0 et 1e+09)"
    ]


def test_benefits_received():
    assert parse_situation(base()).received == {}
    for absent in (None, "", {}):
        assert parse_situation(base(prestations_percues=absent)).received == {}
    every = parse_situation(base(prestations_percues={key: "1,5" for key in RECEIVED}))
    assert every.received == {key: 1.5 for key in RECEIVED}
    assert parse_situation(base(prestations_percues={"rsa": 1e5})).received == {"rsa": 1e5}
    assert problems(base(prestations_percues={"loto": 3, "rsa": -3, "aah": 1e5 + 1})) == [
        "prestations_percues : « loto » inconnu ; choisir parmi : rsa, prime_activite, "
        "aide_logement, af, cf, asf, paje_base, aspa, aah, asi, ass, aeeh, pch",
        "prestations_percues, rsa : -3 hors limites (attendu entre 0 et 100000)",
        "prestations_percues, aah : 100001.0 hors limites (attendu entre 0 et 100000)",
    ]
    for given in (["rsa"], "rsa", 100):
        assert problems(base(prestations_percues=given)) == [
            "prestations_percues : attendu {rsa: montant mensuel, …}"
        ]


def test_a_whole_situation():
    situation = parse_situation(
        {
            "mois": "2026-11",
            "commune": "62041",
            "libelle": "Couple, un enfant",
            "logement": {"statut": "locataire_hlm", "loyer": 400},
            "personnes": [
                {"role": "demandeur", "naissance": "1990-02-01", "activite": "salarie",
                 "ressources": {"salaire_net": 1100}},
                {"role": "conjoint", "naissance": "1992-03-01"},
                {"role": "enfant", "naissance": "2018-04-01", "scolarite": "primaire"},
            ],
            "epargne": 300,
            "prestations_percues": {"af": 0},
        }
    )  # fmt: skip
    assert situation.label == "Couple, un enfant"
    assert (situation.month, situation.commune, situation.housing, situation.rent) == (
        "2026-11",
        "62041",
        Housing.SOCIAL_TENANT,
        400.0,
    )
    assert [p.birth_date.year for p in situation.persons] == [1990, 1992, 2018]
    assert situation.persons[0].activity == Activity.WORKER
    assert situation.persons[1].activity == Activity.INACTIVE
    assert situation.persons[2].schooling == Schooling.PRIMARY
    assert (situation.savings, situation.received) == (300.0, {"af": 0.0})
