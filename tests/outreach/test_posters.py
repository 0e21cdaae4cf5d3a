"""What residents read of the bus's calendar (outreach.posters): the
iCalendar feed of a commune (cancelled and moved visits), the A4 poster of a
commune and the season leaflet (PDF, WeasyPrint; each rendered once), and
`nonrecours outreach plan --pdf`."""

import datetime
import io
from io import StringIO
from pathlib import Path

import icalendar
import pytest
from django.core.management import call_command
from pypdf import PdfReader

from nonrecours.outreach.enums import VisitStatus
from nonrecours.outreach.posters import (
    PublicVisit,
    Season,
    commune_ics,
    leaflet_pdf,
    poster_pdf,
)
from nonrecours.www.qr import qr_svg

ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"
MORNING = (datetime.time(9, 0), datetime.time(12, 30))
AFTERNOON = (datetime.time(13, 30), datetime.time(17, 0))
CHANGED = datetime.datetime(2026, 12, 3, 9, 15, tzinfo=datetime.UTC)


def visit(n, day, commune="Agny", hours=MORNING, **changes) -> PublicVisit:
    code = {"Agny": "62013", "Achicourt": "62004"}[commune]
    fields = dict(
        uid=f"bus-200033579-{n}@nonrecours", stop_key=code, stop_id=n,
        stop_name=f"Mairie {'d’' if commune[0] in 'AEIOU' else 'de '}{commune}",
        commune=commune, insee_code=code, address="Place de la mairie",
        latitude=50.26, longitude=2.76, day=day,
        half_day="matin" if hours == MORNING else "après-midi", start=hours[0], end=hours[1],
    )  # fmt: skip
    return PublicVisit(**{**fields, **changes})


SEASON = Season(
    name="Communauté urbaine d'Arras",
    siren="200033579",
    start=datetime.date(2026, 11, 30),
    end=datetime.date(2027, 1, 24),
    visits=(
        visit(1, datetime.date(2026, 12, 1)),
        visit(2, datetime.date(2026, 12, 10), "Achicourt", AFTERNOON),
        visit(
            3, datetime.date(2026, 12, 15), status=VisitStatus.CANCELLED, changed_at=CHANGED,
            change_reason="panne du bus",
        ),
        visit(
            4, datetime.date(2026, 12, 17), hours=AFTERNOON, status=VisitStatus.MOVED,
            planned_day=datetime.date(2027, 1, 5), planned_half_day="matin", changed_at=CHANGED,
        ),
        visit(5, datetime.date(2027, 1, 19)),
    ),
)  # fmt: skip


def pdf_text(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), " ".join(text.replace("\u00a0", " ").split())


def save_pages(pdf: bytes, name: str) -> None:
    """The PDF's pages as PNG in test-artifacts/, to look at, when
    pypdfium2 is installed (not a dependency of the project)."""
    try:
        import pypdfium2
    except ImportError:
        return
    ARTIFACTS.mkdir(exist_ok=True)
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()
    (ARTIFACTS / f"{name}.pdf").write_bytes(pdf)
    for number, page in enumerate(pypdfium2.PdfDocument(pdf), start=1):
        page.render(scale=1.5).to_pil().save(ARTIFACTS / f"{name}-{number}.png")


@pytest.fixture(scope="module")
def poster() -> bytes:
    url = "https://nonrecours.example/bus/200033579/62013/"
    pdf = poster_pdf(SEASON, "62013", qr_svg=qr_svg(url, title="QR", fluid=True), url=url)
    save_pages(pdf, "bus-affiche-agny")
    return pdf


@pytest.fixture(scope="module")
def leaflet() -> bytes:
    url = "https://nonrecours.example/bus/200033579/"
    pdf = leaflet_pdf(SEASON, qr_svg=qr_svg(url, title="QR", fluid=True), url=url)
    save_pages(pdf, "bus-depliant")
    return pdf


