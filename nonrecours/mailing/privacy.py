"""The outbox in the register of processing (nonrecours.privacy.register)."""

from nonrecours.privacy.register import Processing

PROCESSING = [
    Processing(
        key="mailing.outbox",
        name="Courriels sortants (file d'envoi)",
        models=("mailing.Mail",),
        purpose="Envoyer les courriels du produit (orientations, invitations, annuaire, suivi "
        "des simulations), les renvoyer quand le serveur de courriel a échoué, et dire à "
        "qui a agi s'ils sont partis.",
        people="Destinataires des courriels : professionnel·les, structures de l'annuaire, "
        "personnes ayant demandé le suivi de leur simulation.",
        data="Adresses des destinataires et texte du courriel (sans le lien d'une invitation, "
        "d'une orientation ni les liens de réponse d'un suivi, ajoutés au moment de "
        "l'envoi) ; objet, état, dates, nombre d'essais et dernière erreur (sans donnée "
        "personnelle).",
        seen_by="Personne dans les pages : les administrateur·rices du serveur seulement.",
        recipients="Le serveur de courriel configuré (NONRECOURS_EMAIL_HOST).",
        retention="Texte et adresses effacés dès l'envoi ou l'abandon (au plus 3 jours et 6 "
        "essais), ou dès le retrait du courriel (invitation annulée ou renvoyée, coordonnées "
        "d'un suivi effacées) ; objet, état, dates et nombre de destinataires supprimés "
        "{NONRECOURS_REFERRAL_RETENTION_DAYS} jours après, par « nonrecours mailing send ».",
        legal_basis="Mission d'intérêt public (art. 6.1.e RGPD), comme les envois qu'elle porte.",
    ),
]
