"""nonrecours.replacing: a result file replaced whole or not at all."""

import stat

import pytest

from nonrecours.replacing import replaced


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_result_is_private_unless_published(tmp_path):
    with replaced(tmp_path / "foyers.csv") as handle:
        handle.write("id\n")
    with replaced(tmp_path / "resultats.csv", private=False) as handle:
        handle.write("siren\n")
    assert _mode(tmp_path / "foyers.csv") == 0o600
    assert _mode(tmp_path / "resultats.csv") == 0o644
    assert (tmp_path / "resultats.csv").read_text(encoding="utf-8") == "siren\n"


def test_a_replaced_file_keeps_its_mode(tmp_path):
    out = tmp_path / "resultats.csv"
    out.write_text("ancien\n", encoding="utf-8")
    out.chmod(0o640)
    with replaced(out, private=False) as handle:
        handle.write("nouveau\n")
    assert _mode(out) == 0o640 and out.read_text(encoding="utf-8") == "nouveau\n"


@pytest.mark.parametrize("error", [ValueError, KeyboardInterrupt, SystemExit])
def test_any_failure_leaves_the_old_file_and_nothing_else(tmp_path, error):
    out = tmp_path / "resultats.csv"
    out.write_text("ancien\n", encoding="utf-8")
    with pytest.raises(error), replaced(out) as handle:
        handle.write("à moitié")
        raise error
    assert [p.name for p in tmp_path.iterdir()] == ["resultats.csv"]
    assert out.read_text(encoding="utf-8") == "ancien\n"
