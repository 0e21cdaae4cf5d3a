"""Local aids in the register of processing (nonrecours.privacy.register)."""

NO_PERSONAL_DATA = {
    "localaids.LocalAid": "aides des collectivités et organismes, publiées par eux",
    "localaids.LocalAidCommune": "codes des communes couvertes par une aide",
}
