"""Exports never fail and never carry a formula (issue #11).

Answers are stored straight through the ORM, as a bad import or a hand edit
could leave them, with values a spreadsheet or a file format chokes on.
"""

import csv
import datetime
import io
import json
import re
import zipfile

import pyarrow.parquet as pq
import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from nonrecours.accounts.enums import Role
from nonrecours.csvtext import FORMULA_STARTS
from nonrecours.surveys import actions, exports
from nonrecours.surveys.enums import Channel
from nonrecours.surveys.models import Response
from tests.factories import CampaignFactory
from tests.surveys.test_questionnaire import complete_answers

pytestmark = pytest.mark.django_db

MODULE = """
sections:
  - name: local
    title: "=HYPERLINK(\\"http://x\\")"
    questions:
      - name: commentaire
        type: text
        label: "=HYPERLINK(\\"http://x\\",\\"cliquez\\")"
      - name: joignable
        type: select_one
        label: "+33 6 12 34 56 78"
        choices: [{code: oui, label: "@SUM(A1)"}, {code: non, label: "-1+2"}]
"""

BIG = "é" * 200_000
HOSTILE_TEXTS = [
    '=HYPERLINK("http://x","cliquez")',
    "+33 6 12 34 56 78",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r\n=1+1",
    BIG,
    "emoji 🙂👩🏽‍🚀",
    "\u202eRTL \u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627",
    "avant\x01après\x07\x1b",
]
# SQLite (the local install) keeps these in JSON; PostgreSQL refuses them.
UNSTORABLE_IN_POSTGRES = ["nul \x00 au milieu", "surrogate \ud800 seul", "\udfff"]
# A number that is genuinely a number: it stays one.
NEGATIVE_NUMBER = -12
NUMBER = re.compile(r"-?\d+(\.\d+)?(e-?\d+)?")


def hostile_texts():
    if connection.vendor == "postgresql":
        return HOSTILE_TEXTS
    return HOSTILE_TEXTS + UNSTORABLE_IN_POSTGRES


@pytest.fixture
def campaign(arras):
    version = actions.questionnaire_version_add_module(
        territory=arras, module_yaml=MODULE, source="module-hostile.yaml"
    )
    campaign = actions.campaign_create(
        territory=arras, slug="hostile", name="Hostile", starts_on=datetime.date(2026, 9, 1),
        ends_on=datetime.date(2026, 11, 30), channels=[Channel.IMPORT], questionnaire=version,
    )  # fmt: skip
    communes = list(arras.communes.filter(is_member=True).order_by("insee_code"))
    for n in range(30):  # enough answers for the weighted analysis to run
        text = hostile_texts()[n % len(hostile_texts())]
        answers = complete_answers(
            commune=communes[n % 5].insee_code,
            sexe="femme" if n % 2 else "homme",
            commentaire=text,
            joignable=text if n % 3 == 0 else "oui",
            loyer=NEGATIVE_NUMBER,
            prestations_connues=[text, 5, None],
            revenus_foyer={"nested": text},
        )
        Response.objects.create(
            campaign=campaign,
            questionnaire=version,
            commune=communes[n % 5],
            channel=Channel.IMPORT,
            answers=answers,
            idempotency_key=f"hostile-{n}",
            submitted_at=timezone.now(),
        )
    return campaign


def assert_csv_safe(raw: bytes) -> list[list[str]]:
    table = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert len(table) > 1
    for row in table:
        for cell in row:
            assert "\x00" not in cell and not re.search("[\ud800-\udfff]", cell)
            if cell.startswith(FORMULA_STARTS):
                assert NUMBER.fullmatch(cell), f"cellule non protégée : {cell[:40]!r}"
    return table


def assert_xlsx_safe(raw: bytes) -> None:
    workbook = load_workbook(io.BytesIO(raw))
    cells = 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                cells += 1
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA_STARTS), cell.value[:40]
                    assert len(cell.value) <= exports.XLSX_MAX_CELL_CHARS
    assert cells


