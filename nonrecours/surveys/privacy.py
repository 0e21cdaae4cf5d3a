"""The barometer in the register of processing (nonrecours.privacy.register)."""

from nonrecours.accounts.enums import Capability
from nonrecours.accounts.privacy import roles_holding
from nonrecours.privacy.register import Processing

PROCESSING = [
    Processing(
        key="surveys.responses",
        name="Réponses au baromètre du non-recours",
        models=("surveys.Response", "surveys.ResponseRevision"),
        purpose="Mesurer le non-recours aux droits sur le territoire et en publier des "
        "statistiques (baromètre, rapport, données ouvertes) soumises au secret statistique.",
        people="Habitant·es qui répondent au questionnaire (en ligne, sur le terrain, ou par "
        "un outil de collecte importé).",
        data="Réponses au questionnaire : commune, sexe, tranche d'âge, composition du foyer, "
        "situation professionnelle, situation financière, difficultés d'accès aux droits et "
        "au numérique, aides connues et perçues, santé et handicap (donnée sensible, "
        "art. 9) ; dates de saisie, canal, enquêteur·rice, fichier et ligne d'import. Ni nom "
        "ni coordonnées (les demandes de rappel sont à part, sans lien avec la réponse).",
        seen_by=f"Réponses une à une et leur export : {roles_holding(Capability.VIEW_RESPONSES)}"
        f" du territoire ; saisie : {roles_holding(Capability.COLLECT)} ; public : seulement "
        "des agrégats publiés sous le secret statistique.",
        recipients="Aucun pour les réponses individuelles ; statistiques publiées.",
        retention="Aucune durée fixée dans l'application : les réponses sont gardées avec "
        "leur campagne et aucune commande ne les efface. Durée à fixer par le responsable de "
        "traitement.",
        legal_basis="Mission d'intérêt public (art. 6.1.e RGPD) ; réponses facultatives. "
        "Santé et handicap (art. 9) : consentement explicite de la personne qui répond "
        "(art. 9.2.a) ou fins statistiques (art. 9.2.j et 89), à confirmer par le ou la "
        "délégué·e à la protection des données.",
    ),
    Processing(
        key="surveys.contacts",
        name="Demandes de rappel du baromètre",
        models=("surveys.Contact",),
        purpose="Rappeler les répondant·es qui le demandent, pour les aider dans leurs démarches.",
        people="Répondant·es qui ont demandé à être rappelé·es.",
        data="Téléphone et/ou adresse électronique, commune, semaine de la demande, date de "
        "traitement et qui l'a traitée ; la situation qui pré-remplit la vérification des "
        "droits du rappel (âge approché, logement et loyer, foyer, activité, revenus, "
        "handicap reconnu : donnée sensible, art. 9), tirée des réponses à l'enregistrement. "
        "Ni l'identifiant de la réponse ni ses autres réponses ; mais tant qu'elle est gardée, "
        "cette situation permettrait à qui a aussi l'export des réponses d'y retrouver la "
        "réponse : elle n'est montrée que sur la page du parcours, une demande à la fois, "
        "n'est dans aucun export, et est effacée avec les coordonnées.",
        seen_by=f"{roles_holding(Capability.VIEW_RESPONSES).capitalize()} du territoire "
        "(page des rappels).",
        recipients="Aucun.",
        retention="{NONRECOURS_CONTACT_RETENTION_DAYS} jours après avoir été traitée, ou "
        "après la fin de sa campagne si elle ne l'a pas été ; effacée chaque nuit par "
        "« nonrecours purge » (le nombre de demandes reste sur la campagne).",
        legal_basis="Consentement (art. 6.1.a RGPD) : la personne demande à être rappelée.",
    ),
    Processing(
        key="surveys.campaign-traces",
        name="Traces des campagnes",
        models=("surveys.QuestionnaireVersion", "surveys.Publication", "surveys.AgentTarget"),
        purpose="Savoir qui a créé un questionnaire ou publié une vague ; fixer et suivre "
        "les objectifs de réponses des enquêteur·rices.",
        people="Professionnel·les de l'équipe du territoire ; enquêteur·rices.",
        data="Compte qui a créé la version du questionnaire ou publié la vague ; objectif de "
        "réponses de chaque enquêteur·rice.",
        seen_by=f"{roles_holding(Capability.MANAGE_CAMPAIGNS).capitalize()} du territoire.",
        recipients="Aucun.",
        retention="Avec la campagne : aucune suppression automatique ; le compte disparu, "
        "le lien est effacé (publication) ou l'objectif supprimé.",
        legal_basis="Mission d'intérêt public (art. 6.1.e RGPD).",
    ),
]

NO_PERSONAL_DATA = {
    "surveys.Campaign": "vague d'enquête : dates, canaux, nombres de rappels effacés",
    "surveys.Quota": "objectifs de réponses par commune ou strate",
    "surveys.StoredPotential": (
        "non-recours potentiel d'une vague : parts pondérées par aide, ensemble et par "
        "strate, cases masquées sans leurs chiffres ; aucune réponse individuelle"
    ),
}
