"""`nonrecours accounts`: invite people, remove a second factor.

The name in English, as every command of the project
(docs/adr/020-noms-des-commandes.md); its code is still in
nonrecours/accounts/management/commands/comptes.py, the former name, which
keeps working and says on stderr that the name changed
(nonrecours.cli.parser.RENAMED).
"""

from nonrecours.accounts.management.commands.comptes import Command

__all__ = ["Command"]
