"""`nonrecours accounts` (formerly `comptes`): inviting from the command line."""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from nonrecours.accounts.enums import Role
from nonrecours.accounts.models import Invitation

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("comptes", *args, stdout=out)
    return out.getvalue()


def test_invite_one_person_with_any_role(caf, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        said = run(
            # The organisation's name as the invitation file reads it: any case, any spacing.
            "inviter",
            "200033579",
            "Chef@CAF.example",
            " caf du  pas-de-calais",
            "administratrice",
        )
    assert (
        "Invitation envoyée à chef@caf.example (CAF du Pas-de-Calais, Administrateur·rice)" in said
    )
    assert Invitation.objects.get().role == Role.ADMIN
    assert Invitation.objects.get().invited_by is None
    assert mail.outbox[0].to == ["chef@caf.example"]
    assert "Vous êtes invité·e à rejoindre nonrecours" in mail.outbox[0].body


def test_invite_a_file(caf, tmp_path, django_capture_on_commit_callbacks):
    path = tmp_path / "liste.csv"
    path.write_text("e-mail,organisation,rôle\na@caf.example,CAF du Pas-de-Calais,partenaire\n")
    with django_capture_on_commit_callbacks(execute=True):
        assert "1 invitation(s) envoyée(s)." in run("inviter", "200033579", "--fichier", str(path))
    path.write_text("e-mail,organisation,rôle\nb@caf.example,CAF du Pas-de-Calais,chef\n")
    with pytest.raises(CommandError, match="ligne 2, colonne « rôle »"):
        run("inviter", "200033579", "--fichier", str(path))
    assert Invitation.objects.count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("inviter", "999999999", "a@b.fr", "CAF", "partenaire"), "Aucun territoire"),
        (("inviter", "200033579", "a@b.fr", "CPAM", "partenaire"), "n'est pas une organisation"),
        (("inviter", "200033579", "a@b.fr", "CAF du Pas-de-Calais", "chef"), "n'est pas un rôle"),
        (("inviter", "200033579", "a@b.fr"), "Donnez E-MAIL ORGANISATION RÔLE"),
        (("inviter", "200033579", "--fichier", "/nexiste/pas.csv"), "fichier introuvable"),
        (("retirer-second-facteur", "personne"), "Aucun compte"),
    ],
)
def test_mistakes_get_a_french_message(caf, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not Invitation.objects.exists()
