"""Importing the files a territory holds for its priority index: the QPV
list and contours (ANCT), INSEE Filosofi (by commune, or by 200 m square),
the CAF's beneficiaries by commune. The readers (outreach.importers) check
the whole file first; then each import replaces what the territory had
from that source, all or nothing (one transaction).

The file formats, their producers and where to download them:
docs/guide/donnees-aller-vers.md."""

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from shapely.geometry import shape

from nonrecours.outreach.enums import FigureSource
from nonrecours.outreach.importers.caf import read_caf_beneficiaries
from nonrecours.outreach.importers.filosofi import read_commune_poverty, read_square_poverty
from nonrecours.outreach.importers.qpv import read_priority_areas
from nonrecours.outreach.models import CommuneFigure, PriorityArea
from nonrecours.territories.insee import known_commune_codes
from nonrecours.territories.models import Commune, Territory

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


def _replace(
    territory: Territory,
    source: str,
    rows: list[tuple[str, str, float | None, int, int]],
    file_name: str,
) -> None:
    """Replace the territory's figures of `source` by `rows` (INSEE code,
    name, value, year, month), in one transaction."""
    members = _members(territory)
    now = timezone.now()
    with transaction.atomic():
        CommuneFigure.objects.filter(territory=territory, source=source).delete()
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
            if code in members
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
    geometries = {
        code: commune.geometry
        for code, commune in _members(territory).items()
        if isinstance(commune.geometry, dict)
    }
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
