"""Imports from KoboToolbox / ODK Central / LimeSurvey, and exports."""

import csv
import datetime
import io
import re
import zipfile
from collections import Counter
from io import StringIO

import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from nonrecours.surveys import actions, coarsening, exports
from nonrecours.surveys.actions import ImportRejected
from nonrecours.surveys.enums import Channel
from nonrecours.surveys.importers.files import ImportFileError, SourceFormat
from nonrecours.surveys.models import Campaign, Contact, Response
from nonrecours.surveys.questionnaire import default_questionnaire
from tests.factories import CampaignFactory, ResponseFactory
from tests.surveys.test_questionnaire import complete_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(arras):
    return actions.campaign_create(
        territory=arras, slug="kobo-2026", name="Kobo", starts_on=datetime.date(2026, 9, 1),
        ends_on=datetime.date(2026, 11, 30), channels=[Channel.IMPORT],
    )  # fmt: skip


def kobo_header(separator="/"):
    questionnaire = default_questionnaire()
    header = ["start", "end"]
    for question in questionnaire.questions:
        header.append(f"{question.section}{separator}{question.name}")
        if question.type == "select_multiple":
            header += [
                f"{question.section}{separator}{question.name}{separator}{c}"
                for c in question.codes
            ]
    return header + [f"meta{separator}instanceID", "_id", "_submission_time"]


def kobo_row(header, answers, uuid, separator="/"):
    row = {}
    for column in header:
        parts = column.split(separator)
        if column == f"meta{separator}instanceID":
            row[column] = f"uuid:{uuid}"
        elif column == "end":
            row[column] = "2026-10-02T11:23:45.123+02:00"
        elif column == "start":
            row[column] = "2026-10-02T11:10:00.000+02:00"
        elif len(parts) == 3:  # one column per option of a multiple choice
            row[column] = "1" if parts[2] in answers.get(parts[1], []) else "0"
        elif len(parts) == 2 and parts[1] in answers:
            value = answers[parts[1]]
            row[column] = " ".join(value) if isinstance(value, list) else value
        else:
            row[column] = ""
    return row


def csv_file(header, rows, delimiter=","):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    return io.BytesIO(buffer.getvalue().encode("utf-8"))


ANSWERS = [
    complete_answers(),
    complete_answers(commune="62004", situation_financiere="difficile", strategies=["epargne"]),
    complete_answers(consentement_recontact="oui", contact_telephone="0612345678"),
]


def test_kobo_csv_imports_once(campaign):
    header = kobo_header()
    rows = [kobo_row(header, a, f"id-{i}") for i, a in enumerate(ANSWERS)]
    summary = actions.responses_import(
        campaign=campaign,
        stream=csv_file(header, rows),
        filename="kobo.csv",
        source=SourceFormat.KOBO,
    )
    assert (summary.rows, summary.created, summary.already_present) == (3, 3, 0)
    again = actions.responses_import(
        campaign=campaign,
        stream=csv_file(header, rows),
        filename="kobo.csv",
        source=SourceFormat.KOBO,
    )
    assert (again.created, again.already_present) == (0, 3)
    assert Response.objects.count() == 3
    second = Response.objects.get(commune__insee_code="62004")
    assert second.answers["strategies"] == ["epargne"]
    assert second.channel == Channel.IMPORT
    assert second.source_file == "kobo.csv" and second.source_row == 3
    assert second.submitted_at == datetime.datetime(
        2026, 10, 2, 9, 23, 45, 123000, tzinfo=datetime.UTC
    )
    assert Contact.objects.get().phone == "0612345678"


def test_odk_central_csv_with_dashes_and_only_option_columns(campaign):
    header = [
        c
        for c in kobo_header("-")
        if c
        not in ("finances-strategies", "droits-prestations_connues", "droits-prestations_percues")
    ]
    header = [h if h != "meta-instanceID" else "meta-instanceID" for h in header]
    rows = [kobo_row(header, a, f"odk-{i}", "-") for i, a in enumerate(ANSWERS)]
    summary = actions.responses_import(
        campaign=campaign,
        stream=csv_file(header, rows, ";"),
        filename="odk.csv",
        source=SourceFormat.KOBO,
    )
    assert summary.created == 3
    assert Response.objects.get(commune__insee_code="62004").answers["strategies"] == ["epargne"]


def _kobo_sheet(*above: list) -> tuple[Workbook, list[str]]:
    """A KoboToolbox XLSX export of ANSWERS, with rows `above` its header."""
    header = kobo_header()
    workbook = Workbook()
    sheet = workbook.active
    for row in [*above, header]:
        sheet.append(row)
    for i, answers in enumerate(ANSWERS):
        row = kobo_row(header, answers, f"x-{i}")
        sheet.append([row[h] for h in header])
    return workbook, header


