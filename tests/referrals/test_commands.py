"""The referral commands: nightly deadlines, schemes, demonstration data,
and attaching a directory structure to a partner organisation."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from nonrecours.accounts.enums import Role
from nonrecours.directory.models import Structure
from nonrecours.referrals.demo import referrals_demo_create
from nonrecours.referrals.models import Referral, Scheme
from nonrecours.referrals.queries import referral_statistics
from tests.referrals.conftest import member

pytestmark = pytest.mark.django_db


def test_attach_a_structure_to_an_organisation(arras, directory):
    ccas = member(arras, "CCAS d'Arras", Role.PARTNER).memberships.get().organisation
    out = StringIO()
    call_command(
        "directory", "rattacher", "nonrecours--ccas-arras", "--organisation", "CCAS d'Arras",
        stdout=out,
    )  # fmt: skip
    assert "reçues par CCAS d'Arras" in out.getvalue()
    assert Structure.objects.get().organisation == ccas
    with pytest.raises(CommandError, match="Aucune organisation « CAF » dans le territoire"):
        call_command("directory", "rattacher", "nonrecours--ccas-arras", "--organisation", "CAF")
    with pytest.raises(CommandError, match="Aucune structure de l'annuaire"):
        call_command("directory", "rattacher", "inconnue")
    call_command("directory", "rattacher", "nonrecours--ccas-arras", stdout=StringIO())
    assert Structure.objects.get().organisation is None


def test_schemes(arras):
    call_command(
        "orientations", "dispositif", arras.siren, "  Pass  santé jeunes ", stdout=StringIO()
    )
    call_command("orientations", "dispositif", arras.siren, "Pass santé jeunes", stdout=StringIO())
    assert list(Scheme.objects.values_list("name", flat=True)) == ["Pass santé jeunes"]
    with pytest.raises(CommandError, match="Donnez un nom"):
        call_command("orientations", "dispositif", arras.siren, " ")
    with pytest.raises(CommandError, match="Aucun territoire importé"):
        call_command("orientations", "dispositif", "123456789", "X")


def test_demonstration_referrals_are_labelled_and_made_once(arras):
    call_command("directory", "mairies", arras.siren, stdout=StringIO())
    assert referrals_demo_create(territory=arras, count=150) == 150
    assert referrals_demo_create(territory=arras, count=150) == 0
    assert Referral.objects.filter(is_synthetic=False).count() == 0
    stats = referral_statistics(arras)
    assert stats.synthetic and stats.total is not None and stats.total.n == 150
    out = StringIO()
    call_command("orientations", "echeances", stdout=out)  # nothing is left waiting too long
    assert "0 relance(s) envoyée(s), 0 orientation(s) expirée(s)" in out.getvalue()
