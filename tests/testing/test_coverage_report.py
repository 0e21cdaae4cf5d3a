"""The coverage summary `make test` prints after its SQLite pass."""

from pathlib import Path

import coverage

from nonrecours.testing import coverage_report
from nonrecours.testing.coverage_report import FileCoverage, main, measured, summary


def test_the_summary_gives_the_total_and_the_files_below_the_goal_lowest_first():
    files = [
        FileCoverage("nonrecours/a.py", statements=200, missing=10),  # 95 %
        FileCoverage("nonrecours/b.py", statements=100, missing=40),  # 60 %
        FileCoverage("nonrecours/c.py", statements=100, missing=11),  # 89 %
        FileCoverage("nonrecours/d.py", statements=0, missing=0),  # nothing to run
        FileCoverage("nonrecours/e.py", statements=1, missing=1),  # 0 %
    ]
    assert summary(files) == (
        "Couverture des applications du domaine : 84,5\xa0% des lignes (339 sur 401) ; "
        "objectif de 90\xa0% non atteint.\n"
        "Fichiers sous 90\xa0% :\n"
        "  nonrecours/e.py : 0,0\xa0% (1 ligne jamais exécutée)\n"
        "  nonrecours/b.py : 60,0\xa0% (40 lignes jamais exécutées)\n"
        "  nonrecours/c.py : 89,0\xa0% (11 lignes jamais exécutées)"
    )


def test_a_goal_reached_says_so_and_lists_nothing():
    files = [FileCoverage("nonrecours/a.py", statements=10, missing=1)]
    assert summary(files) == (
        "Couverture des applications du domaine : 90,0\xa0% des lignes (9 sur 10) ; "
        "objectif de 90\xa0% atteint.\nAucun fichier sous 90\xa0%."
    )


def test_the_data_file_of_a_run_is_read_with_the_project_measure(tmp_path: Path):
    source = Path(coverage_report.__file__).resolve().parent.parent / "french.py"
    data = coverage.CoverageData(basename=str(tmp_path / "coverage"))
    data.add_lines({str(source): list(range(1, 60))})  # its first lines only
    data.write()
    (found,) = [f for f in measured(tmp_path / "coverage") if f.path.endswith("french.py")]
    assert found.statements > found.missing > 0


def test_without_a_data_file_it_says_there_is_no_measure(tmp_path: Path, capsys):
    assert main([str(tmp_path / "absent")]) == 0
    assert capsys.readouterr().out == (
        f"Couverture : pas de mesure ({tmp_path / 'absent'} absent ; la passe a-t-elle tourné ?).\n"
    )
