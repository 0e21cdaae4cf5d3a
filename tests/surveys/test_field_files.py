"""Field files that the importer mishandled (tests/fixtures/cases/2026-11-30,
copied from shared/cases), each with the right stored result, and the other
members of each kind of fault."""

import csv
import datetime
import io
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from nonrecours.accounts.enums import Role
from nonrecours.surveys import actions, coarsening, exports
from nonrecours.surveys.actions import ImportRejected
from nonrecours.surveys.enums import Channel, RevisionReason
from nonrecours.surveys.importers.files import ImportFileError, SourceFormat
from nonrecours.surveys.models import Response, ResponseRevision
from nonrecours.territories import actions as territory_actions
from tests.surveys.test_import_export import csv_file, kobo_header, kobo_row
from tests.surveys.test_questionnaire import complete_answers

pytestmark = pytest.mark.django_db
CASES = Path(__file__).resolve().parents[1] / "fixtures" / "cases" / "2026-11-30"
UTC = datetime.UTC
NOW = datetime.datetime(2026, 11, 30, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def make_campaign(territory, slug="terrain-2026", questionnaire=None):
    return actions.campaign_create(
        territory=territory, slug=slug, name=slug, starts_on=datetime.date(2026, 9, 1),
        ends_on=datetime.date(2026, 11, 30), channels=[Channel.IMPORT],
        questionnaire=questionnaire,
    )  # fmt: skip


@pytest.fixture
def campaign(arras):
    return make_campaign(arras)


def run(campaign, name, source=SourceFormat.KOBO, **options):
    with (CASES / name).open("rb") as stream:
        return actions.responses_import(
            campaign=campaign, stream=stream, filename=name, source=source, **options
        )


def import_rows(campaign, header, rows, filename, **options):
    """Import KoboToolbox ``rows`` (dicts by ``header`` name) as the file ``filename``."""
    return actions.responses_import(
        campaign=campaign, stream=csv_file(header, rows), filename=filename,
        source=SourceFormat.KOBO, **options,
    )  # fmt: skip


# --- submission identity ------------------------------------------------------


def test_central_edit_replaces_the_earlier_version_everywhere(campaign):
    first = run(campaign, "03a-odk-central-before-edit.csv")
    assert (first.created, first.already_present, first.modified) == (2, 0, 0)
    second = run(campaign, "03b-odk-central-after-edit.csv")
    assert (second.created, second.already_present, second.modified) == (0, 1, 1)
    assert "1 modifiée" in str(second)
    assert campaign.responses.count() == 2
    edited = campaign.responses.get(commune__insee_code="62004")
    assert edited.answers["situation_financiere"] == "difficile"
    assert edited.answers["strategies"] == ["epargne"]
    assert edited.source_version == "bbbb0001-9999-4222-8333-444455556666"
    assert edited.review_state == "modifiée dans ODK Central"
    earlier = ResponseRevision.objects.get()
    assert earlier.reason == RevisionReason.REPLACED
    assert earlier.idempotency_key == edited.idempotency_key
    assert earlier.answers["situation_financiere"] == "ca_va"
    assert earlier.source_version == "aaaa0001-1111-4222-8333-444455556666"
    # The exports (and so every analysis) read the current version only.
    current = [r.answers["situation_financiere"] for r in campaign.responses.all()]
    assert sorted(current) == ["ca_va", "difficile"]
    # Two answers are too few to leave in an export (coarsening.py).
    assert coarsening.export_plan(campaign).left_out == 2
    assert list(exports.rows(campaign)) == []
    # The older export imported again changes nothing.
    again = run(campaign, "03a-odk-central-before-edit.csv")
    assert (again.created, again.modified, again.already_present) == (0, 0, 1)
    assert again.older_versions == ["ligne 3"]
    edited.refresh_from_db()
    assert edited.answers["situation_financiere"] == "difficile"


def test_same_version_with_other_answers_is_refused(campaign):
    run(campaign, "03a-odk-central-before-edit.csv")
    text = (CASES / "03a-odk-central-before-edit.csv").read_text(encoding="utf-8")
    tampered = text.replace("62004,femme", "62004,homme")
    with pytest.raises(ImportRejected) as refused:
        actions.responses_import(
            campaign=campaign, stream=io.BytesIO(tampered.encode()), filename="t.csv",
            source=SourceFormat.KOBO,
        )  # fmt: skip
    assert "ligne 3 : la soumission « aaaa0001-1111-4222-8333-444455556666 » a déjà été" in str(
        refused.value
    )
    assert campaign.responses.get(commune__insee_code="62004").answers["sexe"] == "femme"


def test_kobo_edit_found_by_root_uuid_and_by_deprecated_id(campaign):
    header = kobo_header() + ["_uuid", "meta/rootUuid", "meta/deprecatedID"]
    first = kobo_row(header, complete_answers(), "v1")
    first.update({"_uuid": "v1", "meta/rootUuid": "uuid:root-1"})
    import_rows(campaign, header, [first], "a.csv")
    edit = kobo_row(header, complete_answers(sexe="homme"), "v2")
    edit.update({"_uuid": "v2", "meta/rootUuid": "uuid:root-1", "meta/deprecatedID": "uuid:v1"})
    summary = import_rows(campaign, header, [edit], "b.csv")
    assert summary.modified == 1
    # An older Kobo export without rootUuid: the edit names what it replaces.
    old_header = [h for h in header if h != "meta/rootUuid"]
    third = kobo_row(old_header, complete_answers(sexe="femme", tranche_age="45_54"), "v3")
    third.update({"_uuid": "v3", "meta/deprecatedID": "uuid:v2"})
    summary = import_rows(campaign, old_header, [third], "c.csv")
    assert (summary.created, summary.modified) == (0, 1)
    assert campaign.responses.get().answers["tranche_age"] == "45_54"
    assert ResponseRevision.objects.count() == 2


def test_two_anonymous_limesurvey_surveys_are_never_merged(campaign):
    a = run(campaign, "10a-limesurvey-anonymised-survey-A.csv", SourceFormat.LIMESURVEY,
            survey_id="111111")  # fmt: skip
    b = run(campaign, "10b-limesurvey-anonymised-survey-B.csv", SourceFormat.LIMESURVEY,
            survey_id="222222")  # fmt: skip
    assert (a.created, b.created, b.already_present) == (3, 3, 0)
    assert campaign.responses.count() == 6
    assert b.anonymised_dates == 3
    assert "anonymisée" in str(b)
    assert sorted({r.answers["sexe"] for r in campaign.responses.all()}) == ["femme", "homme"]
    # The same file again: nothing added.
    again = run(campaign, "10b-limesurvey-anonymised-survey-B.csv", SourceFormat.LIMESURVEY,
                survey_id="222222")  # fmt: skip
    assert (again.created, again.already_present) == (0, 3)


def test_limesurvey_without_survey_id_is_refused(campaign):
    with pytest.raises(ImportFileError, match="identifiant de l'enquête LimeSurvey"):
        run(campaign, "10b-limesurvey-anonymised-survey-B.csv", SourceFormat.LIMESURVEY)
    assert not Response.objects.exists()


def test_limesurvey_same_survey_id_for_two_surveys_is_refused_not_merged(campaign):
    run(campaign, "10a-limesurvey-anonymised-survey-A.csv", SourceFormat.LIMESURVEY,
        survey_id="111111")  # fmt: skip
    with pytest.raises(ImportRejected, match="vérifiez l'identifiant d'enquête"):
        run(campaign, "10b-limesurvey-anonymised-survey-B.csv", SourceFormat.LIMESURVEY,
            survey_id="111111")  # fmt: skip
    assert {r.answers["sexe"] for r in campaign.responses.all()} == {"femme"}


def test_limesurvey_survey_id_read_from_the_default_export_name(campaign):
    data = (CASES / "10a-limesurvey-anonymised-survey-A.csv").read_bytes()
    summary = actions.responses_import(
        campaign=campaign, stream=io.BytesIO(data), filename="results-survey482913.csv",
        source=SourceFormat.LIMESURVEY,
    )  # fmt: skip
    assert summary.created == 3
    assert Response.objects.filter(idempotency_key__contains=":482913:").count() == 3


def test_exact_duplicate_counted_once_and_conflicting_duplicate_refused(campaign):
    header = kobo_header()
    row = kobo_row(header, complete_answers(), "dup-1")
    summary = import_rows(campaign, header, [row, dict(row)], "d.csv")
    assert (summary.rows, summary.created) == (2, 1)
    assert summary.duplicates == ["ligne 3 (copie de la ligne 2)"]
    other = kobo_row(header, complete_answers(sexe="homme"), "dup-2")
    conflicting = kobo_row(header, complete_answers(sexe="femme"), "dup-2")
    with pytest.raises(ImportRejected, match="lignes 2 et 3 : même identifiant"):
        import_rows(campaign, header, [other, conflicting], "e.csv")
    assert campaign.responses.count() == 1


# --- headers on their whole path ------------------------------------------------


def test_local_question_named_like_a_choice_is_read_from_its_own_column(arras):
    version = actions.questionnaire_version_add_module(
        territory=arras,
        module_yaml=(CASES / "11-local-module-cheque-energie.yaml").read_text(encoding="utf-8"),
        source="11-local-module-cheque-energie.yaml",
    )
    campaign = make_campaign(arras, questionnaire=version)
    summary = run(campaign, "11-kobo-local-question-named-like-a-choice.csv")
    assert summary.created == 2
    by_commune = {r.commune.insee_code: r.answers for r in campaign.responses.all()}
    assert by_commune["62041"]["cheque_energie"] == "0"
    assert by_commune["62004"]["cheque_energie"] == "1"
    assert by_commune["62041"]["prestations_connues"] == ["rsa", "cheque_energie"]
    assert by_commune["62004"]["prestations_connues"] == ["css"]


def test_ambiguous_headers_name_both_columns(arras):
    version = actions.questionnaire_version_add_module(
        territory=arras,
        module_yaml=(CASES / "11-local-module-cheque-energie.yaml").read_text(encoding="utf-8"),
        source="m.yaml",
    )
    campaign = make_campaign(arras, questionnaire=version)
    text = (CASES / "11-kobo-local-question-named-like-a-choice.csv").read_text(encoding="utf-8")
    doubled = text.replace('"_id";', '"cheque_energie";"_id";', 1)
    doubled = "\n".join(
        line if i == 0 else line.replace('"1000";', '"0";"1000";').replace('"1001";', '"1";"1001";')
        for i, line in enumerate(doubled.splitlines())
    )
    with pytest.raises(ImportFileError) as refused:
        actions.responses_import(
            campaign=campaign, stream=io.BytesIO(doubled.encode()), filename="x.csv",
            source=SourceFormat.KOBO,
        )  # fmt: skip
    assert "« energie/cheque_energie » et « cheque_energie »" in str(refused.value)
    assert not Response.objects.exists()


@pytest.mark.parametrize("separator", [".", ":", "-"])
def test_every_group_separator_is_read(campaign, separator):
    header = kobo_header(separator)
    row = kobo_row(
        header,
        complete_answers(situation_financiere="difficile", strategies=["epargne"]),
        "sep-1",
        separator,
    )
    summary = import_rows(campaign, header, [row], "s.csv")
    assert summary.created == 1
    assert Response.objects.get().answers["strategies"] == ["epargne"]


def test_a_separator_given_by_option(campaign):
    header = kobo_header("__")
    row = kobo_row(header, complete_answers(), "sep-2", "__")
    with pytest.raises(ImportFileError, match="colonne « commune » introuvable"):
        import_rows(campaign, header, [row], "s.csv")
    summary = import_rows(campaign, header, [row], "s.csv", separator="__")
    assert summary.created == 1


def test_split_columns_disagreeing_with_their_column_are_refused(campaign):
    header = kobo_header()
    row = kobo_row(
        header,
        complete_answers(situation_financiere="difficile", strategies=["epargne"]),
        "split-1",
    )
    row["finances/strategies/credit"] = "1"
    with pytest.raises(ImportRejected, match="ne correspondent pas"):
        import_rows(campaign, header, [row], "s.csv")
    row = kobo_row(
        header,
        complete_answers(situation_financiere="difficile", strategies=["epargne"]),
        "split-2",
    )
    row["finances/strategies/credit"] = "peut-être"
    with pytest.raises(ImportRejected, match="« finances/strategies/credit » : valeur"):
        import_rows(campaign, header, [row], "s.csv")


# --- review states -----------------------------------------------------------------


def test_kobo_validation_status_leaves_rows_out_and_says_so(campaign):
    summary = run(campaign, "02-kobo-validation-status.csv")
    with (CASES / "02-kobo-validation-status.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    kept = [r for r in rows if r["_validation_status"] in ("", "validation_status_approved")]
    assert summary.rows == len(rows)
    assert summary.created == len(kept) == campaign.responses.count()
    assert summary.left_out == ["ligne 3 (non approuvée)", "ligne 4 (en attente)"]
    text = str(summary)
    assert "2 laissées de côté" in text and "--inclure-non-validees" in text
    assert "Colonnes redondantes avec la colonne « droits/prestations_connues »" in text
    assert "ignorées" not in text.split("Colonnes redondantes")[1]
    # The same submissions in another campaign are refused, never counted twice.
    with pytest.raises(ImportRejected, match="déjà été importée dans la campagne « terrain-2026 »"):
        run(make_campaign(campaign.territory, "autre"), "02-kobo-validation-status.csv")
    Response.objects.all().delete()
    included = run(make_campaign(campaign.territory, "avec-tout"), "02-kobo-validation-status.csv",
                   include_unreviewed=True)  # fmt: skip
    assert (included.created, included.left_out) == (len(rows), [])


def test_central_review_state_rejected_and_has_issues_left_out_then_withdrawn(campaign):
    summary = run(campaign, "04-odk-central-review-rejected.csv")
    assert summary.created == 1
    assert summary.left_out == ["ligne 3 (rejetée)", "ligne 4 (signalée « a des problèmes »)"]
    kept = campaign.responses.get()
    assert kept.review_state == "approuvée"
    # Rejected later in Central: the next export withdraws it from the results.
    text = (CASES / "04-odk-central-review-rejected.csv").read_text(encoding="utf-8")
    text = text.replace(",approved,", ",rejected,")
    later = actions.responses_import(
        campaign=campaign, stream=io.BytesIO(text.encode()), filename="later.csv",
        source=SourceFormat.KOBO,
    )  # fmt: skip
    assert later.withdrawn == ["ligne 2 (rejetée)"]
    assert not campaign.responses.exists()
    assert ResponseRevision.objects.get().reason == RevisionReason.WITHDRAWN


def test_unknown_review_state_is_refused(campaign):
    text = (CASES / "04-odk-central-review-rejected.csv").read_text(encoding="utf-8")
    text = text.replace(",approved,", ",peut-etre,")
    with pytest.raises(ImportRejected, match="ligne 2, colonne « ReviewState » : statut"):
        actions.responses_import(
            campaign=campaign, stream=io.BytesIO(text.encode()), filename="r.csv",
            source=SourceFormat.KOBO,
        )  # fmt: skip


def test_limesurvey_incomplete_response_is_left_out(campaign):
    text = (CASES / "09-limesurvey-y-converted-to-1.csv").read_text(encoding="utf-8")
    text = text.replace('"2";"2026-10-03 09:10:00"', '"2";""')
    summary = actions.responses_import(
        campaign=campaign, stream=io.BytesIO(text.encode()), filename="results-survey9.csv",
        source=SourceFormat.LIMESURVEY,
    )  # fmt: skip
    assert summary.created == 1
    assert summary.left_out == ["ligne 3 (réponse incomplète (jamais envoyée))"]


# --- dates and values -----------------------------------------------------------


def test_central_export_resaved_by_a_spreadsheet_keeps_its_dates(campaign):
    summary = run(campaign, "05-odk-central-excel-resaved.csv")
    assert summary.created == 2
    first = campaign.responses.get(commune__insee_code="62041")
    paris = datetime.timezone(datetime.timedelta(hours=2))
    assert first.submitted_at == datetime.datetime(2026, 10, 1, 10, 20, tzinfo=paris)
    assert first.started_at == datetime.datetime(2026, 10, 1, 10, 0, tzinfo=paris)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2026-10-02T11:23:45+02:00", datetime.datetime(2026, 10, 2, 9, 23, 45, tzinfo=UTC)),
        ("2026-10-02T09:23:45Z", datetime.datetime(2026, 10, 2, 9, 23, 45, tzinfo=UTC)),
        ("2026-10-02 11:23:45", datetime.datetime(2026, 10, 2, 9, 23, 45, tzinfo=UTC)),
        ("2026-10-02T11:23:45.123", datetime.datetime(2026, 10, 2, 9, 23, 45, 123000, tzinfo=UTC)),
        ("02/10/2026 11:23:45", datetime.datetime(2026, 10, 2, 9, 23, 45, tzinfo=UTC)),
        ("02/10/2026 11:23", datetime.datetime(2026, 10, 2, 9, 23, tzinfo=UTC)),
        ("2/10/2026 11:23", datetime.datetime(2026, 10, 2, 9, 23, tzinfo=UTC)),
        ("02/10/26 11:23", datetime.datetime(2026, 10, 2, 9, 23, tzinfo=UTC)),
        ("02/10/2026", datetime.datetime(2026, 10, 1, 22, 0, tzinfo=UTC)),
        (
            "46297.5",
            datetime.datetime(2026, 10, 2, 10, 0, tzinfo=UTC),
        ),  # serial number, noon in Paris
        ("46297,5", datetime.datetime(2026, 10, 2, 10, 0, tzinfo=UTC)),
    ],
)
def test_every_date_format_is_read(campaign, cell, expected):
    header = kobo_header()
    row = kobo_row(header, complete_answers(), "date-1")
    row["end"] = cell
    import_rows(campaign, header, [row], "d.csv")
    assert Response.objects.get().submitted_at == expected


