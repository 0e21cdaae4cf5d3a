"""Kept simulations' codes cannot be tried one after the other, and a code
that opens nothing says nothing of why (issue #12): unknown, expired and
another territory's codes get the same answer."""

import datetime
import html
import re

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from nonrecours.accounts.enums import Role
from nonrecours.referrals.models import Referral
from nonrecours.rights import actions as rights_actions
from nonrecours.rights.models import SavedSimulation
from nonrecours.territories import actions as territory_actions
from nonrecours.www import ratelimit
from tests.conftest import LENS_SIREN
from tests.referrals.conftest import OFFER, STRUCTURE

pytestmark = pytest.mark.django_db
# 10:20 UTC: the hour's window ends at 11:00 UTC, 12:00 in Paris.
NOW = datetime.datetime(2026, 11, 16, 10, 20, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def kept(territory, *, expired=False) -> SavedSimulation:
    saved = rights_actions.simulation_save(
        situation={"mois": "2026-11"}, territory=territory, consent=True
    )
    if expired:
        SavedSimulation.objects.filter(pk=saved.pk).update(
            expires_at=timezone.now() - datetime.timedelta(seconds=1)
        )
    return saved


def reopen(client, code):
    return client.post(reverse("rights_reopen"), {"code": code})


@time_machine.travel(NOW, tick=False)
def test_unknown_expired_and_other_territory_codes_get_one_answer(client, arras, make_member):
    lens = territory_actions.territory_import(siren=LENS_SIREN).territory
    other = kept(lens)
    expired = kept(arras, expired=True)
    client.force_login(make_member(arras, Role.PARTNER))
    answers = [reopen(client, code) for code in ("ZZZZZZZZ", expired.code, other.code)]
    assert [r.status_code for r in answers] == [422, 422, 422]  # before: 403 for another's
    messages = {
        "Aucune simulation en cours avec ce code (ou elle a expiré)." in r.content.decode()
        for r in answers
    }
    assert messages == {True}
    # Nothing else in the page tells them apart.
    pages = {  # without the code typed and the CSRF token
        re.sub(r'value="[^"]*"', "", r.content.decode()) for r in answers
    }
    assert len(pages) == 1


def test_look_ups_are_limited_per_account_and_say_when_to_retry(
    client, arras, make_member, monkeypatch
):
    monkeypatch.setattr(
        ratelimit, "CODE_LOOKUPS_PER_ACCOUNT", ratelimit.Limit("t-account", 3, 3600)
    )
    saved = kept(arras)
    client.force_login(make_member(arras, Role.PARTNER))
    with time_machine.travel(NOW, tick=False):
        for _ in range(3):
            assert reopen(client, "ZZZZZZZZ").status_code == 422
        refused = reopen(client, saved.code)  # even the right code: no look-up
        assert refused.status_code == 429
        text = html.unescape(refused.content.decode())
        assert "Trop de codes de simulation essayés" in text
        assert "réessayez à 12:00 (dans 40 minutes)" in text
        assert "rouverte" not in text
    # Another professional is not blocked by this one's tries.
    colleague = make_member(arras, Role.PARTNER)
    client.force_login(colleague)
    with time_machine.travel(NOW, tick=False):
        assert reopen(client, "ZZZZZZZZ").status_code == 422
    with time_machine.travel(NOW + datetime.timedelta(minutes=40), tick=False):
        assert reopen(client, "ZZZZZZZZ").status_code == 422  # a new window


def test_look_ups_are_limited_per_address_too(client, arras, make_member, monkeypatch):
    monkeypatch.setattr(
        ratelimit, "CODE_LOOKUPS_PER_ADDRESS", ratelimit.Limit("t-address", 4, 3600)
    )
    with time_machine.travel(NOW, tick=False):
        for _ in range(2):
            client.force_login(make_member(arras, Role.PARTNER))
            assert reopen(client, "ZZZZZZZZ").status_code == 422
            assert reopen(client, "ZZZZZZZZ").status_code == 422
        client.force_login(make_member(arras, Role.PARTNER))
        assert reopen(client, "ZZZZZZZZ").status_code == 429  # a fresh account, same address
        other_address = client.post(
            reverse("rights_reopen"), {"code": "ZZZZZZZZ"}, REMOTE_ADDR="192.0.2.9"
        )
        assert other_address.status_code == 422


def test_a_referral_with_a_code_is_counted_and_refused_past_the_limit(
    client, arras, make_member, monkeypatch
):
    from nonrecours.directory import imports as directory_imports
    from nonrecours.directory.models import Offer

    monkeypatch.setattr(ratelimit, "CODE_LOOKUPS_PER_ACCOUNT", ratelimit.Limit("t-refer", 2, 3600))
    directory_imports.directory_import(records=[STRUCTURE, OFFER], territory=arras)
    offer = Offer.objects.get()
    partner = make_member(arras, Role.PARTNER)
    client.force_login(partner)
    url = reverse("referral_new") + f"?offre={offer.pk}"
    data = {
        "sender_organisation": partner.memberships.get().organisation.pk,
        "first_name": "Dominique", "last_name": "Durand", "phone": "0612345678",
        "commune": "62041", "consent_mode": "oral", "consent": "on",
    }  # fmt: skip
    lens = territory_actions.territory_import(siren=LENS_SIREN).territory
    other = kept(lens)
    with time_machine.travel(NOW, tick=False):
        unknown = client.post(url, {**data, "simulation_code": "ZZZZZZZZ"})
        elsewhere = client.post(url, {**data, "simulation_code": other.code})
        for response in (unknown, elsewhere):
            assert response.status_code == 422
            assert "Aucune simulation en cours du territoire avec le code" in html.unescape(
                response.content.decode()
            )
        refused = client.post(url, {**data, "simulation_code": "ZZZZZZZZ"})
        assert refused.status_code == 422
        assert "Trop de codes de simulation essayés" in html.unescape(refused.content.decode())
        assert Referral.objects.count() == 0
        # Without a code, the referral is not held back by the limit.
        assert client.post(url, data).status_code == 302
    assert Referral.objects.count() == 1
