from django.db import models

# As in the national tools (DORA, les emplois de l'inclusion): a referral
# not answered is reminded after 10 days and expires after 30.
REMINDER_AFTER_DAYS = 10
EXPIRY_AFTER_DAYS = 30


class Status(models.TextChoices):
    SENT = "sent", "Envoyée, en attente de réponse"
    ACCEPTED = "accepted", "Acceptée"
    REFUSED = "refused", "Refusée"
    EXPIRED = "expired", "Expirée sans réponse"


class RefusalReason(models.TextChoices):
    OUT_OF_AREA = "out_of_area", "La personne habite hors de notre zone d'intervention"
    NOT_ELIGIBLE = "not_eligible", "La personne ne remplit pas les conditions de l'offre"
    FULL = "full", "Plus de place ou délai d'attente trop long"
    ALREADY_FOLLOWED = "already_followed", "La personne est déjà accompagnée"
    WRONG_OFFER = "wrong_offer", "La demande ne correspond pas à notre offre"
    OTHER = "other", "Autre motif"


class OutcomeKind(models.TextChoices):
    RIGHT_OPENED = "right_opened", "Droit ouvert"
    ACCOMPANIMENT = "accompaniment", "Accompagnement engagé"
    NO_RIGHT = "no_right", "Pas de droit"
    NOT_REACHED = "not_reached", "Personne non jointe"


class ConsentMode(models.TextChoices):
    ORAL = "oral", "À l'oral, en présence du·de la professionnel·le"
    PHONE = "phone", "Par téléphone"
    WRITTEN = "written", "Par écrit (formulaire signé ou courriel)"


class AgeBand(models.TextChoices):
    """The barometer's bands (territories.population.AGE_BANDS), and minors."""

    UNDER_18 = "0_17", "Moins de 18 ans"
    FROM_18 = "18_24", "18 à 24 ans"
    FROM_25 = "25_34", "25 à 34 ans"
    FROM_35 = "35_44", "35 à 44 ans"
    FROM_45 = "45_54", "45 à 54 ans"
    FROM_55 = "55_64", "55 à 64 ans"
    FROM_65 = "65_74", "65 à 74 ans"
    FROM_75 = "75_plus", "75 ans ou plus"


class EventKind(models.TextChoices):
    CREATED = "created", "Orientation envoyée"
    NOTIFIED = "notified", "Courriel envoyé"
    NOTIFY_FAILED = "notify_failed", "Courriel non envoyé"
    NOTIFY_ABANDONED = "notify_abandoned", "Courriel abandonné"
    VIEWED = "viewed", "Fiche consultée"
    ACCEPTED = "accepted", "Orientation acceptée"
    REFUSED = "refused", "Orientation refusée"
    REMINDED = "reminded", "Relance (10 jours sans réponse)"
    EXPIRED = "expired", "Expirée (30 jours sans réponse)"
    OUTCOME = "outcome", "Résultat enregistré"
    CORRECTED = "corrected", "Résultat corrigé"
    ANONYMISED = "anonymised", "Données personnelles effacées"


class Channel(models.TextChoices):
    ACCOUNT = "account", "compte"
    LINK = "link", "lien reçu par courriel"
    SYSTEM = "system", "automatique"
