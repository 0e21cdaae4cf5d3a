"""`nonrecours barometer national`: the barometer of every territory
(surveys.national), its arguments and its French summary."""

from argparse import ArgumentParser, ArgumentTypeError
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from nonrecours.cli.options import add_weighting_options, weighting_options, whole_number
from nonrecours.cli.progress import progress_bar
from nonrecours.errors import command_error
from nonrecours.stopping import Stopped, how_stopped, stopped_as_exit
from nonrecours.surveys.national import (
    PROCESSES,
    RESULTS_FILE,
    SUMMARY_FILE,
    NationalError,
    barometer_national,
)
from nonrecours.surveys.national_task import FAILED
from nonrecours.surveys.weighting import Weighting


def _scheduler(text: str) -> str:
    value = text.strip()
    if value == PROCESSES or "://" in value:
        return value
    raise ArgumentTypeError(
        f"« {text} » : attendu « processes » (processus locaux) ou l'adresse d'un ordonnanceur "
        "Dask, par exemple tcp://10.0.0.5:8786"
    )


def add_national_parser(sub: Any) -> None:
    """The `national` subcommand of `nonrecours barometer`."""
    national: ArgumentParser = sub.add_parser(
        "national",
        help="Calculer le baromètre de chaque territoire, en parallèle (processus ou grappe Dask).",
        description=(
            "Pour chaque territoire qui a une campagne (ou ceux donnés), calcule le baromètre "
            "de sa dernière campagne, exactement celui du tableau de bord (secret statistique "
            "appliqué), une tâche par territoire, sur des processus locaux ou une grappe Dask. "
            "Écrit un fichier par territoire, un tableau de tous les résultats et un bilan."
        ),
    )
    national.add_argument(
        "--sortie", required=True, metavar="DOSSIER", help="dossier des résultats (créé au besoin)"
    )
    national.add_argument(
        "--scheduler",
        type=_scheduler,
        default=PROCESSES,
        metavar="processes|ADRESSE",
        help="« processes » (défaut : processus locaux) ou l'ordonnanceur d'une grappe Dask "
        "distributed (ex. tcp://10.0.0.5:8786)",
    )
    national.add_argument(
        "--workers",
        type=whole_number(1, 512, "processus"),
        metavar="N",
        help="nombre de processus locaux (défaut : un par cœur ; 1 : dans ce processus) ; "
        "sans effet avec une grappe Dask",
    )
    national.add_argument(
        "--territoires",
        metavar="SIREN,SIREN…",
        help="seulement ces territoires (défaut : tous ceux qui ont une campagne)",
    )
    national.add_argument(
        "--non-recours-potentiel",
        dest="potential",
        action="store_true",
        help="ajouter le non-recours potentiel (une simulation par réponse : bien plus long)",
    )
    national.add_argument(
        "--recalculer",
        action="store_true",
        help="recalculer aussi les territoires dont les données n'ont pas changé",
    )
    national.add_argument("--silencieux", action="store_true", help="sans barre de progression")
    add_weighting_options(national)


def handle_national(command: BaseCommand, options: dict[str, Any]) -> None:
    """Run the subcommand; its summary on standard output, in French."""
    sirens = None
    if options["territoires"] is not None:
        sirens = [s for s in options["territoires"].split(",") if s.strip()]
    folder = Path(options["sortie"])
    try:
        with stopped_as_exit():
            summary = barometer_national(
                folder=folder,
                sirens=sirens,
                scheduler=options["scheduler"],
                workers=options["workers"],
                weighting=Weighting(**weighting_options(options)),
                potential=options["potential"],
                recompute=options["recalculer"],
                progress=None
                if options["silencieux"]
                else progress_bar(command.stderr._out, "territoires"),
            )
    except NationalError as error:
        raise command_error(error) from None
    except (KeyboardInterrupt, Stopped) as error:
        # Each territory's file is written as it is computed: a new run
        # starts from there (unchanged territories are not computed again).
        reason, code = how_stopped(error)
        command.stderr.write(
            f"\n{reason} : les territoires déjà calculés sont gardés dans {folder} ; relancez "
            "la même commande pour finir (ceux dont les données n'ont pas changé ne sont pas "
            "recalculés). Les tableaux "
            f"{RESULTS_FILE} et {SUMMARY_FILE} n'ont pas été mis à jour."
        )
        raise SystemExit(code) from None
    style = command.style.WARNING if summary.count(FAILED) else command.style.SUCCESS
    first, *others = summary.lines()
    command.stdout.write(style(first))
    for line in others:
        command.stdout.write(line)
