"""System checks of the accounts' security settings (`check --deploy`)."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.security, deploy=True)
def second_factor_check(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """Warn when production runs without the second factor for the people
    who see personal data (NONRECOURS_REQUIRE_2FA false while DEBUG is off)."""
    if settings.NONRECOURS_REQUIRE_2FA or settings.DEBUG:
        return []
    return [
        Warning(
            "NONRECOURS_REQUIRE_2FA est désactivé : les administrateur·rices et chargé·es de "
            "mission, qui voient des données personnelles, se connectent sans second facteur.",
            hint="Retirez NONRECOURS_REQUIRE_2FA=false de l'environnement de production "
            "(docs/guide/comptes.md).",
            id="accounts.W001",
        )
    ]
