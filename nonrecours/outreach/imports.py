"""Importing the files a territory holds for its priority index: the QPV
list and contours (ANCT), INSEE Filosofi (by commune, or by 200 m square),
the CAF's beneficiaries by commune. The readers (outreach.importers) check
the whole file first; then each import replaces what the territory had
from that source, all or nothing (one transaction).

The file formats, their producers and where to download them:
docs/guide/donnees-aller-vers.md."""

import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from shapely.geometry import shape

from nonrecours.errors import Problem, UserError
from nonrecours.outreach.enums import FigureSource
from nonrecours.outreach.importers.caf import read_caf_beneficiaries
from nonrecours.outreach.importers.common import OutreachFileError
from nonrecours.outreach.importers.filosofi import read_commune_poverty, read_square_poverty
from nonrecours.outreach.importers.qpv import read_priority_areas
from nonrecours.outreach.models import CommuneFigure, PriorityArea
from nonrecours.territories.insee import known_commune_codes
from nonrecours.territories.models import Commune, Territory

# The first year of INSEE's Filosofi by 200 m square (revenus 2015).
FIRST_SQUARES_YEAR = 2015
# Figure names by CAF benefit (outreach.importers.caf: rsa, prime_activite,
# aide_logement, aah): households that receive it (« foyers allocataires »).
CAF_FIGURES = {
    "rsa": "foyers_rsa",
    "prime_activite": "foyers_prime_activite",
    "aide_logement": "foyers_aide_logement",
    "aah": "foyers_aah",
}


@dataclass(frozen=True)
class FileImport:
    """What an import stored: `count` items (QPV, or figures), of
    `communes` communes, and a French summary line."""

    count: int
    communes: int
    summary: str


def _members(territory: Territory) -> dict[str, Commune]:
    return {c.insee_code: c for c in Commune.objects.members_of(territory)}


def priority_areas_import(*, territory: Territory, path: Path) -> FileImport:
    """The QPV of the territory's communes from the ANCT's GeoJSON at
    `path`: they replace the territory's QPV (a QPV no longer in the file is
    removed; its stop, if any, stays, unlinked). Raises OutreachFileError
    (French, located) and changes nothing when the file is refused."""
    members = _members(territory)
    areas = read_priority_areas(path, communes=set(members))
    if not any(c in members for area in areas for c in area.communes):
        raise NothingForTheTerritory(
            path.name, territory, "aucun quartier prioritaire des communes"
        )
    now = timezone.now()
    with transaction.atomic():
        kept = []
        for area in areas:
            point = shape(area.geometry).representative_point()
            stored, _ = PriorityArea.objects.update_or_create(
                territory=territory,
                code=area.code,
                defaults={
                    "name": area.name,
                    "insee_codes": [c for c in area.communes if c in members],
                    "geometry": area.geometry,
                    "latitude": point.y,
                    "longitude": point.x,
                    "population": area.population,
                    "file_name": path.name,
                    "imported_at": now,
                },
            )
            kept.append(stored.pk)
        PriorityArea.objects.filter(territory=territory).exclude(pk__in=kept).delete()
    communes = {c for area in areas for c in area.communes if c in members}
    return FileImport(
        len(areas),
        len(communes),
        f"{path.name} : {len(areas)} quartier(s) prioritaire(s) dans {len(communes)} commune(s).",
    )


class NothingForTheTerritory(OutreachFileError):
    """A file read without fault that holds nothing about the territory."""

    def __init__(self, file_name: str, territory: Territory, what: str):
        UserError.__init__(
            self,
            f"{file_name} : fichier refusé, rien n'a été importé : {what} du territoire "
            f"« {territory.name} » (le fichier est-il celui du bon territoire, du bon "
            "niveau géographique ?). Ce qui était importé reste en place.",
        )


