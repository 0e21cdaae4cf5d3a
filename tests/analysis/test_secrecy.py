"""The secrecy model on everything a wave publishes, checked from the
outside: an attacker who knows every published figure and the weighted
total of every cell (public populations) must not recover any hidden cell,
nor any group of 1 to 10 respondents (a finest crossing, the hidden part of
a line, or any union of finest crossings across tables).

The check here is independent of the engine's: it compares matrix ranks
(numpy.linalg.matrix_rank) of the published sums with and without the
protected set, on every atom (empty ones included, as unknowns fixed to 0),
and searches unions of small atoms through the kernel of the published sums
(a union is given back when its atoms' kernel rows add up to zero).
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nonrecours.analysis.disclosure import Release, SecrecyError, Status, protect
from nonrecours.surveys.release import ALL_TABLES, STRATA, ReleasePlan, Respondents, layout_of
from nonrecours.surveys.subgroups import NOT_CROSSED, Filters

THRESHOLD = 11


def _given_away(matrix: np.ndarray, published: list[int], vector: np.ndarray, empty) -> bool:
    """Whether `vector`'s sum follows from the published rows and the atoms
    known to be empty."""
    known = [matrix[c] for c in published]
    for atom in np.flatnonzero(empty):
        unit = np.zeros(matrix.shape[1])
        unit[atom] = 1.0
        known.append(unit)
    if not known:
        return False
    rows = np.array(known)
    return np.linalg.matrix_rank(np.vstack([rows, vector])) == np.linalg.matrix_rank(rows)


def _attack(plan: ReleasePlan, in_base: np.ndarray, threshold: int = THRESHOLD) -> list[str]:
    """Everything the attacker recovers (empty list: nothing)."""
    decision = plan.decide(in_base, threshold)
    sizes = np.bincount(plan.layout.atom_of[in_base], minlength=plan.layout.atom_count)
    matrix = np.zeros((len(plan.cells), plan.layout.atom_count))
    for c, atoms in enumerate(plan.cells):
        matrix[c, atoms] = 1.0
    published = [c for c, s in enumerate(decision.status) if s == Status.PUBLISHED]
    empty = sizes == 0
    recovered = []
    for c, state in enumerate(decision.status):
        assert (state == Status.EMPTY) == (decision.sizes[c] == 0)
        if state == Status.PUBLISHED:
            assert decision.sizes[c] >= threshold
        if state == Status.HIDDEN and _given_away(matrix, published, matrix[c], empty):
            recovered.append(f"case {plan.keys[c]}")
    for atom in np.flatnonzero((sizes > 0) & (sizes < threshold)):
        unit = np.zeros(plan.layout.atom_count)
        unit[atom] = 1.0
        if _given_away(matrix, published, unit, empty):
            recovered.append(f"atome {atom}")
    for parent, children in plan.lines:
        hidden = [c for c in children if decision.status[c] == Status.HIDDEN]
        together = sum(decision.sizes[c] for c in hidden)
        if len(hidden) > 1 and 0 < together < threshold:
            if _given_away(matrix, published, matrix[hidden].sum(axis=0), empty):
                recovered.append(f"ligne {plan.keys[parent]}")
    union = _small_union(matrix[published], sizes, threshold)
    if union:
        recovered.append(f"union des atomes {union}")
    return recovered


def _small_union(published_rows: np.ndarray, sizes: np.ndarray, threshold: int) -> tuple:
    """A set of atoms with 1 to threshold − 1 respondents whose sum the
    published rows and the empty atoms give back, by depth-first search over
    the small atoms (kernel rows adding up to zero); () when there is none."""
    known = [published_rows] + [np.eye(sizes.size)[np.flatnonzero(sizes == 0)]]
    rows = np.vstack(known)
    _, singular, vt = np.linalg.svd(rows) if rows.size else (None, np.zeros(0), np.eye(sizes.size))
    rank = int((singular > 1e-9 * max(singular.max(initial=0.0), 1.0)).sum())
    kernel = vt[rank:].T  # atoms × kernel dimensions
    small = sorted(np.flatnonzero((sizes > 0) & (sizes < threshold)), key=lambda a: sizes[a])
    # Atoms whose kernel row is zero are given back alone (checked above);
    # the search is bounded (30,000 subsets), the smallest unions first.
    small = [a for a in small if np.abs(kernel[a]).max(initial=0.0) > 1e-9]
    tried = [0]

    def search(start: int, total: np.ndarray, count: int, chosen: tuple) -> tuple:
        for j in range(start, len(small)):
            atom = small[j]
            if count + sizes[atom] >= threshold:
                break
            tried[0] += 1
            if tried[0] > 30_000:
                return ()
            with_atom = total + kernel[atom]
            if np.abs(with_atom).max(initial=0.0) < 1e-7:
                return (*chosen, int(atom))
            found = search(j + 1, with_atom, count + sizes[atom], (*chosen, int(atom)))
            if found:
                return found
        return ()

    return search(0, np.zeros(kernel.shape[1]), 0, ())


def _respondents(strata, communes, sexes, ages) -> tuple[Respondents, list[int]]:
    commune_codes = tuple(f"62{c:03d}" for c in range(max(communes) + 1))
    # Commune c is in stratum c mod 4, so every stratum has communes.
    stratum_of = [c % len(STRATA) for c in range(len(commune_codes))]
    respondents = Respondents(
        strata=np.array([stratum_of[c] for c in communes], dtype=np.intp),
        communes=np.array(communes, dtype=np.intp),
        commune_codes=commune_codes,
        sexes=np.array(sexes),
        ages=np.array(ages),
        values={},
    )
    return respondents, stratum_of


SEXES = ["femme", "homme", "autre", "non_renseigne"]
AGES = ["18_24", "25_34", "35_44", "65_74", "non_renseigne"]


@st.composite
def small_campaigns(draw):
    """A few communes in 4 strata, sexes and age bands unevenly drawn, and
    an indicator base (a random subset, as a question asked to some)."""
    communes = draw(st.integers(4, 9))
    size = draw(st.integers(5, 140))
    weights = [draw(st.integers(0, 6)) for _ in range(communes)]
    if not any(weights):
        weights[0] = 1
    chosen = draw(
        st.lists(
            st.tuples(
                st.sampled_from([c for c, w in enumerate(weights) for _ in range(w)]),
                st.sampled_from(SEXES[: draw(st.integers(1, 4))]),
                st.sampled_from(AGES[: draw(st.integers(1, 5))]),
                st.booleans(),
            ),
            min_size=size,
            max_size=size,
        )
    )
    # Every commune exists in the layout even without respondents.
    communes_of = [c for c, *_ in chosen] + [communes - 1]
    respondents, stratum_of = _respondents(
        None,
        communes_of,
        [s for _, s, _, _ in chosen] + ["femme"],
        [a for *_, a, _ in chosen] + ["18_24"],
    )
    base_everyone = draw(st.booleans())
    in_base = np.array([True if base_everyone else b for *_, b in chosen] + [False])
    return respondents, stratum_of, in_base


@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(small_campaigns())
def test_nothing_hidden_is_given_back_by_everything_published(campaign):
    respondents, stratum_of, in_base = campaign
    plan = ReleasePlan(layout_of(respondents, stratum_of))
    assert _attack(plan, in_base) == []


@settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    small_campaigns(),
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.sampled_from(STRATA)),
            st.one_of(st.none(), st.integers(0, 8)),
            st.one_of(st.none(), st.sampled_from(SEXES)),
            st.one_of(st.none(), st.sampled_from(AGES)),
        ),
        min_size=1,
        max_size=6,
    ),
)
def test_every_filter_shows_a_declared_cell_or_nothing(campaign, filter_sets):
    """Whatever filters a reader combines, what they see is a cell of the
    declared tables (decided together) or nothing: the union of all the
    views is the release the attack above fails on."""
    from nonrecours.surveys.subgroups import subgroup_cell

    respondents, stratum_of, in_base = campaign
    layout = layout_of(respondents, stratum_of)

    class _Analysis:  # what subgroup_cell reads
        pass

    analysis = _Analysis()
    analysis.respondents = respondents
    analysis.layout = layout
    analysis.stratum_of = {
        code: STRATA[stratum_of[i]] for i, code in enumerate(respondents.commune_codes)
    }
    declared = {
        (name, layout.domain(name, code))
        for name in ALL_TABLES
        for code in range(layout.codes[name][2])
    }
    for stratum, commune, sex, age in filter_sets:
        code = (
            respondents.commune_codes[commune]
            if commune is not None and commune < len(respondents.commune_codes)
            else None
        )
        cell = subgroup_cell(Filters(stratum, code, sex, age), analysis)
        if isinstance(cell, str):
            crossed = (code is not None or stratum is not None) and (sex or age)
            elsewhere = code is not None and stratum != analysis.stratum_of[code]
            assert cell == NOT_CROSSED if crossed else elsewhere, cell
            continue
        assert not ((code is not None or stratum is not None) and (sex or age))
        if cell[0] != "commune":
            assert cell in declared or any(
                v not in layout.categories[d] for d, v in (("sexe", sex), ("age", age)) if v
            )
        if code is not None:
            assert cell == ("commune", code)
            assert not (sex or age)
    assert NOT_CROSSED.startswith("La strate")


def test_empty_communes_do_not_protect_a_small_one():
    """Attack 2 of the issue: a stratum with one small commune (3 answers),
    two empty ones and a large one. Empty communes are known to be empty;
    the small one must not be the stratum minus the published communes."""
    communes = [0] * 3 + [12] * 60 + [1] * 40 + [2] * 40 + [3] * 40
    respondents, stratum_of = _respondents(
        None, communes + [4, 8], ["femme"] * (len(communes) + 2), ["18_24"] * (len(communes) + 2)
    )
    in_base = np.array([True] * len(communes) + [False, False])
    plan = ReleasePlan(layout_of(respondents, stratum_of))
    decision = plan.decide(in_base, THRESHOLD)
    status = dict(zip(plan.keys, decision.status, strict=True))
    codes = respondents.commune_codes
    assert status[("commune", codes.index("62000"))] == Status.HIDDEN
    # Communes 4 and 8 (same stratum as 0) are empty: they are not counted
    # as protection, so a second cell of the stratum is hidden.
    assert status[("commune", 4)] == Status.EMPTY
    assert status[("commune", 8)] == Status.EMPTY
    assert status[("commune", 12)] == Status.HIDDEN or status[("strate", 0)] == Status.HIDDEN
    assert _attack(plan, in_base) == []


def test_a_cell_empty_by_the_base_does_not_force_hiding_the_other():
    """The converse: a question asked only to women, broken down by sex —
    the men's cell is empty by the base, the women's large cell stays."""
    sexes = ["femme"] * 80 + ["homme"] * 70
    respondents, stratum_of = _respondents(None, [0] * 150, sexes, ["25_34"] * 150)
    in_base = np.array([s == "femme" for s in sexes])
    plan = ReleasePlan(layout_of(respondents, stratum_of))
    decision = plan.decide(in_base, THRESHOLD)
    layout = plan.layout
    status = {
        (name, layout.domain(name, code)): state
        for (name, code), state in zip(plan.keys, decision.status, strict=True)
    }
    assert status[("sexe", "homme")] == Status.EMPTY
    assert status[("sexe", "femme")] == Status.PUBLISHED
    assert status[("ensemble", "ensemble")] == Status.PUBLISHED


def test_released_cells_stay_published_and_block_what_they_give_away():
    cells = [[0, 1], [0], [1]]
    # Cell 1 (5 respondents) is given away by the released total and cell 2.
    with pytest.raises(SecrecyError, match="déjà publiés"):
        protect(Release([5, 40], cells, lines=[(0, [1, 2])], released=frozenset({0, 2})))
    assert protect(Release([5, 40], cells, lines=[(0, [1, 2])], released=frozenset({0}))) == [
        Status.PUBLISHED,
        Status.HIDDEN,
        Status.HIDDEN,
    ]


def _given_away_sets(plan: ReleasePlan, in_base: np.ndarray, sets: list[list[int]]) -> list:
    """Which of these atom sets (with 1 to 10 respondents) the published
    cells give back."""
    decision = plan.decide(in_base, THRESHOLD)
    sizes = np.bincount(plan.layout.atom_of[in_base], minlength=plan.layout.atom_count)
    matrix = np.zeros((len(plan.cells), plan.layout.atom_count))
    for c, atoms in enumerate(plan.cells):
        matrix[c, atoms] = 1.0
    published = [c for c, s in enumerate(decision.status) if s == Status.PUBLISHED]
    found = []
    for atoms in sets:
        if 0 < sizes[atoms].sum() < THRESHOLD:
            vector = np.zeros(plan.layout.atom_count)
            vector[atoms] = 1.0
            if _given_away(matrix, published, vector, sizes == 0):
                found.append(atoms)
    return found


def _case(cells: dict[tuple[int, str, str], int], stratum_of: list[int] | None = None):
    where, sexes, ages = [], [], []
    for (commune, sex, age), count in cells.items():
        where += [commune] * count
        sexes += [sex] * count
        ages += [age] * count
    respondents, _ = _respondents(None, where, sexes, ages)
    stratum_of = stratum_of or [0] * len(respondents.commune_codes)
    return ReleasePlan(layout_of(respondents, stratum_of)), np.ones(len(where), dtype=bool)


def test_a_block_of_the_sex_by_age_table_is_not_given_back():
    """Reviewer's case: overall − women − 35–44 + women 35–44 gives the men
    under 35 (8 people) though each of their cells is hidden."""
    plan, in_base = _case(
        {
            (0, "femme", "18_24"): 1,
            (0, "femme", "25_34"): 11,
            (0, "femme", "35_44"): 28,
            (0, "homme", "18_24"): 1,
            (0, "homme", "25_34"): 7,
            (0, "homme", "35_44"): 17,
            (0, "non_renseigne", "35_44"): 1,
        }
    )
    layout = plan.layout
    men_under_35 = [
        a
        for a in range(layout.atom_count)
        if layout.domain("sexe_age", int(layout.codes["sexe_age"][1][a]))
        in ("homme|18_24", "homme|25_34")
    ]
    assert _given_away_sets(plan, in_base, [men_under_35]) == []
    assert _attack(plan, in_base) == []


def test_the_men_of_a_commune_are_not_the_men_minus_the_other_commune():
    """Reviewer's case: commune 62001 has only men; « hommes » − 62001 would
    give the 3 men of 62000, a crossing the tables do not publish."""
    plan, in_base = _case(
        {
            (0, "homme", "18_24"): 2,
            (0, "homme", "25_34"): 1,
            (0, "non_renseigne", "18_24"): 2,
            (1, "homme", "18_24"): 9,
            (1, "homme", "25_34"): 7,
            (1, "homme", "non_renseigne"): 9,
        },
        stratum_of=[0, 1],
    )
    layout = plan.layout
    commune_of, sex_of = layout.codes["commune"][1], layout.codes["sexe"][1]
    homme = layout.categories["sexe"].index("homme")
    men_of_62000 = [
        a for a in range(layout.atom_count) if commune_of[a] == 0 and sex_of[a] == homme
    ]
    assert _given_away_sets(plan, in_base, [men_of_62000]) == []
    assert _attack(plan, in_base) == []


def test_a_union_across_lines_is_not_given_back():
    """Found by a random search: the strata line hides the central city
    (3) and the rural stratum (18), the communes line hides 62000 (4, rural)
    and others; everyone − the two published strata − the published rural
    commune gave the central city and 62000 together (7 people), a union of
    hidden cells of two different lines."""
    cells = {
        (0, "femme", "25_34"): 4,
        (1, "femme", "25_34"): 15,
        (2, "femme", "25_34"): 5,
        (2, "femme", "non_renseigne"): 1,
        (3, "femme", "25_34"): 3,
        (4, "femme", "18_24"): 1,
        (4, "femme", "25_34"): 13,
        (5, "femme", "18_24"): 3,
        (5, "femme", "25_34"): 12,
    }
    plan, in_base = _case(cells, stratum_of=[3, 1, 2, 0, 3, 2])
    layout = plan.layout
    commune_of = layout.codes["commune"][1]
    central_and_62000 = [a for a in range(layout.atom_count) if commune_of[a] in (0, 3)]
    assert _given_away_sets(plan, in_base, [central_and_62000]) == []
    assert _attack(plan, in_base) == []


def test_a_union_search_out_of_budget_protects_rather_than_proves(monkeypatch):
    """When the search of a block runs out of budget, the block is
    protected (one more cell hidden), never assumed safe."""
    from nonrecours.analysis import disclosure

    cells = {(c, "femme", age): 3 + c for c in range(4) for age in ("18_24", "25_34")}
    plan, in_base = _case(cells, stratum_of=[0, 0, 1, 1])
    generous = plan.decide(in_base, THRESHOLD).status
    monkeypatch.setattr(disclosure, "UNION_SEARCH_BUDGET", 0)
    plan, in_base = _case(cells, stratum_of=[0, 0, 1, 1])
    cautious = plan.decide(in_base, THRESHOLD).status
    assert _attack(plan, in_base) == []
    assert cautious.count(Status.HIDDEN) >= generous.count(Status.HIDDEN)
    assert cautious != generous
