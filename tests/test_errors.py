"""nonrecours.errors: every domain error is a UserError whose message,
field and problems read the same way; the command line's adapter."""

import ast
from pathlib import Path

import pytest
from django.core.management.base import CommandError

from nonrecours.accounts.actions import InvitationError, InvitationsRejected
from nonrecours.analysis.disclosure import SecrecyError
from nonrecours.directory.actions import EntryError
from nonrecours.directory.imports import DirectoryImportError
from nonrecours.errors import Problem, UserError, command_error, error_lines
from nonrecours.referrals.actions import ReferralError
from nonrecours.rights.situation import SituationError
from nonrecours.territories.importers.data_france import EpciLookupError

PACKAGE = Path(__file__).resolve().parent.parent / "nonrecours"


def _error_classes() -> list[tuple[str, str]]:
    """(module path, class name) of every exception class of the package:
    named *Error, or deriving from a built-in exception (ValueError…)."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            bases = {getattr(base, "id", "") for base in getattr(node, "bases", [])}
            if isinstance(node, ast.ClassDef) and (
                node.name.endswith("Error") or bases & {"ValueError", "Exception"}
            ):
                found.append((str(path.relative_to(PACKAGE.parent)), node.name))
    return found


def test_every_domain_error_is_a_user_error():
    """A new *Error class in a domain module must derive from UserError (or
    be listed here with its reason)."""
    import importlib

    not_user_facing = {
        # Private signals caught a few lines below where they are raised.
        ("nonrecours/directory/hours.py", "_Unsupported"),
        ("nonrecours/www/referrals/views.py", "_UnknownYear"),
        # Stops a reader at its 50th problem; ProblemLog.refuse turns it
        # into the file's OutreachFileError.
        ("nonrecours/outreach/importers/common.py", "TooManyProblems"),
    }
    classes = _error_classes()
    assert len(classes) >= 23
    for path, name in classes:
        if (path, name) in not_user_facing or name == "UserError":
            continue
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        assert issubclass(getattr(module, name), UserError), f"{path}: {name}"


def test_the_errors_keep_their_text_and_their_bases():
    """Deriving from UserError changed neither str() nor what callers catch."""
    error = SituationError(["âge manquant", "loyer négatif"], source="cas.yaml")
    assert str(error) == "cas.yaml : âge manquant ; loyer négatif"
    assert error.message == str(error) and error.problems == ["âge manquant", "loyer négatif"]
    assert isinstance(error, ValueError)
    referral = ReferralError("Indiquez le prénom.", "first_name")
    assert (str(referral), referral.field, referral.message) == (
        "Indiquez le prénom.",
        "first_name",
        "Indiquez le prénom.",
    )
    assert InvitationError("Courriel invalide.").field == ""
    epci = EpciLookupError("EPCI introuvable", ["CU d'Arras"])
    assert str(epci) == "EPCI introuvable\n  - CU d'Arras" and epci.message == "EPCI introuvable"
    secrecy = SecrecyError("déjà publié")
    assert isinstance(secrecy, ValueError) and str(secrecy) == "déjà publié"
    assert secrecy.problems == () and secrecy.field == ""


def test_problems_read_uniformly():
    entry = EntryError([("nom", "requis"), ("", "fiche en double")])
    assert entry.errors == [("nom", "requis"), ("", "fiche en double")]
    assert entry.problem_list() == [Problem("requis", field="nom"), Problem("fiche en double")]
    assert str(entry) == "nom : requis; fiche : fiche en double"
    rejected = InvitationsRejected(["ligne 2 : courriel invalide"])
    assert rejected.problem_list() == [Problem("ligne 2 : courriel invalide")]
    plain = UserError(
        "Refusé.", field="code", problems=[Problem("trop court", row=3, file="a.csv")]
    )
    assert (plain.message, plain.field, str(plain)) == ("Refusé.", "code", "Refusé.")
    assert plain.problem_list()[0].row == 3 and str(plain.problem_list()[0]) == "trop court"
    assert UserError().message == "" and str(UserError()) == ""


def test_the_command_line_gets_one_problem_per_line():
    error = UserError(
        "Fichier refusé.", problems=["ligne 2 : vide", Problem("ligne 3 : trop long")]
    )
    converted = command_error(error)
    assert isinstance(converted, CommandError)
    assert str(converted) == "Fichier refusé.\n- ligne 2 : vide\n- ligne 3 : trop long"
    # Problems the message already holds are not repeated.
    rejected = InvitationsRejected(["ligne 2 : courriel invalide", "ligne 4 : rôle inconnu"])
    assert error_lines(rejected) == [
        "Fichier refusé, personne n'a été invité :",
        "- ligne 2 : courriel invalide",
        "- ligne 4 : rôle inconnu",
    ]
    # A message cut after its first 30 problems stays cut (no 70 lines added back).
    many = DirectoryImportError([f"ligne {row} : faux" for row in range(1, 101)])
    assert len(error_lines(many)) == 32
    assert error_lines(many)[-1] == "- … et 70 autre(s) problème(s)."
    with pytest.raises(CommandError, match="^Indiquez le prénom.$"):
        raise command_error(ReferralError("Indiquez le prénom.", "first_name"))
