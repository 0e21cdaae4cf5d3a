"""The people of the load test, for Locust (run by loadtest.runner in its own
process, never imported by Django or pytest: Locust patches the standard
library with gevent).

Three kinds at once, each with its own address (X-Forwarded-For, as the TLS
proxy sets it; every request says X-Forwarded-Proto: https) so that the
product's limits per address apply to each as they would in the field:

- Resident: answers the online questionnaire (/b/<campagne>/) page by page
  to the thanks page, thinking a few seconds per page; a page that fails
  (error, no answer) is sent again a few seconds later, as a person presses
  « Envoyer » again. Each filling-in carries a unique marker (its household
  income, the answer « revenus_foyer ») and the signed state of its last
  page, from which loadtest.verify reads the idempotency key.
- Agent: a field agent's phone (loadtest.outbox, what static/js/outbox.js
  does): a backlog of answers collected offline, one more every minute or
  so, network lost now and then, a sync round after each answer, every 30
  seconds and when the network comes back.
- SimulatorUser: the rights simulator's step-by-step path to the results.

Configuration: environment variables set by the runner (LOADTEST_PLAN,
LOADTEST_RECORDS, LOADTEST_LOAD_SECONDS, LOADTEST_DRAIN_SECONDS,
LOADTEST_RESIDENTS, LOADTEST_AGENTS, LOADTEST_SIMULATOR_USERS,
LOADTEST_THINK_SCALE, LOADTEST_AGENT_BACKLOG). When the load time is over,
residents and simulator users stop, agents stop collecting and sync until
their queues are empty (bounded by the drain time); then every request and
every answer is written to LOADTEST_RECORDS (JSON) and Locust stops.
"""

import datetime
import itertools
import json
import os
import random
import re
import time
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from typing import Any

import gevent
from locust import HttpUser, events, task
from locust.env import Environment
from locust.exception import StopUser

from loadtest.outbox import SYNC_INTERVAL_SECONDS, NetworkError, Outbox

PLAN: dict[str, Any] = json.loads(Path(os.environ["LOADTEST_PLAN"]).read_text(encoding="utf-8"))
RECORDS = Path(os.environ["LOADTEST_RECORDS"])
LOAD_SECONDS = float(os.environ.get("LOADTEST_LOAD_SECONDS", "180"))
DRAIN_SECONDS = float(os.environ.get("LOADTEST_DRAIN_SECONDS", "120"))
THINK = float(os.environ.get("LOADTEST_THINK_SCALE", "1"))
BACKLOG = int(os.environ.get("LOADTEST_AGENT_BACKLOG", "5"))
KEEPALIVE = os.environ.get("LOADTEST_UPSTREAM_KEEPALIVE", "0") == "1"
TIMEOUT_SECONDS = 60  # a browser gives up on a page much later; a phone's fetch too
RETRIES = 5  # a person sends a failed page again a few times, then gives up
SLUG = PLAN["campaign"]

# The browser speaks https to the TLS proxy, which speaks http to Gunicorn:
# the Secure cookies (session, CSRF) go back as a browser sends them, though
# this client's own connection is plain http on loopback. (Every cookie jar
# of this process, redirects included, follows the default policy.)
DefaultCookiePolicy.return_ok_secure = lambda self, cookie, request: True  # type: ignore[method-assign]

_addresses = itertools.count(1)
_markers = itertools.count(1)
_state: dict[str, Any] = {"draining": False, "load_started": 0.0, "load_ended": 0.0}
_requests: list[list[Any]] = []
_answers: list[dict[str, Any]] = []
_agents: list["Agent"] = []
_in_flight = {"count": 0}


def think(low: float, high: float) -> None:
    gevent.sleep(random.uniform(low, high) * THINK)  # noqa: S311 - not a secret


def _address() -> str:
    n = next(_addresses)
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


