"""`python -m nonrecours.testing.coverage_report`: the line coverage of the
domain apps, as `make test` prints it after its SQLite pass.

Reads the coverage data file pytest-cov wrote (`test-artifacts/coverage`, workers of
pytest-xdist already combined) with the measure chosen in pyproject.toml
(`[tool.coverage.*]`: `nonrecours/` without `www/`, the migrations and this
package). Prints, in French, the share of lines run by the suite against the
goal (90 %), then each file below the goal with its share and its number of
lines never run, lowest first. Always exits 0: the figure is a measure, not
a gate. With no data file (the pass was run without `--cov`), says so.
"""

import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from nonrecours import french

GOAL = 0.90
# As [tool.coverage.run] data_file says (test-artifacts/ is not versioned).
DATA_FILE = "test-artifacts/coverage"


@dataclass(frozen=True)
class FileCoverage:
    path: str
    statements: int
    missing: int

    @property
    def share(self) -> float:
        """Lines run / lines measured, 1.0 for a file without statements."""
        if not self.statements:
            return 1.0
        return (self.statements - self.missing) / self.statements


def measured(data_file: Path) -> list[FileCoverage]:
    """One FileCoverage per measured file, from the coverage data file."""
    import coverage

    cov = coverage.Coverage(data_file=str(data_file))
    cov.load()
    with tempfile.TemporaryDirectory(prefix="nonrecours-couverture-") as folder:
        report_path = Path(folder) / "coverage.json"
        cov.json_report(outfile=str(report_path))
        report = json.loads(report_path.read_text())
    return [
        FileCoverage(
            path=path,
            statements=summary["summary"]["num_statements"],
            missing=summary["summary"]["missing_lines"],
        )
        for path, summary in sorted(report["files"].items())
    ]


def summary(files: list[FileCoverage], goal: float = GOAL) -> str:
    """The French lines printed: total share against the goal, then the
    files below the goal (lowest share first, then by path)."""
    statements = sum(f.statements for f in files)
    missing = sum(f.missing for f in files)
    total = (statements - missing) / statements if statements else 1.0
    verdict = "atteint" if total >= goal else "non atteint"
    lines = [
        f"Couverture des applications du domaine : {french.percent(total, 1)} des lignes "
        f"({french.number(statements - missing)} sur {french.number(statements)}) ; "
        f"objectif de {french.percent(goal)} {verdict}."
    ]
    below = sorted((f for f in files if f.share < goal), key=lambda f: (f.share, f.path))
    if below:
        lines.append(f"Fichiers sous {french.percent(goal)} :")
        lines += [
            f"  {f.path} : {french.percent(f.share, 1)} "
            f"({french.number(f.missing)} {french.plural(f.missing, 'ligne')} "
            f"{french.plural(f.missing, 'jamais exécutée', 'jamais exécutées')})"
            for f in below
        ]
    else:
        lines.append(f"Aucun fichier sous {french.percent(goal)}.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    data_file = Path(args[0] if args else DATA_FILE)
    if not data_file.exists():
        print(f"Couverture : pas de mesure ({data_file} absent ; la passe a-t-elle tourné ?).")
        return 0
    print(summary(measured(data_file)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
