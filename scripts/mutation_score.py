"""Score de mutation par domaine, d'après les résultats de mutmut (make mutation).

Un mutant est « tué » quand un test échoue (ou dépasse le temps, ou quand mypy
le refuse) ; il « survit » quand tous les tests passent, ou qu'aucun test ne
passe par la ligne mutée. Les mutants marqués `# pragma: no mutate` dans le
code (mutations sans effet observable, justifiées à côté) ne sont pas générés.
Le score d'un domaine = tués / (tués + survivants) ; les mutants non lancés
(filtre MUTANTS=…) ne comptent pas.
"""

import subprocess
import sys
from collections import defaultdict

# Domaine -> préfixes des noms de mutants (module pointé).
AREAS = {
    "statistiques de l'enquête (analysis/)": ("nonrecours.analysis.",),
    "lecture de la situation (rights/situation*)": ("nonrecours.rights.situation",),
    "grammaire des conditions (surveys/conditions*)": ("nonrecours.surveys.conditions",),
}
KILLED = {"killed", "timeout", "caught by type check", "segfault"}
SURVIVED = {"survived", "no tests", "suspicious"}
GOAL = 0.90


def main() -> int:
    output = subprocess.run(
        [sys.executable, "-m", "mutmut", "results", "--all", "true"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"killed": 0, "survived": 0})
    survivors: dict[str, list[str]] = defaultdict(list)
    for line in output.splitlines():
        name, _, status = line.strip().rpartition(": ")
        area = next((label for label, prefixes in AREAS.items() if name.startswith(prefixes)), None)
        if area is None:
            continue
        if status in KILLED:
            counts[area]["killed"] += 1
        elif status in SURVIVED:
            counts[area]["survived"] += 1
            survivors[area].append(f"{name} ({status})")
    below = False
    for area in AREAS:
        killed, survived = counts[area]["killed"], counts[area]["survived"]
        if killed + survived == 0:
            print(f"{area} : aucun mutant lancé")
            continue
        score = killed / (killed + survived)
        below |= score < GOAL
        print(f"{area} : {score:.0%} ({killed} tués, {survived} survivants)")
        for survivor in survivors[area]:
            print(f"    survivant : {survivor}")
    print("Voir un mutant : .venv/bin/mutmut show <nom>")
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
