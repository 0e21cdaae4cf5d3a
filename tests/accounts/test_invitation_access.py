"""accounts.access.access_invitation_by_id: the territory first, then the
invitation of that territory, then the role it gives."""

import datetime
import secrets

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from nonrecours.accounts import access
from nonrecours.accounts.enums import Role
from nonrecours.accounts.models import Invitation
from nonrecours.territories import actions as territory_actions
from tests.accounts.conftest import member
from tests.conftest import LENS_SIREN

pytestmark = pytest.mark.django_db


def _invitation(caf, by, role=Role.PARTNER) -> Invitation:
    # Made directly: the check reads who could have sent it, nothing more.
    now = timezone.now()
    return Invitation.objects.create(
        email=f"{secrets.token_hex(4)}@caf.example",
        organisation=caf,
        role=role,
        invited_by=by,
        token_hash=secrets.token_hex(32),
        sent_at=now,
        expires_at=now + datetime.timedelta(days=7),
    )


def test_the_team_reaches_its_invitations(arras, caf, lead, admin):
    invitation = _invitation(caf, lead)
    assert access.access_invitation_by_id(lead, arras.siren, invitation.pk) == invitation
    for_admin = _invitation(caf, admin, role=Role.ADMIN)
    assert access.access_invitation_by_id(admin, arras.siren, for_admin.pk) == for_admin
    with pytest.raises(PermissionDenied, match="administrateur"):
        access.access_invitation_by_id(lead, arras.siren, for_admin.pk)


def test_others_learn_nothing(arras, caf, lead):
    invitation = _invitation(caf, lead)
    partner = member(caf, Role.PARTNER, "partenaire")
    with pytest.raises(PermissionDenied, match="invite des personnes"):
        access.access_invitation_by_id(partner, arras.siren, invitation.pk)
    with pytest.raises(PermissionDenied):  # checked before the invitation is looked up
        access.access_invitation_by_id(partner, arras.siren, invitation.pk + 1000)
    with pytest.raises(Http404, match="Invitation inconnue"):
        access.access_invitation_by_id(lead, arras.siren, invitation.pk + 1000)
    with pytest.raises(Http404, match="SIREN"):
        access.access_invitation_by_id(lead, "000000000", invitation.pk)


def test_an_invitation_of_another_territory_is_unknown_here(arras, caf, lead):
    lens = territory_actions.territory_import(siren=LENS_SIREN).territory
    from nonrecours.accounts.enums import OrganisationKind
    from nonrecours.accounts.models import Organisation

    ccas = Organisation.objects.create(
        territory=lens, name="CCAS de Lens", kind=OrganisationKind.CCAS
    )
    elsewhere = _invitation(ccas, None)
    with pytest.raises(Http404, match="Invitation inconnue"):
        access.access_invitation_by_id(lead, arras.siren, elsewhere.pk)
