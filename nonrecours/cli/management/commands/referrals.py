"""`nonrecours referrals`: deadlines of the referrals (reminder, expiry,
erasure), schemes, export.

The name in English, as every command of the project
(docs/adr/020-noms-des-commandes.md); its code is still in
nonrecours/referrals/management/commands/orientations.py, the former name,
which keeps working and says on stderr that the name changed
(nonrecours.cli.parser.RENAMED).
"""

from nonrecours.referrals.management.commands.orientations import Command

__all__ = ["Command"]