@pytest.mark.parametrize(
    "cell", ["demain", "31/02/2026 10:00", "0001-01-01T00:00:00", "9999-12-31T23:59:59+14:00",
             "1999-12-31T10:00:00", "2027-01-01T10:00:00", "99999999", "2026-13-01"],
)  # fmt: skip
def test_unreadable_or_implausible_dates_refuse_the_row_with_line_and_column(campaign, cell):
    header = kobo_header()
    rows = [kobo_row(header, complete_answers(), "ok"), kobo_row(header, complete_answers(), "x")]
    rows[1]["start"] = cell
    with pytest.raises(ImportRejected) as refused:
        import_rows(campaign, header, rows, "d.csv")
    assert "ligne 3, colonne « start » : " in str(refused.value)
    assert not Response.objects.exists()


def test_an_empty_submission_date_is_refused_never_now(campaign):
    header = kobo_header()
    row = kobo_row(header, complete_answers(), "empty-date")
    row["end"] = ""
    row["_submission_time"] = ""
    with pytest.raises(ImportRejected, match="ligne 2 : date de soumission absente"):
        import_rows(campaign, header, [row], "d.csv")


def test_limesurvey_y_converted_to_1_reads_like_y(campaign):
    summary = run(campaign, "09-limesurvey-y-converted-to-1.csv", SourceFormat.LIMESURVEY,
                  survey_id="123")  # fmt: skip
    assert summary.created == 2
    answers = campaign.responses.get(commune__insee_code="62041").answers
    assert answers["prestations_connues"] == ["rsa", "css"]
    assert answers["prestations_percues"] == ["aucune"]


