"""Random and hostile values in the accounts' forms: never an error page,
nothing written when refused."""

from typing import Any

from django.test import Client, override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from nonrecours.accounts import actions
from nonrecours.accounts.enums import OrganisationKind, Role
from nonrecours.accounts.models import Invitation, Membership, Organisation, User
from nonrecours.territories import actions as territory_actions
from tests.accounts.conftest import code_for
from tests.conftest import ARRAS_SIREN

TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "000000", "123 456", "\x00", "a" * 300, "Sept lapins verts 2026"]),
)
HOSTILE = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class HostileAccountForms(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        territory = territory_actions.territory_import(siren=ARRAS_SIREN).territory
        cls.team = Organisation.objects.create(
            territory=territory, name="Équipe", kind=OrganisationKind.TERRITORY
        )
        cls.lead = User.objects.create_user(username="cheffe", password="x")
        Membership.objects.create(user=cls.lead, organisation=cls.team, role=Role.PROJECT_LEAD)
        cls.invitation = actions.invitation_create(
            invited_by=None,
            email="new@arras.example",
            organisation=cls.team,
            role=Role.PROJECT_LEAD,
        )
        cls.token = "jeton-de-test-" + "x" * 30
        Invitation.objects.filter(pk=cls.invitation.pk).update(
            token_hash=actions.token_hash(cls.token)
        )

    def _counts(self) -> tuple[int, int]:
        return User.objects.count(), Membership.objects.count()

    @HOSTILE
    @given(fields=st.dictionaries(
        st.sampled_from(["password", "password_again", "first_name", "last_name", "code"]),
        TEXT,
    ))  # fmt: skip
    def test_invitation_page(self, fields: dict[str, Any]) -> None:
        with override_settings(NONRECOURS_REQUIRE_2FA=True):
            client = Client()
            url = f"/invitation/{self.token}/"
            self.assertEqual(client.get(url).status_code, 200)
            before = self._counts()
            response = client.post(url, fields)
        self.assertLess(response.status_code, 500)
        if response.status_code != 302:
            self.assertEqual(self._counts(), before)

    @HOSTILE
    @given(code=TEXT, next_url=TEXT)
    def test_second_factor_pages(self, code: str, next_url: str) -> None:
        with override_settings(NONRECOURS_REQUIRE_2FA=True):
            client = Client()
            client.force_login(self.lead)
            setup = client.post(
                "/connexion/second-facteur/installer/", {"code": code, "next": next_url}
            )
            self.assertLess(setup.status_code, 500)
            key = client.session.get("accounts.totp_key", "")
            if setup.status_code == 302:  # a random value was the right code: unlikely
                self.assertTrue(key == "" or code_for(key) in code.replace(" ", ""))
            verify = client.post("/connexion/second-facteur/", {"code": code, "next": next_url})
            self.assertLess(verify.status_code, 500)

    @HOSTILE
    @given(fields=st.dictionaries(st.sampled_from(["email", "organisation", "role"]), TEXT))
    def test_invite_page(self, fields: dict[str, Any]) -> None:
        client = Client()
        client.force_login(self.lead)
        before = Invitation.objects.count()
        response = client.post(f"/territoires/{ARRAS_SIREN}/invitations/nouvelle/", fields)
        self.assertLess(response.status_code, 500)
        if response.status_code != 302:
            self.assertEqual(Invitation.objects.count(), before)
