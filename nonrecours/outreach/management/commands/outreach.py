"""`nonrecours outreach`: the aller-vers — the priority index of a
territory, the bus's calendar, and the imports of the files the index is
built on."""

import datetime
import json
from argparse import ArgumentParser, ArgumentTypeError
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from nonrecours.errors import UserError, command_error
from nonrecours.outreach import imports
from nonrecours.outreach.calendar import (
    SMALL_COMMUNE_EVERY_WEEKS,
    calendar_ics,
    calendar_json,
    territory_calendar,
)
from nonrecours.outreach.planning import STATUS_LABELS
from nonrecours.outreach.posters import leaflet_pdf, season_from_calendar
from nonrecours.outreach.priorities import priority_index
from nonrecours.outreach.queries import priority_index_data
from nonrecours.territories import queries as territory_queries
from nonrecours.territories.models import Territory


def _write(path: Path, content: bytes) -> None:
    try:
        path.write_bytes(content)
    except OSError as error:
        raise CommandError(f"{path} : écriture impossible ({error.strerror}).") from None


def _monday(text: str) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        raise ArgumentTypeError(f"« {text} » : attendu AAAA-MM-JJ") from None
    if day.weekday() != 0:
        raise ArgumentTypeError(f"{text} n'est pas un lundi")
    return day


def _next_monday(today: datetime.date) -> datetime.date:
    return today + datetime.timedelta(days=7 - today.weekday())


def _territory_option(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--territory", required=True, metavar="SIREN", help="code SIREN du territoire"
    )