def _import_xlsx(campaign, workbook: Workbook, filename: str = "kobo.xlsx"):
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return actions.responses_import(
        campaign=campaign, stream=buffer, filename=filename, source=SourceFormat.KOBO
    )


def test_kobo_xlsx(campaign):
    workbook, _ = _kobo_sheet()
    assert _import_xlsx(campaign, workbook).created == 3


def test_kobo_xlsx_whose_header_is_below_blank_rows(campaign):
    """As in a CSV file, the header is the first non-blank row; lines are
    the sheet's."""
    workbook, header = _kobo_sheet([], [None, " "])
    commune = workbook.active.cell(row=4, column=header.index("profil/commune") + 1)
    commune.value = "99999"
    with pytest.raises(ImportRejected, match="ligne 4, champ « commune » : Commune « 99999 »"):
        _import_xlsx(campaign, workbook)
    commune.value = "62041"
    assert _import_xlsx(campaign, workbook).created == 3


def test_an_empty_xlsx_is_said_empty(campaign):
    with pytest.raises(ImportFileError, match="^vide.xlsx : fichier vide ou sans ligne d'en-tête"):
        _import_xlsx(campaign, Workbook(), "vide.xlsx")


def test_limesurvey_csv(campaign):
    questionnaire = default_questionnaire()
    header = ["id", "submitdate", "lastpage", "startlanguage"]
    for question in questionnaire.questions:
        if question.type == "select_multiple":
            header += [f"{question.name}[{c}]" for c in question.codes]
        else:
            header.append(question.name)
    rows = []
    for i, answers in enumerate(ANSWERS, start=1):
        row = {
            "id": str(i),
            "submitdate": "2026-10-02 11:23:45",
            "lastpage": "6",
            "startlanguage": "fr",
        }
        for column in header[4:]:
            if "[" in column:
                name, code = column[:-1].split("[")
                row[column] = "Y" if code in answers.get(name, []) else ""
            else:
                value = answers.get(column, "")
                row[column] = value
        rows.append(row)
    summary = actions.responses_import(
        campaign=campaign,
        stream=csv_file(header, rows),
        filename="lime.csv",
        source=SourceFormat.LIMESURVEY,
        survey_id="123456",
    )
    assert summary.created == 3
    stored = Response.objects.get(commune__insee_code="62004")
    assert stored.answers["strategies"] == ["epargne"]
    assert stored.submitted_at.isoformat() == "2026-10-02T09:23:45+00:00"


def test_bad_rows_are_all_reported_and_nothing_is_stored(campaign):
    header = kobo_header()
    rows = [
        kobo_row(header, ANSWERS[0], "ok-1"),
        kobo_row(header, complete_answers(sexe="x"), "bad-1"),
        kobo_row(header, complete_answers(commune="75056", tranche_age=""), "bad-2"),
        kobo_row(header, ANSWERS[1], "ok-1"),
    ]
    with pytest.raises(ImportRejected) as rejected:
        actions.responses_import(
            campaign=campaign,
            stream=csv_file(header, rows),
            filename="mauvais.csv",
            source=SourceFormat.KOBO,
        )
    problems = rejected.value.problems
    assert (
        "ligne 3, champ « sexe » : Réponse « x » inconnue : "
        "choisissez parmi les réponses proposées." in problems
    )
    assert "ligne 4, champ « commune » : Commune « 75056 » inconnue dans ce territoire." in problems
    assert "ligne 4, champ « tranche_age » : Cette question est obligatoire." in problems
    assert (
        "lignes 2 et 5 : même identifiant de soumission « ok-1 » avec des réponses différentes"
        in problems
    )
    assert str(rejected.value).startswith(
        "mauvais.csv : import refusé, rien n'a été enregistré (4 problèmes)"
    )
    assert Response.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "fichier vide"),
        (b"a,b\n1,2\n", "colonne « commune » introuvable"),
        (b"commune,sexe\n62041,femme\n", "aucune colonne d'identifiant"),
        ("commune;_uuid\n62041;é\n".encode("latin-1"), "n'est pas en UTF-8"),
    ],
)
def test_unreadable_files_say_why(campaign, content, message):
    with pytest.raises(ImportFileError, match=message):
        actions.responses_import(
            campaign=campaign,
            stream=io.BytesIO(content),
            filename="f.csv",
            source=SourceFormat.KOBO,
        )


