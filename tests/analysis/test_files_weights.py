"""Initial weights written by hand: a decimal comma beside a space, which
the fast reading refuses and Python's float() accepts."""

from pathlib import Path

import pytest

from nonrecours.analysis.files import analyse_files

MARGINS = "variable,modalite,effectif\nstrate,a,10\nstrate,b,10\n"


def test_a_decimal_comma_is_read_beside_a_weight_with_a_space(tmp_path: Path) -> None:
    answers = tmp_path / "reponses.csv"
    answers.write_text("strate;poids;y\na;1,5;1\nb; 2;0\na;1;0\nb;0,5;1\n")
    margins = tmp_path / "marges.csv"
    margins.write_text(MARGINS)
    analysis = analyse_files(answers, margins, weight="poids", threshold=1)
    # Each stratum weighs 10: a's yes 1.5 of 2.5, b's yes 0.5 of 2.5, (6 + 2) / 20.
    assert analysis.rows[0].estimate == pytest.approx(0.4)


def test_a_domain_with_nobody_in_the_base_is_empty_not_an_error(tmp_path: Path) -> None:
    """The men all left the indicator blank: the last crossing of the
    breakdowns has nobody in the base, and the decision still covers it."""
    rows = "".join(f"{stratum};f;{i % 2}\n" for i, stratum in enumerate("ab" * 12))
    answers = tmp_path / "reponses.csv"
    answers.write_text("strate;sexe;y\n" + rows + "a;h;\nb;h;\n")
    margins = tmp_path / "marges.csv"
    margins.write_text(MARGINS)
    analysis = analyse_files(answers, margins, by=["sexe"])
    assert [(row.domain, row.n, row.suppressed) for row in analysis.rows] == [
        ("ensemble", 24, False),
        ("f", 24, False),
        ("h", 0, False),
    ]
