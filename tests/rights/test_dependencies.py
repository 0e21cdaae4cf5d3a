"""The second pass of the fixed point recomputes only the variables that
may depend on the benefits fed back (rights.dependencies): the list is what
tracing gives, and the amounts are the same as recomputing everything, on
households other than the reference cases the list was traced on."""

import datetime
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nonrecours.rights import dependencies, engine, fixedpoint
from nonrecours.rights.situation_parse import parse_situation


def test_tracing_again_gives_the_committed_list():
    assert dependencies.DEPENDENTS_FILE.read_text(encoding="utf-8") == (
        dependencies.dependents_text(dependencies.trace_dependents())
    )


MONTHS = ["2024-06", "2025-02", "2025-10", "2026-05", "2026-11", "2027-03"]
ACTIVITIES = ["salarie", "independant", "chomeur", "etudiant", "retraite", "inactif"]
HOUSING = ["locataire_hlm", "locataire_vide", "locataire_meuble", "proprietaire",
           "loge_gratuitement"]  # fmt: skip
RECEIVED = ["rsa", "prime_activite", "aide_logement", "af", "asf", "aah", "ass"]


@st.composite
def households(draw: st.DrawFn) -> dict:
    month = draw(st.sampled_from(MONTHS))
    year = int(month[:4])

    def adult(role: str) -> dict:
        activity = draw(st.sampled_from(ACTIVITIES))
        person = {
            "role": role,
            "naissance": datetime.date(year - draw(st.integers(18, 80)), 3, 1).isoformat(),
            "activite": activity,
            "ressources": {
                "salaire_net": draw(st.sampled_from([0, 300, 900, 1400, 2500])),
                "chomage_net": draw(st.sampled_from([0, 0, 700])),
                "retraite_nette": draw(st.sampled_from([0, 0, 800])),
                "pension_invalidite": draw(st.sampled_from([0, 0, 400])),
            },
        }
        if draw(st.booleans()):  # at least a quarter of the 3-month average (its part)
            salary = person["ressources"]["salaire_net"]
            person["ressources_12_mois"] = {"salaire_net": salary + draw(st.sampled_from([0, 600]))}
        rate = draw(st.sampled_from([0, 0, 0.6, 0.8]))
        if rate:
            person["taux_incapacite"] = rate
            person["rsdae"] = rate == 0.6 and draw(st.booleans())
        return person

    persons = [adult("demandeur")]
    if draw(st.booleans()):
        persons.append(adult("conjoint"))
    for _ in range(draw(st.integers(0, 4))):
        age = draw(st.integers(0, 19))
        child = {"role": "enfant",
                 "naissance": datetime.date(year - age, 1, 1).isoformat(),
                 "garde_alternee": draw(st.booleans())}  # fmt: skip
        if 6 <= age <= 18:
            child["scolarite"] = "primaire" if age < 11 else "college" if age < 15 else "lycee"
        persons.append(child)
    status = draw(st.sampled_from(HOUSING))
    housing: dict = {"statut": status}
    if status.startswith("locataire"):
        housing["loyer"] = draw(st.sampled_from([250, 450, 700]))
        housing["colocation"] = draw(st.booleans())
    received = draw(st.sets(st.sampled_from(RECEIVED)))
    data = {"mois": month, "commune": "62041", "logement": housing, "personnes": persons,
            "epargne": draw(st.sampled_from([0, 0, 15000])),
            "prestations_percues": {key: draw(st.sampled_from([0, 150, 500]))
                                    for key in sorted(received)}}  # fmt: skip
    if draw(st.booleans()):
        notice = draw(st.sampled_from([0, 9000, 30000]))
        data["avis_imposition"] = [{"revenus": year - 2, "revenu_fiscal_reference": notice}]
    return data


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(households(), min_size=1, max_size=5))
def test_recomputing_only_the_dependents_gives_the_same_amounts(batch: list[dict]) -> None:
    situations = [parse_situation(data) for data in batch]
    fast = engine.simulate(situations)
    with mock.patch.object(fixedpoint, "forget_computed", fixedpoint.forget_everything):
        full = engine.simulate(situations)
    for quick, reference in zip(fast, full, strict=True):
        assert quick.as_json() == reference.as_json()
