"""Migrations once released are never edited (releases/migrations.sha256)."""

import subprocess

import pytest

from nonrecours.ops import releases


def test_every_released_migration_is_unchanged():
    listed = releases.read_manifest()
    assert len(listed) >= 39, "manifeste des migrations publiées introuvable ou vide"
    problems = releases.changed_migrations()
    assert not problems, (
        "Des migrations déjà publiées ont changé : "
        + " ; ".join(problems)
        + " Une migration publiée a déjà été appliquée sur des bases en service : remettez-la "
        "telle quelle (git checkout <version> -- <fichier>) et écrivez une nouvelle migration "
        "(nonrecours makemigrations) pour le changement."
    )


def test_no_committed_line_of_the_manifest_was_ever_edited_or_removed():
    """Editing a migration and its line together would pass the test
    above: the lines of every committed version of the manifest must
    still be there, unchanged."""
    unavailable = releases.manifest_history_unavailable()
    if unavailable:
        pytest.skip(f"historique du manifeste illisible : {unavailable}")
    lost = releases.lost_manifest_lines()
    assert not lost, "Manifeste des migrations publiées réécrit : " + " ; ".join(lost)


def test_the_first_release_lists_the_migrations_of_every_app():
    apps = {
        entry.path.split("/")[1] for entry in releases.read_manifest() if entry.release == "0.1.0"
    }
    assert {"accounts", "surveys", "referrals", "rights", "territories"} <= apps


@pytest.fixture
def repository(tmp_path):
    """A project with two migrations, not a git checkout."""
    folder = tmp_path / "nonrecours" / "exemple" / "migrations"
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text("")
    (folder / "0001_initial.py").write_text("# première\n")
    (folder / "0002_champ.py").write_text("# deuxième\n")
    return tmp_path


def test_a_migration_whose_name_starts_with_a_letter_is_recorded(repository):
    """Django loads every module of a migrations folder, not only the
    numbered ones."""
    folder = repository / "nonrecours" / "exemple" / "migrations"
    (folder / "fusion_manuelle.py").write_text("# nommée à la main\n")
    manifest = repository / "releases" / "migrations.sha256"
    recorded = releases.record_release("0.1.0", root=repository, manifest=manifest)
    assert "nonrecours/exemple/migrations/fusion_manuelle.py" in [e.path for e in recorded]
    assert all(not e.path.endswith("__init__.py") for e in recorded)


def git(root, *arguments):
    subprocess.run(["git", *arguments], cwd=root, check=True, capture_output=True)  # noqa: S603, S607


def test_an_edited_line_of_a_committed_manifest_is_found(repository):
    manifest = repository / "releases" / "migrations.sha256"
    releases.record_release("0.1.0", root=repository, manifest=manifest)
    assert releases.manifest_history_unavailable(repository, manifest)  # not a checkout
    git(repository, "init", "-q")
    git(repository, "config", "user.email", "essai@exemple.fr")
    git(repository, "config", "user.name", "Essai")
    git(repository, "add", "-A")
    git(repository, "-c", "commit.gpgsign=false", "commit", "-q", "--no-verify", "-m", "0.1.0")
    assert releases.manifest_history_unavailable(repository, manifest) == ""
    assert releases.lost_manifest_lines(repository, manifest) == []
    # A migration edited, and its line rewritten to match: the history tells.
    edited = repository / "nonrecours/exemple/migrations/0001_initial.py"
    edited.write_text("# retouchée\n")
    text = manifest.read_text().splitlines(keepends=True)
    text = [
        line.replace(line.split()[1], releases.file_digest(edited))
        if line.endswith("0001_initial.py\n")
        else line
        for line in text
    ]
    manifest.write_text("".join(text))
    assert releases.changed_migrations(repository, manifest) == []
    (lost,) = releases.lost_manifest_lines(repository, manifest)
    assert "0001_initial.py" in lost and "modifiée ou retirée" in lost


def test_an_edited_or_removed_migration_is_found(repository):
    manifest = repository / "releases" / "migrations.sha256"
    recorded = releases.record_release("0.1.0", root=repository, manifest=manifest)
    assert [entry.path for entry in recorded] == [
        "nonrecours/exemple/migrations/0001_initial.py",
        "nonrecours/exemple/migrations/0002_champ.py",
    ]
    assert releases.changed_migrations(repository, manifest) == []
    (repository / "nonrecours/exemple/migrations/0001_initial.py").write_text("# retouchée\n")
    (repository / "nonrecours/exemple/migrations/0002_champ.py").unlink()
    assert releases.changed_migrations(repository, manifest) == [
        "nonrecours/exemple/migrations/0001_initial.py (publiée en 0.1.0) a été modifiée.",
        "nonrecours/exemple/migrations/0002_champ.py (publiée en 0.1.0) a disparu.",
    ]


def test_a_new_release_adds_only_the_new_migrations_and_keeps_the_lines(repository):
    manifest = repository / "releases" / "migrations.sha256"
    releases.record_release("0.1.0", root=repository, manifest=manifest)
    before = manifest.read_text()
    (repository / "nonrecours/exemple/migrations/0003_index.py").write_text("# troisième\n")
    recorded = releases.record_release("0.2.0", root=repository, manifest=manifest)
    assert [(e.release, e.path) for e in recorded] == [
        ("0.2.0", "nonrecours/exemple/migrations/0003_index.py")
    ]
    assert manifest.read_text().startswith(before)
    assert releases.record_release("0.3.0", root=repository, manifest=manifest) == []


@pytest.mark.parametrize(
    ("name", "message"),
    [("0.1.0", "déjà enregistrée"), ("", "n'est pas un nom de version"), ("1 2", "nom de version")],
)
def test_a_bad_or_reused_release_name_is_refused(repository, name, message):
    manifest = repository / "releases" / "migrations.sha256"
    releases.record_release("0.1.0", root=repository, manifest=manifest)
    with pytest.raises(releases.ReleaseError, match=message):
        releases.record_release(name, root=repository, manifest=manifest)


def test_a_malformed_manifest_line_is_named(tmp_path):
    manifest = tmp_path / "migrations.sha256"
    manifest.write_text("# commentaire\n0.1.0 pas-une-empreinte chemin.py\n")
    with pytest.raises(releases.ReleaseError, match="ligne 2 : attendu"):
        releases.read_manifest(manifest)