def test_kobo_xlsx_with_commune_codes_stored_as_numbers(db):
    ain = territory_actions.territory_import(siren="240100750").territory
    campaign = make_campaign(ain, "ain-2026")
    summary = run(campaign, "06-kobo-xlsx-numbers-leading-zero.xlsx")
    assert summary.created == 2
    assert sorted(r.commune.insee_code for r in campaign.responses.all()) == ["01071", "01078"]
    assert summary.restored_codes == [
        "ligne 2 : code commune « 1071 » lu comme « 01071 »",
        "ligne 3 : code commune « 1078 » lu comme « 01078 »",
    ]
    assert "zéro initial" in str(summary)
    # Typed date cells are read as the device's local time.
    first = campaign.responses.get(commune__insee_code="01071")
    assert first.started_at == datetime.datetime(2026, 10, 1, 8, 0, tzinfo=datetime.UTC)


def test_xlsx_typed_cells_and_serial_dates(campaign):
    header = kobo_header()
    row = kobo_row(
        header, complete_answers(situation_financiere="difficile", strategies=["epargne"]), "xlsx-1"
    )
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    values = []
    for column in header:
        value = row[column]
        if column == "end":
            value = datetime.datetime(2026, 10, 2, 11, 0)  # noqa: DTZ001 (a typed cell)
        elif column == "start":
            value = 46297.375  # 2026-10-02 09:00 as a serial number
        elif value in ("0", "1"):
            value = value == "1"  # booleans typed by a spreadsheet
        values.append(value)
    sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    actions.responses_import(
        campaign=campaign, stream=buffer, filename="k.xlsx", source=SourceFormat.KOBO
    )
    stored = Response.objects.get()
    assert stored.answers["strategies"] == ["epargne"]
    assert stored.submitted_at == datetime.datetime(2026, 10, 2, 9, 0, tzinfo=datetime.UTC)
    assert stored.started_at == datetime.datetime(2026, 10, 2, 7, 0, tzinfo=datetime.UTC)


