"""The shape of the domain apps (issue #14): no module over MAX_LINES lines.

The web layer (www/), migrations and the test helpers (testing/) are left
out. Functions over 60 statements are caught by ruff (PLR0915, configured
in pyproject.toml), this test checks that the rule stays switched on.
"""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "nonrecours"
MAX_LINES = 600
LEFT_OUT = ("www", "migrations", "testing")


def domain_modules() -> list[Path]:
    """Every Python module of the domain apps, relative to the repository."""
    return sorted(
        path.relative_to(ROOT)
        for path in PACKAGE.rglob("*.py")
        if not set(path.relative_to(PACKAGE).parts) & set(LEFT_OUT)
    )


def line_count(path: Path) -> int:
    with (ROOT / path).open(encoding="utf-8") as lines:
        return sum(1 for _ in lines)


def test_the_domain_modules_are_found() -> None:
    modules = {str(path) for path in domain_modules()}
    assert "nonrecours/rights/catalogue.py" in modules
    assert not any(name.startswith("nonrecours/www/") for name in modules)
    assert not any("/migrations/" in name for name in modules)


def test_no_domain_module_is_over_600_lines() -> None:
    too_long = [
        f"{path} : {count} lignes"
        for path in domain_modules()
        if (count := line_count(path)) > MAX_LINES
    ]
    assert not too_long, f"modules de plus de {MAX_LINES} lignes :\n" + "\n".join(too_long)


def test_long_functions_are_refused_by_ruff() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    lint = config["tool"]["ruff"]["lint"]
    assert "PLR0915" in lint["select"]
    assert lint["pylint"]["max-statements"] == 60
    for pattern, ignored in lint["per-file-ignores"].items():
        if "PLR0915" in ignored:
            assert pattern in ("tests/**", "benchmarks/**"), pattern
