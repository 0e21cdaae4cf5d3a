"""Benchmark of the weighted analysis: raking + 20 binary indicators × (4
strata + overall) with calibrated standard errors, on 2,500 / 100,000 /
1,000,000 synthetic answers; beside R `survey` (calibrate + svyby) on the
same data when Rscript is installed."""

import csv
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from nonrecours.analysis.estimators import means_by_domain
from nonrecours.analysis.raking import Margin, rake

STRATA = ["centre", "petite", "urbain", "rural"]
SEX_AGE = [f"{s}_{a}" for s in "fh" for a in ("jeune", "adulte", "senior")]
INDICATORS = 20
GOAL_SECONDS = 1.0
GOAL_RATIO = 20

R_SCRIPT = """
suppressMessages(library(survey))
d <- read.csv(commandArgs(TRUE)[1])
d$strate <- factor(d$strate, levels = c("centre","petite","urbain","rural"))
d$sexe_age <- factor(d$sexe_age,
  levels = c("f_jeune","f_adulte","f_senior","h_jeune","h_adulte","h_senior"))
start <- Sys.time()
des <- svydesign(ids = ~1, weights = ~1, data = d)
pop <- c(`(Intercept)` = 107763, stratepetite = 12157, strateurbain = 38633, straterural = 15954,
         sexe_agef_adulte = 20000, sexe_agef_senior = 24000, sexe_ageh_jeune = 12500,
         sexe_ageh_adulte = 19000, sexe_ageh_senior = 20263)
cal <- calibrate(des, ~strate + sexe_age, population = pop, calfun = "raking")
f <- as.formula(paste("~", paste(paste0("y", 1:20), collapse = "+")))
overall <- svymean(f, cal)
by <- svyby(f, ~strate, cal, svymean)
cat(as.numeric(difftime(Sys.time(), start, units = "secs")), "\\n")
"""


def synthetic(n: int, seed: int = 1) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    data = {
        "strate": rng.choice(STRATA, n, p=[0.3, 0.2, 0.3, 0.2]),
        "sexe_age": rng.choice(SEX_AGE, n),
    }
    for k in range(1, INDICATORS + 1):
        data[f"y{k}"] = (rng.random(n) < 0.1 + 0.03 * k).astype(np.float64)
    return data


MARGINS = [
    Margin("strate", {"centre": 41019, "petite": 12157, "urbain": 38633, "rural": 15954}),
    Margin(
        "sexe_age",
        {"f_jeune": 12000, "f_adulte": 20000, "f_senior": 24000, "h_jeune": 12500,
         "h_adulte": 19000, "h_senior": 20263},
    ),
]  # fmt: skip


def ours(data: dict[str, np.ndarray]) -> float:
    start = time.perf_counter()
    raking = rake({"strate": data["strate"], "sexe_age": data["sexe_age"]}, MARGINS)
    strata = raking.members[0]  # the strata are the first margin: reuse its codes
    for k in range(1, INDICATORS + 1):
        y = data[f"y{k}"]
        means_by_domain(raking, y, strata, len(STRATA), with_overall=True)
    return time.perf_counter() - start


def with_r(data: dict[str, np.ndarray]) -> float | None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None
    folder = Path(tempfile.mkdtemp(prefix="nonrecours-bench-r-"))
    path = folder / "d.csv"
    names = list(data)
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(names)
        writer.writerows(zip(*(data[name].tolist() for name in names), strict=True))
    script = folder / "bench.R"
    script.write_text(R_SCRIPT)
    result = subprocess.run(
        [rscript, str(script), str(path)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        return None
    return float(result.stdout.split()[-1])


def run() -> None:
    for n in (2_500, 100_000, 1_000_000):
        data = synthetic(n)
        seconds = ours(data)
        count = f"{n:,}".replace(",", "\u202f")
        line = (
            f"Analyse pondérée, {count} réponses : calage + {INDICATORS} indicateurs × "
            f"(ensemble + 4 strates) avec erreurs-types calées en {seconds:.3f} s"
        )
        if n == 1_000_000:
            verdict = "atteint" if seconds < GOAL_SECONDS else "NON ATTEINT"
            line += f" (objectif < {GOAL_SECONDS:.0f} s : {verdict})"
        reference = with_r(data) if n <= 100_000 else None
        if reference is not None:
            ratio = reference / seconds
            line += f" ; R survey : {reference:.2f} s, soit {ratio:.0f} × plus lent"
            if n == 100_000:
                reached = "atteint" if ratio >= GOAL_RATIO else "NON ATTEINT"
                line += f" (objectif ≥ {GOAL_RATIO} × : {reached})"
        print(line)
