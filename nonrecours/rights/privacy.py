"""The rights simulator in the register of processing
(nonrecours.privacy.register). A simulation is kept only with the person's
consent; nothing else of a simulation is stored."""

from nonrecours.accounts.enums import Capability
from nonrecours.accounts.privacy import roles_holding
from nonrecours.privacy.register import Processing

PROCESSING = [
    Processing(
        key="rights.saved-simulations",
        name="Simulations de droits conservées",
        models=("rights.SavedSimulation",),
        purpose="Permettre à la personne de reprendre sa simulation avec un·e "
        "professionnel·le, à partir d'un code court.",
        people="Personnes qui simulent leurs droits et demandent à garder la simulation.",
        data="Situation décrite : composition du foyer, âges, ressources, logement, "
        "activité, handicap (donnée sensible, art. 9) ; territoire ; texte du consentement ; "
        "dates. Ni nom ni coordonnées.",
        seen_by="Avec le code que la personne donne : "
        f"{roles_holding(Capability.REOPEN_SIMULATIONS)} du territoire de la simulation.",
        recipients="Aucun.",
        retention="{NONRECOURS_SIMULATION_RETENTION_DAYS} jours après l'enregistrement ; "
        "supprimée chaque nuit par « nonrecours purge », et dès qu'une simulation est conservée "
        "ou rouverte.",
        legal_basis="Consentement explicite de la personne (art. 6.1.a et 9.2.a RGPD), "
        "recueilli avant l'enregistrement.",
    ),
]
