"""The main menu shows each signed-in person only what they can use: no
« Orientations » that ends on « non rattaché », no « Collecte » for a
partner, no « Administration » for a back-office page that refuses them."""

import re

import pytest
from django.urls import reverse

from nonrecours.accounts.enums import Role

pytestmark = pytest.mark.django_db

ITEMS = {
    "Mon espace": "landing",
    "Orientations": "referral_list",
    "Collecte": "barometer_collect_index",
    "Journal du bus": "outreach_log",
    "Administration": "admin:index",
}


def menu(client):
    html = client.get(reverse("directory_search")).text
    nav = html[html.index('<nav aria-label="Menu principal">') : html.index("</nav>")]
    names = [
        re.sub(r"<[^>]+>", "", name).strip() for name in re.findall(r"<a [^>]*>(.*?)</a>", nav)
    ]
    return {name for name in names if name in ITEMS}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.FIELD_AGENT, {"Collecte", "Journal du bus"}),
        (Role.PARTNER, {"Orientations"}),
        (Role.PROJECT_LEAD, {"Mon espace", "Orientations", "Collecte", "Journal du bus"}),
        (Role.ADMIN, {"Mon espace", "Orientations", "Collecte", "Journal du bus"}),
        (None, set()),
    ],
)
def test_each_role_sees_what_it_can_use(client, arras, make_member, role, expected):
    client.force_login(make_member(arras, role))
    assert menu(client) == expected
    # Every item shown opens a page that does not refuse.
    for name in expected:
        response = client.get(reverse(ITEMS[name]), follow=True)
        assert response.status_code == 200, name
        assert "non rattaché" not in response.text, name


def test_superusers_see_the_back_office_and_staff_alone_does_not(client, arras, make_member):
    client.force_login(make_member(arras, None, is_superuser=True, is_staff=True))
    assert menu(client) == {"Collecte", "Journal du bus", "Administration"}
    client.force_login(make_member(arras, None, is_staff=True))
    assert menu(client) == set()


def test_anonymous_and_inactive_see_no_work_item(client, arras, make_member):
    assert menu(client) == set()
    assert "Se connecter" in client.get("/").text
    agent = make_member(arras, Role.FIELD_AGENT)
    agent.is_active = False
    agent.save()
    client.force_login(agent)
    assert menu(client) == set()
