"""Benchmarks of the barometer's collection (issue: storing answers).

- 10,000 online submissions through the whole HTTP stack (middleware, CSRF,
  signed state, validation, atomic write), against a baseline of a plain
  page through the same stack;
- the import of a 100,000-row KoboToolbox export, in a child process to
  measure its peak memory, against a baseline of merely reading the CSV.
"""

import csv
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ONLINE_SUBMISSIONS = 10_000
IMPORT_ROWS = 100_000
IMPORT_GOAL_SECONDS = 60
IMPORT_GOAL_MIB = 1024


def online_submissions(territory: Any) -> None:
    from django.test import Client
    from django.utils import timezone

    from nonrecours.surveys import actions
    from nonrecours.surveys.enums import Channel
    from nonrecours.surveys.models import Response
    from nonrecours.www.barometer import online
    from nonrecours.www.barometer.online import FormState

    today = timezone.localdate()
    campaign = actions.campaign_create(
        territory=territory, slug="bench-en-ligne", name="Bench", starts_on=today,
        ends_on=today, channels=[Channel.ONLINE],
    )  # fmt: skip
    online.SUBMISSIONS_PER_HOUR = 10**9
    questionnaire = campaign.questionnaire.questionnaire()
    last_page = len(questionnaire.pages())
    answers = _sample_answers(territory, 1)[0]
    client = Client(HTTP_HOST="127.0.0.1")
    url = f"/b/{campaign.slug}/questionnaire/"
    baseline_start = time.perf_counter()
    for _ in range(1000):
        client.get("/connexion/")
    baseline = (time.perf_counter() - baseline_start) / 1000
    start = time.perf_counter()
    for _ in range(ONLINE_SUBMISSIONS):
        state = FormState(answers=dict(answers))
        # The last page: contact details (the consent is "oui" in the sample).
        response = client.post(
            url,
            {"etat": state.dumps(campaign.slug), "page": last_page, "action": "suivant",
             "contact_telephone": "0199000000", "contact_email": ""},
        )  # fmt: skip
        assert response.status_code == 302, response.status_code
    elapsed = time.perf_counter() - start
    stored = Response.objects.filter(campaign=campaign).count()
    assert stored == ONLINE_SUBMISSIONS, stored
    per_request = elapsed / ONLINE_SUBMISSIONS
    print(
        f"Envois en ligne : {ONLINE_SUBMISSIONS} réponses en {elapsed:.1f} s, "
        f"{ONLINE_SUBMISSIONS / elapsed:.0f} réponses/s ; "
        f"{per_request * 1000:.1f} ms par envoi, soit {per_request / baseline:.1f} × une page "
        f"simple ({baseline * 1000:.1f} ms)"
    )


def _sample_answers(territory: Any, n: int) -> list[dict[str, Any]]:
    from nonrecours.surveys.demo import DemoCommune, DemoGenerator

    communes = [
        DemoCommune(c.insee_code, c.population or 0, c.stratum)
        for c in territory.communes.filter(is_member=True)
    ]
    generator = DemoGenerator(communes, seed=7)
    rows = []
    for commune in generator.sample_communes(n):
        answers = generator.answers(commune)
        answers["consentement_recontact"] = "oui"
        answers["contact_telephone"] = "0199000000"
        rows.append(answers)
    return rows


def write_kobo_export(territory: Any, path: Path) -> None:
    from nonrecours.surveys.questionnaire import default_questionnaire

    questionnaire = default_questionnaire()
    header = ["start", "end"] + [f"{q.section}/{q.name}" for q in questionnaire.questions]
    header += ["meta/instanceID", "_id", "_submission_time"]
    samples = _sample_answers(territory, 2000)
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        for index in range(IMPORT_ROWS):
            answers = samples[index % len(samples)]
            row = ["2024-10-01T10:00:00+02:00", "2024-10-01T10:12:00+02:00"]
            for question in questionnaire.questions:
                value = answers.get(question.name, "")
                row.append(" ".join(value) if isinstance(value, list) else value)
            row += [f"uuid:bench-{index}", str(index), "2024-10-01T08:13:00"]
            writer.writerow(row)


def import_in_child(path: Path, slug: str) -> dict[str, float]:
    """Run the import in a fresh process: its own peak memory is measurable."""
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.surveys", "import", str(path), slug],
        capture_output=True, text=True, check=True, env=os.environ.copy(),
    )  # fmt: skip
    measured: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return measured


