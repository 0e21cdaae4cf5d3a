"""Events in the register of processing (nonrecours.privacy.register)."""

from nonrecours.privacy.register import Processing

PROCESSING = [
    Processing(
        key="events.registrations",
        name="Inscriptions et émargement des forums et formations",
        models=("events.Event", "events.Registration", "events.Attendance"),
        purpose="Organiser les forums et formations du territoire (inscriptions par structure, "
        "places, feuille d'émargement, présences) et compter les professionnel·les formé·es "
        "par institution.",
        people="Professionnel·les inscrit·es aux forums et formations ; membres de l'équipe qui "
        "les organisent.",
        data="Nom, prénom, adresse e-mail (facultative), structure et son type, fonction ; "
        "présence par demi-journée, qui l'a cochée et quand ; compte de la personne qui a créé "
        "l'événement.",
        seen_by="Équipe du territoire et formateur·rices (capacité « animer les formations ») ; "
        "chiffres exportés sous le secret statistique.",
        recipients="Aucun.",
        retention="Tant que le territoire utilise l'outil ; les inscriptions disparaissent "
        "avec leur événement, ou quand l'équipe les retire (demande d'effacement).",
        legal_basis="Mission d'intérêt public (art. 6.1.e RGPD).",
    ),
    Processing(
        key="events.quizzes",
        name="Quiz et satisfaction des formations",
        models=("events.QuizResponse", "events.SatisfactionResponse"),
        purpose="Mesurer ce qu'une formation apporte (quiz avant et après, appariés par "
        "inscription) et recueillir l'avis des participant·es (anonyme).",
        people="Participant·es des forums et formations.",
        data="Réponses au quiz et nombre de bonnes réponses, rattachés à l'inscription (détachés "
        "d'elle quand elle est retirée après la clôture des quiz) ; réponses au questionnaire "
        "de satisfaction, à part, sans rattachement à une personne ni heure (le jour seulement).",
        seen_by="Équipe du territoire et formateur·rices : moyennes seulement, sur 5 personnes au "
        "moins et une fois les quiz clos, jamais le score d'une personne ; satisfaction détaillée "
        "à partir de 5 réponses, une fois close ; chiffres exportés sous le secret statistique.",
        recipients="Aucun.",
        retention="Tant que le territoire utilise l'outil ; les réponses disparaissent avec "
        "leur événement.",
        legal_basis="Mission d'intérêt public (art. 6.1.e RGPD).",
    ),
]

NO_PERSONAL_DATA: dict[str, str] = {}
