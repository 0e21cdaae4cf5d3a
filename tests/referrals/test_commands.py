"""The referral commands: nightly deadlines, schemes, demonstration data,
and attaching a directory structure to a partner organisation."""

import datetime
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from nonrecours.accounts.enums import Role
from nonrecours.directory.models import Structure
from nonrecours.referrals import actions
from nonrecours.referrals.demo import referrals_demo_create
from nonrecours.referrals.models import Referral, Scheme
from nonrecours.referrals.statistics import referral_statistics
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


def test_demonstration_referrals_are_labelled_made_once_and_write_to_nobody(
    arras, send, django_capture_on_commit_callbacks
):
    call_command("directory", "mairies", arras.siren, stdout=StringIO())
    assert referrals_demo_create(territory=arras, count=150) == 150
    assert referrals_demo_create(territory=arras, count=150) == 0
    demo = Referral.objects.filter(is_synthetic=True)
    assert demo.count() == 150
    assert all(
        r.endswith("@demonstration.invalid") for r in demo.values_list("receiver_email", flat=True)
    )
    years = referral_statistics(arras).years
    stats = [referral_statistics(arras, year=year) for year in years]
    assert all(s.synthetic for s in stats)
    assert (
        sum(s.total.n for s in stats if s.total)
        + sum(
            demo.filter(sent_at__year=y).count()
            for y, s in zip(years, stats, strict=True)
            if not s.total
        )
        == 150
    )
    later = timezone.now() + datetime.timedelta(days=45)
    with time_machine.travel(later, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            report = actions.referrals_process_deadlines()
    assert report.expired > 0 and mail.outbox == []  # demonstration: no e-mail at all
    # Once the territory has real referrals, the statistics count only those.
    for _ in range(11):
        send()
    real = referral_statistics(arras, year=timezone.localdate().year)
    assert not real.synthetic and real.total.n == 11
