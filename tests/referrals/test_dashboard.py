"""The territory team's statistics page: exact counts labelled « usage
interne », the published view for the funders (the same as the exports),
why the published view is empty or mostly hidden, and downloads that open
directly in a spreadsheet."""

import csv
import datetime
import html as html_module
import io
import re

import pytest
import time_machine
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from nonrecours.accounts.enums import Role
from nonrecours.referrals import statistics as referral_stats
from nonrecours.referrals.exports import HEADER, statistics_export
from tests.referrals.conftest import START, member

pytestmark = pytest.mark.django_db

GENERATED = datetime.datetime(2026, 11, 16, 10, 0, tzinfo=datetime.UTC)  # 11:00 in Paris


@pytest.fixture
def lead(arras):
    return member(arras, "Communauté urbaine d'Arras", Role.PROJECT_LEAD)


def page(client, user, siren, **params) -> str:
    client.force_login(user)
    response = client.get(reverse("referral_dashboard", args=[siren]), params)
    assert response.status_code == 200
    return response.content.decode()


def text_of(html: str) -> str:
    """The page's words, tags dropped and spaces joined."""
    return html_module.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def download(client, name, siren, year=2026):
    response = client.get(reverse(name, args=[siren]), {"annee": year})
    assert response.status_code == 200
    return response


def few(send, count):
    with time_machine.travel(START, tick=False):
        for _ in range(count):
            send()


def test_the_team_sees_exact_counts_the_published_view_hides_them(client, dataset, lead):
    dashboard = referral_stats.referral_dashboard(dataset)
    exact = {r.label: r.n for r in dashboard.exact.tables[0].rows}
    published = {r.label: r.n for r in dashboard.published.tables[0].rows}
    assert exact["CCAS de quartier"] == 4  # exact, small
    assert "CCAS de quartier" not in published  # pooled in « Autres »
    assert dashboard.exact.total.parts["refused"] == 5
    assert dashboard.published.total.parts["refused"] is None

    internal_html = page(client, lead, dataset.siren)
    assert 'title="secret statistique"' not in internal_html  # nothing is hidden here
    internal = text_of(internal_html)
    assert "Usage interne — ne pas diffuser" in internal
    assert "Ne les transmettez pas aux financeurs" in internal
    # 4 referrals, all with an outcome (person not reached), answered in 2 days.
    assert "CCAS de quartier 4 0 0 0 0 4 0 100 % 2,0 0 " in internal

    funders_html = page(client, lead, dataset.siren, vue="publiee")
    assert 'title="secret statistique"' in funders_html
    funders = text_of(funders_html)
    assert "Vue publiée pour les financeurs" in funders
    assert "Usage interne — ne pas diffuser" not in funders
    assert "CCAS de quartier" not in funders
    assert "Autres (regroupés : moins de 11 orientations chacun) 21" in funders


def test_the_published_view_is_the_export(client, dataset, lead):
    page_rows = referral_stats.referral_dashboard(dataset).published
    client.force_login(lead)
    raw = download(client, "referral_export", dataset.siren).content.decode("utf-8")
    assert raw.startswith("\ufefftableau;ligne;orientations;")  # BOM, then the header
    rows = list(csv.reader(io.StringIO(raw.removeprefix("\ufeff")), delimiter=";"))
    assert rows[0] == HEADER
    assert [row[1] for row in rows[1:]] == [page_rows.total.label] + [
        row.label for table in page_rows.tables for row in table.rows
    ]
    assert "CCAS de quartier" not in raw and ";4;" not in raw


def test_empty_published_view_says_why_and_from_how_many_it_fills(client, arras, send, lead):
    few(send, 4)
    coverage = referral_stats.referral_dashboard(arras).coverage
    assert (coverage.counted, coverage.fills_from, coverage.missing) == (4, 11, 7)
    assert coverage.empty and not coverage.mostly_hidden
    funders = text_of(page(client, lead, arras.siren, vue="publiee"))
    assert "Rien n'est encore publié pour 2026 : moins de 11 orientations." in funders
    assert "Il en faut au moins 11 dans l'année ; il y en a 4 (il en manque 7)." in funders
    assert "aucune case qui décrit moins de 11 personnes" in funders
    assert "Exporter pour les financeurs" not in funders  # nothing to export
    internal = text_of(page(client, lead, arras.siren))
    assert "La vue publiée est vide" in internal
    assert "4 orientations envoyées" in internal  # the team's exact count


@pytest.mark.parametrize("threshold", [1, 3, 11])
def test_the_published_view_fills_from_the_number_it_announces(arras, send, threshold):
    """The first count whose total line is published is fills_from."""
    first_published = None
    for count in range(threshold + 2):
        dashboard = referral_stats.referral_dashboard(arras, threshold=threshold)
        assert dashboard.coverage.counted == count
        assert dashboard.coverage.fills_from == threshold
        assert dashboard.coverage.empty == (dashboard.published.total is None)
        if dashboard.published.total is not None and first_published is None:
            first_published = count
        few(send, 1)
    assert first_published == max(threshold, 1)


def test_a_mostly_hidden_view_says_which_rows_wait(client, arras, send, lead, receiver):
    from nonrecours.referrals import actions
    from nonrecours.referrals.enums import Channel, RefusalReason

    few(send, 14)
    with time_machine.travel(START + datetime.timedelta(days=1), tick=False):
        for referral in list(arras.referrals.all())[:5]:
            actions.referral_answer(
                referral,
                accept=False,
                reason=RefusalReason.FULL,
                user=receiver,
                via=Channel.ACCOUNT,
            )
    coverage = referral_stats.referral_dashboard(arras).coverage
    # Waiting 9 and refused 5 hidden: the total line is all that shows.
    assert not coverage.empty and coverage.mostly_hidden
    assert coverage.hidden > coverage.shown
    funders = text_of(page(client, lead, arras.siren, vue="publiee"))
    assert "La plupart des valeurs sont masquées" in funders
    assert "14 orientations envoyées" in funders


