"""After the load: every answer acknowledged to a person or a phone, looked
up in the database.

Run by the runner as ``python -m loadtest.verify PLAN.json RECORDS.json``
with the production settings of the run (the same secret key: the online
questionnaire's idempotency key is read from its signed state by the
product's own FormState). Prints one JSON object (see `verify`).
"""

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import django

Examples = dict[str, list[str]]


def _note(examples: Examples, problem: str, what: str) -> None:
    """Keep a few keys per problem, for the report."""
    found = examples.setdefault(problem, [])
    if len(found) < 5:
        found.append(what)


def online_counts(
    slug: str, answers: list[dict[str, Any]], rows: Counter[str], markers: Counter[Any],
    examples: Examples,
) -> dict[str, int]:  # fmt: skip
    """The online questionnaire's counts (see `verify`): ``answers`` as the
    residents recorded them, ``rows`` stored by idempotency key,
    ``markers`` stored by unique marker."""
    from nonrecours.www.barometer.online import FormState

    counts = Counter[str]()
    known: set[str] = set()
    for answer in answers:
        key = "online-" + FormState.loads(answer["token"], slug).key
        known.add(key)
        stored = rows.get(key, 0)
        counts["started"] += 1
        if answer["acked"]:
            counts["acknowledged"] += 1
            if stored == 0:
                counts["lost"] += 1
                _note(examples, "en ligne : perdue", key)
        elif stored:
            counts["stored_unacknowledged"] += 1
        if stored > 1 or markers.get(answer["marker"], 0) > 1:
            counts["duplicated"] += 1
            _note(examples, "en ligne : en double", key)
    counts["stored"] = sum(rows.values())
    counts["unknown"] = sum(n for key, n in rows.items() if key not in known)
    return dict(counts)


def agent_counts(
    answers: list[dict[str, Any]], phones: list[dict[str, Any]],
    rows: dict[tuple[str, str], list[int]], markers: Counter[Any], examples: Examples,
) -> dict[str, int]:  # fmt: skip
    """The field agents' counts (see `verify`): ``answers`` as the phones
    recorded them, ``phones`` with their posts by key, ``rows`` stored by
    (agent, key), ``markers`` stored by unique marker."""
    counts = Counter[str]()
    known: set[tuple[str, str]] = set()
    for answer in answers:
        where = (answer["agent"], answer["key"])
        known.add(where)
        stored = rows.get(where, [])
        counts["collected"] += 1
        if answer.get("refused"):
            counts["refused"] += 1
            _note(examples, "porte-à-porte : refusée", f"{answer['key']} {answer['refused']}")
        if answer["acked"]:
            counts["acknowledged"] += 1
            if not stored:
                counts["lost"] += 1
                _note(examples, "porte-à-porte : perdue", answer["key"])
            elif stored[0] != answer.get("response_id"):
                counts["wrong_id"] += 1
        else:
            counts["unsent"] += 1
            if stored:
                counts["stored_unacknowledged"] += 1
        if len(stored) > 1 or markers.get(answer["marker"], 0) > 1:
            counts["duplicated"] += 1
            _note(examples, "porte-à-porte : en double", answer["key"])
    counts["stored"] = sum(len(pks) for pks in rows.values())
    counts["unknown"] = sum(len(pks) for where, pks in rows.items() if where not in known)
    posts = [n for phone in phones for n in phone["posts"].values()]
    counts["posts"] = sum(posts)
    counts["replays"] = sum(posts) - len(posts)
    return dict(counts)


def verify(plan: dict[str, Any], records: dict[str, Any]) -> dict[str, Any]:
    """Compare what the clients were told with what is stored.

    Returns {"online": counts, "agents": counts, "examples": {problem: a
    few keys}}; counts (ints): ``acknowledged`` (2xx on the final
    submission), ``lost`` (acknowledged, not stored), ``duplicated``
    (stored more than once: same key, or the same unique marker, the
    answer « revenus_foyer », under several rows), ``stored_unacknowledged``
    (stored though the person saw no thanks page: allowed, kept once),
    ``unknown`` (stored rows no client sent), ``stored`` (rows); online
    also ``started`` (fillings-in begun); agents also ``collected``,
    ``unsent`` (still queued or handed back after the drain), ``refused``
    (refused with a reason: the load's answers are all valid), ``wrong_id``
    (the id acknowledged to the phone is not the stored row's), ``posts``
    and ``replays`` (posts after an item's first).
    """
    from nonrecours.surveys.enums import Channel
    from nonrecours.surveys.models import Campaign, Response

    campaign = Campaign.objects.get(slug=plan["campaign"])
    rows = list(
        Response.objects.filter(campaign=campaign).values_list(
            "pk", "channel", "agent__username", "idempotency_key", "answers"
        )
    )
    markers = Counter(row[4].get("revenus_foyer") for row in rows if isinstance(row[4], dict))
    online_rows = Counter(row[3] for row in rows if row[1] == Channel.ONLINE)
    agent_rows: dict[tuple[str, str], list[int]] = {}
    for pk, channel, username, key, _ in sorted(rows):
        if channel == Channel.DOOR_TO_DOOR:
            agent_rows.setdefault((username, key), []).append(pk)
    examples: Examples = {}
    by_kind = {
        kind: [a for a in records["answers"] if a["kind"] == kind] for kind in ("online", "agent")
    }
    return {
        "online": online_counts(
            plan["campaign"], by_kind["online"], online_rows, markers, examples
        ),
        "agents": agent_counts(by_kind["agent"], records["agents"], agent_rows, markers, examples),
        "examples": examples,
    }


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("Usage : python -m loadtest.verify PLAN.json RECORDS.json", file=sys.stderr)
        return 2
    django.setup()
    plan = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    records = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    print(json.dumps(verify(plan, records), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
