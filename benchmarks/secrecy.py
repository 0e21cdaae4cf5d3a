"""Benchmark of the secrecy model on everything a wave publishes (issue 12):
46 communes in 4 strata, sex (and "not given") × 5 age bands (and "not
given"), 30 indicators over 8 different bases, 2,500 and 100,000 answers.

Measured: the released rows (estimates of every declared table + the
secrecy decision on all of them together). Baseline in the same run: the
estimates alone (the same tables, no secrecy). Goals: ≤ 2 s for 2,500
answers, ≤ 10 s for 100,000.

Run alone: `.venv/bin/python -m benchmarks.secrecy` (Django settings needed:
`DJANGO_SETTINGS_MODULE=config.settings.dev`).
"""

import os
import time

import numpy as np

GOALS = {2_500: 2.0, 100_000: 10.0}
INDICATORS = 30
BASES = 8


def _campaign(size: int, seed: int = 12):  # type: ignore[no-untyped-def]
    from nonrecours.analysis.raking import Margin, rake
    from nonrecours.surveys.release import STRATA, Respondents

    rng = np.random.default_rng(seed)
    shares = rng.pareto(1.2, 46) + 0.2
    shares /= shares.sum()
    communes = rng.choice(46, size, p=shares)
    stratum_of = [0 if c == 0 else 1 + c % (len(STRATA) - 1) for c in range(46)]
    sexes = rng.choice(["femme", "homme", "non_renseigne"], size, p=[0.52, 0.46, 0.02])
    ages = rng.choice(
        ["18_29", "30_44", "45_59", "60_74", "75_plus", "non_renseigne"],
        size,
        p=[0.16, 0.24, 0.25, 0.2, 0.13, 0.02],
    )
    bases = [np.ones(size, dtype=bool)] + [
        rng.random(size) < rng.uniform(0.15, 0.8) for _ in range(BASES - 1)
    ]
    values = {}
    for i in range(INDICATORS):
        base = bases[i % BASES]
        y = (rng.random(size) < rng.uniform(0.05, 0.6)).astype(float)
        y[~base] = np.nan
        values[f"indicateur_{i}"] = y
    zones = np.array([f"c{c}" for c in communes], dtype=object)
    population = {f"c{c}": float(shares[c] * 110_000) for c in set(communes.tolist())}
    raking = rake({"zone": zones}, [Margin("zone", population)])
    respondents = Respondents(
        strata=np.array([stratum_of[c] for c in communes], dtype=np.intp),
        communes=communes.astype(np.intp),
        commune_codes=tuple(f"62{c:03d}" for c in range(46)),
        sexes=sexes,
        ages=ages,
        values=values,
    )
    return respondents, stratum_of, raking


def run() -> None:
    from nonrecours.analysis.estimators import means_by_domain
    from nonrecours.surveys.release import ReleasePlan, layout_of, released_rows

    for size, goal in GOALS.items():
        respondents, stratum_of, raking = _campaign(size)
        layout = layout_of(respondents, stratum_of)

        start = time.perf_counter()
        for values in respondents.values.values():
            for by_respondent, _, count in layout.codes.values():
                means_by_domain(raking, values, by_respondent, count)
        baseline = time.perf_counter() - start
        start = time.perf_counter()
        rows = released_rows(ReleasePlan(layout), raking, respondents.values, 11)
        released = time.perf_counter() - start
        hidden = sum(r.suppressed for r in rows)
        verdict = "objectif tenu" if released <= goal else "OBJECTIF MANQUÉ"
        print(
            f"Secret statistique, {size:_} réponses".replace("_", " ")
            + f", {INDICATORS} indicateurs, {len(rows)} cases ({hidden} masquées) : "
            f"{released:.2f} s, soit {released / baseline:.1f} × les estimations seules "
            f"({baseline:.2f} s) ; objectif ≤ {goal:g} s : {verdict}"
        )


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    run()
