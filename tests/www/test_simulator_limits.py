"""Rate limits of the rights simulator, per address (www.ratelimit): the
simulations computed (results of the path, expert mode, PDF recap) and the
simulations kept under a code; past them, a French 429 page."""

import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from nonrecours.rights.models import SavedSimulation
from tests.www.test_simulator import SINGLE_TENANT, token, walk

# 10:03 UTC: the 10-minute window ends at 10:10 UTC (11 h 10 in Paris), the
# hour's at 11:00 UTC (12 h 00 in Paris).
NOW = datetime.datetime(2026, 11, 16, 10, 3, tzinfo=datetime.UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW)]  # ticking: the batcher waits
TOO_MANY = "Trop de simulations depuis cette adresse ; réessayez dans quelques minutes."
EXPERT = {
    "logement-commune": "62041",
    "logement-statut": "loge_gratuitement",
    "demandeur-naissance": "1986-05-15",
    "demandeur-activite": "inactif",
}


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def assert_refused(response, message: str = TOO_MANY, *, until: str = "11 h 10") -> None:
    """A 429 page with the message and the time to retry; Retry-After: the
    seconds left in the window (the clock ticks during the test)."""
    assert response.status_code == 429
    assert response["Content-Type"].startswith("text/html")
    assert message in response.text
    assert f"à partir de {until}" in response.text
    ends = {
        "11 h 10": datetime.datetime(2026, 11, 16, 10, 10, tzinfo=datetime.UTC),
        "12 h 00": datetime.datetime(2026, 11, 16, 11, 0, tzinfo=datetime.UTC),
    }[until]
    left = (ends - timezone.now()).total_seconds()
    assert 0 <= int(response["Retry-After"]) - left <= 2


@override_settings(NONRECOURS_SIMULATIONS_PER_ADDRESS=1)
def test_the_path_counts_its_results_not_its_screens(client, arras):
    # Six screens and one result: within a limit of one simulation.
    assert walk(client, SINGLE_TENANT).status_code == 200
    assert_refused(walk(client, SINGLE_TENANT))


@override_settings(NONRECOURS_SIMULATIONS_PER_ADDRESS=2)
def test_expert_mode_is_limited_and_the_window_ends(client, arras):
    url = reverse("rights_expert")
    assert client.post(url, EXPERT).status_code == 200
    assert client.post(url, EXPERT).status_code == 200
    assert_refused(client.post(url, EXPERT))
    assert client.get(url).status_code == 200  # the empty page computes nothing
    # Another address has its own count.
    assert client.post(url, EXPERT, REMOTE_ADDR="192.0.2.7").status_code == 200
    with time_machine.travel(datetime.datetime(2026, 11, 16, 10, 10, tzinfo=datetime.UTC)):
        assert client.post(url, EXPERT).status_code == 200


@override_settings(NONRECOURS_SIMULATIONS_PER_ADDRESS=2)
def test_the_recap_counts_as_a_simulation(client, arras):
    situation = token(walk(client, SINGLE_TENANT).text, "situation")  # 1
    pdf = client.post(reverse("rights_recap"), {"situation": situation})  # 2
    assert pdf["Content-Type"] == "application/pdf"
    assert_refused(client.post(reverse("rights_recap"), {"situation": situation}))


@override_settings(
    NONRECOURS_SIMULATIONS_PER_ADDRESS=100,
    NONRECOURS_KEPT_SIMULATIONS_PER_ADDRESS=2,
)
def test_keeping_is_limited_per_address_and_creates_nothing_past_it(client, arras):
    tokens = [token(walk(client, SINGLE_TENANT).text, "situation") for _ in range(3)]
    url = reverse("rights_keep")
    for situation in tokens[:2]:
        assert client.post(url, {"situation": situation, "consent": "on"}).status_code == 200
    refused = client.post(url, {"situation": tokens[2], "consent": "on"})
    assert_refused(
        refused,
        "Trop de simulations conservées depuis cette adresse ; réessayez dans une heure.",
        until="12 h 00",
    )
    assert SavedSimulation.objects.count() == 2


def test_the_same_results_page_kept_twice_gives_back_the_same_code(client, arras):
    situation = token(walk(client, SINGLE_TENANT).text, "situation")
    url = reverse("rights_keep")
    first = client.post(url, {"situation": situation, "consent": "on"})
    again = client.post(url, {"situation": situation, "consent": "on"})
    saved = SavedSimulation.objects.get()
    code = f"{saved.code[:4]}-{saved.code[4:]}"
    assert code in first.text and code in again.text
    # Another results page is another simulation.
    other = token(walk(client, SINGLE_TENANT).text, "situation")
    client.post(url, {"situation": other, "consent": "on"})
    assert SavedSimulation.objects.count() == 2


@override_settings(NONRECOURS_SIMULATIONS_PER_ADDRESS=1, NONRECOURS_PROXY_COUNT=1)
def test_behind_a_proxy_the_forwarded_address_is_counted(client, arras):
    url = reverse("rights_expert")
    assert client.post(url, EXPERT, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 200
    assert client.post(url, EXPERT, HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 200
    assert_refused(client.post(url, EXPERT, HTTP_X_FORWARDED_FOR="198.51.100.1"))
