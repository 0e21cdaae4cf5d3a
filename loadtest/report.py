"""The figures of a load run and its goals, from what Locust recorded, the
outage windows and the database check (no Locust, no Django)."""

import math
from typing import Any

GROUPS = {
    "questionnaire": "pages du questionnaire en ligne",
    "enquêteur : envoi": "envois des enquêteur·rices (file hors ligne)",
    "simulateur": "pages du simulateur",
    "enquêteur : connexion": "connexions des enquêteur·rices",
}
P95_GOAL_MS = 800  # issue 18: questionnaire pages, on this 2-core machine
FAULT_NAMES = {
    "workers": "processus web tués (SIGKILL), relancés par Gunicorn",
    "gunicorn": "Gunicorn entier tué (SIGKILL) puis relancé",
    "postgresql": "PostgreSQL redémarré (pg_ctl restart -m fast)",
}


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (share in 0..1) of ``values``; 0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _group(name: str) -> str:
    """The group of a request's name (« questionnaire : page » → questionnaire)."""
    return name if name.startswith("enquêteur") else name.split(" :", 1)[0]


def _during(request: list[Any], window: dict[str, float]) -> bool:
    start, duration_ms = request[0], request[1]
    return bool(start <= window["end"] and start + duration_ms / 1000 >= window["start"])


def figures(
    records: dict[str, Any], faults: list[dict[str, Any]], checked: dict[str, Any]
) -> dict[str, Any]:
    """Everything the run reports, as JSON-ready data: requests (total,
    per second over the load), latency per group in ms (p50/p95/p99 outside
    the outages, and p95 over every request), errors outside the outages,
    failed requests per outage, the database check, and ``goals``: a list
    of the goals missed (French), empty when all are met."""
    requests = records["requests"]
    load_seconds = max(1e-9, records["load_ended"] - records["load_started"])
    during_load = [r for r in requests if r[0] <= records["load_ended"]]
    outside = [r for r in requests if not any(_during(r, w) for w in faults)]
    groups: dict[str, Any] = {}
    for group, label in GROUPS.items():
        quiet = [r[1] for r in outside if _group(r[2]) == group]
        every = [r[1] for r in requests if _group(r[2]) == group]
        groups[group] = {
            "libellé": label,
            "requêtes": len(every),
            "p50_ms": percentile(quiet, 0.50),
            "p95_ms": percentile(quiet, 0.95),
            "p99_ms": percentile(quiet, 0.99),
            "p95_ms_avec_pannes": percentile(every, 0.95),
            "max_ms": max(every, default=0.0),
        }
    errors = [r for r in outside if not r[4]]
    outages = [
        {
            **window,
            "durée_s": round(window["end"] - window["start"], 1),
            "requêtes_échouées": sum(1 for r in requests if not r[4] and _during(r, window)),
            "requêtes_pendant": sum(1 for r in requests if _during(r, window)),
        }
        for window in faults
    ]
    result = {
        "requêtes": len(requests),
        "débit_req_s": round(len(during_load) / load_seconds, 1),
        "durée_charge_s": round(load_seconds, 1),
        "durée_vidage_s": round(records["drained"] - records["load_ended"], 1),
        "groupes": groups,
        "erreurs_hors_pannes": len(errors),
        "exemples_erreurs": [
            f"{r[2]} : {r[5] if len(r) > 5 else f'statut {r[3]}'}" for r in errors[:10]
        ],
        "pannes": outages,
        "vérification": checked,
        "simulations_sans_résultats": records.get("simulator_no_results", 0),
    }
    result["objectifs_manqués"] = goals(result)
    return result


