"""Hostile input: every form, JSON endpoint and import format is fed random
and hostile values (NUL, lone surrogates, controls, huge strings and
numbers, far dates, deep JSON, YAML bombs).

Promises checked on every example: no error page (status < 500), nothing
written when the input is refused, and every export of the campaign still
works with whatever was accepted.

`make test` runs a bounded number of examples with a fixed seed
(derandomize); `make fuzz` runs many more (HYPOTHESIS_PROFILE=fuzz).
"""

import csv
import datetime
import io
import json
import os
import re
import zipfile
from typing import Any

from django.apps import apps
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from nonrecours.accounts.enums import Role
from nonrecours.accounts.models import User
from nonrecours.csvtext import UnreadableFile
from nonrecours.directory import actions as directory_actions
from nonrecours.directory import imports as directory_imports
from nonrecours.directory.models import Offer, Structure
from nonrecours.referrals import actions as referral_actions
from nonrecours.referrals.enums import ConsentMode
from nonrecours.surveys import actions, exports
from nonrecours.surveys.enums import Channel
from nonrecours.surveys.importers.files import ImportFileError, SourceFormat
from nonrecours.surveys.models import Response
from nonrecours.www.barometer.online import FormState
from tests.conftest import arras_territory
from tests.factories import (
    CampaignFactory,
    MembershipFactory,
    OrganisationFactory,
    ResponseFactory,
)
from tests.referrals.conftest import OFFER, PERSON, STRUCTURE, member
from tests.surveys.test_questionnaire import complete_answers

settings.register_profile(
    "hostile",
    max_examples=40,
    derandomize=True,  # a fixed seed: `make test` gives the same result every time
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "fuzz",
    max_examples=1_000,
    deadline=None,
    database=None,  # a failure prints its example; nothing is written to the working tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
HOSTILE = settings(settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "hostile")))

MODULE = """
sections:
  - name: local
    title: Questions du territoire
    questions:
      - name: remarque
        type: text
        label: Une remarque ?
      - name: nb_visites
        type: integer
        label: Combien de visites en mairie cette année ?
        minimum: 0
        maximum: 365
"""

# --- values ----------------------------------------------------------------

NASTY = [
    "", " ", "\x00", "a\x00b", "\ud800", "x\udfffy", "\x1b[31m", "\x85", "\u2028", "\x7f",
    "\ufffe", "\t", "ligne 1\nligne 2", "\r\n", "=1+1", "@SUM(A1)", "<script>alert(1)</script>",
    "١٢", "１２", "²", "-1", "0", "10" * 500, "1e400", "NaN", "Infinity", "-0", "9" * 5000,
    "0001-01-01", "9999-12-31", "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59",
    "2026-02-30", "31/12/9999", "1900-01-01T00:00:00Z", "😀" * 300, "A" * 130_000,
    "62041", "oui", "femme", "../../etc/passwd", "%00", "' OR 1=1 --",
]  # fmt: skip
ANY_CHAR = st.integers(0, 0x10FFFF).map(chr)  # lone surrogates included
ANY_TEXT = st.one_of(st.sampled_from(NASTY), st.text(max_size=50), st.text(ANY_CHAR, max_size=50))
# What a browser can send: no lone surrogates (they cannot be encoded).
FORM_TEXT = ANY_TEXT.map(lambda t: t.encode("utf-8", "replace").decode("utf-8"))
NUMBERS = st.one_of(st.integers(), st.sampled_from([10**400, -(10**18), 2**63, 2**64]), st.floats())
JSON_SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, ANY_TEXT)


def _json_containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(inner, max_size=3) | st.dictionaries(ANY_TEXT, inner, max_size=3)


def _yaml_containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(inner, max_size=3) | st.dictionaries(FORM_TEXT, inner, max_size=3)


JSON_VALUES = st.recursive(JSON_SCALARS, _json_containers, max_leaves=8)
MOMENTS = st.one_of(
    st.none(),
    ANY_TEXT,
    st.datetimes(timezones=st.timezones() | st.none()).map(lambda d: d.isoformat()),
    NUMBERS,
)


