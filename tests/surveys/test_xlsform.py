"""XLSForm export: accepted by pyxform and by ODK Validate (Java)."""

import re
import shutil
from io import BytesIO, StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook
from pyxform.xls2xform import convert

from nonrecours.accounts.enums import Role
from nonrecours.surveys.models import Campaign
from nonrecours.surveys.questionnaire import default_questionnaire
from nonrecours.surveys.xlsform import xlsform_bytes

COMMUNES = [("62041", "Arras"), ("62004", "Achicourt")]


def rows(data: bytes, sheet: str) -> list[dict[str, str]]:
    workbook = load_workbook(BytesIO(data))
    values = list(workbook[sheet].iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def test_xlsform_is_a_valid_xform_for_odk():
    assert shutil.which("java"), "Java manque : `make test` installe default-jre-headless"
    data = xlsform_bytes(default_questionnaire(), COMMUNES, "barometre_non_recours")
    result = convert(xlsform=BytesIO(data), file_type=".xlsx", validate=True)
    assert result.warnings == []
    xform = result.xform
    assert "<h:title>Baromètre du non-recours</h:title>" in xform
    bind = re.search(r'<bind nodeset="/data/finances/strategies"[^>]*>', xform).group(0)
    assert "relevant=\"( /data/finances/situation_financiere  = 'difficile' or" in bind
    assert 'required="true()"' in bind
    assert "count-selected(.) &gt; 1" in bind


def test_skip_logic_constraints_and_codes_are_carried_over():
    data = xlsform_bytes(default_questionnaire(), COMMUNES, "f")
    survey = {r["name"]: r for r in rows(data, "survey")}
    assert survey["strategies"]["type"] == "select_multiple strategies"
    assert survey["strategies"]["relevant"] == (
        "(${situation_financiere} = 'difficile' or ${situation_financiere} = 'tres_difficile')"
    )
    assert "count-selected(.) > 1" in survey["strategies"]["constraint"]
    assert survey["contact_telephone"]["constraint"].startswith("regex(., ")
    assert survey["commune"]["type"] == "select_one communes"
    choices = rows(data, "choices")
    assert {"list_name": "communes", "name": "62041", "label": "Arras"} in choices
    assert {"list_name": "raison_non_recours", "name": "pas_propose"}.items() <= next(
        c for c in choices if c["name"] == "pas_propose"
    ).items()


@pytest.mark.django_db
def test_cli_export(arras, tmp_path):
    out = tmp_path / "barometre.xlsx"
    stdout = StringIO()
    call_command("questionnaire", "export-xlsform", "--out", str(out), stdout=stdout)
    assert "46 communes" in stdout.getvalue()
    assert len([r for r in rows(out.read_bytes(), "choices") if r["list_name"] == "communes"]) == 46
    with pytest.raises(CommandError, match="doit finir par .xlsx"):
        call_command("questionnaire", "export-xlsform", "--out", str(tmp_path / "x.csv"))
    with pytest.raises(CommandError, match="Aucune campagne « absente »"):
        call_command("questionnaire", "export-xlsform", "--out", str(out), "--campaign", "absente")


@pytest.mark.django_db
def test_download_button_for_the_campaign_team(client, arras, make_member):
    call_command("demo", "--responses", "20", stdout=StringIO())
    campaign = Campaign.objects.get(slug="demo-2024")
    url = reverse("barometer_xlsform", args=[campaign.slug])
    client.force_login(make_member(arras, Role.PARTNER))
    assert client.get(url).status_code == 403
    client.force_login(make_member(arras, Role.PROJECT_LEAD))
    response = client.get(url)
    assert response.status_code == 200
    version = default_questionnaire().version
    assert f'filename="demo-2024-questionnaire-v{version}.xlsx"' in response["Content-Disposition"]
    assert convert(xlsform=BytesIO(response.content), file_type=".xlsx").xform