def _replace(
    territory: Territory,
    source: str,
    rows: list[tuple[str, str, float | None, int, int]],
    file_name: str,
) -> None:
    """Replace the territory's figures of `source` named in `rows` (INSEE
    code, name, value, year, month) by them, in one transaction: a file of
    the RSA alone leaves the other benefits of the source in place. Raises
    NothingForTheTerritory when no row is about a member commune, and
    OutreachFileError when a value is not finite (an overflowing sum)."""
    members = _members(territory)
    rows = [row for row in rows if row[0] in members]
    if not rows:
        raise NothingForTheTerritory(file_name, territory, "aucune commune")
    infinite = sorted(
        {code for code, _, value, _, _ in rows if value is not None and not math.isfinite(value)}
    )
    if infinite:
        raise OutreachFileError(
            file_name,
            [
                Problem(f"{file_name} : total hors limites pour la commune {code}.", file=file_name)
                for code in infinite
            ],
        )
    now = timezone.now()
    with transaction.atomic():
        names = {name for _, name, _, _, _ in rows}
        CommuneFigure.objects.filter(territory=territory, source=source, name__in=names).delete()
        CommuneFigure.objects.bulk_create(
            CommuneFigure(
                territory=territory,
                commune=members[code],
                source=source,
                name=name,
                value=value,
                year=year,
                month=month,
                file_name=file_name,
                imported_at=now,
            )
            for code, name, value, year, month in rows
        )


def filosofi_commune_import(*, territory: Territory, path: Path) -> FileImport:
    """INSEE Filosofi by commune (poverty rate, median standard of living)
    for the territory's communes; replaces the previous import. Raises
    OutreachFileError (French, located) and changes nothing when refused."""
    members = _members(territory)
    figures = read_commune_poverty(path, known=known_commune_codes(), communes=set(members))
    rows: list[tuple[str, str, float | None, int, int]] = []
    for figure in figures:
        rows.append((figure.insee_code, "taux_pauvrete", figure.poverty_rate, figure.year, 0))
        rows.append((figure.insee_code, "revenu_median", figure.median_income, figure.year, 0))
    _replace(territory, FigureSource.FILOSOFI_COMMUNE, rows, path.name)
    codes = {f.insee_code for f in figures}
    masked = sum(1 for f in figures if f.poverty_rate is None)
    return FileImport(
        len(rows),
        len(codes),
        f"{path.name} : Filosofi de {len(codes)} commune(s), dont {masked} au taux de "
        "pauvreté masqué par l'INSEE (secret statistique).",
    )


def filosofi_squares_import(*, territory: Territory, path: Path, year: int) -> FileImport:
    """INSEE Filosofi by 200 m square, summed by commune (people,
    households, poor households) for the territory's communes with a
    contour; `year` is the file's (« Filosofi2019 »: 2019). Replaces the
    previous import. Raises OutreachFileError (French) when refused."""
    if not FIRST_SQUARES_YEAR <= year <= timezone.localdate().year:
        raise OutreachFileError(
            path.name,
            [
                Problem(
                    f"--year : {year} n'est pas une année de Filosofi carroyé (de "
                    f"{FIRST_SQUARES_YEAR} à aujourd'hui).",
                    field="year",
                )
            ],
        )
    geometries = {
        code: commune.geometry
        for code, commune in _members(territory).items()
        if isinstance(commune.geometry, dict)
    }
    if not geometries:
        raise NothingForTheTerritory(
            path.name, territory, "aucune commune n'a de contour : communes"
        )
    sums = read_square_poverty(path, commune_geometries=geometries)
    rows: list[tuple[str, str, float | None, int, int]] = []
    for item in sums:
        rows.append((item.insee_code, "personnes", item.people, year, 0))
        rows.append((item.insee_code, "menages", item.households, year, 0))
        rows.append((item.insee_code, "menages_pauvres", item.poor_households, year, 0))
    _replace(territory, FigureSource.FILOSOFI_SQUARES, rows, path.name)
    squares = sum(item.squares for item in sums)
    return FileImport(
        len(rows),
        len(sums),
        f"{path.name} : {squares} carreau(x) de 200 m dans {len(sums)} commune(s).",
    )


def caf_import(*, territory: Territory, path: Path) -> FileImport:
    """The CAF's households receiving each benefit, by commune, for the
    territory's communes; replaces the previous import. Raises
    OutreachFileError (French, located) and changes nothing when refused."""
    members = _members(territory)
    figures = read_caf_beneficiaries(path, known=known_commune_codes(), communes=set(members))
    totals: dict[tuple[str, str, int, int], float | None] = defaultdict(float)
    for figure in figures:
        key = (figure.insee_code, CAF_FIGURES[figure.benefit], figure.year, figure.month or 0)
        previous = totals[key]
        totals[key] = (
            None if previous is None or figure.households is None else previous + figure.households
        )
    rows = [(code, name, value, year, month) for (code, name, year, month), value in totals.items()]
    _replace(territory, FigureSource.CAF, rows, path.name)
    codes = {code for code, *_ in rows}
    return FileImport(
        len(rows), len(codes), f"{path.name} : {len(rows)} chiffre(s) de {len(codes)} commune(s)."
    )