class Person(HttpUser):
    """What the three kinds share: an address of their own, the headers of
    the TLS proxy, cookies kept as a browser keeps them."""

    abstract = True

    def on_start(self) -> None:
        self.address = _address()
        origin = "https://" + (self.host or "").split("://", 1)[-1].rstrip("/")
        self.client.headers.update(
            {
                "X-Forwarded-Proto": "https",
                "X-Forwarded-For": self.address,
                "Origin": origin,
                "Referer": origin + "/",
                "User-Agent": "nonrecours-essai-de-charge",
            }
        )
        if not KEEPALIVE:
            # As nginx talks to its upstream by default (HTTP/1.0): one
            # connection per request. Kept alive from client to Gunicorn
            # (LOADTEST_UPSTREAM_KEEPALIVE=1), a request sent just as a busy
            # worker closes the idle connection (keepalive, 2 s) is reset
            # without an answer: seen here with the machine overloaded.
            self.client.headers["Connection"] = "close"

    def request(self, method: str, url: str, name: str, **kwargs: Any) -> Any:
        """One request; returns the response (status 0 when no answer came),
        recorded as a failure unless its status is in ``ok``."""
        ok = kwargs.pop("ok", (200,))
        with self.client.request(
            method, url, name=name, timeout=TIMEOUT_SECONDS, catch_response=True, **kwargs
        ) as response:
            if response.status_code in ok:
                response.success()
            else:
                error = getattr(response, "error", None)
                response.failure(
                    repr(error) if response.status_code == 0 else f"statut {response.status_code}"
                )
        return response


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    return match.group(1) if match else ""


_NOT_ANSWERS = {"etat", "page", "action", "csrfmiddlewaretoken", "site_web"}


def _questions(html: str) -> list[str]:
    """The questions of the page shown, in order (names of its fields)."""
    form = html.split('class="card questionnaire"', 1)[-1]
    names = dict.fromkeys(re.findall(r'name="([a-z0-9_]+)"', form))
    return [n for n in names if n not in _NOT_ANSWERS]


class Resident(Person):
    """A household answering the online questionnaire (one after another
    from the same address, as a family's members would)."""

    fixed_count = int(os.environ.get("LOADTEST_RESIDENTS", "200"))

    @task
    def answer(self) -> None:
        if _state["draining"]:
            raise StopUser()
        start = self.request("GET", f"/b/{SLUG}/", "questionnaire : accueil")
        think(2, 6)
        page = self._until_ok(
            lambda: self.request("GET", f"/b/{SLUG}/questionnaire/", "questionnaire : page")
        )
        if page is None or start.status_code != 200:
            return
        answers = dict(random.choice(PLAN["answers"]))  # noqa: S311
        marker = next(_markers)
        answers["revenus_foyer"] = marker
        html = page.text
        # One filling-in, one idempotency key, in the signed state of every page.
        record = {
            "kind": "online",
            "marker": marker,
            "token": _hidden(html, "etat"),
            "acked": False,
        }
        _answers.append(record)
        while True:
            if _state["draining"]:
                raise StopUser()
            think(4, 12)
            data: dict[str, Any] = {
                "csrfmiddlewaretoken": _hidden(html, "csrfmiddlewaretoken"),
                "etat": _hidden(html, "etat"),
                "page": _hidden(html, "page"),
                "action": "suivant",
                "site_web": "",  # the honeypot, left empty as people do
            }
            for name in _questions(html):
                value = answers.get(name, "")
                data[name] = [str(v) for v in value] if isinstance(value, list) else str(value)
            # The last page says « Envoyer mes réponses » unless a question of
            # it may still open another page: the thanks page tells.
            _in_flight["count"] += 1
            try:
                sent = self._until_ok(
                    lambda data=data: self.request(
                        "POST", f"/b/{SLUG}/questionnaire/", "questionnaire : page", data=data
                    )
                )
            finally:
                _in_flight["count"] -= 1
            if sent is None:
                return
            if sent.url.rstrip("/").endswith("/merci"):
                record.update(acked=True, at=time.time())
                return
            html = sent.text

    def _until_ok(self, send: Any) -> Any:
        """Send again, a few seconds apart, until a 200 (None after RETRIES)."""
        for _ in range(RETRIES):
            response = send()
            if response.status_code == 200:
                return response
            think(3, 8)
        return None