def test_the_xlsx_has_data_then_notes_and_the_internal_one_says_so(client, dataset, lead):
    client.force_login(lead)
    with time_machine.travel(GENERATED, tick=False):
        response = download(client, "referral_export_xlsx", dataset.siren)
    assert response["Content-Disposition"] == (
        f'attachment; filename="orientations-{dataset.siren}-2026.xlsx"'
    )
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["données", "notes"]
    data = [list(row) for row in book["données"].iter_rows(values_only=True)]
    assert data[0] == HEADER
    assert data[1][:3] == ["ensemble", "Ensemble", 51] and data[1][4] == "secret"
    notes = dict(book["notes"].iter_rows(min_row=2, values_only=True))
    assert notes["territoire"] == f"Communauté urbaine d'Arras (SIREN {dataset.siren})"
    assert notes["période"].startswith("orientations envoyées du 1er janvier au 31 décembre 2026")
    assert notes["généré le"] == "16 novembre 2026 à 11:00"
    assert "aucune case ne décrit moins de 11 personnes" in notes["règle de diffusion"]
    assert "CCAS de quartier" not in str(data)

    internal = download(client, "referral_export_internal", dataset.siren)
    assert "usage-interne-ne-pas-diffuser.xlsx" in internal["Content-Disposition"]
    book = load_workbook(io.BytesIO(internal.content))
    assert book.sheetnames == ["données usage interne", "notes"]
    data = [list(row) for row in book["données usage interne"].iter_rows(values_only=True)]
    assert data[0] == HEADER
    assert ["Par organisation qui oriente", "CCAS de quartier", 4] in [row[:3] for row in data]
    assert "secret" not in str(data)
    # A formula-looking organisation name is shown here: never run as one.
    assert ["Par organisation qui oriente", '\'=HYPERLINK("x")', 5] in [row[:3] for row in data]
    notes = dict(book["notes"].iter_rows(min_row=2, values_only=True))
    assert notes["fichier"].startswith("USAGE INTERNE — NE PAS DIFFUSER")


def test_the_csv_notes_are_a_file_of_their_own(client, dataset, lead):
    client.force_login(lead)
    with time_machine.travel(GENERATED, tick=False):
        response = download(client, "referral_export_notes", dataset.siren)
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode("utf-8-sig")
    assert text.startswith("fichier : Statistiques des orientations entre partenaires, vue publiée")
    assert "généré le : 16 novembre 2026 à 11:00\n" in text
    assert "colonne « refusées » : orientations refusées." in text


def test_only_the_territory_team_sees_the_page_and_its_downloads(client, dataset, lead, sender):
    names = [
        "referral_dashboard",
        "referral_export",
        "referral_export_xlsx",
        "referral_export_notes",
        "referral_export_internal",
    ]
    for name in names:
        url = reverse(name, args=[dataset.siren])
        assert client.get(url).status_code == 302, name  # to the login page
        client.force_login(sender)  # a partner: no VIEW_REFERRAL_STATISTICS
        response = client.get(url, {"vue": "publiee"})
        assert response.status_code == 403, name
        assert "réservées à l'équipe du territoire" in text_of(response.content.decode())
        client.force_login(lead)
        assert client.get(url).status_code == 200, name
        client.logout()


def test_the_year_and_the_view_stay_when_switching(client, dataset, lead, send):
    with time_machine.travel(datetime.datetime(2025, 6, 1, 10, tzinfo=datetime.UTC)):
        send()
    html = page(client, lead, dataset.siren, annee=2025, vue="publiee")
    base = reverse("referral_dashboard", args=[dataset.siren])
    assert f'href="{base}?annee=2026&amp;vue=publiee"' in html  # the other year, same view
    assert f'href="{base}?annee=2025"' in html  # the exact view, same year
    assert "Il en faut au moins 11 dans l'année ; il y en a 1 (il en manque 10)." in text_of(html)
    assert reverse("referral_export_xlsx", args=[dataset.siren]) not in html  # nothing published


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(year=st.text(max_size=8), view=st.text(max_size=12))
@example(year="²", view="")  # a digit to str.isdigit(), an error page to int() once
@example(year="2026", view="publiee")
def test_hostile_query_strings_never_break_the_page(client, dataset, lead, year, view):
    client.force_login(lead)
    url = reverse("referral_dashboard", args=[dataset.siren])
    response = client.get(url, {"annee": year, "vue": view}, follow=True)
    assert response.status_code == 200
    if year and year != "2026":  # the only year with referrals
        assert response.redirect_chain == [(url, 302)]
        assert (
            f"Année « {year} » : aucune orientation envoyée cette année-là (années avec des "
            "orientations : 2026). Voici la dernière."
        ) in html_module.unescape(response.content.decode())


def test_an_export_of_a_year_without_referrals_says_so(client, dataset, lead):
    client.force_login(lead)
    response = client.get(
        reverse("referral_export_xlsx", args=[dataset.siren]), {"annee": "2024"}, follow=True
    )
    assert response.redirect_chain == [(reverse("referral_dashboard", args=[dataset.siren]), 302)]
    assert "Année « 2024 » : aucune orientation envoyée" in html_module.unescape(
        response.content.decode()
    )


def test_an_unknown_export_kind_is_refused(dataset):
    with pytest.raises(ValueError, match="Export inconnu"):
        statistics_export(referral_stats.referral_dashboard(dataset), "pdf")
