"""Closed lists of the follow-up after a simulation: English values, French
labels (what the person reads in the message and on the answer page)."""

from django.db import models


class FollowUpAnswer(models.TextChoices):
    """The person's answer for one benefit the simulation found."""

    CLAIMED = "claimed", "Oui, j'ai fait la demande"
    NOT_YET = "not_yet", "Pas encore"
    NOT_NEEDED = "not_needed", "Non, je n'en ai pas besoin"


class BlockedReason(models.TextChoices):
    """« Où avez-vous été bloqué·e ? »: a closed list, never free text (a
    free text could hold a name, an illness, an address)."""

    WHERE_TO_GO = "where_to_go", "Je ne savais pas où m'adresser"
    ONLINE_TOO_HARD = "online_too_hard", "La démarche en ligne est trop difficile"
    MISSING_DOCUMENT = "missing_document", "Il me manque une pièce justificative"
    NO_APPOINTMENT = "no_appointment", "Je n'ai pas pu avoir de rendez-vous"
    NO_ANSWER = "no_answer", "Je n'ai pas eu de réponse"
    FEAR = "fear", "J'ai peur d'un contrôle ou d'avoir à rembourser (indu)"
    OTHER = "other", "Autre raison"


class FollowUpChannel(models.TextChoices):
    EMAIL = "email", "courriel"
    SMS = "sms", "SMS"


class ContactErasure(models.TextChoices):
    """Why the e-mail and phone of a follow-up were erased."""

    AFTER_SECOND = "after_second", "Second message envoyé"
    NOTHING_TO_ASK = "nothing_to_ask", "Réponse complète : plus rien à demander"
    UNSUBSCRIBED = "unsubscribed", "Désinscription par la personne"
    OVERDUE = "overdue", "Délai de conservation atteint"