# --- collector ------------------------------------------------------------------


def test_collector_linked_to_the_agent_account_or_kept_as_text(arras, make_member):
    agent = make_member(arras, Role.FIELD_AGENT)
    campaign = make_campaign(arras)
    header = kobo_header() + ["_submitted_by"]
    mine = kobo_row(header, complete_answers(), "c-1")
    mine["_submitted_by"] = agent.username.upper()
    stranger = kobo_row(header, complete_answers(), "c-2")
    stranger["_submitted_by"] = "tablette-arras-1"
    summary = import_rows(campaign, header, [mine, stranger], "c.csv")
    assert summary.collectors_linked == 1
    linked = campaign.responses.get(idempotency_key__endswith=":c-1")
    assert (linked.agent, linked.collector) == (agent, agent.username.upper())
    other = campaign.responses.get(idempotency_key__endswith=":c-2")
    assert (other.agent, other.collector) == (None, "tablette-arras-1")
    central = run(make_campaign(arras, "central"), "03a-odk-central-before-edit.csv")
    assert central.created == 2
    collectors = Response.objects.filter(campaign__slug="central").values_list("collector")
    assert set(collectors) == {("tablette-arras-1",)}


# --- command line -------------------------------------------------------------


def test_command_line_options(campaign, capsys):
    path = CASES / "02-kobo-validation-status.csv"
    call_command("responses", "import", str(path), "--campaign", campaign.slug)
    out = capsys.readouterr().out
    assert "laissées de côté" in out
    Response.objects.all().delete()
    other = make_campaign(campaign.territory, "cli-tout")
    call_command("responses", "import", str(path), "--campaign", other.slug,
                 "--inclure-non-validees")  # fmt: skip
    assert other.responses.count() == 3
    lime = CASES / "10a-limesurvey-anonymised-survey-A.csv"
    with pytest.raises(CommandError, match="identifiant de l'enquête LimeSurvey"):
        call_command("responses", "import", str(lime), "--campaign", campaign.slug,
                     "--source", "limesurvey")  # fmt: skip
    call_command("responses", "import", str(lime), "--campaign", campaign.slug,
                 "--source", "limesurvey", "--enquete-limesurvey", "111111")  # fmt: skip
    assert "3 réponses ajoutées" in capsys.readouterr().out


