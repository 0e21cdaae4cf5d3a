"""Hostile bundles: whatever the bytes, a bundle is refused with French
problems (BundleRefused), never another error, and nothing is written."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nonrecours.evaluation.bundles_validate import BundleRefused, check_bundle, load_bundle

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=30,
)
HEAD = {"format": "nonrecours-lot-indicateurs", "version_format": 1}


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.binary(max_size=300))
def test_random_bytes_are_refused_in_french(data):
    with pytest.raises(BundleRefused) as refused:
        load_bundle(data, filename="x.json")
    assert refused.value.problem_list()
    assert all(p.message.startswith("x.json, ") for p in refused.value.problem_list())


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.dictionaries(st.sampled_from(
    ["territoire", "vague", "publication", "questionnaire", "ponderation", "indicateurs",
     "cellules", "empreinte_formulations"]), JSON, max_size=8))  # fmt: skip
def test_random_bundles_of_the_right_format_are_refused_in_french(fields):
    with pytest.raises(BundleRefused) as refused:
        check_bundle({**HEAD, **fields}, filename="x.json")
    assert refused.value.problem_list()
    # The same through the file reader (NaN and infinities written as JSON allows).
    text = json.dumps({**HEAD, **fields}).encode()
    with pytest.raises(BundleRefused):
        load_bundle(text, filename="x.json")
