"""The home page, for a resident first: check one's rights, answer the
barometer when a campaign of the territory takes online answers, find help
nearby; a line for professionals; the territory's facts below."""

import datetime
import re

import pytest
from django.test import override_settings
from django.urls import reverse

from nonrecours.surveys import actions
from nonrecours.surveys.enums import Channel
from tests.factories import CampaignFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.time_machine(datetime.datetime(2026, 11, 16, 10, 0, tzinfo=datetime.UTC)),
]


def campaign(territory, slug, starts_on, ends_on, channels=(Channel.ONLINE,), **options):
    return CampaignFactory(
        territory=territory, slug=slug, name=f"Baromètre {slug}", starts_on=starts_on,
        ends_on=ends_on, channels=list(channels), **options,
    )  # fmt: skip


def links(html):
    """(href, visible name) of every link of the page's main content."""
    main = html[html.index('<main id="contenu"') :]
    return [
        (href, re.sub(r"<[^>]+>", "", name).strip())
        for href, name in re.findall(r'<a href="([^"]*)"[^>]*>(.*?)</a>', main)
    ]


def test_the_top_of_the_home_page_says_what_a_resident_can_do(client, arras):
    html = client.get("/").text
    top = html[: html.index("Le territoire en bref")]
    assert "Ce que vous pouvez faire ici" in top
    assert (reverse("rights_start"), "Vérifier mes droits") in links(top)
    assert (reverse("directory_search"), "Trouver de l'aide près de chez moi") in links(top)
    assert "Vous êtes professionnel·le ?" in top
    assert (reverse("login"), "Se connecter") in links(top)
    assert (reverse("referral_list"), "Orientations") in links(top)
    # The territory's facts come after.
    assert "SIREN" not in top and "SIREN 200033579" in html
    assert html.index("Ce que vous pouvez faire ici") < html.index('id="carte-titre"')
    assert html.index('id="carte-titre"') < html.index('id="strates-titre"')
    # No barometer without an open campaign (the demonstration closed in 2024).
    actions.demo_campaign_create(territory=arras, responses=10, seed=1)
    assert "Répondre au baromètre" not in client.get("/").text


def test_headings_are_in_order(client, arras):
    html = client.get("/").text
    levels = [int(level) for level in re.findall(r"<h([1-6])", html)]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False))


def test_barometer_only_while_a_campaign_takes_online_answers(client, arras):
    today = datetime.date(2026, 11, 16)
    day = datetime.timedelta(days=1)
    campaign(arras, "passee", today - 60 * day, today - day)
    campaign(arras, "a-venir", today + day, today + 60 * day)
    campaign(arras, "porte-a-porte", today - day, today + day, channels=[Channel.DOOR_TO_DOOR])
    campaign(arras, "synthetique", today - day, today + day, is_synthetic=True)
    assert "Répondre au baromètre" not in client.get("/").text
    campaign(arras, "ouverte", today, today + 30 * day)
    html = client.get("/").text
    assert (reverse("barometer_online_start", args=["ouverte"]), "Répondre au baromètre") in links(
        html
    )
    assert "ouverte jusqu'au 16 décembre 2026" in html
    assert (
        reverse("barometer_online_start", args=["synthetique"])
        not in html.split("Le territoire en bref")[0]
    )


def test_a_logged_in_professional_is_not_asked_to_sign_in(client, arras, make_member):
    from nonrecours.accounts.enums import Role

    client.force_login(make_member(arras, Role.PARTNER))
    top = client.get("/").text.split("Le territoire en bref")[0]
    assert "Vous êtes professionnel·le ?" in top
    assert (reverse("login"), "Se connecter") not in links(top)


@override_settings(NONRECOURS_DEFAULT_TERRITORY="246200364")
def test_another_territory_does_not_offer_the_default_territory_tools(client, arras):
    # The simulator and the directory serve the install's territory only
    # (territories.queries.territory_default): here Lens, imported.
    from nonrecours.territories import actions as territory_actions

    territory_actions.territory_import(siren="246200364")
    html = client.get(reverse("territory_detail", args=[arras.siren])).text
    assert "Vérifier mes droits" not in html
    assert "Aucune enquête du baromètre n'est ouverte en ligne" in html
