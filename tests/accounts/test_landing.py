"""After signing in, each role lands on its own work (« Mon espace »):
a field agent on the collection, a partner on the referrals, the territory's
team on the follow-up of the campaign it collects now, a superuser on the
back-office. A safe ``next`` comes first; the second factor leads to the
same place."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from nonrecours.accounts import second_factor
from nonrecours.accounts.enums import OrganisationKind, Role
from nonrecours.accounts.models import Membership, Organisation
from nonrecours.accounts.queries import Landing, LandingPage, landing_for
from nonrecours.surveys import actions
from nonrecours.surveys.enums import Channel
from tests.accounts.conftest import PASSWORD, code_for, member

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 16)
NOW = datetime.datetime(2026, 11, 16, 9, 0, 10, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def campaign(territory, slug, starts_on, ends_on, **options):
    return actions.campaign_create(
        territory=territory, slug=slug, name=f"Baromètre {slug}", starts_on=starts_on,
        ends_on=ends_on, channels=[Channel.DOOR_TO_DOOR], **options,
    )  # fmt: skip


def signed_in(client, user, **extra):
    response = client.post(
        reverse("login"), {"username": user.username, "password": PASSWORD, **extra}
    )
    assert response.status_code == 302
    return response.url


def landed(client, user, **extra):
    """Where the login then « Mon espace » lead."""
    url = signed_in(client, user, **extra)
    if url != reverse("landing"):
        return url
    response = client.get(url)
    assert response.status_code == 302
    return response.url


@pytest.mark.parametrize(
    ("role", "page"),
    [
        (Role.FIELD_AGENT, "barometer_collect_index"),
        (Role.PARTNER, "referral_list"),
    ],
)
def test_field_agents_and_partners_land_on_their_work(client, caf, role, page):
    assert landed(client, member(caf, role, "personne")) == reverse(page)


@pytest.mark.parametrize("who", ["lead", "admin"])
def test_the_team_lands_on_the_campaign_it_collects_now(client, arras, who, lead, admin, clock):
    campaign(arras, "passee", TODAY - 90 * DAY, TODAY - 30 * DAY)
    campaign(arras, "demo", TODAY - DAY, TODAY + DAY, is_synthetic=True)
    campaign(arras, "en-cours", TODAY - 10 * DAY, TODAY + 20 * DAY)
    campaign(arras, "a-venir", TODAY + 30 * DAY, TODAY + 60 * DAY)
    user = {"lead": lead, "admin": admin}[who]
    assert landed(client, user) == reverse("barometer_follow_up", args=["en-cours"])


def test_between_campaigns_the_team_lands_on_the_latest(client, arras, lead, clock):
    campaign(arras, "2025", TODAY - 400 * DAY, TODAY - 300 * DAY)
    campaign(arras, "2026", TODAY - 90 * DAY, TODAY - 30 * DAY)
    assert landed(client, lead) == reverse("barometer_follow_up", args=["2026"])


def test_without_a_campaign_the_team_lands_on_its_territory(client, arras, lead):
    assert landed(client, lead) == reverse("territory_detail", args=[arras.siren])


def test_superusers_land_on_the_back_office_and_others_on_the_home_page(client, caf):
    root = member(caf, None, "root", is_superuser=True, is_staff=True)
    assert landed(client, root) == reverse("admin:index")
    client.logout()
    assert landed(client, member(caf, None, "sans-role")) == reverse("home")


def test_the_first_role_in_order_decides(arras, caf, team):
    post = Organisation.objects.create(
        territory=arras, name="La Poste Arras", kind=OrganisationKind.LA_POSTE
    )
    user = member(post, Role.FIELD_AGENT, "double")
    assert landing_for(user).page == LandingPage.COLLECTION
    Membership.objects.create(user=user, organisation=caf, role=Role.PARTNER)
    assert landing_for(user).page == LandingPage.REFERRALS
    Membership.objects.create(user=user, organisation=team, role=Role.PROJECT_LEAD)
    assert landing_for(user) == Landing(LandingPage.TERRITORY_TEAM, arras)
    user.is_active = False
    assert landing_for(user).page == LandingPage.HOME


def test_a_safe_next_comes_first_a_foreign_one_is_ignored(client, caf):
    agent = member(caf, Role.FIELD_AGENT, "agent")
    assert signed_in(client, agent, next="/annuaire/") == "/annuaire/"
    client.logout()
    assert signed_in(client, agent, next="https://ailleurs.example/") == reverse("landing")


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("landing"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_after_the_second_factor_the_same_landing(client, settings, arras, lead, clock):
    settings.NONRECOURS_REQUIRE_2FA = True
    campaign(arras, "en-cours", TODAY - 10 * DAY, TODAY + 20 * DAY)
    key = second_factor.new_totp_key()
    device = second_factor.second_factor_enrol(user=lead, key=key, code=code_for(key))
    assert signed_in(client, lead) == reverse("landing")
    asked = client.get(reverse("landing")).url
    assert asked == reverse("second_factor_verify") + "?next=%2Fmon-espace%2F"
    clock.shift(60)  # a code not used yet
    confirmed = client.post(
        reverse("second_factor_verify"), {"code": code_for(device.key), "next": "/mon-espace/"}
    )
    assert confirmed.url == reverse("landing")
    assert client.get(confirmed.url).url == reverse("barometer_follow_up", args=["en-cours"])
    # Reached without ``next``, the code's page leads to « Mon espace » too.
    client.logout()
    signed_in(client, lead)
    clock.shift(60)
    confirmed = client.post(reverse("second_factor_verify"), {"code": code_for(device.key)})
    assert confirmed.url == reverse("landing")