def test_csv_export_escapes_every_text_cell_and_keeps_numbers(campaign):
    archive = zipfile.ZipFile(io.BytesIO(exports.export_csv_zip(campaign)))
    answers = assert_csv_safe(archive.read("reponses.csv"))
    header = answers[0]
    comments = [row[header.index("commentaire")] for row in answers[1:]]
    assert '\'=HYPERLINK("http://x","cliquez")' in comments
    assert "'+33 6 12 34 56 78" in comments
    assert BIG in comments
    assert "emoji 🙂👩🏽‍🚀" in comments
    assert "avant\ufffdaprès\ufffd\ufffd" in comments
    assert {row[header.index("loyer")] for row in answers[1:]} == {str(NEGATIVE_NUMBER)}
    codebook = assert_csv_safe(archive.read("codebook.csv"))
    assert any('\'=HYPERLINK("http://x","cliquez")' in row for row in codebook)
    assert any("'@SUM(A1)" in row for row in codebook)


def test_xlsx_export_never_holds_a_formula_nor_a_control_character(campaign):
    raw = exports.export_xlsx(campaign)
    assert_xlsx_safe(raw)
    sheet = load_workbook(io.BytesIO(raw))["reponses"]
    header = [c.value for c in next(sheet.iter_rows())]
    loyers = {row[header.index("loyer")].value for row in sheet.iter_rows(min_row=2)}
    assert loyers == {NEGATIVE_NUMBER}
    comments = [row[header.index("commentaire")].value for row in sheet.iter_rows(min_row=2)]
    assert any(c.endswith(exports.TRUNCATED) for c in comments)
    assert "avant\ufffdaprès\ufffd\ufffd" in comments


def test_parquet_export_keeps_the_cleaned_text(campaign):
    archive = zipfile.ZipFile(io.BytesIO(exports.export_parquet_zip(campaign)))
    table = pq.read_table(io.BytesIO(archive.read("reponses.parquet"))).to_pylist()
    comments = {row["commentaire"] for row in table}
    assert BIG in comments
    assert "avant\ufffdaprès\ufffd\ufffd" in comments
    if connection.vendor != "postgresql":
        assert "surrogate \ufffd seul" in comments
    book = pq.read_table(io.BytesIO(archive.read("codebook.parquet"))).to_pylist()
    assert any(row["libelle_reponse"] == "@SUM(A1)" for row in book)


def test_open_data_of_hostile_answers(campaign):
    archive = zipfile.ZipFile(io.BytesIO(exports.open_data_csv_zip(campaign)))
    rows = assert_csv_safe(archive.read("hostile-indicateurs.csv"))
    assert len(rows) > 10  # the analysis ran: indicators are published
    json.dumps(exports.open_data_json(campaign), ensure_ascii=False).encode("utf-8")


def test_exports_and_open_data_through_the_pages(client, campaign, arras, make_member):
    client.force_login(make_member(arras, Role.PROJECT_LEAD))
    for fmt in ("csv", "xlsx", "parquet"):
        response = client.get(reverse("barometer_export", args=[campaign.slug, fmt]))
        assert response.status_code == 200, fmt
        if fmt == "xlsx":
            assert_xlsx_safe(response.content)
        elif fmt == "csv":
            archive = zipfile.ZipFile(io.BytesIO(response.content))
            assert_csv_safe(archive.read("reponses.csv"))
    opened = client.get(reverse("barometer_open_data", args=[campaign.slug, "csv"]))
    assert opened.status_code == 200
    assert client.get(reverse("barometer_open_data", args=[campaign.slug, "json"])).json()


def test_open_data_of_a_campaign_without_answers_says_so(client, arras, make_member):
    empty = CampaignFactory(territory=arras)
    client.force_login(make_member(arras, Role.PARTNER))
    data = client.get(reverse("barometer_open_data", args=[empty.slug, "json"])).json()
    assert data["indicateurs"] == []
    assert "aucune réponse" in data["note"]
    response = client.get(reverse("barometer_open_data", args=[empty.slug, "csv"]))
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert "aucune réponse" in archive.read("LISEZMOI.txt").decode()
    header = archive.read(f"{empty.slug}-indicateurs.csv").decode().splitlines()
    assert header[0].startswith("indicateur,libelle")
    assert len(header) == 1


@given(st.text(max_size=200) | st.integers() | st.lists(st.text(max_size=20), max_size=3))
def test_any_value_becomes_a_writable_cell(value):
    cell = exports.plain_value(value)
    csv_cell = exports._csv_bytes(["x"], [{"x": cell}]).decode("utf-8")
    xlsx_cell = exports._xlsx_cell(cell)
    if isinstance(cell, str):
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]", cell)
        assert not xlsx_cell.startswith(FORMULA_STARTS)
    else:
        assert xlsx_cell == value
    next(csv.reader(io.StringIO(csv_cell)))