# --- the import page --------------------------------------------------------------


def test_import_page_options_and_summary(client, campaign, make_member):
    from html import unescape

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client.force_login(make_member(campaign.territory, Role.PROJECT_LEAD))
    url = reverse("barometer_import", args=[campaign.slug])
    page = client.get(url)
    assert "Identifiant de l'enquête LimeSurvey" in unescape(page.text)
    lime = (CASES / "10a-limesurvey-anonymised-survey-A.csv").read_bytes()
    refused = client.post(url, {"source": "limesurvey", "file": SimpleUploadedFile("a.csv", lime)})
    assert refused.status_code == 422
    assert "indiquez l'identifiant de l'enquête LimeSurvey" in unescape(refused.text)
    bad_id = client.post(
        url, {"source": "limesurvey", "survey_id": "1 2", "file": SimpleUploadedFile("a.csv", lime)}
    )
    assert "Chiffres, lettres, - ou _ seulement" in unescape(bad_id.text)
    done = client.post(
        url,
        {"source": "limesurvey", "survey_id": "111111", "file": SimpleUploadedFile("a.csv", lime)},
        follow=True,
    )
    assert "3 réponses ajoutées" in unescape(done.text)
    kobo = (CASES / "02-kobo-validation-status.csv").read_bytes()
    left_out = client.post(
        url, {"source": "kobo", "file": SimpleUploadedFile("k.csv", kobo)}, follow=True
    )
    assert "ligne 3 (non approuvée)" in unescape(left_out.text)
    assert "Colonnes redondantes avec la colonne" in unescape(left_out.text)
    included = client.post(
        url,
        {"source": "kobo", "include_unreviewed": "on", "file": SimpleUploadedFile("k.csv", kobo)},
        follow=True,
    )
    assert "2 réponses ajoutées, 1 déjà présente" in unescape(included.text)


