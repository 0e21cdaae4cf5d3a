"""parse_condition reads outside input (a territory's local module): random
and hostile trees are either a condition or a French ConditionError, never
another exception; what is accepted evaluates to a boolean, serialises back
to itself and writes an XLSForm expression."""

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from nonrecours.surveys.conditions import Condition, ConditionError, parse_condition

KEYS = st.sampled_from(["all", "any", "not", "in", "selected", "answered", "question", "x", ""])
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=8),
    st.sampled_from(["q", "r", "oui", "non"]),
)
TREES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.one_of(KEYS, st.integers()), children, max_size=3),
    ),
    max_leaves=12,
)
ANSWERS = st.dictionaries(
    st.sampled_from(["q", "r", ""]),
    st.one_of(SCALARS, st.lists(st.sampled_from(["oui", "non", "1"]), max_size=3)),
)


def _accepted(data: Any) -> Condition | None:
    try:
        return parse_condition(data)
    except ConditionError as error:
        assert str(error) and str(error) == error.args[0]
        return None


@settings(max_examples=300, deadline=None)
@given(TREES, ANSWERS)
def test_any_tree_is_a_condition_or_a_french_error(data, answers):
    condition = _accepted(data)
    if condition is None:
        return
    assert isinstance(condition.evaluate(answers), bool)
    assert parse_condition(condition.to_data()) == condition
    assert isinstance(condition.to_xlsform(), str)
    assert condition.questions() <= {leaf.question for leaf in condition.leaves()}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=5), st.integers()), min_size=1, max_size=4), ANSWERS)
def test_codes_written_as_numbers_or_text_are_text(codes, answers):
    condition = parse_condition({"question": "q", "in": codes})
    assert condition.codes == tuple(str(code) for code in codes)
    assert condition.evaluate(answers) is (answers.get("q") in condition.codes)
