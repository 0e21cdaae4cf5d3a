"""Several territories on one instance (issue 18, item 5): every page of
nonrecours/www/urls.py, for every role of one territory, against the other
territory's objects.

The matrix (tests/www/access_matrix_data.py) says for each URL name how to
fill its kwargs from a territory's objects and who may see it; the
territories (Arras and Lens, every role, every kind of object) are built
once for the module (tests/www/access_matrix_world.py), inside a
transaction rolled back at the end. Each test walks the whole matrix and
reports every failure at once, in French: URL name, role, address, status.

- the people of Arras (every role, a stranger, an anonymous visitor) get
  403 or 404 (the login page for the anonymous) on every page of Lens's
  objects, also with Arras's SIREN and Lens's ids, and their POSTs change
  nothing;
- someone with a role in both territories gets on Lens's pages what
  their Lens role gives, never their Arras role;
- a Lens object slipped into one of Arras's own pages (the query string,
  a form's choice) is refused and writes nothing, where Arras's own object
  is accepted;
- Lens's people of the roles the matrix names get the page's normal
  answer (the URL was filled right), the other roles a refusal;
- the pages without an object in their URL never show a private word of
  the other territory (and do show their own territory's);
- every URL name of the resolver is in the matrix, and only those; the
  Django admin is for superusers only;
- the walk does fail when a check forgets the territory.

No page leaked when this was written; the walk found a crash of the waves'
difference in differences (a group without answers divided by zero).
"""

import hashlib
import itertools
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from nonrecours.accounts import access
from nonrecours.accounts.enums import Role
from nonrecours.accounts.models import Membership, User
from nonrecours.territories import actions as territory_actions
from tests.conftest import LENS_SIREN, arras_territory
from tests.factories import PASSWORD
from tests.www.access_matrix_data import CROSSES, PAGES, Cross, Page
from tests.www.access_matrix_world import (
    ANONYMOUS,
    ROLES,
    STRANGER,
    VIEWERS,
    World,
    personas_for,
    world_build,
    world_bundle_import,
)

pytestmark = pytest.mark.django_db

REFUSED = frozenset({403, 404})
DOUBLE = "admin_arras_partenaire_lens"
LOGIN = "/connexion/"
# Written on every sign-in or visit, never a territory's data.
CHANGING_ON_VISIT = {"accounts.user": {"last_login"}}


