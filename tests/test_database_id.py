"""A row id written in an address or a form (textrules.database_id)."""

import pytest

from nonrecours.french import iso_date_text
from nonrecours.textrules import MAX_DATABASE_ID, database_id


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", 1), (42, 42), ("0042", 42), (str(MAX_DATABASE_ID), MAX_DATABASE_ID),
        ("0", None), ("-1", None), ("", None), ("1.0", None), (" 1", None),
        ("²", None), ("١٢", None), ("１２", None), (str(MAX_DATABASE_ID + 1), None),
        ("9" * 400, None), (None, None), ("abc", None),
    ],
)  # fmt: skip
def test_only_ascii_digits_within_a_bigint_are_ids(value, expected):
    assert database_id(value) == expected


def test_unicode_digits_in_an_iso_date_are_given_back():
    assert iso_date_text("²⁰²⁶-¹¹") == "²⁰²⁶-¹¹"
    assert iso_date_text("2026-11") == "novembre 2026"
