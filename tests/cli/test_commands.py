import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from nonrecours.accounts.enums import Role
from nonrecours.accounts.models import Membership, User
from nonrecours.outreach.models import BusCalendar, BusReferral
from nonrecours.territories.models import Commune, Territory

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_territory_import_by_siren_then_by_name(db):
    output = run("territory", "import", "--epci", "200033579")
    assert "Territoire « Communauté urbaine d'Arras » (SIREN 200033579) importé" in output
    assert "46 communes, 107\u202f763 habitants" in output
    output = run("territory", "import", "--name", "Communauté urbaine d'Arras")
    assert "mis à jour" in output
    assert Territory.objects.count() == 1
    assert Commune.objects.count() == 46


def test_territory_import_errors_are_french_command_errors(db):
    with pytest.raises(CommandError, match="Plusieurs EPCI s'appellent"):
        run("territory", "import", "--name", "Communauté de communes des Deux Vallées")
    with pytest.raises(CommandError, match="il faut 9 chiffres"):
        run("territory", "import", "--epci", "arras")


def test_territory_list_and_strata(arras):
    assert "200033579  Communauté urbaine d'Arras — 46 communes" in run("territory", "list")
    output = run("territory", "strata", "200033579", "--density-threshold", "100")
    assert "Règle mise à jour" in output
    assert "atteint 100 habitants par km²" in output
    assert "Marœuil" in output
    # Figures grouped the French way (nonrecours.french.number): Arras.
    assert "62041  Arras" in output and " 41\u202f" in output
    with pytest.raises(CommandError, match="Aucun territoire importé n'a le code SIREN"):
        run("territory", "strata", "123456789")
    with pytest.raises(CommandError, match="doit être positif ou nul"):
        run("territory", "strata", "200033579", "--small-commune-threshold", "-1")


def test_setup_is_idempotent_and_prints_the_admin_credentials(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    first = run("setup")
    assert "Territoire « Communauté urbaine d'Arras » (SIREN 200033579) importé" in first
    password = (tmp_path / "admin-password.txt").read_text().strip()
    assert f"mot de passe « {password} »" in first
    second = run("setup")
    assert "Territoire déjà importé" in second
    assert f"mot de passe « {password} »" in second
    assert User.objects.filter(username="admin").count() == 1
    admin = User.objects.get(username="admin")
    assert admin.check_password(password)
    assert Membership.objects.get(user=admin).role == Role.ADMIN
    assert Commune.objects.count() == 46
    # The bus's demonstration: a labelled calendar, its activity, the
    # synthetic referrals of the bus's scheme tagged as sent from it.
    assert "Calendrier du bus de démonstration (fictif)" in first
    assert BusCalendar.objects.get().is_synthetic
    assert BusReferral.objects.exists()
    # The yearly report's demonstration entries, once.
    assert "Budget, partenaires et conventions de démonstration" in first
    assert "Budget, partenaires et conventions de démonstration" not in second
    # The shipped national reference, loaded once (then edited by the CLI).
    assert "Comparer les territoires : 3 chiffres nationaux de référence enregistrés." in first
    assert "chiffres nationaux" not in second


def test_console_script_runs_outside_the_test_process(tmp_path):
    """The real `nonrecours` entry point, in a fresh process."""
    result = subprocess.run(
        [str(Path(sys.executable).with_name("nonrecours")), "territory", "import", "--help"],
        capture_output=True,
        text=True,
        check=False,
        env={"NONRECOURS_VAR_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert "--epci SIREN" in result.stdout
    assert "code SIREN de l'EPCI" in result.stdout


def test_setup_never_prints_a_password_that_no_longer_works(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    run("setup")
    admin = User.objects.get(username="admin")
    admin.set_password("un-autre-mot-de-passe")
    admin.save()
    output = run("setup")
    assert "mot de passe «" not in output
    assert "nonrecours changepassword admin" in output


def test_strata_lists_missing_figures_as_unknown(db):
    run("territory", "import", "--epci", "200050532")
    output = run("territory", "strata", "200050532")
    assert "? hab." in output
    assert "à vérifier : données manquantes" in output


@pytest.mark.parametrize("threshold", ["0", "-3", "deux"])
def test_a_disclosure_threshold_below_1_is_refused(db, threshold):
    with pytest.raises(CommandError, match="--threshold"):
        run("barometer", "compute", "--campaign", "demo-2024", "--threshold", threshold)