class Agent(Person):
    """A field agent's phone (see loadtest.outbox)."""

    fixed_count = int(os.environ.get("LOADTEST_AGENTS", "20"))
    _numbers = itertools.count(0)

    def on_start(self) -> None:
        super().on_start()
        _agents.append(self)
        self.username = PLAN["agents"][next(Agent._numbers) % len(PLAN["agents"])]
        self.posts: dict[str, int] = {}
        self.online = True
        while not self._login():
            think(5, 10)
        self.outbox = Outbox(
            user_id=self.config["user_id"], submit_url=self.config["submit_url"], campaign=SLUG
        )
        # Answers collected this morning without network, not yet sent.
        for _ in range(BACKLOG):
            self._collect(minutes_ago=random.uniform(5, 60))  # noqa: S311

    def _login(self) -> bool:
        """Log in and open the collection app; False when the server failed."""
        form = self.request("GET", "/connexion/", "enquêteur : connexion")
        if form.status_code != 200:
            return False
        done = self.request(
            "POST",
            "/connexion/",
            "enquêteur : connexion",
            data={
                "csrfmiddlewaretoken": _hidden(form.text, "csrfmiddlewaretoken"),
                "username": self.username,
                "password": PLAN["password"],
                "next": f"/collecte/{SLUG}/",
            },
        )
        match = re.search(r'id="collecte-config"[^>]*>(.*?)</script>', done.text, re.S)
        if done.status_code != 200 or match is None:
            return False
        self.config = json.loads(match.group(1))
        self.csrf = self.client.cookies.get("csrftoken", "")
        return True

    def _collect(self, minutes_ago: float = 0) -> None:
        answers = dict(random.choice(PLAN["answers"]))  # noqa: S311
        marker = next(_markers)
        answers["revenus_foyer"] = marker
        submitted = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=minutes_ago)
        started = submitted - datetime.timedelta(minutes=random.uniform(6, 15))  # noqa: S311
        key = self.outbox.enqueue(
            answers,
            started_at=started.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            submitted_at=submitted.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        )
        _answers.append(
            {"kind": "agent", "agent": self.username, "key": key, "marker": marker, "acked": False}
        )

    def _post(self, item: dict[str, Any]) -> tuple[int, Any]:
        key = item["idempotency_key"]
        self.posts[key] = self.posts.get(key, 0) + 1
        response = self.request(
            "POST",
            item["submit_url"],
            "enquêteur : envoi",
            data=json.dumps(item),
            headers={
                "Content-Type": "application/json",
                "X-CSRFToken": self.client.cookies.get("csrftoken", "") or self.csrf,
            },
            ok=(200, 201),
        )
        if response.status_code == 0:
            raise NetworkError()
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, None

    def sync(self) -> None:
        if not self.online:
            return
        outcome = self.outbox.sync(self._post)
        acked = {
            a["key"]: a for a in _answers if a["kind"] == "agent" and a["agent"] == self.username
        }
        for key, response_id in outcome.acknowledged.items():
            acked[key].update(acked=True, response_id=response_id, at=time.time())
        for key, errors in outcome.refused.items():
            acked[key]["refused"] = errors
        if outcome.expired:
            self._login()

    @task
    def work(self) -> None:
        next_sync = time.time() + SYNC_INTERVAL_SECONDS * THINK
        next_answer = time.time() + random.uniform(30, 90) * THINK  # noqa: S311
        back_online = 0.0
        self.sync()
        while not _state["draining"]:
            gevent.sleep(0.5)
            now = time.time()
            if self.online and random.random() < 0.002:  # noqa: S311 - a stairwell, a cellar
                self.online = False
                back_online = now + random.uniform(30, 120) * THINK  # noqa: S311
            if not self.online and now >= back_online:
                self.online = True
                self.sync()  # window « online » event
            if now >= next_answer:
                for key in self._handed_back():
                    self.outbox.resume(key)  # handed back after 5 failures: saved again
                self._collect()
                self.sync()
                next_answer = now + random.uniform(30, 90) * THINK  # noqa: S311
            if now >= next_sync:
                self.sync()
                next_sync = now + SYNC_INTERVAL_SECONDS * THINK
        # Collection is over: the phone stays online, its timer replays the rest.
        self.online = True
        while self.outbox.items or self._handed_back():
            for key in self._handed_back():
                self.outbox.resume(key)
            self.sync()
            gevent.sleep(SYNC_INTERVAL_SECONDS * THINK)
        raise StopUser()

    def _handed_back(self) -> list[str]:
        """Items handed back after 5 server failures (not refused with a
        reason): the agent resumes them and saves them again, same key."""
        return [
            key
            for key, item in self.outbox.rejected.items()
            if isinstance(item["errors"], dict)
            and str(item["errors"].get("envoi", "")).startswith("statut")
        ]


def _years_ago(years: int, month_day: str = "05-15") -> str:
    return f"{datetime.date.today().year - years}-{month_day}"  # noqa: DTZ011 - a person's age


