"""No call-back request can be tied back to its answers through the answers
export (issue #12): the join attack rebuilt on the demo data, and the
coarsening rule checked on random campaigns."""

import csv
import datetime
import io
import zipfile
from collections import Counter
from io import StringIO

import pyarrow.parquet as pq
import pytest
from django.core.management import call_command
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from nonrecours.surveys import coarsening, exports
from nonrecours.surveys.contacts import week_of
from nonrecours.surveys.models import Campaign, Contact

WEEK = datetime.timedelta(days=6)


def compatible(rows, commune, stratum, monday):
    """The export rows a call-back request (its commune, its stratum, its
    week) may be: same commune or commune withheld (same or no stratum),
    period overlapping the week."""
    return [
        row
        for row in rows
        if (
            row["commune_nom"] == commune
            or (row["commune_nom"] == "" and row["strate"] in (stratum, ""))
        )
        and datetime.date.fromisoformat(row["start"]) <= monday + WEEK
        and datetime.date.fromisoformat(row["end"]) >= monday
    ]


@pytest.fixture
def demo(db, arras):
    call_command("demo", "--responses", "300", "--seed", "1", stdout=StringIO())
    return Campaign.objects.get(slug="demo-2024")


def test_the_join_attack_on_the_demo_finds_no_one(demo):
    contacts = list(Contact.objects.filter(campaign=demo).select_related("commune"))
    assert len(contacts) > 10
    # What the attack found before: the commune, the week and the flag of
    # the stored answers pick out most requests.
    stored = Counter(
        (
            r.commune_id,
            week_of(timezone.localdate(r.submitted_at)),
            r.answers["consentement_recontact"],
        )
        for r in demo.responses.all()
    )
    before = [c for c in contacts if stored[(c.commune_id, c.received_on, "oui")] == 1]
    assert len(before) > len(contacts) // 2
    archive = zipfile.ZipFile(io.BytesIO(exports.export_csv_zip(demo)))
    rows = list(csv.DictReader(io.StringIO(archive.read("reponses.csv").decode("utf-8"))))
    assert "consentement_recontact" not in rows[0]
    assert not {"contact_telephone", "contact_email"} & set(rows[0])
    assert all(len(row["start"]) == len(row["end"]) == 10 for row in rows)  # dates, no time
    candidates = [
        len(compatible(rows, c.commune.name, c.commune.stratum, c.received_on)) for c in contacts
    ]
    assert 1 not in candidates
    assert min(candidates) >= coarsening.EXPORT_MIN_GROUP
    readme = archive.read("LISEZMOI.txt").decode()
    assert "aucune réponse n'est datée à l'heure près" in readme


def test_rows_say_nothing_of_the_order_of_arrival(demo):
    rows = exports.rows(demo)
    ids = [row["_uuid"] for row in rows]
    keys = set(demo.responses.values_list("idempotency_key", flat=True))
    assert not keys & set(ids) and all(i.startswith("nr-") for i in ids)
    assert (
        len(set(ids)) == len(ids) == demo.responses.count() - coarsening.export_plan(demo).left_out
    )
    # By commune, then by id: the order of the ids within a commune.
    rows = list(exports.rows(demo))
    by_commune: dict[str, list[str]] = {}
    for row in rows:
        by_commune.setdefault(row["commune_nom"], []).append(row["_uuid"])
    assert all(ids == sorted(ids) for ids in by_commune.values())
    named = [row["commune_nom"] for row in rows if row["commune_nom"]]
    assert named == sorted(named)
    assert [row["_uuid"] for row in exports.rows(demo)] == [row["_uuid"] for row in rows]  # stable


def test_no_format_carries_the_call_back_questions(demo):
    book = load_workbook(io.BytesIO(exports.export_xlsx(demo)), read_only=True)
    header = [c.value for c in next(book["reponses"].iter_rows())]
    codebook = {row[0].value for row in book["codebook"].iter_rows(min_row=2)}
    archive = zipfile.ZipFile(io.BytesIO(exports.export_parquet_zip(demo)))
    table = pq.read_table(io.BytesIO(archive.read("reponses.parquet")))
    for names in (set(header), codebook, set(table.column_names)):
        assert not names & {"consentement_recontact", "contact_telephone", "contact_email"}
        assert "situation_financiere" in names


DAYS = st.integers(min_value=0, max_value=120)
START = datetime.date(2026, 9, 1)


@st.composite
def campaigns(draw):
    """Random answers: a few communes (each in a stratum), random days."""
    strata = draw(st.lists(st.sampled_from("abc"), min_size=1, max_size=8))
    answers = draw(
        st.lists(st.tuples(st.integers(0, len(strata) - 1), DAYS), min_size=1, max_size=60)
    )
    return [
        coarsening.Answer(pk, commune, strata[commune], START + datetime.timedelta(days=day))
        for pk, (commune, day) in enumerate(answers)
    ]


@settings(max_examples=300, deadline=None)
@given(campaigns(), st.integers(min_value=2, max_value=6))
def test_no_request_points_to_fewer_than_the_minimum(answers, minimum):
    today = START + datetime.timedelta(days=121)
    placed = coarsening.places(answers, today=today, minimum=minimum)
    rows = [
        {
            "commune_nom": str(a.commune) if placed[a.pk].commune_shown else "",
            "strate": a.stratum if placed[a.pk].stratum_shown else "",
            "start": placed[a.pk].start.isoformat(),
            "end": placed[a.pk].end.isoformat(),
        }
        for a in answers
        if a.pk in placed
    ]
    for answer in answers:  # every answer may have left a call-back request
        if answer.pk in placed:
            place = placed[answer.pk]
            assert place.start <= answer.day <= place.end  # the period is true
        found = compatible(rows, str(answer.commune), answer.stratum, week_of(answer.day))
        assert len(found) not in range(1, minimum)  # none, or at least `minimum`
    left_out = len(answers) - len(placed)
    assert left_out < minimum


def test_the_export_page_gives_the_coarsened_file(client, demo, make_member):
    from django.urls import reverse

    from nonrecours.accounts.enums import Role

    client.force_login(make_member(demo.territory, Role.PROJECT_LEAD))
    response = client.get(reverse("barometer_export", args=[demo.slug, "csv"]))
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    header = archive.read("reponses.csv").decode("utf-8").splitlines()[0].split(",")
    assert "consentement_recontact" not in header and "_uuid" in header
