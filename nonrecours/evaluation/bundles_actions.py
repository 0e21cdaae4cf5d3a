"""Writes of the territories' comparison: importing another territory's
indicator bundle, and the national reference figures.

Both are all or nothing (one transaction): a file with one problem leaves
the database as it was, and every problem is said in French with its place.
"""

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from nonrecours.errors import Problem
from nonrecours.evaluation.bundle_models import ExternalBundle, NationalFigure
from nonrecours.evaluation.bundles_reference import read_reference
from nonrecours.evaluation.bundles_validate import BundleRefused, load_bundle
from nonrecours.french import is_plural, plural
from nonrecours.territories.models import Territory


@dataclass(frozen=True)
class BundleImported:
    bundle: ExternalBundle
    replaced: bool  # the importing territory had this wave: replaced

    def summary(self) -> str:
        """One French sentence saying what was done."""
        verb = "remplacé" if self.replaced else "importé"
        cells = len(self.bundle.content["cellules"])
        return (
            f"Lot d'indicateurs {verb} : {self.bundle.territory_name} "
            f"(SIREN {self.bundle.siren}), vague « {self.bundle.wave_name} », "
            f"{cells} {plural(cells, 'case publiée', 'cases publiées')}."
        )


@transaction.atomic
def bundle_import(*, territory: Territory, data: bytes, filename: str) -> BundleImported:
    """Import, for ``territory`` (of this installation) and its comparison
    only, the indicator bundle ``data`` (the bytes of a file named
    ``filename``, format bundles_format) of another territory's published
    wave. The same wave that ``territory`` already imported is replaced; a
    bundle another territory imported is never read nor changed.

    Raises BundleRefused (French, each problem with the file and the path in
    the JSON) when the file is not a valid bundle, or when it is a territory
    of this instance (its waves are compared from its own publications, not
    from a copy). Nothing is written then.
    """
    bundle = load_bundle(data, filename=filename)
    siren = bundle["territoire"]["siren"]
    if Territory.objects.filter(siren=siren).exists():
        raise BundleRefused(
            filename,
            [
                Problem(
                    f"{filename}, territoire.siren : {bundle['territoire']['nom']} (SIREN {siren}) "
                    "est un territoire de cette installation ; ses vagues publiées sont déjà "
                    "comparées telles que publiées ici, sans import.",
                    "territoire.siren",
                    None,
                    filename,
                )
            ],
        )
    wave, questionnaire = bundle["vague"], bundle["questionnaire"]
    fields: dict[str, Any] = {
        "territory_name": bundle["territoire"]["nom"],
        "wave_name": wave["nom"],
        "starts_on": datetime.date.fromisoformat(wave["debut"]),
        "ends_on": datetime.date.fromisoformat(wave["fin"]),
        "synthetic": wave["synthetique"],
        "questionnaire_slug": questionnaire["identifiant"],
        "questionnaire_version": questionnaire["version"],
        "format_version": bundle["version_format"],
        "content": bundle,
        "filename": filename[:255],
        "imported_at": timezone.now(),
    }
    found, created = ExternalBundle.objects.update_or_create(
        territory=territory, siren=siren, wave_slug=wave["identifiant"], defaults=fields
    )
    return BundleImported(bundle=found, replaced=not created)


@transaction.atomic
def bundle_delete(*, bundle: ExternalBundle) -> None:
    """Remove an imported bundle (its territory leaves the comparison of
    the territory that imported it). The bundle is one read through
    bundles_queries.imported_bundle, for the territory whose team asks."""
    bundle.delete()


@dataclass(frozen=True)
class ReferenceImported:
    count: int
    removed: int

    def summary(self) -> str:
        """One French sentence: how many figures are stored, and removed."""
        text = f"{self.count} {plural(self.count, 'chiffre national', 'chiffres nationaux')} de "
        text += "référence "
        text += "enregistré" + ("s" if is_plural(self.count) else "")
        if self.removed:
            absent = plural(self.removed, "absent")
            text += f" ; {self.removed} {plural(self.removed, 'retiré')} ({absent} du fichier)"
        return text + "."


@transaction.atomic
def reference_import(*, path: Path) -> ReferenceImported:
    """Replace the national reference figures by those of the YAML file
    ``path`` (format: bundles_reference). Raises ReferenceRefused (French,
    located by file, figure and field) and writes nothing when one figure is
    wrong. The figures are the installation's, shown to every territory:
    only ``nonrecours bundles reference`` (whoever runs the server) calls
    this, never a page."""
    figures = read_reference(path.read_text(encoding="utf-8"), filename=path.name)
    keys = [f["cle"] for f in figures]
    removed, _ = NationalFigure.objects.exclude(key__in=keys).delete()
    now = timezone.now()
    for figure in figures:
        NationalFigure.objects.update_or_create(
            key=figure["cle"],
            defaults={
                "indicator": figure.get("indicateur") or "",
                "wording": figure["formulation"],
                "base": figure["population"],
                "estimate": figure["estimation"],
                "ci_low": figure.get("ic95_bas"),
                "ci_high": figure.get("ic95_haut"),
                "n": figure.get("effectif"),
                "year": figure["annee"],
                "publication": figure["publication"],
                "source_url": figure["source"],
                "producer": figure["producteur"],
                "imported_at": now,
            },
        )
    return ReferenceImported(count=len(figures), removed=removed)
