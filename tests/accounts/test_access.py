"""Who may do what on a territory: the whole matrix, role by role."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from nonrecours.accounts import access
from nonrecours.accounts.enums import Capability, Role
from nonrecours.directory import access as directory_access
from nonrecours.outreach import access as outreach_access
from nonrecours.referrals import access as referral_access
from nonrecours.territories import actions
from nonrecours.training import access as training_access
from tests.conftest import LENS_SIREN

pytestmark = pytest.mark.django_db

EXPECTED = {
    Role.ADMIN: set(Capability.values),
    Role.PROJECT_LEAD: {
        Capability.VIEW_AGGREGATES,
        Capability.COLLECT,
        Capability.VIEW_RESPONSES,
        Capability.MANAGE_CAMPAIGNS,
        Capability.REOPEN_SIMULATIONS,
        Capability.REFER,
        Capability.VIEW_REFERRAL_STATISTICS,
        Capability.EDIT_DIRECTORY,
        Capability.INVITE,
        Capability.PLAN_OUTREACH,
        Capability.LOG_OUTREACH,
        Capability.RUN_TRAINING,
    },
    Role.FIELD_AGENT: {Capability.COLLECT, Capability.LOG_OUTREACH},
    Role.PARTNER: {Capability.VIEW_AGGREGATES, Capability.REOPEN_SIMULATIONS, Capability.REFER},
    Role.TRAINER: {Capability.RUN_TRAINING},
}

ACCESS_FUNCTIONS = {
    Capability.VIEW_AGGREGATES: access.access_territory_aggregates,
    Capability.COLLECT: access.access_territory_collect,
    Capability.VIEW_RESPONSES: access.access_territory_responses,
    Capability.MANAGE_CAMPAIGNS: access.access_territory_campaigns,
    Capability.REOPEN_SIMULATIONS: lambda user, territory: access.access_saved_simulation(
        user, territory
    ),
    Capability.ADMINISTER: access.access_territory_administration,
    Capability.REFER: referral_access.access_territory_refer,
    Capability.VIEW_REFERRAL_STATISTICS: referral_access.access_referral_statistics,
    Capability.EDIT_DIRECTORY: directory_access.access_directory_edit,
    Capability.INVITE: access.access_territory_invitations,
    Capability.PLAN_OUTREACH: lambda user, territory: (
        outreach_access.access_outreach_planning_by_siren(user, territory.siren)
    ),
    Capability.LOG_OUTREACH: lambda user, territory: outreach_access.access_outreach_log(
        user, territory
    ),
    Capability.RUN_TRAINING: training_access.access_training,
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("capability", list(Capability))
def test_role_matrix(arras, make_member, role, capability):
    user = make_member(arras, role)
    check = ACCESS_FUNCTIONS[capability]
    if capability in EXPECTED[role]:
        assert check(user, arras) == arras
    else:
        with pytest.raises(PermissionDenied) as denied:
            check(user, arras)
        assert str(denied.value) == access.DENIAL_MESSAGES[capability]


def test_partner_never_gets_row_level_answers(arras, make_member):
    partner = make_member(arras, Role.PARTNER)
    with pytest.raises(PermissionDenied, match="réponses individuelles"):
        access.access_territory_responses(partner, arras)


def test_anonymous_and_users_without_membership_get_nothing(arras, make_member):
    outsider = make_member(arras, None)
    for user in (AnonymousUser(), outsider):
        assert access.capabilities_on(user, arras) == set()


def test_inactive_user_loses_every_right(arras, make_member):
    admin = make_member(arras, Role.ADMIN, is_active=False)
    assert access.capabilities_on(admin, arras) == set()


def test_superuser_has_every_right(arras, make_member):
    root = make_member(arras, None, is_superuser=True)
    assert access.capabilities_on(root, arras) == set(Capability.values)


def test_a_role_on_one_territory_gives_nothing_on_another(arras, make_member):
    lens = actions.territory_import(siren=LENS_SIREN).territory
    admin_of_arras = make_member(arras, Role.ADMIN)
    assert access.capabilities_on(admin_of_arras, lens) == set()
    with pytest.raises(PermissionDenied):
        access.access_territory_administration(admin_of_arras, lens)


def test_roles_add_up_across_organisations(arras, make_member):
    user = make_member(arras, Role.FIELD_AGENT)
    from nonrecours.accounts.models import Membership, Organisation

    caf = Organisation.objects.create(territory=arras, name="CAF du Pas-de-Calais", kind="caf")
    Membership.objects.create(user=user, organisation=caf, role=Role.PARTNER)
    assert access.capabilities_on(user, arras) == {
        Capability.COLLECT,
        Capability.LOG_OUTREACH,
        Capability.VIEW_AGGREGATES,
        Capability.REOPEN_SIMULATIONS,
        Capability.REFER,
    }
