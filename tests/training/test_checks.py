"""`manage.py check` refuses a broken rules file of the game, in French."""

from nonrecours.training import checks as training_checks


def test_the_shipped_rules_pass():
    assert training_checks.rules_file_check() == []


def test_a_broken_rules_file_is_an_error_with_its_place(tmp_path, monkeypatch):
    broken = tmp_path / "regles.yaml"
    broken.write_text("version: 1\ntours: 40\n", encoding="utf-8")
    monkeypatch.setattr(training_checks, "DEFAULT_RULES", broken)
    errors = training_checks.rules_file_check()
    assert [error.id for error in errors] == ["training.E001"]
    assert errors[0].msg.startswith("regles.yaml, tours : « 40 »")