# --- versions in any order (review of 2026-11-30) ----------------------------------


def text_of(name):
    return (CASES / name).read_text(encoding="utf-8")


def import_text(campaign, text, name="f.csv", source=SourceFormat.KOBO, **options):
    return actions.responses_import(
        campaign=campaign, stream=io.BytesIO(text.encode("utf-8")), filename=name,
        source=source, **options,
    )  # fmt: skip


def test_an_older_central_export_never_undoes_a_correction(campaign):
    run(campaign, "03b-odk-central-after-edit.csv")
    older = run(campaign, "03a-odk-central-before-edit.csv")
    assert (older.modified, older.older_versions) == (0, ["ligne 3"])
    edited = campaign.responses.get(commune__insee_code="62004")
    assert edited.answers["situation_financiere"] == "difficile"
    again = run(campaign, "03b-odk-central-after-edit.csv")
    assert (again.already_present, again.modified) == (2, 0)


def test_central_edits_count_orders_two_corrections(campaign):
    second = (
        text_of("03b-odk-central-after-edit.csv")
        .replace("bbbb0001-9999", "cccc0002-9999")
        .replace(",edited,collect:abc,1,", ",edited,collect:abc,2,")
        .replace("difficile,", "tres_difficile,")
    )
    import_text(campaign, second, "v2.csv")
    first = import_text(campaign, text_of("03b-odk-central-after-edit.csv"), "v1.csv")
    assert (first.modified, first.older_versions) == (0, ["ligne 3"])
    stored = campaign.responses.get(commune__insee_code="62004")
    assert stored.answers["situation_financiere"] == "tres_difficile"


