"""Accounts in the register of processing (nonrecours.privacy.register).

``roles_holding`` writes "who sees it" from the role matrix of access.py,
so that the register follows the permissions when they change."""

from nonrecours.accounts.access import ROLE_CAPABILITIES
from nonrecours.accounts.enums import Capability, Role
from nonrecours.privacy.register import Processing


def roles_holding(capability: Capability) -> str:
    """The French names of the roles granted ``capability`` by the matrix
    (ROLE_CAPABILITIES), in the order of the Role enum, lower case, joined
    by commas: "administrateur·rice, chargé·e de mission"."""
    return ", ".join(
        str(role.label).lower() for role in Role if capability in ROLE_CAPABILITIES[role]
    )


PROCESSING = [
    Processing(
        key="accounts.accounts",
        name="Comptes des professionnel·les",
        models=("accounts.User", "accounts.Membership"),
        purpose="Identifier les professionnel·les qui se connectent et leur donner les "
        "droits de leur rôle dans leur organisation, sur leur territoire.",
        people="Agent·es de la collectivité, enquêteur·rices, professionnel·les des "
        "organisations partenaires.",
        data="Identifiant, prénom, nom, adresse électronique, mot de passe (haché), dates "
        "d'inscription et de dernière connexion, organisation(s) et rôle(s).",
        seen_by="La personne elle-même ; les super-utilisateur·rices (back-office) ; les "
        f"rôles qui invitent ({roles_holding(Capability.INVITE)}) pour les comptes de "
        "leur territoire ; le nom de qui oriente est montré à l'organisation qui reçoit "
        "l'orientation.",
        recipients="Aucun destinataire extérieur (hébergeur, en sous-traitant).",
        retention="Tant que la personne travaille avec le territoire : aucune suppression "
        "automatique ; un·e super-utilisateur·rice désactive ou supprime le compte à son "
        "départ.",
        legal_basis="Mission d'intérêt public (art. 6.1.e RGPD) de la collectivité porteuse.",
    ),
    Processing(
        key="accounts.invitations",
        name="Invitations",
        models=("accounts.Invitation",),
        purpose="Inviter une personne par courriel à créer son compte dans une organisation, "
        "avec un rôle.",
        people="Personnes invitées ; professionnel·les qui invitent.",
        data="Adresse électronique invitée, organisation, rôle, qui a invité ou annulé, "
        "dates d'envoi, d'expiration, d'acceptation ; empreinte du lien (jamais le lien).",
        seen_by=f"Les rôles qui invitent ({roles_holding(Capability.INVITE)}) sur le "
        "territoire de l'organisation ; les super-utilisateur·rices.",
        recipients="La personne invitée (courriel avec le lien).",
        retention="Le lien ouvre la création du compte {NONRECOURS_INVITATION_DAYS} jours ; "
        "l'invitation reste ensuite (acceptée, expirée ou annulée) : aucune suppression "
        "automatique.",
        legal_basis="Mission d'intérêt public (art. 6.1.e RGPD).",
    ),
]

NO_PERSONAL_DATA = {
    "accounts.Organisation": "organisations partenaires (personnes morales)",
}
