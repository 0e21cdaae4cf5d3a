"""Referrals in the register of processing (nonrecours.privacy.register)."""

from nonrecours.accounts.enums import Capability
from nonrecours.accounts.privacy import roles_holding
from nonrecours.privacy.register import Processing

PROCESSING = [
    Processing(
        key="referrals.people",
        name="Orientations : la personne orientée",
        models=("referrals.Referral",),
        purpose="Transmettre la demande d'une personne, avec son accord, à un service de "
        "l'annuaire qui la recontacte ; suivre la réponse et le résultat (droit ouvert).",
        people="Personnes orientées par un·e professionnel·le.",
        data="Prénom, nom, téléphone, adresse électronique, motif de l'orientation, précisions "
        "d'un refus, code et montants estimés d'une simulation ; commune, tranche d'âge, "
        "texte et mode de l'accord recueilli.",
        seen_by=f"Les comptes ({roles_holding(Capability.REFER)}) des deux organisations que "
        "l'orientation relie ; la structure destinataire, par le lien signé envoyé à son "
        "courriel (jamais quand l'envoi de courriels est désactivé). L'équipe du territoire "
        "n'en voit que les statistiques.",
        recipients="La structure ou l'organisation partenaire destinataire de l'orientation.",
        retention="Coordonnées, motif et simulation effacés {NONRECOURS_REFERRAL_RETENTION_DAYS}"
        " jours après l'envoi, chaque nuit, par « nonrecours referrals echeances » (et "
        "« nonrecours purge ») ; le lien est révoqué au refus, à l'expiration (30 jours sans "
        "réponse) et à l'effacement. Restent, pour les statistiques : dates, statut, commune, "
        "tranche d'âge, dispositif, résultats.",
        legal_basis="Consentement de la personne (art. 6.1.a RGPD), recueilli et daté par "
        "le ou la professionnel·le avant l'envoi.",
    ),
    Processing(
        key="referrals.trail",
        name="Orientations : journal et résultats",
        models=("referrals.Referral", "referrals.Event", "referrals.Outcome"),
        purpose="Tracer chaque étape d'une orientation (qui, quand, par quel canal) et ses "
        "résultats, pour les deux organisations et les statistiques.",
        people="Professionnel·les qui orientent, répondent ou enregistrent un résultat ; "
        "destinataires des courriels.",
        data="Nom du ou de la professionnel·le qui oriente, comptes et noms des auteur·rices "
        "de chaque étape, adresses auxquelles un courriel a été envoyé, courriel de la "
        "structure ; résultat (droit ouvert, montant mensuel estimé) et ses corrections "
        "(valeur remplacée, date, auteur·rice, motif).",
        seen_by=f"Les comptes ({roles_holding(Capability.REFER)}) des deux organisations reliées.",
        recipients="Aucun.",
        retention="Aucune suppression automatique : le journal et les résultats restent pour "
        "les statistiques ; ils ne désignent plus la personne orientée une fois ses "
        "coordonnées effacées.",
        legal_basis="Mission d'intérêt public (art. 6.1.e RGPD).",
    ),
]

NO_PERSONAL_DATA = {
    "referrals.Scheme": "dispositifs locaux (noms)",
}
