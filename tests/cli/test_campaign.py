"""`nonrecours campaign create` and `nonrecours campaign list` (issue #11)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command, load_command_class

from nonrecours.surveys import actions, queries
from nonrecours.surveys.models import Campaign, Quota

pytestmark = pytest.mark.django_db

CREATE = [
    "campaign", "create", "--territoire", "200033579", "--slug", "barometre-2026",
    "--nom", "Baromètre 2026", "--debut", "2026-09-01", "--fin", "2026-11-30",
]  # fmt: skip


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_splits_the_targets_and_list_shows_them(arras):
    output = run(
        *CREATE, "--canaux", "porte_a_porte,en_ligne,import", "--objectif", "1000",
        "--objectif-strate", "rural=150",
    )  # fmt: skip
    assert "Campagne « Baromètre 2026 » (barometre-2026) créée" in output
    assert "objectif de 1150 réponses réparti entre 46 communes" in output
    campaign = Campaign.objects.get(slug="barometre-2026")
    assert campaign.channels == ["door_to_door", "online", "import"]
    assert campaign.questionnaire.territory is None
    progress = queries.campaign_progress(campaign)
    assert progress.target == sum(r.target or 0 for r in progress.by_stratum) == 1150
    listing = run("campaign", "list", "--territoire", "200033579")
    lines = listing.splitlines()
    assert lines[0].split("\t") == [
        "identifiant", "nom", "territoire", "début", "fin", "réponses", "objectif",
    ]  # fmt: skip
    assert lines[1].split("\t") == [
        "barometre-2026", "Baromètre 2026", "Communauté urbaine d'Arras (200033579)",
        "2026-09-01", "2026-11-30", "0", "1150",
    ]  # fmt: skip


def test_list_without_campaigns(arras):
    assert "Aucune campagne" in run("campaign", "list")


def test_create_takes_a_local_questionnaire_version(arras):
    from tests.surveys.test_actions import MODULE

    version = actions.questionnaire_version_add_module(
        territory=arras, module_yaml=MODULE, source="module.yaml"
    )
    run(*CREATE, "--questionnaire", str(version.version))
    assert Campaign.objects.get().questionnaire == version


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--territoire", "123456789"], "--territoire : aucun territoire importé"),
        (["--slug", "Pas un slug"], "--slug : « Pas un slug » n'est pas un identifiant valide"),
        (["--debut", "2026-13-01"], "--debut : « 2026-13-01 » n'est pas une date"),
        (["--fin", "demain"], "--fin : « demain » n'est pas une date"),
        (["--fin", "2026-08-01"], r"--fin : la fin \(01/08/2026\) précède le début"),
        (["--canaux", "en_ligne,pigeon"], "--canaux : canal inconnu « pigeon »"),
        (["--canaux", "synthetic"], "--canaux : canal inconnu « synthetic »"),
        (["--objectif", "-5"], r"--objectif : un objectif ne peut pas être négatif \(-5\)"),
        (["--objectif", "beaucoup"], "--objectif : « beaucoup » n'est pas un nombre entier"),
        (["--objectif", "100"], "--objectif : .*minimum de 5 réponses par commune"),
        (["--objectif-strate", "rural=-1"], "--objectif-strate rural : .*négatif"),
        (["--objectif-strate", "montagne=10"], "--objectif-strate : « montagne=10 »"),
        (["--objectif-strate", "rural=1"], "--objectif-strate : Strate « Rural »"),
        (["--questionnaire", "99"], "--questionnaire : pas de version 99"),
        (["--nom", "  "], "--nom : le nom est vide"),
        (["--nom", "a\nb"], "--nom : le texte doit tenir sur une seule ligne"),
        (["--nom", "a\x01b"], "--nom : le texte contient des caractères de contrôle"),
        (["--nom", "n" * 201], "--nom : le texte dépasse 200 caractères"),
        (["--slug", "s" * 300], "--slug : l'identifiant dépasse 100 caractères"),
        (["--debut", "0001-01-01"], "--debut : la date 0001-01-01 n'est pas plausible"),
        (["--fin", "9999-12-31"], "--fin : la date 9999-12-31 n'est pas plausible"),
    ],
)
def test_bad_input_is_a_french_error_naming_the_option(arras, extra, message):
    with pytest.raises(CommandError, match=message):
        run(*CREATE, *extra)
    assert not Campaign.objects.exists()
    assert not Quota.objects.exists()


def test_taken_slug_is_refused_and_nothing_changes(arras):
    run(*CREATE, "--objectif", "500")
    with pytest.raises(
        CommandError, match="--slug : l'identifiant « barometre-2026 » est déjà pris"
    ):
        run(*CREATE, "--objectif", "900")
    assert sum(Quota.objects.values_list("target", flat=True)) == 500


def test_bad_input_exits_non_zero_without_traceback(arras, capsys, monkeypatch):
    # run_from_argv closes the database connections when it ends, which would
    # close the test's own transaction on PostgreSQL.
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)
    command = load_command_class("nonrecours.cli", "campaign")
    with pytest.raises(SystemExit) as exit_info:
        command.run_from_argv(
            ["nonrecours", "campaign", "--skip-checks", *CREATE[1:], "--canaux", "pigeon"]
        )
    assert exit_info.value.code != 0
    err = capsys.readouterr().err
    assert "--canaux : canal inconnu « pigeon »" in err
    assert "Traceback" not in err
    assert not Campaign.objects.exists()
