"""Writes of local aids: a file imported all or nothing, an aid's area
expanded to the communes it covers."""

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from nonrecours.french import plural
from nonrecours.localaids.aidfile import (
    MAX_FILE_BYTES,
    AidSpec,
    LocalAidFileError,
    Zone,
    read_aid_file,
    zone_communes,
)
from nonrecours.localaids.models import LocalAid, LocalAidCommune, amount_value

# The aids shipped for the default territory (CU d'Arras), loaded by `nonrecours setup`.
SEED_FILE = Path(__file__).resolve().parent / "data" / "hauts-de-france-arras.yaml"


@dataclass
class ImportReport:
    name: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """« hauts-de-france-arras.yaml : 5 aides créées, 0 mise à jour. »"""
        parts = [
            f"{len(self.created)} {plural(len(self.created), 'aide créée', 'aides créées')}",
            f"{len(self.updated)} {plural(len(self.updated), 'mise à jour', 'mises à jour')}",
        ]
        if self.kept:
            parts.append(
                f"{len(self.kept)} {plural(len(self.kept), 'déjà présente', 'déjà présentes')}, "
                "laissée(s) telle(s) quelle(s)"
            )
        return f"{self.name} : {', '.join(parts)}."


def local_aids_file_read(path: Path) -> list[AidSpec]:
    """The checked aids of a file; LocalAidFileError (French, located) when
    it cannot be read or has any problem."""
    name = path.name
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise LocalAidFileError([f"{name} : plus de {MAX_FILE_BYTES // 1_000_000} Mo"])
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LocalAidFileError([f"{path} : fichier introuvable"]) from None
    except UnicodeDecodeError:
        raise LocalAidFileError([f"{name} : le fichier n'est pas en UTF-8"]) from None
    except OSError as error:
        raise LocalAidFileError([f"{path} : illisible ({error.strerror})"]) from None
    return read_aid_file(text, name)


def local_aid_areas_refresh(*, aid: LocalAid) -> int:
    """Stores the communes the aid's area covers (replacing the previous
    ones); returns their number."""
    zone = Zone(**{key: tuple(codes) for key, codes in (aid.zone or {}).items()})
    codes = sorted(zone_communes(zone))
    with transaction.atomic():
        LocalAidCommune.objects.filter(aid=aid).delete()
        LocalAidCommune.objects.bulk_create(
            [LocalAidCommune(aid=aid, commune_code=code) for code in codes], batch_size=2000
        )
    return len(codes)


def _store(spec: AidSpec, aid: LocalAid, source_file: str) -> None:
    aid.label = spec.label
    aid.description = spec.description
    aid.institution_kind = spec.institution_kind
    aid.institution_name = spec.institution_name
    aid.zone = spec.zone.as_plain()
    aid.conditions = spec.conditions
    aid.amount = amount_value(spec.amount)
    aid.amount_period = spec.amount_period
    aid.amount_up_to = spec.amount_up_to
    aid.amount_note = spec.amount_note
    aid.in_kind = spec.in_kind
    aid.how_to_apply = spec.how_to_apply
    aid.apply_url = spec.apply_url
    aid.source_url = spec.source_url
    aid.references = list(spec.references)
    aid.valid_until = spec.valid_until
    aid.verified_on = spec.verified_on
    aid.status = spec.status
    aid.source_file = source_file
    aid.save()
    local_aid_areas_refresh(aid=aid)


def local_aids_import(*, path: Path, only_new: bool = False) -> ImportReport:
    """Imports a file of local aids, all or nothing: an aid with the same
    id is updated (unless ``only_new``: then it is kept as the territory
    left it). Raises LocalAidFileError, nothing written, when the file has
    any problem."""
    specs = local_aids_file_read(path)
    report = ImportReport(name=path.name)
    with transaction.atomic():
        for spec in specs:
            aid = LocalAid.objects.filter(slug=spec.slug).first()
            if aid is not None and only_new:
                report.kept.append(spec.slug)
                continue
            (report.updated if aid is not None else report.created).append(spec.slug)
            _store(spec, aid or LocalAid(slug=spec.slug), path.name)
    return report


__all__ = ["ImportReport", "LocalAidFileError", "local_aids_import"]
