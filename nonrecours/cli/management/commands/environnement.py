"""`nonrecours environnement`: the former name of `nonrecours environment`
(docs/adr/020-noms-des-commandes.md); run under this name, it says so on
stderr (nonrecours.cli.parser) and does the same."""

from nonrecours.cli.management.commands.environment import Command

__all__ = ["Command"]