KOBO_HEADER = kobo_header() + ["_uuid", "meta/deprecatedID"]


def kobo_version(uuid, previous="", **answers):
    row = kobo_row(KOBO_HEADER, complete_answers(**answers), uuid)
    row.update({"_uuid": uuid, "meta/deprecatedID": f"uuid:{previous}" if previous else ""})
    return row


def kobo_import(campaign, *rows):
    return import_rows(campaign, KOBO_HEADER, list(rows), "k.csv")


def test_kobo_edit_chains_without_root_uuid_never_duplicate(campaign):
    v1 = kobo_version("u-A")
    v2 = kobo_version("u-B", "u-A", situation_financiere="a_l_aise")
    v3 = kobo_version("u-C", "u-B", situation_financiere="difficile", strategies=["epargne"])
    kobo_import(campaign, v1)
    assert kobo_import(campaign, v2).modified == 1
    assert kobo_import(campaign, v2).already_present == 1  # the same edit again
    assert kobo_import(campaign, v1).older_versions == ["ligne 2"]  # the original again
    assert kobo_import(campaign, v3).modified == 1
    assert campaign.responses.count() == 1
    assert campaign.responses.get().answers["situation_financiere"] == "difficile"


def test_kobo_edit_with_unchanged_answers_keeps_the_chain(campaign):
    kobo_import(campaign, kobo_version("u-A"))
    assert kobo_import(campaign, kobo_version("u-B", "u-A")).already_present == 1
    assert kobo_import(campaign, kobo_version("u-C", "u-B", sexe="homme")).modified == 1
    assert campaign.responses.count() == 1


def test_kobo_newer_then_older_and_both_in_one_file(campaign):
    kobo_import(campaign, kobo_version("u-B", "u-A", situation_financiere="a_l_aise"))
    assert kobo_import(campaign, kobo_version("u-A")).older_versions == ["ligne 2"]
    assert campaign.responses.get().answers["situation_financiere"] == "a_l_aise"
    with pytest.raises(ImportRejected, match="deux versions de la même soumission"):
        kobo_import(
            make_campaign(campaign.territory, "autre"),
            kobo_version("x-A"),
            kobo_version("x-B", "x-A", sexe="homme"),
        )


LIME = "09-limesurvey-y-converted-to-1.csv"


def test_limesurvey_versions_ordered_by_their_dates_not_their_text(campaign):
    newer = text_of(LIME).replace(
        '"2026-10-02 11:23:45";"62041";"A1"', '"06/10/2026 09:00";"62041";"A2"'
    )
    assert import_text(campaign, newer, "results-survey7.csv", SourceFormat.LIMESURVEY).created == 2
    older = text_of(LIME).replace('"2026-10-02 11:23:45";"62041"', '"2026-10-04 09:00:00";"62041"')
    summary = import_text(campaign, older, "results-survey7.csv", SourceFormat.LIMESURVEY)
    assert summary.older_versions == ["ligne 2"]
    assert campaign.responses.get(commune__insee_code="62041").answers["sexe"] == "homme"
    bad = text_of(LIME).replace('"2026-10-02 11:23:45";"62041"', '"pas une date";"62041"')
    with pytest.raises(ImportRejected, match="ligne 2, colonne « datestamp » : date"):
        import_text(campaign, bad, "results-survey7.csv", SourceFormat.LIMESURVEY)


def test_limesurvey_incomplete_included_is_dated_by_its_last_action(campaign):
    text = text_of(LIME).replace('"2";"2026-10-03 09:10:00"', '"2";""')
    summary = import_text(campaign, text, "results-survey9.csv", SourceFormat.LIMESURVEY,
                          include_unreviewed=True)  # fmt: skip
    assert summary.created == 2
    incomplete = campaign.responses.get(commune__insee_code="62004")
    paris = datetime.timezone(datetime.timedelta(hours=2))
    assert incomplete.submitted_at == datetime.datetime(2026, 10, 3, 9, 10, tzinfo=paris)
    without = "\n".join(
        ";".join(c for i, c in enumerate(line.split(";")) if i != 1)
        for line in text_of(LIME).splitlines()
    )
    with pytest.raises(ImportFileError, match="colonne « submitdate »"):
        import_text(campaign, without, "results-survey9.csv", SourceFormat.LIMESURVEY)


