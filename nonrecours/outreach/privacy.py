"""Aller-vers in the register of processing (nonrecours.privacy.register)."""

from nonrecours.privacy.register import Processing

PROCESSING = [
    Processing(
        key="outreach.settings",
        name="Réglages de l'aller-vers",
        models=("outreach.PriorityWeights", "outreach.BusSettings"),
        purpose="Garder les poids de l'indice de priorité et les réglages du bus choisis par "
        "l'équipe du territoire, et qui les a changés.",
        people="Membres de l'équipe du territoire qui modifient les poids ou les réglages.",
        data="Compte de la dernière personne qui a modifié les poids ou les réglages, et la date.",
        seen_by="Équipe du territoire (chargé·e de mission, administrateur·rice).",
        recipients="Aucun.",
        retention="Tant que le territoire utilise l'outil ; le compte est retiré avec lui.",
        legal_basis="Mission d'intérêt public (art. 6.1.e RGPD).",
    ),
    Processing(
        key="outreach.calendar",
        name="Calendrier du bus multiservice",
        models=("outreach.BusCalendar", "outreach.BusVisit"),
        purpose="Planifier les passages du bus, les publier aux habitant·es et garder la trace "
        "des passages déplacés ou annulés.",
        people="Membres de l'équipe du territoire qui enregistrent, déplacent ou annulent un "
        "passage.",
        data="Compte de la personne qui a enregistré le calendrier ou changé un passage, date "
        "et motif du changement.",
        seen_by="Équipe du territoire (chargé·e de mission, administrateur·rice) ; dates et "
        "lieux des passages publiés à tous.",
        recipients="Aucun.",
        retention="Tant que le territoire utilise l'outil ; le compte est retiré avec lui.",
        legal_basis="Mission d'intérêt public (art. 6.1.e RGPD).",
    ),
    Processing(
        key="outreach.activity",
        name="Journal d'activité du bus",
        models=("outreach.BusVisitor", "outreach.BusReferral"),
        purpose="Compter les personnes reçues au bus et ce qui a été fait pour elles, pour "
        "évaluer chaque arrêt.",
        people="Personnes reçues au bus (sans nom ni coordonnées) ; agent·es qui les notent.",
        data="Commune et quartier prioritaire de résidence, tranche d'âge, thèmes, nombre de "
        "simulations, d'orientations et de rendez-vous, premier contact ou non ; compte de "
        "l'agent·e qui a noté ; lien vers l'orientation envoyée depuis le bus.",
        seen_by="Équipe du territoire et agent·es du bus ; chiffres publiés sous le secret "
        "statistique.",
        recipients="Aucun.",
        retention="Tant que le territoire utilise l'outil ; le lien vers une orientation "
        "disparaît avec elle.",
        legal_basis="Mission d'intérêt public (art. 6.1.e RGPD).",
    ),
]

NO_PERSONAL_DATA = {
    "outreach.PriorityArea": "contours et noms des quartiers prioritaires publiés par l'ANCT",
    "outreach.CommuneFigure": "chiffres par commune publiés par l'INSEE ou la CAF, ou agrégés "
    "par commune avant d'être gardés (aucune donnée de foyer)",
    "outreach.Stop": "lieux où le bus peut s'arrêter (mairies, quartiers, places)",
}
