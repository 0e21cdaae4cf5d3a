"""The project's checks (`manage.py check`, run before `migrate` and the
server): the serious game's rules file (training/rules/regles.yaml) reads,
so that no page meets a broken file."""

from typing import Any

from django.core import checks

from nonrecours.rights.engine import LEGISLATION_UNTIL
from nonrecours.training.game_rules import DEFAULT_RULES, RulesError, read_rules


def rules_file_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """One Error per problem of the rules file, in French with its place
    (its changes of situation read at the last month of the legislation:
    a check that does not load the simulator)."""
    try:
        read_rules(DEFAULT_RULES, month=LEGISLATION_UNTIL)
    except RulesError as error:
        return [
            checks.Error(problem.message, hint=str(DEFAULT_RULES), id="training.E001")
            for problem in error.problem_list()
        ]
    return []
