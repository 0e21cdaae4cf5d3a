"""Storing the files of the priority index (outreach.imports) and the
`nonrecours outreach` command: all or nothing, French errors, the index
reading what was stored."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from nonrecours.outreach import imports
from nonrecours.outreach.enums import FigureSource
from nonrecours.outreach.importers.common import OutreachFileError
from nonrecours.outreach.models import CommuneFigure, PriorityArea
from nonrecours.outreach.priorities import priority_index

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"


def test_qpv_of_the_territory_are_stored_with_a_point_inside(arras):
    done = imports.priority_areas_import(
        territory=arras, path=FIXTURES / "QP2024_Arras_WGS84.geojson"
    )

    assert done.summary == (
        "QP2024_Arras_WGS84.geojson : 3 quartier(s) prioritaire(s) dans 2 commune(s)."
    )
    areas = {a.code: a for a in PriorityArea.objects.filter(territory=arras)}
    assert sorted(areas) == ["QN06201M", "QN06202M", "QN06203N"]  # not Lille Sud
    # 62758 is not a commune of the CU: the QPV keeps only its members.
    assert areas["QN06202M"].insee_codes == ["62041"]
    from shapely.geometry import Point, shape

    for area in areas.values():
        assert shape(area.geometry).contains(Point(area.longitude, area.latitude))


def test_a_second_qpv_import_replaces_the_first(arras, tmp_path):
    imports.priority_areas_import(territory=arras, path=FIXTURES / "QP2024_Arras_WGS84.geojson")
    data = json.loads((FIXTURES / "QP2024_Arras_WGS84.geojson").read_text(encoding="utf-8"))
    data["features"] = [f for f in data["features"] if f["properties"]["code_qp"] == "QN06201M"]
    smaller = tmp_path / "qpv.geojson"
    smaller.write_text(json.dumps(data), encoding="utf-8")

    imports.priority_areas_import(territory=arras, path=smaller)

    assert list(PriorityArea.objects.values_list("code", flat=True)) == ["QN06201M"]


def test_a_refused_file_changes_nothing(arras, tmp_path):
    imports.filosofi_commune_import(territory=arras, path=FIXTURES / "cc_filosofi_2021_COM.csv")
    before = list(CommuneFigure.objects.values_list("commune__insee_code", "name", "value"))
    broken = tmp_path / "cc_filosofi_2021_COM.csv"
    text = (FIXTURES / "cc_filosofi_2021_COM.csv").read_text(encoding="utf-8")
    broken.write_text(text.replace("22.8", "vingt"), encoding="utf-8")

    with pytest.raises(
        OutreachFileError, match=r"cc_filosofi_2021_COM\.csv, ligne 3, colonne TP6021"
    ):
        imports.filosofi_commune_import(territory=arras, path=broken)

    assert list(CommuneFigure.objects.values_list("commune__insee_code", "name", "value")) == before


def test_filosofi_feeds_the_poverty_factor(arras):
    imports.filosofi_commune_import(territory=arras, path=FIXTURES / "cc_filosofi_2021_COM.csv")
    stored = CommuneFigure.objects.get(
        commune__insee_code="62041", source=FigureSource.FILOSOFI_COMMUNE, name="taux_pauvrete"
    )
    assert (stored.value, stored.year) == (pytest.approx(0.228), 2021)

    index = priority_index(arras, {"population": 0})

    assert index.used == ("pauvrete",)
    line = next(p for p in index.places if p.key == "62041")
    assert line.reasons == "taux de pauvreté 23\u00a0% (Filosofi 2021)"


def test_caf_households_by_benefit(arras):
    done = imports.caf_import(territory=arras, path=FIXTURES / "s_ben_com_f.csv")

    rsa = CommuneFigure.objects.filter(commune__insee_code="62041", name="foyers_rsa")
    assert sorted(rsa.values_list("year", "month", "value", "source")) == [
        (2023, 12, 2140, FigureSource.CAF),
        (2024, 12, 2165, FigureSource.CAF),
    ]
    assert done.summary.startswith("s_ben_com_f.csv : ")
    index = priority_index(arras, {"population": 0})
    assert index.used == ("allocataires_rsa",)
    line = next(p for p in index.places if p.key == "62041")
    # The latest month: 2 165 households for Arras's population.
    assert line.reasons.endswith(" foyers au RSA pour 100 habitants (CAF, décembre 2024)")


def test_the_command_writes_the_index_and_says_what_it_did(arras, tmp_path):
    out = StringIO()
    call_command(
        "outreach", "import-qpv", str(FIXTURES / "QP2024_Arras_WGS84.geojson"),
        "--territory", arras.siren, stdout=out,
    )  # fmt: skip
    target = tmp_path / "priorites.json"
    call_command(
        "outreach", "priorities", "--territory", arras.siren, "--out", str(target), stdout=out
    )

    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["territoire"] == {"siren": arras.siren, "nom": arras.name}
    assert len(data["lieux"]) == 46 + 3
    assert [p["rang"] for p in data["lieux"]][:1] == [1]
    assert {p["type"] for p in data["lieux"]} == {"commune", "qpv"}
    assert "en tête" in out.getvalue().splitlines()[-1]


def test_the_command_refuses_in_french(arras, tmp_path):
    with pytest.raises(CommandError, match="Aucun territoire importé n'a le code SIREN 123456789."):
        call_command("outreach", "priorities", "--territory", "123456789", "--out", "x.json")
    with pytest.raises(CommandError, match="--year : l'année des revenus du fichier carroyé."):
        call_command(
            "outreach", "import-filosofi", str(FIXTURES / "carreaux_200m_met.csv"),
            "--territory", arras.siren, "--squares",
        )  # fmt: skip
    missing = tmp_path / "absent.csv"
    with pytest.raises(CommandError, match="absent.csv"):
        call_command("outreach", "import-caf", str(missing), "--territory", arras.siren)
    with pytest.raises(CommandError, match="écriture impossible"):
        call_command(
            "outreach", "priorities", "--territory", arras.siren,
            "--out", str(tmp_path / "dossier-absent" / "x.json"),
        )  # fmt: skip


def test_without_the_commune_file_the_squares_give_the_share_of_poor_households(arras):
    done = imports.filosofi_squares_import(
        territory=arras, path=FIXTURES / "carreaux_200m_met.csv", year=2019
    )
    assert done.communes >= 1

    index = priority_index(arras, {"population": 0})

    assert index.used == ("pauvrete",)
    texts = [v.text for p in index.places for v in p.values]
    own = [t for t in texts if "moyenne de la strate" not in t]
    assert own and all(
        t.startswith("part des ménages pauvres ") and t.endswith(" (Filosofi carroyé 2019)")
        for t in own
    )


# --- What a second review found (2026-12-01) ---------------------------------


def _squares(tmp_path, rows):
    path = tmp_path / "carreaux.csv"
    lines = ["idcar_200m,ind,men,men_pauv"] + [",".join(map(str, r)) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _arras_square():
    """The id of a 200 m square whose centre is in Arras."""
    text = (FIXTURES / "carreaux_200m_met.csv").read_text(encoding="utf-8").splitlines()
    return text[1].split(",")[0]


def test_impossible_square_counts_are_refused_with_their_place(arras, tmp_path):
    square = _arras_square()
    other = square[:-1] + ("0" if square[-1] != "0" else "2")
    path = _squares(
        tmp_path, [(square, "1e308", "1e308", "1e308"), (other, 10, 4, 9), (square, 1, 1, 0)]
    )

    with pytest.raises(OutreachFileError) as refused:
        imports.filosofi_squares_import(territory=arras, path=path, year=2019)

    messages = [p.message for p in refused.value.problems]
    assert messages[0].startswith("carreaux.csv, ligne 2, colonne ind : 1e+308 : plus que les ")
    assert "carreaux.csv, ligne 3, colonne men_pauv : 9 ménages pauvres pour 4 ménages." in messages
    assert any(
        m.startswith("carreaux.csv, ligne 4, colonne idcar_200m : carreau « ") for m in messages
    )
    assert not CommuneFigure.objects.exists()


def test_a_file_without_the_territory_changes_nothing(arras, tmp_path):
    imports.caf_import(territory=arras, path=FIXTURES / "s_ben_com_f.csv")
    imports.priority_areas_import(territory=arras, path=FIXTURES / "QP2024_Arras_WGS84.geojson")
    figures, areas = CommuneFigure.objects.count(), PriorityArea.objects.count()
    header_only = tmp_path / "s_ben_com_f.csv"
    header_only.write_text(
        (FIXTURES / "s_ben_com_f.csv").read_text(encoding="utf-8").splitlines()[0] + "\n",
        encoding="utf-8",
    )
    elsewhere = tmp_path / "qpv.geojson"
    data = json.loads((FIXTURES / "QP2024_Arras_WGS84.geojson").read_text(encoding="utf-8"))
    data["features"] = [f for f in data["features"] if f["properties"]["insee_com"] == "59350"]
    elsewhere.write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(OutreachFileError, match="aucune ligne sous l'en-tête"):
        imports.caf_import(territory=arras, path=header_only)
    with pytest.raises(OutreachFileError, match="aucun quartier prioritaire des communes"):
        imports.priority_areas_import(territory=arras, path=elsewhere)

    assert (CommuneFigure.objects.count(), PriorityArea.objects.count()) == (figures, areas)


def test_each_commune_keeps_its_latest_caf_figure_and_says_why_when_pooled(arras):
    imports.caf_import(territory=arras, path=FIXTURES / "s_ben_com_f.csv")

    index = priority_index(arras, {"population": 0})

    lines = {p.key: p.reasons for p in index.places}
    # Arras has a December 2024 figure, Achicourt only December 2023.
    assert lines["62041"].endswith("(CAF, décembre 2024)")
    assert lines["62004"].endswith("(CAF, décembre 2023)")
    absent = [r for r in lines.values() if "commune absente du fichier" in r]
    assert absent and not any("masquée par la CAF" in r for r in lines.values())


def test_a_too_long_qpv_code_is_refused(arras, tmp_path):
    data = json.loads((FIXTURES / "QP2024_Arras_WGS84.geojson").read_text(encoding="utf-8"))
    data["features"][0]["properties"]["code_qp"] = "Q" * 5000
    path = tmp_path / "qpv.geojson"
    path.write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(OutreachFileError, match="code ou nom trop long"):
        imports.priority_areas_import(territory=arras, path=path)
    assert not PriorityArea.objects.exists()