def goals(result: dict[str, Any]) -> list[str]:
    """The goals of issue 18 missed by a run (French), empty when all met."""
    online, agents = result["vérification"]["online"], result["vérification"]["agents"]
    missed = []
    lost = online.get("lost", 0) + agents.get("lost", 0)
    duplicated = online.get("duplicated", 0) + agents.get("duplicated", 0)
    if lost:
        missed.append(f"{lost} réponse(s) accusée(s) mais absente(s) de la base (objectif 0)")
    if duplicated:
        missed.append(f"{duplicated} réponse(s) enregistrée(s) en double (objectif 0)")
    if agents.get("unsent", 0):
        missed.append(
            f"{agents['unsent']} réponse(s) de porte-à-porte jamais accusée(s) après le vidage des "
            "files (objectif 0)"
        )
    for name, what in (
        ("refused", "refusée(s) par le serveur"),
        ("wrong_id", "accusée(s) avec un autre identifiant que celui enregistré"),
        ("unknown", "enregistrée(s) sans qu'aucun téléphone ne l'ait envoyée"),
    ):
        if agents.get(name, 0):
            missed.append(f"{agents[name]} réponse(s) de porte-à-porte {what} (objectif 0)")
    if online.get("unknown", 0):
        missed.append(f"{online['unknown']} réponse(s) en ligne qu'aucune personne n'a envoyée")
    if not online.get("acknowledged") or not agents.get("acknowledged"):
        missed.append("aucune réponse accusée en ligne ou en porte-à-porte : rien n'a été vérifié")
    if result["erreurs_hors_pannes"]:
        missed.append(
            f"{result['erreurs_hors_pannes']} requête(s) en erreur hors des pannes (objectif 0)"
        )
    if result["simulations_sans_résultats"]:
        missed.append(
            f"{result['simulations_sans_résultats']} simulation(s) sans page de résultats"
        )
    p95 = result["groupes"]["questionnaire"]["p95_ms"]
    if p95 > P95_GOAL_MS:
        missed.append(
            f"p95 des pages du questionnaire : {p95:.0f} ms (objectif ≤ {P95_GOAL_MS} ms)"
        )
    return missed


def _n(value: float) -> str:
    """A French number: thousands separated by a narrow space, comma decimals."""
    text = (
        f"{value:,.1f}"
        if isinstance(value, float) and not value.is_integer()
        else f"{int(value):,}"
    )
    return text.replace(",", "\u202f").replace(".", ",")


def text(result: dict[str, Any], *, machine: str) -> str:
    """The report printed at the end of `make loadtest` (French)."""
    online, agents = result["vérification"]["online"], result["vérification"]["agents"]
    lines = [
        "",
        "Essai de charge — résultats",
        f"  Machine : {machine}",
        f"  Requêtes : {_n(result['requêtes'])} ; débit : {_n(result['débit_req_s'])} req/s "
        f"pendant {_n(result['durée_charge_s'])} s de charge ; vidage des files : "
        f"{_n(result['durée_vidage_s'])} s",
        "  Temps de réponse hors pannes (p50 / p95 / p99, en ms) :",
    ]
    for group in result["groupes"].values():
        lines.append(
            f"    {group['libellé']} ({_n(group['requêtes'])} requêtes) : "
            f"{_n(round(group['p50_ms']))} / {_n(round(group['p95_ms']))} / "
            f"{_n(round(group['p99_ms']))} "
            f"(p95 pannes comprises : {_n(round(group['p95_ms_avec_pannes']))})"
        )
    lines.append(f"  Erreurs hors pannes : {result['erreurs_hors_pannes']} (objectif 0)")
    for example in result["exemples_erreurs"]:
        lines.append(f"    {example}")
    for outage in result["pannes"]:
        lines.append(
            f"  Panne « {FAULT_NAMES.get(outage['kind'], outage['kind'])} » à "
            f"{_n(round(outage['start'] - result.get('début', outage['start']), 1))} s : "
            f"service rétabli en {_n(outage['durée_s'])} s ; {outage['requêtes_échouées']} "
            f"requête(s) échouée(s) sur {outage['requêtes_pendant']} pendant la panne"
        )
    lines += [
        f"  Questionnaire en ligne : {online.get('started', 0)} questionnaires commencés, "
        f"{online.get('acknowledged', 0)} réponses accusées "
        f"(page de remerciement), {online.get('stored', 0)} enregistrées, "
        f"{online.get('stored_unacknowledged', 0)} enregistrées sans que la personne ait vu le "
        f"remerciement ; perdues : {online.get('lost', 0)} ; "
        f"en double : {online.get('duplicated', 0)}",
        f"  Porte-à-porte : {agents.get('collected', 0)} réponses saisies, "
        f"{agents.get('acknowledged', 0)} accusées, {agents.get('stored', 0)} enregistrées ; "
        f"{agents.get('posts', 0)} envois dont {agents.get('replays', 0)} rejoués ; "
        f"perdues : {agents.get('lost', 0)} ; en double : {agents.get('duplicated', 0)} ; "
        f"jamais accusées : {agents.get('unsent', 0)} ; refusées : {agents.get('refused', 0)}",
    ]
    for problem, keys in result["vérification"].get("examples", {}).items():
        lines.append(f"    {problem} : {', '.join(keys)}")
    missed = result["objectifs_manqués"]
    if missed:
        lines.append("Objectifs manqués :")
        lines += [f"  - {goal}" for goal in missed]
    else:
        lines.append(
            "Objectifs atteints : 0 perdue, 0 en double, 0 erreur hors pannes, "
            f"p95 du questionnaire ≤ {P95_GOAL_MS} ms."
        )
    return "\n".join(lines)