def child_import(path: str, slug: str) -> None:
    import django

    django.setup()
    from nonrecours.surveys import actions
    from nonrecours.surveys.importers.files import SourceFormat
    from nonrecours.surveys.models import Campaign

    campaign = Campaign.objects.get(slug=slug)
    start = time.perf_counter()
    with open(path, "rb") as stream:
        summary = actions.responses_import(
            campaign=campaign, stream=stream, filename="kobo.csv", source=SourceFormat.KOBO
        )
    elapsed = time.perf_counter() - start
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": elapsed, "peak_mib": peak_mib, "created": summary.created}))


def kobo_import(territory: Any) -> None:
    from nonrecours.surveys import actions
    from nonrecours.surveys.enums import Channel

    campaign = actions.campaign_create(
        territory=territory, slug="bench-kobo", name="Bench Kobo",
        starts_on=__import__("datetime").date(2024, 9, 1),
        ends_on=__import__("datetime").date(2024, 11, 30), channels=[Channel.IMPORT],
    )  # fmt: skip
    path = Path(tempfile.mkdtemp(prefix="nonrecours-bench-")) / "kobo.csv"
    write_kobo_export(territory, path)
    start = time.perf_counter()
    with path.open(encoding="utf-8") as file:
        for _ in csv.reader(io.StringIO(file.read())):
            pass
    baseline = time.perf_counter() - start
    measured = import_in_child(path, campaign.slug)
    assert measured["created"] == IMPORT_ROWS
    seconds, peak = measured["seconds"], measured["peak_mib"]
    verdict = (
        "atteint" if seconds < IMPORT_GOAL_SECONDS and peak < IMPORT_GOAL_MIB else "NON ATTEINT"
    )
    print(
        f"Import KoboToolbox : {IMPORT_ROWS} lignes ({path.stat().st_size / 2**20:.0f} Mio) en "
        f"{seconds:.1f} s, {IMPORT_ROWS / seconds:.0f} lignes/s, soit {seconds / baseline:.0f} × "
        f"la simple lecture du CSV ({baseline:.2f} s) ; pic mémoire du processus {peak:.0f} Mio. "
        f"Objectif (< {IMPORT_GOAL_SECONDS} s, < {IMPORT_GOAL_MIB} Mio) : {verdict}."
    )


if __name__ == "__main__" and sys.argv[1:2] == ["import"]:
    child_import(sys.argv[2], sys.argv[3])


BAROMETER_ANSWERS = 100_000
BAROMETER_GOAL_SECONDS = 3.0


def barometer(territory: Any, answers: int = BAROMETER_ANSWERS, repeat: int = 3) -> None:
    """The dashboard's data of a campaign of `answers` answers read from the
    database (surveys.barometer.campaign_barometer, the cache emptied before
    each run), against computing the estimates alone (raking + 20
    indicators by stratum, benchmarks.analysis.ours) on as many answers in
    the same run. Without, then with the potential non-take-up (which
    simulates each respondent's rights)."""
    import statistics

    from django.core.cache import cache

    from benchmarks.analysis import ours, synthetic
    from nonrecours.surveys.actions import demo_campaign_create
    from nonrecours.surveys.barometer import campaign_barometer

    campaign, _ = demo_campaign_create(
        territory=territory, responses=answers, seed=11, slug="bench-barometre"
    )
    baseline = statistics.median(ours(synthetic(answers)) for _ in range(repeat))

    def once(potential: bool) -> float:
        cache.clear()
        start = time.perf_counter()
        campaign_barometer(campaign, potential=potential)
        return time.perf_counter() - start

    estimates = statistics.median(once(False) for _ in range(repeat))
    start = time.perf_counter()
    campaign_barometer(campaign, potential=False)
    cached = time.perf_counter() - start
    count = f"{answers:,}".replace(",", "\u202f")
    verdict = "atteint" if estimates <= BAROMETER_GOAL_SECONDS else "NON ATTEINT"
    print(
        f"Baromètre d'une campagne de {count} réponses lu de la base (tableau de bord : "
        f"estimations publiées, lignes, évolutions, comparaisons de strates) : {estimates:.2f} s "
        f"(objectif ≤ {BAROMETER_GOAL_SECONDS:.0f} s : {verdict}), soit "
        f"{estimates / baseline:.1f} × les estimations seules ({baseline:.2f} s) ; "
        f"relu du cache : {cached * 1000:.0f} ms"
    )
    with_potential = once(True)
    print(
        f"  avec le non-recours potentiel (simulation de chaque réponse) : {with_potential:.1f} s"
    )