def test_export_round_trip_into_an_empty_campaign(arras):
    call_command("demo", "--responses", "80", stdout=StringIO())
    demo = Campaign.objects.get(slug="demo-2024")
    archive = zipfile.ZipFile(io.BytesIO(exports.export_csv_zip(demo)))
    assert set(archive.namelist()) == {"reponses.csv", "codebook.csv", "LISEZMOI.txt"}
    assert "SYNTHÉTIQUES" in archive.read("LISEZMOI.txt").decode()
    answers_csv = archive.read("reponses.csv")
    # The demonstration's call-back numbers (01 99 00 xx xx) never leave; the
    # whole prefix, since « 0199 » alone turns up in a random identifier
    # about once in thirty exports.
    assert b"019900" not in answers_csv
    empty = actions.campaign_create(
        territory=arras, slug="copie", name="Copie", starts_on=datetime.date(2024, 9, 2),
        ends_on=datetime.date(2024, 11, 29), channels=[Channel.IMPORT],
    )  # fmt: skip
    summary = actions.responses_import(
        campaign=empty,
        stream=io.BytesIO(answers_csv),
        filename="reponses.csv",
        source=SourceFormat.KOBO,
    )
    # The answers of communes with fewer than 5 answers leave without their
    # commune (coarsening.py): they are listed, not imported.
    shown = {
        code
        for code, n in Counter(demo.responses.values_list("commune__insee_code", flat=True)).items()
        if n >= coarsening.EXPORT_MIN_GROUP
    }
    assert 0 < summary.created < 80
    assert summary.created + len(summary.without_commune) == 80
    assert "Lignes d'un export de nonrecours sans commune" in str(summary)
    withheld = demo.questionnaire.questionnaire().contact_questions

    def answer_set(campaign):
        return sorted(
            (
                r.commune.insee_code,
                sorted((k, v) for k, v in r.answers.items() if k not in withheld),
            )
            for r in campaign.responses.select_related("commune")
            if r.commune.insee_code in shown
        )

    assert answer_set(empty) == answer_set(demo)
    # Dates come back as the end of their period: never before the answer.
    copied = sorted(r.submitted_at for r in empty.responses.all())
    assert copied[0] >= min(r.submitted_at for r in demo.responses.all()).replace(hour=0)
    codebook = list(csv.DictReader(io.StringIO(archive.read("codebook.csv").decode())))
    reasons = [c for c in codebook if c["question"] == "raison_non_recours"]
    assert {c["odenore"] for c in reasons} >= {"non_connaissance", "non_reception"}
    strategies = next(c for c in codebook if c["question"] == "strategies")
    assert strategies["indicateurs"] == "recours_aide_proches puise_dans_epargne"


def test_xlsx_and_parquet_exports(arras):
    call_command("demo", "--responses", "30", stdout=StringIO())
    demo = Campaign.objects.get(slug="demo-2024")
    workbook = load_workbook(io.BytesIO(exports.export_xlsx(demo)), read_only=True)
    assert workbook.sheetnames == ["reponses", "codebook", "lisezmoi"]
    assert len(list(workbook["reponses"].iter_rows())) == 31
    archive = zipfile.ZipFile(io.BytesIO(exports.export_parquet_zip(demo)))
    table = pq.read_table(io.BytesIO(archive.read("reponses.parquet")))
    assert table.num_rows == 30
    assert "situation_financiere" in table.column_names
    assert table.schema.metadata[b"synthetique"] == b"oui"


def test_cli_import_and_export(campaign, tmp_path):
    header = kobo_header()
    path = tmp_path / "kobo.csv"
    path.write_bytes(csv_file(header, [kobo_row(header, ANSWERS[0], "c1")]).getvalue())
    out = StringIO()
    call_command("responses", "import", str(path), "--campaign", campaign.slug, stdout=out)
    assert "1 ligne lue ; 1 réponse ajoutée, 0 déjà présente" in out.getvalue()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(
        csv_file(header, [kobo_row(header, complete_answers(sexe="?"), "c2")]).getvalue()
    )
    with pytest.raises(CommandError, match="ligne 2, champ « sexe »"):
        call_command("responses", "import", str(bad), "--campaign", campaign.slug)
    target = tmp_path / "export.xlsx"
    call_command(
        "responses",
        "export",
        "--campaign",
        campaign.slug,
        "--format",
        "xlsx",
        "--out",
        str(target),
        stdout=StringIO(),
    )
    assert target.stat().st_size > 0
    with pytest.raises(CommandError, match="Fichier introuvable"):
        call_command(
            "responses", "import", str(tmp_path / "absent.csv"), "--campaign", campaign.slug
        )


def test_reimporting_an_export_into_its_own_campaign_adds_nothing(arras):
    call_command("demo", "--responses", "25", stdout=StringIO())
    demo = Campaign.objects.get(slug="demo-2024")
    answers_csv = zipfile.ZipFile(io.BytesIO(exports.export_csv_zip(demo))).read("reponses.csv")
    summary = actions.responses_import(
        campaign=demo, stream=io.BytesIO(answers_csv), filename="r.csv", source=SourceFormat.KOBO
    )
    assert summary.created == 0 and summary.already_present > 0
    assert summary.already_present + len(summary.without_commune) == 25
    assert demo.responses.count() == 25


