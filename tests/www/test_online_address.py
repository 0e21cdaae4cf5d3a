"""The campaign follow-up gives the online questionnaire's full address and
a QR code to print (posters, flyers) that leads exactly there."""

import re

import pytest
import segno
from django.urls import reverse

from nonrecours.accounts.enums import Role
from nonrecours.surveys.enums import Channel
from nonrecours.www.qr import qr_matrix
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db

BASE = "https://nonrecours.exemple.fr"


@pytest.fixture
def online(arras):
    return CampaignFactory(
        territory=arras, slug="barometre-2026", name="Baromètre 2026",
        channels=[Channel.ONLINE, Channel.DOOR_TO_DOOR],
    )  # fmt: skip


def svg_matrix(svg: str) -> tuple[tuple[int, ...], ...]:
    """The dark modules an SVG drawn by segno shows, read back from its
    path (« M x y » then « h n » runs and « m dx dy » moves), without the
    quiet zone: what a phone's reader would see, independently of segno."""
    path = re.search(r'class="qrline"[^>]* d="([^"]+)"', svg).group(1)
    found = re.search(r'viewBox="0 0 (\d+) \d+"|width="(\d+)"', svg)
    size = int(found.group(1) or found.group(2))
    scale = int(re.search(r"scale\((\d+)\)", svg).group(1)) if "scale(" in svg else 1
    modules = size // scale
    dark: set[tuple[int, int]] = set()
    x = y = 0.0
    for command, first, second in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path):
        if command == "M":
            x, y = float(first), float(second)
        elif command == "m":
            x, y = x + float(first), y + float(second)
        else:
            for step in range(int(first)):
                dark.add((int(y), int(x) + step))
            x += float(first)
    border = 4
    return tuple(
        tuple(int((row, column) in dark) for column in range(border, modules - border))
        for row in range(border, modules - border)
    )


def test_follow_up_gives_the_absolute_address_and_its_qr_code(
    client, online, arras, make_member, settings
):
    settings.NONRECOURS_BASE_URL = BASE
    client.force_login(make_member(arras, Role.PROJECT_LEAD))
    html = client.get(reverse("barometer_follow_up", args=[online.slug])).text
    address = f"{BASE}/b/barometre-2026/"
    assert f'value="{address}" readonly' in html
    svg = re.search(r"<svg [^>]*>.*?</svg>", html, re.S).group(0)
    assert 'role="img"' in svg
    assert "<title>Code QR vers le questionnaire en ligne</title>" in svg
    # The code drawn is the one of the address, module for module.
    assert svg_matrix(svg) == qr_matrix(address)
    assert svg_matrix(svg) != qr_matrix(f"{BASE}/b/autre/")
    assert qr_matrix(address) == tuple(tuple(r) for r in segno.make(address, error="m").matrix)
    assert reverse("barometer_poster", args=[online.slug]) in html


def test_the_poster_prints_the_name_the_code_large_and_the_address(
    client, online, arras, make_member, settings
):
    settings.NONRECOURS_BASE_URL = BASE
    client.force_login(make_member(arras, Role.PROJECT_LEAD))
    html = client.get(reverse("barometer_poster", args=[online.slug])).text
    address = f"{BASE}/b/barometre-2026/"
    svg = re.search(r"<svg [^>]*>.*?</svg>", html, re.S).group(0)
    assert "viewBox" in svg and "width=" not in svg.split(">")[0]  # sized by the print sheet
    assert svg_matrix(svg) == qr_matrix(address)
    assert "<h1>Baromètre 2026</h1>" in html
    assert html.index("<svg") < html.index(f'<p class="poster__address">{address}</p>')
    assert "css/affiche.css" in html


def test_poster_and_address_for_the_team_only_and_online_campaigns(
    client, online, arras, make_member
):
    for role in (Role.PARTNER, Role.FIELD_AGENT):
        client.force_login(make_member(arras, role))
        assert client.get(reverse("barometer_poster", args=[online.slug])).status_code == 403
    door_only = CampaignFactory(territory=arras, door_to_door=True)
    client.force_login(make_member(arras, Role.PROJECT_LEAD))
    assert client.get(reverse("barometer_poster", args=[door_only.slug])).status_code == 404
    html = client.get(reverse("barometer_follow_up", args=[door_only.slug])).text
    assert "Questionnaire en ligne" not in html and "<svg" not in html


def test_production_addresses_are_https():
    """Production refuses a base address that is not https (tests/test_settings.py
    checks the refusal); the address printed is built on it."""
    from tests.test_settings import production_import

    refused = production_import(NONRECOURS_BASE_URL="http://nonrecours.exemple.fr")
    assert refused.returncode != 0 and "attendu une adresse en https" in refused.stderr