def test_the_poster_of_a_commune_gives_its_dates_place_and_services(poster):
    pages, text = pdf_text(poster)

    assert pages == 1  # one A4 sheet
    assert "Le bus multiservice vient à Agny" in text
    assert "Mairie d’Agny" in text and "Place de la mairie" in text
    assert "Mardi 1er décembre 2026 · de 9 h à 12 h 30" in text
    assert "Annulé : panne du bus" in text
    assert "Jeudi 17 décembre 2026 · de 13 h 30 à 17 h" in text
    assert "au lieu du mardi 5 janvier 2027 matin" in text
    assert "Achicourt" not in text  # another commune's visits
    for service in ("CAF", "CPAM", "Retraite", "Emploi", "Logement", "Numérique", "Simulation"):
        assert service in text
    assert "https://nonrecours.example/bus/200033579/62013/" in text


def test_the_season_leaflet_lists_every_visit_by_date(leaflet):
    _, text = pdf_text(leaflet)

    assert "Ses passages du lundi 30 novembre 2026 au dimanche 24 janvier 2027" in text
    days = ["Mardi 1er décembre", "Jeudi 10 décembre", "Mardi 15 décembre", "Jeudi 17 décembre"]
    positions = [text.index(day) for day in days]
    assert positions == sorted(positions)
    assert "Achicourt" in text and "Agny" in text
    assert "Annulé" in text and "Nouvelle date" in text


def test_the_feed_of_a_commune_keeps_changed_visits_with_their_uid():
    feed = icalendar.Calendar.from_ical(commune_ics(SEASON, "62013"))
    events = {str(e["uid"]): e for e in feed.walk("VEVENT")}

    assert len(events) == 4  # Agny's, not Achicourt's
    assert str(feed["x-wr-calname"]) == "Bus multiservice à Agny — Communauté urbaine d'Arras"
    cancelled = events["bus-200033579-3@nonrecours"]
    assert cancelled["status"] == "CANCELLED"
    assert cancelled["sequence"] == int(CHANGED.timestamp() // 60)
    moved = events["bus-200033579-4@nonrecours"]
    assert moved.decoded("dtstart").date() == datetime.date(2026, 12, 17)
    assert moved["sequence"] > 0 and moved["status"] == "CONFIRMED"
    assert "déplacé au jeudi 17 décembre 2026 après-midi" in str(moved["description"])
    planned = events["bus-200033579-1@nonrecours"]
    assert planned["sequence"] == 0
    assert str(planned["location"]) == "Mairie d’Agny, Place de la mairie, Agny"
    assert [c["tzid"] for c in feed.walk("VTIMEZONE")] == ["Europe/Paris"]


@pytest.mark.django_db
def test_the_plan_command_writes_the_season_leaflet(arras, tmp_path):
    out, pdf = tmp_path / "calendrier.json", tmp_path / "depliant.pdf"
    call_command(
        "outreach", "plan", "--territory", arras.siren, "--weeks", "4", "--start", "2026-04-27",
        "--small-communes-every", "0", "--time-limit", "3", "--out", str(out), "--pdf", str(pdf),
        stdout=StringIO(),
    )  # fmt: skip

    _, text = pdf_text(pdf.read_bytes())
    assert "Le bus multiservice" in text
    assert "du lundi 27 avril 2026 au dimanche 24 mai 2026" in text
    assert "Mairie d" in text


def test_a_visit_moved_back_never_lowers_its_sequence():
    """RFC 5545: an update carries a higher SEQUENCE, or calendars keep the
    copy they have — here, the moved one."""
    later = CHANGED + datetime.timedelta(hours=2)
    back = visit(6, datetime.date(2026, 12, 1), status=VisitStatus.PLANNED, changed_at=later)
    moved = visit(6, datetime.date(2026, 12, 3), status=VisitStatus.MOVED, changed_at=CHANGED,
                  planned_day=datetime.date(2026, 12, 1), planned_half_day="matin")  # fmt: skip
    season = Season(name="CU", siren="200033579", start=SEASON.start, end=SEASON.end,
                    visits=(moved,))  # fmt: skip
    before = icalendar.Calendar.from_ical(commune_ics(season, "62013")).walk("VEVENT")[0]
    season = Season(name="CU", siren="200033579", start=SEASON.start, end=SEASON.end,
                    visits=(back,))  # fmt: skip
    after = icalendar.Calendar.from_ical(commune_ics(season, "62013")).walk("VEVENT")[0]
    assert after["sequence"] > before["sequence"] > 0