def test_an_edited_export_of_the_campaign_never_rewrites_collected_answers(campaign):
    for n in range(coarsening.EXPORT_MIN_GROUP):  # fewer would not be exported
        actions.response_submit(
            campaign=campaign, answers=complete_answers(), channel=Channel.DOOR_TO_DOOR,
            idempotency_key=f"porte-{n}", submitted_at=NOW - datetime.timedelta(days=30),
        )  # fmt: skip
    exported = exports.export_csv_zip(campaign)
    import zipfile

    text = zipfile.ZipFile(io.BytesIO(exported)).read("reponses.csv").decode("utf-8-sig")
    assert import_text(campaign, text, "reponses.csv").already_present == 5
    edited = text.replace(",ca_va,", ",a_l_aise,", 1)
    with pytest.raises(ImportRejected, match="saisie .* dans nonrecours ; un import ne la modifie"):
        import_text(campaign, edited, "reponses.csv")
    assert {r.answers["situation_financiere"] for r in campaign.responses.all()} == {"ca_va"}


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("KEY", "uuid:x\x00y", "colonne « KEY » : identifiant invalide"),
        ("SubmitterName", "bob\x00evil", "colonne « SubmitterName »"),
        ("SubmitterName", "bob\u202eevil\nx", "colonne « SubmitterName »"),
        ("SubmitterName", "x" * 151, "colonne « SubmitterName »"),
        ("meta-instanceID", "uuid:" + "v" * 200, "identifiant invalide"),
        ("Edits", "beaucoup", "colonne « Edits »"),
    ],
)
def test_hostile_ids_and_collectors_are_refused_with_line_and_column(
    campaign, column, value, message
):
    text = text_of("03a-odk-central-before-edit.csv")
    with (CASES / "03a-odk-central-before-edit.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rows[1][column] = value
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    assert text.count("\n") == 3
    with pytest.raises(ImportRejected) as refused:
        import_text(campaign, buffer.getvalue())
    assert "ligne 3" in str(refused.value) and message in str(refused.value)
    assert not Response.objects.exists()


def test_extra_groups_and_extra_cells_never_lose_an_answer(campaign):
    text = text_of("03a-odk-central-before-edit.csv")
    nested = text.replace("situation-loyer", "x-situation-loyer", 1)
    with pytest.raises(ImportFileError, match="« x-situation-loyer » portent le nom d'une"):
        import_text(campaign, nested)
    wrapped = text.replace("profil-commune", "barometre-profil-commune", 1)
    with pytest.raises(ImportFileError, match="« barometre-profil-commune » a un chemin"):
        import_text(campaign, wrapped)
    lines = text.splitlines()
    lines[2] += ",999"
    with pytest.raises(ImportRejected, match="ligne 3 : 42 cellules pour 41 colonnes"):
        import_text(campaign, "\n".join(lines))
    assert not Response.objects.exists()
    # A row cut short (a download stopped mid-row): its last answers would
    # be read as « no answer ».
    cut = text.splitlines()
    cut[2] = cut[2].rsplit(",", 5)[0]
    with pytest.raises(ImportRejected, match="ligne 3 : 36 cellule\\(s\\) pour 41 colonnes"):
        import_text(campaign, "\n".join(cut))
    assert not Response.objects.exists()


def test_headers_in_capitals_french_review_labels_and_unknown_options(campaign):
    text = text_of("04-odk-central-review-rejected.csv").replace("profil-sexe", "Profil-Sexe")
    text = text.replace(",approved,", ",Approuvée,").replace(",rejected,", ",Rejetée,")
    text = text.replace(",hasIssues,", ",A des problèmes,")
    summary = import_text(campaign, text)
    assert summary.created == 1 and len(summary.left_out) == 2
    header = kobo_header() + ["droits/prestations_connues/autre"]
    row = kobo_row(header, complete_answers(), "opt-1")
    row["droits/prestations_connues/autre"] = "0"
    done = import_rows(campaign, header, [row], "o.csv")
    assert "options inconnues du questionnaire, vérifiées vides" in str(done)
    row = kobo_row(header, complete_answers(), "opt-2")
    row["droits/prestations_connues/autre"] = "1"
    with pytest.raises(ImportRejected, match="l'option « autre » de « prestations_connues »"):
        import_rows(campaign, header, [row], "o.csv")


def test_answers_outside_the_campaign_are_listed_by_line(campaign):
    text = text_of("05-odk-central-excel-resaved.csv").replace(
        "02/10/2026 10:20", "10/1/2026 10:20"
    )
    summary = import_text(campaign, text)
    assert summary.outside_period == ["ligne 3"]
    assert "10/1 comme le 10 janvier" in str(summary)
