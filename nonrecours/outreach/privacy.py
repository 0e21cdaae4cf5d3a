"""Aller-vers in the register of processing (nonrecours.privacy.register)."""

from nonrecours.privacy.register import Processing

PROCESSING = [
    Processing(
        key="outreach.settings",
        name="Réglages de l'aller-vers",
        models=("outreach.PriorityWeights",),
        purpose="Garder les poids de l'indice de priorité choisis par l'équipe du territoire, "
        "et qui les a changés.",
        people="Membres de l'équipe du territoire qui modifient les poids.",
        data="Compte de la dernière personne qui a modifié les poids, et la date.",
        seen_by="Équipe du territoire (chargé·e de mission, administrateur·rice).",
        recipients="Aucun.",
        retention="Tant que le territoire utilise l'outil ; le compte est retiré avec lui.",
        legal_basis="Mission d'intérêt public (art. 6.1.e RGPD).",
    ),
]

NO_PERSONAL_DATA = {
    "outreach.PriorityArea": "contours et noms des quartiers prioritaires publiés par l'ANCT",
    "outreach.CommuneFigure": "chiffres par commune publiés par l'INSEE ou la CAF, ou agrégés "
    "par commune avant d'être gardés (aucune donnée de foyer)",
    "outreach.Stop": "lieux où le bus peut s'arrêter (mairies, quartiers, places)",
}
