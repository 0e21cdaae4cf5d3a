"""The directory in the register of processing (nonrecours.privacy.register)."""

from nonrecours.privacy.register import Processing

PROCESSING = [
    Processing(
        key="directory.entries",
        name="Annuaire des services",
        models=("directory.Structure", "directory.Offer"),
        purpose="Publier les services d'accès aux droits du territoire, et savoir à qui "
        "adresser les orientations.",
        people="Professionnel·les dont les coordonnées figurent dans une fiche ; personnes "
        "qui ont rattaché une structure à une organisation.",
        data="Coordonnées professionnelles des structures et services (courriel, téléphone, "
        "adresse, site), qui peuvent nommer une personne ; nom de qui a décidé d'un "
        "rattachement et sa date.",
        seen_by="Public (annuaire en ligne et export au schéma data·inclusion).",
        recipients="Toute personne : données publiées (data·inclusion).",
        retention="Tant que la fiche est publiée : remplacée à chaque import, modifiée ou "
        "retirée par l'équipe du territoire ou l'organisation rattachée.",
        legal_basis="Mission d'intérêt public (art. 6.1.e RGPD) ; coordonnées "
        "professionnelles publiées par les structures.",
    ),
]

NO_PERSONAL_DATA = {
    "directory.OfferTag": "thématiques et publics d'un service (index de recherche)",
}
