"""The situation parser fed random and hostile values (YAML and JSON shapes):
it returns a Situation or raises SituationError, nothing else."""

import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from nonrecours.rights.situation import Situation, SituationError
from nonrecours.rights.situation_parse import parse_situation

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.dates(),
    st.sampled_from(["oui", "non", "2026-11", "1991-05-15", "demandeur", "locataire_vide",
                     "62041", "450,5", "1\u202f200", "nan"]),
)  # fmt: skip
KEYS = st.one_of(
    st.sampled_from(["mois", "commune", "logement", "personnes", "avis_imposition",
                     "revenu_fiscal_reference", "epargne", "prestations_percues", "statut",
                     "loyer", "role", "naissance", "ressources", "ressources_12_mois", "etudes",
                     "salaire_net", "rsa", "revenus", "colocation", "taux_incapacite", "rsdae"]),
    st.integers(),
    st.text(max_size=5),
)  # fmt: skip
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=5)),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(
    st.fixed_dictionaries(
        {"mois": st.one_of(st.just("2026-11"), SCALARS)},
        optional={
            "commune": VALUES,
            "logement": VALUES,
            "personnes": VALUES,
            "avis_imposition": VALUES,
            "revenu_fiscal_reference": VALUES,
            "epargne": VALUES,
            "prestations_percues": VALUES,
        },
    ),
    st.dictionaries(KEYS, VALUES, max_size=2),
)
def test_any_value_gives_a_situation_or_a_located_refusal(data, extra):
    try:
        situation = parse_situation({**extra, **data})
    except SituationError as error:
        assert error.problems
        assert all(isinstance(problem, str) and problem for problem in error.problems)
        return
    assert isinstance(situation, Situation)
    assert all(isinstance(p.birth_date, datetime.date) for p in situation.persons)
