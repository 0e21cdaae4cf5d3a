"""The register's lines for the tables of the frameworks the project installs
(Django's sessions and back-office journal, django-axes, django-otp). A line
whose tables are not installed is left out of the register; a table
installed and classified nowhere fails tests/privacy."""

from nonrecours.privacy.register import Processing

PROCESSING = [
    Processing(
        key="framework.sessions",
        name="Sessions de connexion",
        models=("sessions.Session",),
        purpose="Garder une personne connectée d'une page à l'autre ; retenir les étapes du "
        "simulateur et du questionnaire en ligne en cours.",
        people="Professionnel·les connecté·es ; visiteur·ses du simulateur et du questionnaire.",
        data="Identifiant de session, compte connecté, second facteur validé, réponses en "
        "cours de saisie (simulateur, questionnaire), date d'expiration.",
        seen_by="Personne dans l'application (table technique) ; l'hébergeur.",
        recipients="Aucun.",
        retention="Expire {SESSION_COOKIE_AGE} secondes après son ouverture, ou à la "
        "déconnexion ; les sessions expirées sont effacées chaque nuit par « nonrecours purge ».",
        legal_basis="Mission d'intérêt public (art. 6.1.e RGPD) : fonctionnement et sécurité "
        "du service ; cookie strictement nécessaire (art. 82 de la loi Informatique et "
        "libertés).",
    ),
    Processing(
        key="framework.admin-journal",
        name="Journal du back-office",
        models=("admin.LogEntry",),
        purpose="Tracer les modifications faites dans le back-office Django.",
        people="Super-utilisateur·rices ; personnes dont la fiche a été modifiée (comptes, "
        "organisations).",
        data="Compte auteur, date, table et intitulé de la fiche modifiée (peut contenir un "
        "nom), description de la modification.",
        seen_by="Super-utilisateur·rices (back-office).",
        recipients="Aucun.",
        retention="Aucune suppression automatique : à purger par un·e super-utilisateur·rice "
        "selon la politique de traces du responsable de traitement.",
        legal_basis="Mission d'intérêt public (art. 6.1.e) ; sécurité du traitement (art. 32).",
    ),
    Processing(
        key="framework.login-attempts",
        name="Tentatives de connexion échouées",
        models=(
            "axes.AccessAttempt",
            "axes.AccessAttemptExpiration",
            "axes.AccessFailureLog",
            "axes.AccessLog",
        ),
        purpose="Limiter les essais de mots de passe : bloquer un compte ou une adresse après "
        "des échecs répétés (django-axes).",
        people="Toute personne qui tente de se connecter.",
        data="Identifiant saisi, adresse IP, navigateur (user agent), page, date, nombre "
        "d'échecs (jamais le mot de passe).",
        seen_by="Super-utilisateur·rices (back-office), qui débloquent.",
        recipients="Aucun.",
        retention="Effacées chaque nuit (nonrecours purge) une fois le blocage écoulé "
        "({NONRECOURS_LOGIN_LOCKOUT_MINUTES} minutes) ; avec 0 (bloqué jusqu'au déblocage), "
        "les échecs sous la limite après un jour et les blocages au déblocage par un·e "
        "administrateur·rice.",
        legal_basis="Sécurité du traitement (art. 32 RGPD) ; mission d'intérêt public "
        "(art. 6.1.e).",
    ),
    Processing(
        key="framework.second-factor",
        name="Second facteur de connexion",
        models=(
            "otp_totp.TOTPDevice",
            "otp_static.StaticDevice",
            "otp_static.StaticToken",
            "otp_email.EmailDevice",
            "otp_hotp.HOTPDevice",
        ),
        purpose="Confirmer la connexion des comptes qui voient des données personnelles "
        "(administrateur·rices, chargé·es de mission) par un code à usage unique.",
        people="Professionnel·les tenu·es au second facteur.",
        data="Compte, nom de l'appareil, secret partagé (jamais affiché après "
        "l'enrôlement), dernier code utilisé, échecs récents.",
        seen_by="Personne (le back-office en masque le secret).",
        recipients="Aucun.",
        retention="Tant que le compte garde l'appareil : supprimé avec le compte, ou par un·e "
        "super-utilisateur·rice qui le réinitialise.",
        legal_basis="Sécurité du traitement (art. 32 RGPD) ; mission d'intérêt public "
        "(art. 6.1.e).",
    ),
]

NO_PERSONAL_DATA = {
    "auth.Permission": "permissions techniques de Django",
    "auth.Group": "groupes de permissions (non utilisés pour les personnes)",
    "contenttypes.ContentType": "liste des tables",
}