def _paths(commune: str) -> list[list[dict[str, str]]]:
    """Three households through the simulator's path (screen by screen)."""
    return [
        [
            {"logement-commune": commune, "logement-statut": "locataire_vide"},
            {"logement-loyer": "450"},
            {"demandeur-naissance": _years_ago(35), "demandeur-activite": "chomeur"},
            {"foyer-en_couple": "non", "foyer-enfants": "0"},
            {"ressources-demandeur-chomage_net": "700"},
            {"percues-revenu_fiscal_reference": "0"},
        ],
        [
            {"logement-commune": commune, "logement-statut": "locataire_hlm"},
            {"logement-loyer": "550"},
            {"demandeur-naissance": _years_ago(42), "demandeur-activite": "salarie"},
            {"foyer-en_couple": "oui", "foyer-enfants": "2"},
            {"conjoint-naissance": _years_ago(41), "conjoint-activite": "inactif"},
            {
                "enfant0-naissance": _years_ago(8, "03-01"),
                "enfant0-scolarite": "primaire",
                "enfant1-naissance": _years_ago(12, "03-01"),
                "enfant1-scolarite": "college",
            },
            {"ressources-demandeur-salaire_net": "1200"},
            {"percues-af": "153.01", "percues-avis_inconnu": "on"},
        ],
        [
            {"logement-commune": commune, "logement-statut": "proprietaire"},
            {"demandeur-naissance": _years_ago(72), "demandeur-activite": "retraite"},
            {"foyer-en_couple": "non", "foyer-enfants": "0"},
            {"ressources-demandeur-retraite_nette": "850"},
            {"percues-revenu_fiscal_reference": "10200"},
        ],
    ]


class SimulatorUser(Person):
    """A resident going through the rights simulator to the results."""

    fixed_count = int(os.environ.get("LOADTEST_SIMULATOR_USERS", "50"))

    @task
    def simulate(self) -> None:
        if _state["draining"]:
            raise StopUser()
        self.request("GET", "/simulateur/", "simulateur : accueil")
        think(2, 6)
        page = self.request("GET", "/simulateur/etapes/", "simulateur : étape")
        steps = random.choice(_paths(random.choice(PLAN["communes"])))  # noqa: S311
        for number, step in enumerate(steps):
            if page.status_code != 200 or _state["draining"]:
                return
            think(4, 12)
            last = number == len(steps) - 1
            page = self.request(
                "POST",
                "/simulateur/etapes/",
                "simulateur : résultats" if last else "simulateur : étape",
                data={
                    "csrfmiddlewaretoken": _hidden(page.text, "csrfmiddlewaretoken"),
                    "etat": _hidden(page.text, "etat"),
                    "action": "suivant",
                    **step,
                },
            )
            if last and page.status_code == 200 and 'name="situation"' not in page.text:
                _state.setdefault("simulator_no_results", 0)
                _state["simulator_no_results"] += 1
        think(10, 30)  # reading the results


@events.request.add_listener
def _record(
    request_type: str,
    name: str,
    response_time: float,
    response: Any = None,
    exception: Any = None,
    start_time: float | None = None,
    **_: Any,
) -> None:
    status = getattr(response, "status_code", 0) or 0
    record = [
        round(start_time or time.time(), 3),
        round(response_time, 1),
        name,
        status,
        exception is None,
    ]
    if exception is not None:
        record.append(str(exception)[:200])
    _requests.append(record)


@events.test_start.add_listener
def _start(environment: Environment, **_: Any) -> None:
    _state["load_started"] = time.time()
    gevent.spawn(_conduct, environment)


def _conduct(environment: Environment) -> None:
    """Load for LOAD_SECONDS, then the agents' queues drain (at most
    DRAIN_SECONDS), then the records are written and Locust stops."""
    gevent.sleep(LOAD_SECONDS)
    _state["draining"] = True
    _state["load_ended"] = time.time()
    deadline = time.time() + DRAIN_SECONDS
    while time.time() < deadline:
        # A phone still logging in (the server was down) has its backlog to send.
        pending = any(
            not hasattr(agent, "outbox") or agent.outbox.items or agent._handed_back()
            for agent in _agents
        )
        if not pending and _in_flight["count"] == 0:
            break
        gevent.sleep(0.5)
    _write()
    if environment.runner is not None:
        environment.runner.quit()


def _write() -> None:
    agents = []
    for agent in _agents:
        if not hasattr(agent, "outbox"):
            continue
        agents.append(
            {
                "agent": agent.username,
                "posts": agent.posts,
                "queued": sorted(agent.outbox.items),
                "rejected": {k: v.get("errors") for k, v in agent.outbox.rejected.items()},
            }
        )
    RECORDS.write_text(
        json.dumps(
            {
                "load_started": _state["load_started"],
                "load_ended": _state["load_ended"],
                "drained": time.time(),
                "simulator_no_results": _state.get("simulator_no_results", 0),
                "requests": _requests,
                "answers": _answers,
                "agents": agents,
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
