"""The weighting options read numbers the French way (nonrecours.french)."""

from argparse import ArgumentParser

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nonrecours.cli.options import add_weighting_options


def parse(*arguments: str):
    parser = ArgumentParser(exit_on_error=False)
    add_weighting_options(parser)
    return parser.parse_args(list(arguments))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0.3:3", (0.3, 3.0)), ("0,3:3", (0.3, 3.0)), ("0,5:1,5", (0.5, 1.5))],
)
def test_bounds_with_a_comma_or_a_dot(text, expected):
    assert parse("--bornes", text).bounds == expected


@pytest.mark.parametrize("text", ["0,3", "a:b", "0,3:3:4", "nan:3", "0,3:inf", "1,2.5:3"])
def test_bad_bounds_are_refused_in_french(text):
    with pytest.raises(Exception, match="attendu BASSE:HAUTE"):
        parse("--bornes", text)


@pytest.mark.parametrize(("text", "expected"), [("5", 5.0), ("2,5", 2.5), ("1e1", 10.0)])
def test_cap_with_a_comma_or_a_dot(text, expected):
    assert parse("--plafond", text).cap == expected


@pytest.mark.parametrize("text", ["cinq", "inf", "nan", "1_0"])
def test_a_cap_that_is_not_a_number_is_refused_in_french(text):
    with pytest.raises(Exception, match="n'est pas un nombre"):
        parse("--plafond", text)


@given(st.text(max_size=20))
def test_any_cap_is_read_or_refused_in_french(text):
    try:
        cap = parse("--plafond", text).cap
    except Exception as refused:
        assert "n'est pas un nombre" in str(refused) or text.startswith("-")
    else:
        assert cap == cap and abs(cap) != float("inf")