class Command(BaseCommand):
    help = (
        "Aller-vers : indice de priorité des communes et des quartiers prioritaires, "
        "import des fichiers sur lesquels il s'appuie (QPV, Filosofi, CAF)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        priorities = sub.add_parser(
            "priorities",
            help="Écrire l'indice de priorité (classement, raisons, facteurs) en JSON.",
        )
        _territory_option(priorities)
        priorities.add_argument(
            "--out", required=True, metavar="FICHIER.json", help="fichier JSON écrit"
        )
        plan = sub.add_parser(
            "plan",
            help="Construire le calendrier du bus (solveur CP-SAT) et l'écrire en JSON, "
            "en iCalendar avec --ics, en dépliant PDF avec --pdf.",
        )
        _territory_option(plan)
        plan.add_argument("--weeks", type=int, default=8, metavar="N", help="de 4 à 12 (8)")
        plan.add_argument(
            "--start",
            type=_monday,
            metavar="AAAA-MM-JJ",
            help="un lundi (défaut : le lundi qui suit aujourd'hui)",
        )
        plan.add_argument("--vehicles", type=int, default=1, metavar="N", help="véhicules (1)")
        plan.add_argument(
            "--small-communes-every",
            type=int,
            default=SMALL_COMMUNE_EVERY_WEEKS,
            metavar="N",
            help="petites communes et communes rurales visitées au moins toutes les N "
            f"semaines ({SMALL_COMMUNE_EVERY_WEEKS}) ; 0 : sans obligation",
        )
        plan.add_argument(
            "--matrix",
            metavar="FICHIER.json",
            help="temps de trajet : réponse JSON d'une requête OSRM « table » (dépôt en "
            "premier, puis les arrêts dans l'ordre du calendrier) ; sinon estimés",
        )
        plan.add_argument(
            "--time-limit",
            type=float,
            default=20.0,
            metavar="SECONDES",
            help="temps de calcul (20)",
        )
        plan.add_argument("--out", required=True, metavar="FICHIER.json", help="fichier JSON écrit")
        plan.add_argument("--ics", metavar="FICHIER.ics", help="aussi le calendrier iCalendar")
        plan.add_argument(
            "--pdf",
            metavar="FICHIER.pdf",
            help="aussi le dépliant de la saison (PDF A4 : passages par date, ce que l'on peut "
            "faire au bus)",
        )
        qpv = sub.add_parser(
            "import-qpv",
            help="Importer la liste et les contours des quartiers prioritaires (ANCT, GeoJSON).",
        )
        qpv.add_argument("file", metavar="FICHIER", help="le GeoJSON publié par l'ANCT")
        _territory_option(qpv)
        filosofi = sub.add_parser(
            "import-filosofi",
            help="Importer INSEE Filosofi : par commune (défaut) ou par carreau de 200 m.",
        )
        filosofi.add_argument("file", metavar="FICHIER", help="le CSV publié par l'INSEE")
        _territory_option(filosofi)
        filosofi.add_argument(
            "--squares",
            action="store_true",
            help="fichier des carreaux de 200 m (Filosofi carroyé), sommé par commune",
        )
        filosofi.add_argument(
            "--year",
            type=int,
            metavar="AAAA",
            help="année des revenus du fichier carroyé (obligatoire avec --squares)",
        )
        caf = sub.add_parser(
            "import-caf",
            help="Importer les foyers allocataires par commune (CAF : RSA, prime d'activité, "
            "aide au logement, AAH).",
        )
        caf.add_argument("file", metavar="FICHIER", help="le CSV exporté de data.caf.fr")
        _territory_option(caf)

    def _territory(self, siren: str) -> Territory:
        try:
            return territory_queries.territory_by_siren(siren)
        except territory_queries.UnknownTerritory as error:
            raise command_error(error) from None

    def handle(self, *args: Any, **options: Any) -> None:
        territory = self._territory(options["territory"])
        action = options["action"]
        try:
            if action == "priorities":
                self._priorities(territory, Path(options["out"]))
                return
            if action == "plan":
                self._plan(territory, options)
                return
            path = Path(options["file"])
            if action == "import-qpv":
                done = imports.priority_areas_import(territory=territory, path=path)
            elif action == "import-caf":
                done = imports.caf_import(territory=territory, path=path)
            elif options["squares"]:
                if options["year"] is None:
                    raise CommandError("--year : l'année des revenus du fichier carroyé.")
                done = imports.filosofi_squares_import(
                    territory=territory, path=path, year=options["year"]
                )
            else:
                done = imports.filosofi_commune_import(territory=territory, path=path)
        except UserError as error:
            raise command_error(error) from None
        self.stdout.write(done.summary)

    def _plan(self, territory: Territory, options: dict[str, Any]) -> None:
        start = options["start"] or _next_monday(timezone.localdate())
        planned = territory_calendar(
            territory,
            start=start,
            weeks=options["weeks"],
            vehicles=options["vehicles"],
            small_every_weeks=options["small_communes_every"] or None,
            matrix=Path(options["matrix"]) if options["matrix"] else None,
            time_limit_seconds=options["time_limit"],
        )
        _write(Path(options["out"]), calendar_json(planned).encode())
        if options["ics"]:
            _write(Path(options["ics"]), calendar_ics(planned))
        if options.get("pdf"):
            _write(Path(options["pdf"]), leaflet_pdf(season_from_calendar(planned)))
        calendar = planned.calendar
        gap = "" if calendar.gap is None else f", écart à l'optimum {calendar.gap:.1%}"
        self.stdout.write(
            f"{options['out']} : {len(calendar.visits)} passage(s) de {start.isoformat()} sur "
            f"{options['weeks']} semaines ({STATUS_LABELS.get(calendar.status, calendar.status)}"
            f"{gap}) ; {len(calendar.violations)} règle(s) non tenue(s)."
        )
        for violation in calendar.violations:
            self.stdout.write(f"  - {violation.message}")

    def _priorities(self, territory: Territory, out: Path) -> None:
        index = priority_index(territory)
        data = priority_index_data(index)
        _write(out, json.dumps(data, ensure_ascii=False, indent=2).encode())
        first = index.places[0] if index.places else None
        self.stdout.write(
            f"{out} : {len(index.places)} lieu(x) classé(s)"
            + (f", en tête {first.name} (indice {first.score:.0f})" if first else "")
            + f" ; facteurs utilisés : {len(index.used)}, absents : {len(index.missing)}."
        )