def test_limesurvey_ids_restart_with_each_survey(campaign):
    questions = default_questionnaire().questions
    header = ["id", "submitdate"] + [q.name for q in questions if q.type != "select_multiple"]
    header += ["prestations_connues[rsa]", "prestations_percues[aucune]"]
    singles = {k: v for k, v in complete_answers().items() if k in header}
    marks = {"prestations_connues[rsa]": "Y", "prestations_percues[aucune]": "Y"}
    for survey, date in (("111111", "2026-10-01 10:00:00"), ("222222", "2026-10-02 10:00:00")):
        row = {"id": "1", "submitdate": date, **singles, **marks}
        summary = actions.responses_import(
            campaign=campaign, stream=csv_file(header, [row]), filename="l.csv",
            source=SourceFormat.LIMESURVEY, survey_id=survey,
        )  # fmt: skip
        assert summary.created == 1
    assert campaign.responses.count() == 2


def test_kobo_server_time_without_zone_is_utc(campaign):
    header = [h for h in kobo_header() if h != "end"]
    row = kobo_row(header, ANSWERS[0], "utc-1")
    row["_submission_time"] = "2026-10-02T08:13:00"
    actions.responses_import(
        campaign=campaign,
        stream=csv_file(header, [row]),
        filename="k.csv",
        source=SourceFormat.KOBO,
    )
    assert Response.objects.get().submitted_at == datetime.datetime(
        2026, 10, 2, 8, 13, tzinfo=datetime.UTC
    )


def test_xlsx_export_never_turns_text_into_formulas(arras):
    version = actions.questionnaire_version_add_module(
        territory=arras,
        module_yaml=(
            "sections: [{name: local, questions: [{name: remarque, type: text, label: Remarque}]}]"
        ),
        source="m.yaml",
    )
    campaign = CampaignFactory(territory=arras, questionnaire=version)
    for _ in range(coarsening.EXPORT_MIN_GROUP):  # fewer would not be exported
        ResponseFactory(
            campaign=campaign, answers=complete_answers(remarque='=HYPERLINK("http://x")')
        )
    sheet = load_workbook(io.BytesIO(exports.export_xlsx(campaign)))["reponses"]
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("remarque") + 1)
    assert cell.data_type == "s"
    # Escaped as in the CSV (csvtext.spreadsheet_safe): safe once saved as CSV too.
    assert cell.value == '\'=HYPERLINK("http://x")'


def test_limesurvey_codes_are_valid_in_limesurvey():
    from nonrecours.surveys.limesurvey import limesurvey_codes

    codes = limesurvey_codes(default_questionnaire())
    assert len({c.question for c in codes.values()}) == len(codes)
    for lime in codes.values():
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9]{0,19}", lime.question)
        for answer in lime.answers.values():
            assert re.fullmatch(r"[A-Za-z0-9]{1,5}", answer)


def test_limesurvey_export_with_limesurvey_codes(campaign):
    """What LimeSurvey really exports: Q01… headings, A1… answer codes."""
    from nonrecours.surveys.limesurvey import limesurvey_codes

    questionnaire = default_questionnaire()
    codes = limesurvey_codes(questionnaire)
    header = ["id", "submitdate", "lastpage", "startlanguage", "seed"]
    for question in questionnaire.questions:
        lime = codes[question.name]
        if question.type == "select_multiple":
            header += [f"{lime.question}[{a}]" for a in lime.answers.values()]
        else:
            header.append(lime.question)
    rows = []
    for i, answers in enumerate(ANSWERS, start=1):
        row = {
            "id": str(i),
            "submitdate": "2026-10-02 11:23:45",
            "lastpage": "6",
            "startlanguage": "fr",
            "seed": "1",
        }
        for question in questionnaire.questions:
            lime = codes[question.name]
            value = answers.get(question.name, "")
            if question.type == "select_multiple":
                for ours, theirs in lime.answers.items():
                    row[f"{lime.question}[{theirs}]"] = "Y" if ours in value else ""
            else:
                row[lime.question] = lime.answers.get(value, value)
        rows.append(row)
    summary = actions.responses_import(
        campaign=campaign,
        stream=csv_file(header, rows),
        filename="lime.csv",
        source=SourceFormat.LIMESURVEY,
        survey_id="123456",
    )
    assert summary.created == 3 and summary.ignored_columns == []
    stored = Response.objects.get(commune__insee_code="62004")
    assert stored.answers["situation_financiere"] == "difficile"
    assert stored.answers["strategies"] == ["epargne"]
    book = {(c["question"], c["code"]): c for c in exports.codebook(questionnaire)}
    assert (
        book[("situation_financiere", "difficile")]["code_limesurvey_reponse"]
        == codes["situation_financiere"].answers["difficile"]
    )
