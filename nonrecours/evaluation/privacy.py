"""Evaluation in the register of processing (nonrecours.privacy.register)."""

from nonrecours.privacy.register import Processing

PROCESSING: list[Processing] = [
    Processing(
        key="evaluation.chain",
        name="Parcours des demandes de rappel du baromètre (de l'appel au droit ouvert)",
        models=("evaluation.ChainContact", "evaluation.ChainReferral"),
        purpose="Rappeler la personne qui l'a demandé, vérifier ses droits avec elle à partir "
        "de ce qu'elle a répondu, l'orienter, et compter les étapes du parcours.",
        people="Répondant·es du baromètre qui ont demandé à être rappelé·es.",
        data="Lien entre le parcours et la demande de rappel (téléphone, courriel, et la "
        "situation pré-remplie gardée avec la demande : commune, âge approché, logement et "
        "loyer, composition du foyer, activité, revenus, handicap reconnu — donnée sensible, "
        "art. 9) ; montants mensuels des aides trouvées par la vérification des droits ; "
        "lien vers les orientations envoyées depuis le parcours (qui portent le nom et le "
        "téléphone de la personne). Jamais la réponse au questionnaire ni son identifiant.",
        seen_by="Équipe du territoire qui traite les demandes de rappel (page des rappels, "
        "page du parcours).",
        recipients="Aucun ; la structure qui reçoit une orientation voit ce que l'orientation "
        "lui transmet, avec l'accord de la personne.",
        retention="Effacé avec la demande de rappel : {NONRECOURS_CONTACT_RETENTION_DAYS} "
        "jours après qu'elle a été traitée, ou après la fin de sa campagne ; chaque nuit "
        "par « nonrecours purge ». Juste avant, le parcours anonyme garde une copie de ses "
        "droits ouverts (prestation, montant annuel, dates) et du nombre de ses "
        "orientations ; le lien entre le parcours et ses orientations est supprimé et les "
        "montants estimés de ces orientations (calculés à partir des réponses) sont "
        "effacés. Restent le parcours anonyme (campagne, commune, strate, mois de la "
        "demande, dates des étapes, cette copie), compté sous le secret statistique ; les "
        "résultats enregistrés après l'effacement n'y sont plus comptés. Reste aussi, sur "
        "l'orientation (gardée avec ses coordonnées selon sa propre durée), le montant d'un "
        "droit ouvert que la structure a repris de l'estimation : il ne désigne plus le "
        "parcours, mais, rapproché par simulation des réponses de la même commune, il "
        "pourrait y désigner une réponse ; seule l'équipe, qui voit aussi les réponses, "
        "pourrait le tenter.",
        legal_basis="Consentement (art. 6.1.a RGPD) : la personne demande à être rappelée "
        "pour faire le point sur ses droits ; handicap (art. 9) : consentement explicite "
        "(art. 9.2.a), à confirmer par le ou la délégué·e à la protection des données.",
    ),
    Processing(
        key="evaluation.report_entries",
        name="Saisies du rapport annuel de l'expérimentation",
        models=("evaluation.BudgetLine", "evaluation.ReportPartner", "evaluation.DataAgreement"),
        purpose="Garder le budget dépensé, les partenaires et les conventions d'échange de "
        "données que l'équipe saisit pour le rapport annuel, et qui les a saisis.",
        people="Membres de l'équipe du territoire qui saisissent ces lignes.",
        data="Compte de la personne qui a saisi la ligne et la date ; les lignes décrivent "
        "des organisations et des dépenses, pas des personnes.",
        seen_by="Équipe du territoire (chargé·e de mission, administrateur·rice) ; le rapport "
        "annuel qui les reprend est remis aux financeurs.",
        recipients="Financeurs de l'expérimentation (rapport annuel, sans le compte).",
        retention="Tant que le territoire utilise l'outil ; le compte est retiré avec lui.",
        legal_basis="Mission d'intérêt public (art. 6.1.e RGPD).",
    ),
    Processing(
        key="evaluation.followups",
        name="Suivi des simulations de droits (messages à 7 et 30 jours)",
        models=("evaluation.FollowUp", "evaluation.FollowUpBenefit", "evaluation.FollowUpMessage"),
        purpose="Demander à la personne, 7 puis 30 jours après sa simulation, si elle a fait "
        "la demande des aides trouvées et où elle a été bloquée, pour mesurer le recours "
        "aux aides après une simulation (statistiques sous le secret statistique).",
        people="Personnes qui simulent leurs droits et acceptent d'être suivies (case à cocher "
        "non cochée par défaut sur la page des résultats).",
        data="Courriel et/ou numéro de mobile ; aides trouvées (identifiant, montant estimé "
        "par mois) ; territoire, commune si connue ; texte du consentement et date ; dates "
        "d'envoi des messages ; réponses par aide et raison du blocage (liste fermée, jamais "
        "de texte libre). Jamais la situation décrite.",
        seen_by="Personne : les coordonnées ne sont affichées sur aucune page. L'équipe et "
        "les partenaires du territoire voient les seules statistiques, sous le secret "
        "statistique.",
        recipients="Le prestataire d'envoi des courriels et, si un numéro est donné, celui "
        "des SMS (sous-traitants, art. 28 RGPD).",
        retention="Courriel et numéro effacés dès l'envoi du second message (30 jours après "
        "la simulation ; une nuit suivante si le serveur de courriel l'a d'abord refusé), au "
        "plus tard 37 jours après si l'envoi échoue, dès que la personne se désinscrit ou "
        "qu'elle a répondu pour toutes les aides sans « pas encore » ; chaque nuit par "
        "« nonrecours followups ». Les courriels encore en attente dans la file d'envoi sont "
        "retirés au même moment, adresse comprise. Les réponses restent, anonymes.",
        legal_basis="Consentement (art. 6.1.a RGPD), recueilli avant l'enregistrement, avec "
        "son texte conservé.",
    ),
]

NO_PERSONAL_DATA: dict[str, str] = {
    "evaluation.SimulationTally": "nombre de simulations par territoire et par mois, rien "
    "sur les personnes",
    "evaluation.Chain": "parcours d'une demande de rappel sans la personne : campagne, "
    "commune, strate, mois de la demande, dates des étapes et, après l'effacement de la "
    "demande, la copie de ses droits ouverts (prestation, montant annuel, dates) et du "
    "nombre de ses orientations ; le lien personnel est à part (ChainContact) et effacé avec "
    "la demande",
    "evaluation.ExternalBundle": "lots d'indicateurs publiés par d'autres territoires : "
    "agrégats libérés par le secret statistique, sans case masquée ni compte",
    "evaluation.NationalFigure": "chiffres nationaux publiés (baromètre d'opinion de la DREES), "
    "avec leur source",
}