FRENCH = re.compile(r"[éèàêçô«»]|\\u00e9|\b(est|une?|le|la|les|des|du)\b")


def _row_counts() -> dict[str, int]:
    """Rows of every table of the project: compared before and after a refusal.

    What each model's ``objects.count()`` gives, in one query (called twice
    a form sent, one count query per model was a fifth of this file's time)."""
    models = [model for model in apps.get_models() if model.__module__.startswith("nonrecours.")]
    counts, params = [], []
    for model in models:
        sql, model_params = model.objects.order_by().values("pk").query.sql_with_params()
        counts.append(f"(SELECT COUNT(*) FROM ({sql}) AS counted)")  # noqa: S608 (ORM SQL)
        params.extend(model_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(counts), params)
        row = cursor.fetchone()
    return {model._meta.label: count for model, count in zip(models, row, strict=True)}


def _json_body(value: Any) -> bytes:
    # ensure_ascii keeps lone surrogates as \\udxxx escapes, as a phone would send them.
    return json.dumps(value, allow_nan=True).encode()


def _deep(depth: int, leaf: Any = 1) -> bytes:
    """A JSON text: the leaf inside ``depth`` lists."""
    return b"[" * depth + _json_body(leaf) + b"]" * depth


class HostileInput(TestCase):
    """One territory, an admin, a field agent and a campaign open online and
    door to door whose questionnaire has a free-text question."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.territory = arras_territory()
        # Each page's field names and hidden values (fuzz_page), by test.
        cls.form_fields: dict[tuple[str, int | None], tuple[list[str], dict[str, str]]] = {}
        cls.admin = cls._member("admin", Role.ADMIN)
        cls.agent = cls._member("facteur", Role.FIELD_AGENT)
        version = actions.questionnaire_version_add_module(
            territory=cls.territory, module_yaml=MODULE, source="module.yaml"
        )
        cls.campaign = CampaignFactory(
            territory=cls.territory,
            slug="vague-hostile",
            name="Vague hostile",
            starts_on=timezone.localdate() - datetime.timedelta(days=10),
            channels=[Channel.ONLINE, Channel.DOOR_TO_DOOR],
            questionnaire=version,
        )
        ResponseFactory(
            campaign=cls.campaign,
            answers={**complete_answers(), "remarque": "Première réponse"},
            idempotency_key="premiere",
        )
        directory_imports.directory_import(records=[STRUCTURE, OFFER], territory=cls.territory)
        cls.structure, cls.offer = Structure.objects.get(), Offer.objects.get()
        cls.receiver = member(cls.territory, "CCAS d'Arras", Role.PARTNER, email="pro@ccas.example")
        directory_actions.structure_attach(
            structure=cls.structure, organisation=cls.receiver.memberships.get().organisation
        )
        cls.referral = referral_actions.referral_send(
            territory=cls.territory,
            sender=cls.admin,
            sender_organisation=cls.admin.memberships.get().organisation,
            structure=cls.structure,
            offer=cls.offer,
            person=PERSON,
            consent=True,
            consent_mode=ConsentMode.ORAL,
        )

    @classmethod
    def _member(cls, name: str, role: Role) -> User:
        organisation = OrganisationFactory(territory=cls.territory, name=f"Organisation {role}")
        return MembershipFactory(
            user__username=name, user__email="", organisation=organisation, role=role
        ).user

    def setUp(self) -> None:
        cache.clear()  # the online form's rate limit

    # --- checks ------------------------------------------------------------

    def assert_exports_work(self) -> None:
        """Every export of the campaign, with whatever was accepted."""
        for name, (export, _, _) in exports.EXPORTERS.items():
            self.assertTrue(export(self.campaign), name)
        exports.codebook(self.campaign.questionnaire.questionnaire())

    def assert_refused_or_stored(self, response: Any, before: dict[str, int]) -> None:
        self.assertLess(response.status_code, 500, getattr(response, "content", b"")[:500])
        if response.status_code >= 400:
            self.assertEqual(_row_counts(), before, "rien ne doit être écrit quand c'est refusé")
        if Response.objects.count() > before["surveys.Response"]:
            self.assert_exports_work()

    def post_form(
        self, url: str, data: dict[str, Any], *, user: User | None = None, **extra: Any
    ) -> Any:
        client = Client()
        if user is not None:
            client.force_login(user)
        before = _row_counts()
        response = client.post(url, data, **extra)
        self.assert_refused_or_stored(response, before)
        return response

    # --- door-to-door JSON endpoint --------------------------------------------

    def submit(self, body: bytes) -> Any:
        client = Client()
        client.force_login(self.agent)
        before = _row_counts()
        response = client.post(
            reverse("barometer_collect_submit", args=[self.campaign.slug]),
            data=body,
            content_type="application/json",
        )
        self.assert_refused_or_stored(response, before)
        self.assertIn(response.status_code, (200, 201, 400, 413, 422))
        if response.status_code >= 400:
            text = json.dumps(response.json(), ensure_ascii=False)
            self.assertRegex(text, FRENCH, "message en français")
        return response

    @HOSTILE
    @given(
        key=st.one_of(st.uuids().map(str), JSON_VALUES),
        text=ANY_TEXT,
        visits=st.one_of(JSON_VALUES, st.sampled_from(["12", 12, "١٢", 10**18, -1, 12.0])),
        extra=st.dictionaries(ANY_TEXT, JSON_VALUES, max_size=2),
        started=MOMENTS,
        submitted=MOMENTS,
    )
    def test_collect_answers(self, key, text, visits, extra, started, submitted) -> None:
        payload = {
            "idempotency_key": key,
            "answers": {**complete_answers(), "remarque": text, "nb_visites": visits, **extra},
            "started_at": started,
            "submitted_at": submitted,
        }
        self.submit(_json_body(payload))

    @HOSTILE
    @given(payload=JSON_VALUES, depth=st.sampled_from([0, 19, 25, 1_000, 100_000]))
    def test_collect_any_json(self, payload, depth) -> None:
        body = b'{"idempotency_key": "k", "answers": {"remarque": ' + _deep(depth, payload) + b"}}"
        self.submit(body)
        self.submit(_json_body(payload))

    def test_collect_bodies_out_of_bounds(self) -> None:
        for body in [
            b"[" * 200_000 + b"]" * 200_000,
            b'{"answers": ' * 50_000,
            b"\xff\xfe\x00",
            b'{"idempotency_key": "k", "answers": {}, "x": "' + b"a" * (2 * 1024 * 1024) + b'"}',
            b'{"idempotency_key": "k", "answers": {"remarque": NaN}}',
            b'{"idempotency_key": "k", "answers": {"nb_visites": 1' + b"0" * 5000 + b"}}",
        ]:
            with self.subTest(body=body[:30]):
                self.submit(body)
        too_deep = self.submit(b'{"idempotency_key": "k", "answers": {"a": ' + _deep(30) + b"}}")
        self.assertEqual(too_deep.status_code, 400)
        nul = self.submit(
            _json_body(
                {"idempotency_key": "nul", "answers": {**complete_answers(), "remarque": "a\x00"}}
            )
        )
        self.assertEqual(nul.status_code, 422)
        self.assertIn("caractères de contrôle", nul.json()["errors"]["remarque"])
        year_one = self.submit(
            _json_body(
                {
                    "idempotency_key": "an1",
                    "answers": complete_answers(),
                    "started_at": "0001-01-01T00:00:00",
                }
            )
        )
        self.assertEqual(year_one.status_code, 422)
        self.assertIn("plausible", json.dumps(year_one.json(), ensure_ascii=False))

    # --- online form ---------------------------------------------------------

    @HOSTILE
    @given(
        text=FORM_TEXT,
        visits=FORM_TEXT,
        page=st.one_of(st.none(), FORM_TEXT, st.sampled_from(["0", "-1", "١", "99"])),
        token=st.sampled_from(["valid", "none", "garbage"]),
        action=st.sampled_from(["", "suivant", "precedent", "renvoyer"]),
    )
    def test_online_form(self, text, visits, page, token, action) -> None:
        questionnaire = self.campaign.questionnaire.questionnaire()
        last = next(p for p in questionnaire.pages() if "remarque" in [q.name for q in p.questions])
        state = FormState(answers=complete_answers())
        data = {
            "etat": {"valid": state.dumps(self.campaign.slug), "none": "", "garbage": text}[token],
            "page": str(last.number) if page is None else page,
            "action": action,
            "remarque": text,
            "nb_visites": visits,
        }
        self.post_form(reverse("barometer_online_form", args=[self.campaign.slug]), data)

    def test_online_form_refuses_control_characters(self) -> None:
        questionnaire = self.campaign.questionnaire.questionnaire()
        last = next(p for p in questionnaire.pages() if "remarque" in [q.name for q in p.questions])
        state = FormState(answers=complete_answers())
        url = reverse("barometer_online_form", args=[self.campaign.slug])
        for text, message in [
            ("a\x00b", "caractères de contrôle"),
            ("\x1b[31m", "caractères de contrôle"),
            ("A" * 2_001, "dépasse"),
        ]:
            with self.subTest(text=text[:10]):
                response = self.post_form(
                    url,
                    {"etat": state.dumps(self.campaign.slug), "page": str(last.number),
                     "remarque": text, "nb_visites": "1"},
                )  # fmt: skip
                self.assertEqual(response.status_code, 422)
                self.assertContains(response, message, status_code=422)
        good = self.post_form(
            url,
            {"etat": state.dumps(self.campaign.slug), "page": str(last.number),
             "remarque": "ligne 1\r\nligne 2", "nb_visites": "3"},
        )  # fmt: skip
        self.assertEqual(good.status_code, 302)
        stored = Response.objects.latest("received_at")
        self.assertEqual(stored.answers["remarque"], "ligne 1\nligne 2")

    # --- local module (YAML) ---------------------------------------------------

    @HOSTILE
    @given(
        yaml_text=st.one_of(
            FORM_TEXT,
            st.recursive(
                JSON_SCALARS.filter(lambda v: not isinstance(v, float)),
                _yaml_containers,
                max_leaves=8,
            ).map(lambda v: json.dumps({"sections": [v]}, ensure_ascii=True)),
            st.sampled_from(
                [
                    "sections: " + "[" * 5_000 + "]" * 5_000,
                    "sections:\n" + "".join("  " * i + "- \n" for i in range(3_000)),
                    "a: &a [x, x, x, x, x, x, x, x, x]\n"
                    + "".join(
                        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n"
                        for i in range(8)
                    )
                    + "sections: [*i]",
                    "sections: &s [*s]",
                    "sections: " + "9" * 5_000,
                    MODULE.replace("Une remarque ?", '"Une\\x00remarque"'),
                    MODULE.replace("Une remarque ?", '"\\ud800"'),
                    MODULE.replace("Une remarque ?", "2024-01-01"),
                    MODULE.replace("maximum: 365", "maximum: 1" + "0" * 400),
                    MODULE.replace("maximum: 365", "maximum: .nan"),
                    MODULE.replace("maximum: 365", "max_length: -5"),
                    MODULE.replace("title: Questions du territoire", "title: !!binary aGVsbG8="),
                    MODULE.replace(
                        "    title: Questions du territoire", "    title: |\n      a\n      b"
                    ),
                    MODULE + "indicators: 5\n",
                    "sections: 5",
                    "sections: [1, 2]\n1: 2",
                    "{1: 2, sections: [a]}",
                ]
            ),
        )
    )
    def test_local_module(self, yaml_text) -> None:
        url = reverse("barometer_questionnaire_module", args=[self.territory.siren])
        response = self.post_form(url, {"text": yaml_text}, user=self.admin)
        self.assertIn(response.status_code, (200, 302, 400, 422))

    def test_too_big_a_form_gets_a_french_page(self) -> None:
        url = reverse("barometer_questionnaire_module", args=[self.territory.siren])
        response = self.post_form(url, {"text": "a" * 3_000_000}, user=self.admin)
        self.assertContains(response, "Envoi refusé", status_code=400)

    def test_local_module_bombs_are_refused(self) -> None:
        url = reverse("barometer_questionnaire_module", args=[self.territory.siren])
        laughs = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n"
            for i in range(8)
        )
        for text, message in [
            ("sections: " + "[" * 5_000 + "]" * 5_000, "niveaux"),
            (laughs + "sections: [*i]", "éléments"),
            ("sections:\n - " + "a" * (300 * 1024), "au plus 262144 caractères"),
        ]:
            with self.subTest(message=message):
                response = self.post_form(url, {"text": text}, user=self.admin)
                self.assertContains(response, message, status_code=422)

    # --- other forms of the barometer ------------------------------------------

    @HOSTILE
    @given(fields=st.fixed_dictionaries(
        {}, optional={name: FORM_TEXT for name in [
            "name", "slug", "starts_on", "ends_on", "channels", "questionnaire", "total_target",
            "target_petite_commune", "target_bourg", "target_ville",
        ]},
    ))  # fmt: skip
    def test_campaign_form(self, fields) -> None:
        url = reverse("barometer_campaign_new", args=[self.territory.siren])
        self.post_form(url, fields, user=self.admin)

    @HOSTILE
    @given(target=FORM_TEXT, contact=FORM_TEXT)
    def test_agent_targets_and_contacts(self, target, contact) -> None:
        slug = self.campaign.slug
        url = reverse("barometer_agent_targets", args=[slug])
        self.post_form(url, {f"objectif_{self.agent.pk}": target}, user=self.admin)
        url = reverse("barometer_contacts", args=[slug])
        self.post_form(url, {"demande": contact}, user=self.admin)

    # --- file imports (the lead's importers, through the action) ----------------

    @HOSTILE
    @given(
        source=st.sampled_from(list(SourceFormat)),
        cells=st.dictionaries(st.sampled_from(["remarque", "nb_visites", "start", "end",
                                               "_uuid", "commune", "sexe", "id", "submitdate"]),
                              FORM_TEXT, max_size=4),
        raw=st.one_of(st.none(), st.binary(max_size=200), FORM_TEXT.map(str.encode)),
        huge=st.booleans(),
    )  # fmt: skip
    def test_import_action(self, source, cells, raw, huge) -> None:
        header = exports.columns(self.campaign.questionnaire.questionnaire())
        if source == SourceFormat.LIMESURVEY:
            header = ["id", "submitdate", *header[8:]]
        row = {
            **complete_answers(),
            "_uuid": "ligne-1",
            "id": "1",
            "remarque": "ok",
            "start": "2026-01-01T10:00:00Z",
            "submitdate": "2026-01-01 10:00:00",
            **cells,
        }
        if huge:
            row["remarque"] = "x" * (130 * 1024)
        values = [row.get(h, "") for h in header]
        values = [" ".join(v) if isinstance(v, list) else str(v) for v in values]
        if raw is None:
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(header)
            writer.writerow(values)
            content = buffer.getvalue().encode("utf-8", "surrogatepass")
        else:
            content = raw
        before = _row_counts()
        try:
            actions.responses_import(
                campaign=self.campaign,
                stream=io.BytesIO(content),
                filename="results-survey123456.csv",
                source=source,
            )
        except (actions.ImportRejected, ImportFileError, UnreadableFile) as refused:
            self.assertEqual(_row_counts(), before)
            self.assertTrue(str(refused))
        else:
            self.assert_exports_work()

    # --- every other form of the site ------------------------------------------

    def _names(self, client: Client, url: str) -> tuple[list[str], dict[str, str]]:
        """The field names of a page's forms, and its hidden values (state tokens)."""
        page = client.get(url)
        self.assertEqual(page.status_code, 200, url)  # else the examples test nothing
        html = page.content.decode()
        names = sorted(set(re.findall(r'name="([^"]+)"', html)) - {"csrfmiddlewaretoken"})
        self.assertTrue(names, url)
        hidden = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', html))
        return names, hidden

    def fuzz_page(
        self, url: str, data: st.DataObject, *, user: User | None, form_url: str = ""
    ) -> None:
        """Post random values to a form's fields, read on ``form_url`` (by
        default the page itself; "" names for a POST-only endpoint)."""
        client = Client()
        if user is not None:
            client.force_login(user)
        if form_url == "-":  # POST only, fields known
            names, hidden = ["situation", "consent", "code"], {}
        else:
            # Read on the first example of the test only: every example
            # starts from the class's data, so the page is the same.
            key = (form_url or url, user.pk if user is not None else None)
            if key not in self.form_fields:
                self.form_fields[key] = self._names(client, form_url or url)
            names, hidden = self.form_fields[key]
        values = {}
        for name in names:
            choice = data.draw(st.sampled_from(["hidden", "text", "list", "absent"]))
            if choice == "hidden" and name in hidden:
                values[name] = hidden[name]
            elif choice == "text":
                values[name] = data.draw(FORM_TEXT)
            elif choice == "list":
                values[name] = data.draw(st.lists(FORM_TEXT, max_size=3))
        before = _row_counts()
        response = client.post(url, values)
        self.assert_refused_or_stored(response, before)
        query = {name: data.draw(FORM_TEXT) for name in names[:5]}
        self.assertLess(
            client.get(form_url if form_url not in ("", "-") else url, query).status_code, 500
        )

    def fuzz_named_page(self, data: st.DataObject, name: str, who: str | None) -> None:
        args = {
            "territory_strata_edit": [self.territory.siren],
            "barometer_dashboard": [self.campaign.slug],
            "directory_structure_edit": [self.structure.pk],
            "directory_offer_new": [self.structure.pk],
            "directory_offer_edit": [self.offer.pk],
            "referral_act": [self.referral.pk],
        }.get(name, [])
        url = reverse(name, args=args)
        if name == "referral_new":
            url += f"?offre={self.offer.pk}"
        if name == "directory_structure_new":
            url += f"?territoire={self.territory.siren}"
        user = {"admin": self.admin, "receiver": self.receiver}.get(who or "")
        form_url = {
            "referral_act": reverse("referral_detail", args=[self.referral.pk]),
            "rights_keep": "-",
        }.get(name, "")
        self.fuzz_page(url, data, user=user, form_url=form_url)

    @HOSTILE
    @given(content=st.one_of(st.binary(max_size=300), FORM_TEXT.map(str.encode)),
           name=st.sampled_from(["a.csv", "a.xlsx", "a.txt", "\x00.csv"]),
           source=FORM_TEXT | st.sampled_from([s.value for s in SourceFormat]))  # fmt: skip
    def test_import_page(self, content, name, source) -> None:
        upload = SimpleUploadedFile(name, content)
        url = reverse("barometer_import", args=[self.campaign.slug])
        self.post_form(url, {"file": upload, "source": source}, user=self.admin)

    def test_exports_after_everything(self) -> None:
        """Exports keep working (also a guard: the zip holds the answers CSV)."""
        self.assert_exports_work()
        with zipfile.ZipFile(io.BytesIO(exports.export_csv_zip(self.campaign))) as archive:
            self.assertTrue(any(n.endswith(".csv") for n in archive.namelist()))


# Every other page with a form, each with its own examples (fewer: a page
# is slower than a JSON call, and random values rarely get past its first field).
PAGES = [
    ("rights_start", None), ("rights_step", None), ("rights_expert", None),
    ("rights_keep", None), ("rights_reopen", "admin"), ("login", None),
    ("referral_new", "admin"), ("directory_structure_new", "admin"),
    ("directory_search", None), ("territory_strata_edit", "admin"),
    ("referral_list", "admin"), ("barometer_dashboard", "admin"),
    ("directory_structure_edit", "admin"), ("directory_offer_new", "admin"),
    ("directory_offer_edit", "admin"), ("referral_act", "receiver"),
]  # fmt: skip
HOSTILE_PAGE = settings(HOSTILE, max_examples=max(8, HOSTILE.max_examples // 3))


def _page_test(name: str, who: str | None) -> Any:
    @HOSTILE_PAGE
    @given(data=st.data())
    def test(self: HostileInput, data: st.DataObject) -> None:
        self.fuzz_named_page(data, name, who)

    test.__name__ = f"test_form_{name}"
    return test


for _name, _who in PAGES:
    setattr(HostileInput, f"test_form_{_name}", _page_test(_name, _who))
