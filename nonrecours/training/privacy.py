"""Training in the register of processing (nonrecours.privacy.register)."""

from nonrecours.privacy.register import Processing

PROCESSING = [
    Processing(
        key="training.personas",
        name="Personas de la formation",
        models=("training.TerritoryPersona", "training.PersonaVersion"),
        purpose="Garder les personas fictifs de la formation des professionnel·les, chaque "
        "version telle qu'elle a été enregistrée, et qui l'a enregistrée.",
        people="Membres de l'équipe du territoire et formateur·rices qui enregistrent un persona.",
        data="Compte de la personne qui a enregistré chaque version, et la date. Les personas "
        "sont fictifs : aucune donnée d'une personne réelle.",
        seen_by="Équipe du territoire (chargé·e de mission, administrateur·rice) et "
        "formateur·rices.",
        recipients="Aucun.",
        retention="Tant que le territoire utilise l'outil ; le compte est retiré avec lui.",
        legal_basis="Mission d'intérêt public (art. 6.1.e RGPD).",
    ),
    Processing(
        key="training.game",
        name="Séances du jeu sérieux",
        models=(
            "training.GameSession",
            "training.GameTable",
            "training.GameTeam",
            "training.GameStep",
            "training.GameRoundResult",
            "training.TableNote",
        ),
        purpose="Animer le jeu sérieux des professionnel·les (forum, formation, prise de poste) "
        "et en garder le débriefing ; un bilan anonyme de chaque séance nourrit le rapport "
        "annuel de l'expérimentation.",
        people="Membres du territoire qui créent une séance ; participant·es, qui jouent des "
        "personas fictifs sans compte ni nom (équipes nommées « Équipe 1 »… par défaut).",
        data="Compte de la personne qui a créé la séance ; noms des équipes ; démarches jouées "
        "et ce que le moteur a décidé pour des personas fictifs ; notes des tables, écrites "
        "sans compte (la page demande de n'y mettre aucune personne réelle).",
        seen_by="Équipe du territoire et formateur·rices ; chaque équipe et chaque table voit "
        "sa page par son lien secret.",
        recipients="Aucun.",
        retention="Tant que le territoire utilise l'outil ; le compte de la personne qui a créé "
        "la séance est retiré avec lui. Le bilan anonyme ne contient ni nom d'équipe ni note.",
        legal_basis="Mission d'intérêt public (art. 6.1.e RGPD).",
    ),
]