@pytest.fixture(scope="module")
def worlds(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[World, World]]:
    """Arras (the one that tries) and Lens (whose objects are tried), built
    once, rolled back after the module's tests."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            arras = world_build(arras_territory(), "arras")
            lens_territory = territory_actions.territory_import(siren=LENS_SIREN).territory
            folder = personas_for(lens_territory, tmp_path_factory.mktemp("personas"))
            lens = world_build(lens_territory, "lens", personas=folder)
            # Signed in, without any role: the same person for both.
            arras.users[STRANGER] = lens.users[STRANGER] = _stranger()
            # Administrator of Arras and partner in Lens, at once.
            lens.users[DOUBLE] = _double(arras, lens)
            world_bundle_import(arras, lens)
            world_bundle_import(lens, arras)
            try:
                yield arras, lens
            finally:
                transaction.set_rollback(True)
                cache.clear()


def _stranger() -> User:
    return User.objects.create_user(username="sans-role", password=PASSWORD)


def _double(arras: World, lens: World) -> User:
    user = User.objects.create_user(username="deux-territoires", password=PASSWORD)
    Membership.objects.create(user=user, organisation=arras.team, role=Role.ADMIN)
    Membership.objects.create(user=user, organisation=lens.partner_organisation, role=Role.PARTNER)
    return user


# Signed-in clients, one per territory and viewer, for one test (its
# sessions are rolled back with it).
_clients: dict[tuple[str, str], Client] = {}


@pytest.fixture(autouse=True)
def _fresh_clients() -> Iterator[None]:
    _clients.clear()
    yield
    _clients.clear()


def client_of(world: World, viewer: str) -> Client:
    key = (world.label, viewer)
    if key not in _clients:
        client = Client()
        if viewer != ANONYMOUS:
            client.force_login(world.users[viewer])
        _clients[key] = client
    return _clients[key]


_addresses = itertools.count(1)


def request(
    client: Client, method: str, url: str, data: dict[str, Any], query: str = ""
) -> HttpResponse:
    """The answer to one request, from an address of its own: the rate
    limits count by address, and the thousands of requests of a walk would
    reach them (the cache, where the barometer is kept, is left alone)."""
    number = next(_addresses)
    address = f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"
    if query:
        url = f"{url}?{query}"
    if method == "GET":
        return client.get(url, REMOTE_ADDR=address)
    return client.post(url, data, REMOTE_ADDR=address)


def to_login(response: HttpResponse) -> bool:
    return response.status_code == 302 and response["Location"].startswith(LOGIN)


def line(name: str, viewer: str, url: str, response: HttpResponse, expected: str) -> str:
    return f"{name} — {viewer} — {url} : {response.status_code} au lieu de {expected}"


def urls_to_try(name: str, page: Page, arras: World, lens: World) -> list[str]:
    """Lens's objects in the URL; when the URL has a SIREN and an object,
    also Arras's SIREN with Lens's object (a check on the SIREN that
    forgets the object's territory)."""
    kwargs = page.fill(lens)
    urls = [reverse(name, kwargs=kwargs)]
    if page.mixed and "siren" in kwargs and len(kwargs) > 1:
        urls.append(reverse(name, kwargs={**kwargs, "siren": arras.siren}))
    return urls


def refusal_problem(page: Page, viewer: str, response: HttpResponse, method: str) -> bool:
    """Whether the answer to someone of the other territory is not a refusal."""
    if response.status_code in REFUSED:
        return False
    # Anonymous: the login page, or 401 from the offline apps' JSON.
    if viewer == ANONYMOUS and (to_login(response) or response.status_code == 401):
        return False
    # A page that takes only POST (or only GET) refuses the other method first.
    return not (response.status_code == 405 and (page.ok == 405 or method == "POST"))


def restricted() -> list[tuple[str, Page]]:
    return [(name, page) for name, page in PAGES.items() if page.kind == "roles"]


def database_state() -> dict[str, str]:
    """A digest of every row of the project's tables, by model."""
    state = {}
    for model in apps.get_models():
        if not model.__module__.startswith("nonrecours."):
            continue
        label = model._meta.label_lower
        skipped = CHANGING_ON_VISIT.get(label, set())
        fields = [f.attname for f in model._meta.concrete_fields if f.attname not in skipped]
        rows = model._default_manager.order_by("pk").values_list(*fields)
        state[label] = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
    return state


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(label for label in before if before[label] != after.get(label))


# --- The matrix covers the resolver -------------------------------------------


def url_names(patterns: list[Any], prefix: str = "") -> list[str]:
    """Every URL name under ``patterns`` (includes followed); an unnamed
    pattern is named by its route, so that it is reported too."""
    names = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            names += url_names(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            names.append(pattern.name or f"(sans nom) {prefix}{pattern.pattern}")
    return names


def test_every_page_of_the_site_is_in_the_matrix():
    resolver = get_resolver()
    site = [
        p for p in resolver.url_patterns if not str(p.pattern).startswith("admin/")
    ]  # the Django admin: superusers only, see test_the_back_office_is_for_superusers_only
    names = url_names(site)

    missing = sorted(set(names) - set(PAGES))
    stale = sorted(set(PAGES) - set(names))

    assert not missing, (
        "Pages absentes de la matrice d'accès (tests/www/access_matrix_data.py) : "
        + ", ".join(missing)
    )
    assert not stale, "Pages de la matrice qui n'existent plus : " + ", ".join(stale)


def test_the_matrix_s_public_and_link_pages_say_why():
    silent = [n for n, p in PAGES.items() if p.kind != "roles" and not p.why]
    assert not silent, "Pages publiques sans raison : " + ", ".join(silent)


# --- One territory's people against the other's objects ---------------------


def opened(pages: list[tuple[str, Page]], arras: World, lens: World) -> list[str]:
    """The pages of Lens's objects that Arras's people get (French lines)."""
    failures = []
    for name, page in pages:
        for url in urls_to_try(name, page, arras, lens):
            for viewer in VIEWERS:
                response = request(client_of(arras, viewer), "GET", url, {})
                if refusal_problem(page, viewer, response, "GET"):
                    failures.append(line(name, viewer, url, response, "403 ou 404"))
    return failures


def test_the_other_territory_s_people_are_refused_every_page(worlds):
    arras, lens = worlds
    failures = opened(restricted(), arras, lens)
    assert not failures, "Pages d'un autre territoire ouvertes :\n" + "\n".join(failures)


def test_a_missing_check_is_seen(worlds, monkeypatch):
    """The walk fails when a check forgets the territory: here every
    capability granted on every territory."""
    arras, lens = worlds
    monkeypatch.setattr(access, "has_capability", lambda user, territory, capability: True)

    failures = opened([("referral_dashboard", PAGES["referral_dashboard"])], arras, lens)
    before = database_state()
    failures += posted(arras, lens, "events_delete", PAGES["events_delete"])

    assert f"referral_dashboard — partner — /territoires/{lens.siren}/orientations/ : 200" in (
        "\n".join(failures)
    )
    deleted = f"events_delete — sans_role — /territoires/{lens.siren}/formation/evenements/"
    assert deleted in "\n".join(failures)
    assert "events.event" in changed(before, database_state())


def posted(arras: World, lens: World, name: str, page: Page) -> list[str]:
    """Arras's people POST to the page of Lens's objects: the refusals
    that are not (French lines)."""
    urls = urls_to_try(name, page, arras, lens)
    if page.kind == "link":
        urls = urls[1:]  # the link itself is the permission: only Arras's SIREN
    failures = []
    for url in urls:
        for viewer in VIEWERS:
            response = request(client_of(arras, viewer), "POST", url, page.data)
            if refusal_problem(page, viewer, response, "POST"):
                failures.append(line(name, viewer, url, response, "403 ou 404") + " (POST)")
    return failures


def test_the_other_territory_s_people_change_nothing(worlds):
    arras, lens = worlds
    pages = [(n, p) for n, p in PAGES.items() if p.kind in ("roles", "link")]
    failures = []
    before = database_state()
    for name, page in pages:
        failures += posted(arras, lens, name, page)
    touched = changed(before, database_state())
    if touched:
        # Which page wrote: the POSTs again, the base compared after each.
        failures.append(f"données modifiées par des POST refusés : {', '.join(touched)}")
        for name, page in pages:
            before = database_state()
            posted(arras, lens, name, page)
            again = changed(before, database_state())
            if again:
                failures.append(f"{name} : modifie {', '.join(again)}")
    assert not failures, "Écritures sur un autre territoire :\n" + "\n".join(failures)


def test_a_territory_s_link_is_refused_under_another_territory_s_address(worlds):
    arras, lens = worlds
    failures = []
    for name, page in PAGES.items():
        if page.kind != "link":
            continue
        kwargs = page.fill(lens)
        if "siren" not in kwargs:
            continue
        url = reverse(name, kwargs={**kwargs, "siren": arras.siren})
        for viewer in (ANONYMOUS, *ROLES):
            response = request(client_of(arras, viewer), "GET", url, {})
            if response.status_code != 404:
                failures.append(line(name, viewer, url, response, "404"))
    assert not failures, "Liens d'un territoire ouverts à l'adresse d'un autre :\n" + "\n".join(
        failures
    )


def cross_request(case: Cross, own: World, other: World, viewer: str) -> HttpResponse:
    url = reverse(case.name, kwargs=case.kwargs(own, other))
    query = urlencode(case.query(own, other))
    if case.data is None:
        return request(client_of(own, viewer), "GET", url, {}, query)
    return request(client_of(own, viewer), "POST", url, case.data(own, other), query)


def test_the_other_territory_s_objects_are_refused_inside_one_s_own_pages(worlds):
    arras, lens = worlds
    failures = []
    for case in CROSSES:
        for viewer in sorted(case.viewers):
            where = f"{case.name} ({case.why}) — {viewer}"
            before = database_state()
            response = cross_request(case, arras, lens, viewer)
            body = response.content.decode("utf-8", errors="replace")
            refused = response.status_code in REFUSED or (
                case.refusal and response.status_code in (200, 422) and case.refusal in body
            )
            if not refused:
                failures.append(f"{where} : {response.status_code}, sans refus")
            touched = changed(before, database_state())
            if touched:
                failures.append(f"{where} : données modifiées : {', '.join(touched)}")
            # The same request with Arras's own object: accepted.
            response = cross_request(case, arras, arras, viewer)
            body = response.content.decode("utf-8", errors="replace")
            if response.status_code != case.accepted or (case.refusal and case.refusal in body):
                failures.append(
                    f"{where}, avec l'objet de son territoire : {response.status_code} au lieu "
                    f"de {case.accepted}"
                )
    assert not failures, "Objets d'un autre territoire acceptés :\n" + "\n".join(failures)


# --- Sanity: the URL was filled right ------------------------------------------


def test_each_page_answers_its_own_territory_s_roles(worlds):
    """Lens's people of the roles the matrix names get the page's normal
    answer; Lens's other roles a refusal."""
    _, lens = worlds
    failures = []
    for name, page in restricted():
        url = reverse(name, kwargs=page.fill(lens))
        for viewer in ROLES:
            response = request(client_of(lens, viewer), "GET", url, {})
            if viewer in page.roles:
                if response.status_code != page.ok:
                    failures.append(line(name, viewer, url, response, str(page.ok)))
            elif refusal_problem(page, viewer, response, "GET"):
                failures.append(line(name, viewer, url, response, "403 ou 404"))
    assert not failures, "La matrice ne dit pas ce que font les pages :\n" + "\n".join(failures)


def test_a_role_in_one_territory_gives_nothing_in_another(worlds):
    """Someone who is an administrator of Arras and a partner in Lens gets,
    on every page of Lens, what Lens's partner gets: never more."""
    _, lens = worlds
    failures = []
    for name, page in restricted():
        url = reverse(name, kwargs=page.fill(lens))
        partner = request(client_of(lens, Role.PARTNER.value), "GET", url, {})
        double = request(client_of(lens, DOUBLE), "GET", url, {})
        if double.status_code != partner.status_code:
            failures.append(line(name, DOUBLE, url, double, str(partner.status_code)))
    assert not failures, "Un rôle d'un territoire ouvre un autre territoire :\n" + "\n".join(
        failures
    )


def test_public_and_link_pages_answer_everyone(worlds):
    _, lens = worlds
    failures = []
    for name, page in PAGES.items():
        if page.kind not in ("public", "link"):
            continue
        url = reverse(name, kwargs=page.fill(lens))
        response = request(client_of(lens, ANONYMOUS), "GET", url, {})
        if response.status_code != page.ok:
            failures.append(line(name, ANONYMOUS, url, response, str(page.ok)))
    assert not failures, "Pages publiques qui ne répondent pas :\n" + "\n".join(failures)


# Where a territory's own private words show (so that their absence from the
# other territory's pages means something): page, role, words.
SIGHTINGS = [
    ("referral_list", Role.PARTNER, ("EnvoyeeLens", "RecueLens")),
    ("barometer_collect_index", Role.FIELD_AGENT, ("Baromètre en cours lens",)),
]


def test_pages_without_an_object_never_show_the_other_territory(worlds):
    arras, lens = worlds
    failures = []
    seen: dict[tuple[str, str], str] = {}
    for name, page in PAGES.items():
        if page.kind != "mine":
            continue
        url = reverse(name)
        for mine, other in ((arras, lens), (lens, arras)):
            for viewer in VIEWERS if mine is arras else ROLES:
                response = request(client_of(mine, viewer), "GET", url, {})
                if response.status_code >= 500:
                    failures.append(line(name, viewer, url, response, "une page"))
                    continue
                body = response.content.decode("utf-8", errors="replace")
                if mine is lens:
                    seen[name, viewer] = body
                shown = [word for word in other.secrets if word in body]
                if shown:
                    failures.append(
                        f"{name} — {viewer} de {mine.label} — {url} : montre {', '.join(shown)}"
                    )
    for name, role, words in SIGHTINGS:
        missing = [word for word in words if word not in seen.get((name, role.value), "")]
        if missing:
            failures.append(f"{name} — {role} de lens : ne montre pas {', '.join(missing)}")
    assert not failures, "Données d'un autre territoire montrées :\n" + "\n".join(failures)


def test_the_back_office_is_for_superusers_only(worlds):
    arras, _ = worlds
    failures = []
    for viewer in VIEWERS:
        response = request(client_of(arras, viewer), "GET", "/admin/", {})
        if not (response.status_code == 302 and "/admin/login/" in response["Location"]):
            failures.append(
                line("admin:index", viewer, "/admin/", response, "302 vers la connexion")
            )
    assert not failures, "\n".join(failures)
