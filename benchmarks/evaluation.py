"""The yearly report of the experiment (#17, part 3) for a territory with
one year of activity: 20,000 referrals with their outcomes, two published
waves of 2,500 answers, 2,000 simulations followed up.

Goal: the report (every section, the secrecy rule on every cell) built in
30 s at most; then its CSV, XLSX and PDF. Baseline in the same run:
reading the same rows from the database (referrals and outcomes, the two
publications, the follow-ups and their answers). Run in its own process
and database (`python -m benchmarks.evaluation`), as the aller-vers.
"""

import datetime
import random
import statistics
import time
from decimal import Decimal
from typing import Any

GOAL_SECONDS = 30.0
YEAR = 2025


def _waves(territory: Any) -> None:
    from nonrecours.surveys.actions import demo_campaign_create
    from nonrecours.surveys.publication import campaign_publish

    for seed, slug, starts in ((2024, "bench-eval-1", datetime.date(2025, 1, 13)),
                               (2025, "bench-eval-2", datetime.date(2025, 9, 1))):  # fmt: skip
        campaign, _ = demo_campaign_create(territory=territory, responses=2500, seed=seed,
                                           slug=slug)  # fmt: skip
        campaign.starts_on, campaign.ends_on = starts, starts + datetime.timedelta(days=60)
        # Real waves: the report leaves the demonstration out once the
        # territory has real referrals (report_queries.demo_rule).
        campaign.is_synthetic = False
        campaign.save()
        campaign_publish(campaign=campaign, user=None)


def _referrals(territory: Any, rng: random.Random, count: int) -> None:
    from nonrecours.accounts.models import Organisation
    from nonrecours.referrals.enums import OutcomeKind, Status
    from nonrecours.referrals.models import Outcome, Referral

    sender = Organisation.objects.create(territory=territory, name="CCAS (mesure)", kind="ccas")
    codes = list(territory.communes.filter(is_member=True).values_list("insee_code", flat=True))
    start = datetime.datetime(YEAR, 1, 1, tzinfo=datetime.UTC)
    statuses = [Status.ACCEPTED] * 6 + [Status.REFUSED, Status.EXPIRED, Status.SENT]
    referrals = []
    for _ in range(count):
        sent = start + datetime.timedelta(days=rng.uniform(0, 364))
        status = rng.choice(statuses)
        referrals.append(Referral(
            territory=territory, structure=None, structure_name="Mairie (mesure)",
            sender_organisation=sender, sender_name="mesure", commune=rng.choice(codes),
            first_name="X", last_name="Y", phone="0600000000", consent_text="mesure",
            consent_mode="oral", status=status, sent_at=sent,
            answered_at=sent + datetime.timedelta(days=2) if status != Status.SENT else None,
        ))  # fmt: skip
    created = Referral.objects.bulk_create(referrals, batch_size=2000)
    benefits = ["rsa", "prime_activite", "aide_logement", "css", "aspa", "cheque_energie"]
    Outcome.objects.bulk_create(
        (Outcome(referral=r, kind=OutcomeKind.RIGHT_OPENED, benefit=rng.choice(benefits),
                 monthly_amount=Decimal(rng.randint(0, 600)), recorded_at=r.sent_at,
                 recorded_via="account")
         for r in created if r.status == Status.ACCEPTED and rng.random() < 0.6),
        batch_size=2000,
    )  # fmt: skip


def _followups(territory: Any, rng: random.Random, count: int) -> None:
    from nonrecours.evaluation.followup_enums import BlockedReason, FollowUpAnswer
    from nonrecours.evaluation.followup_models import FollowUp, FollowUpBenefit, SimulationTally

    start = datetime.datetime(YEAR, 1, 1, tzinfo=datetime.UTC)
    follow_ups = FollowUp.objects.bulk_create(
        FollowUp(territory=territory, nonce=f"bench-{i}", consent_text="mesure",
                 created_at=start + datetime.timedelta(days=rng.uniform(0, 360)),
                 reason=rng.choice([*BlockedReason.values, "", ""]))
        for i in range(count)
    )  # fmt: skip
    FollowUpBenefit.objects.bulk_create(
        FollowUpBenefit(follow_up=f, benefit_id=b, monthly_amount=Decimal(100),
                        answer=rng.choice([*FollowUpAnswer.values, ""]))
        for f in follow_ups for b in rng.sample(["rsa", "prime_activite", "aide_logement"], 2)
    )  # fmt: skip
    SimulationTally.objects.bulk_create(
        SimulationTally(territory=territory, month=datetime.date(YEAR, m, 1), count=900)
        for m in range(1, 13)
    )


def _median(function: Any, repeat: int = 3) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def run(territory: Any) -> None:
    from nonrecours.evaluation.followup_models import FollowUp, FollowUpBenefit
    from nonrecours.evaluation.report import yearly_report
    from nonrecours.evaluation.report_files import report_csv, report_xlsx
    from nonrecours.evaluation.report_render import report_pdf
    from nonrecours.referrals.models import Outcome, Referral
    from nonrecours.surveys.models import Publication

    rng = random.Random(17)  # noqa: S311 (synthetic data)
    _waves(territory)
    _referrals(territory, rng, 20_000)
    _followups(territory, rng, 2_000)

    def read() -> None:
        list(Referral.objects.filter(territory=territory).values_list("pk", "status", "sent_at"))
        list(Outcome.objects.filter(referral__territory=territory).values_list(
            "referral_id", "kind", "benefit", "monthly_amount"))  # fmt: skip
        list(Publication.objects.filter(campaign__territory=territory).values_list("content"))
        list(FollowUp.objects.filter(territory=territory).values_list("pk", "reason"))
        list(FollowUpBenefit.objects.filter(follow_up__territory=territory).values_list(
            "follow_up_id", "benefit_id", "answer"))  # fmt: skip

    baseline = _median(read)
    built = _median(lambda: yearly_report(territory, YEAR))
    report = yearly_report(territory, YEAR)
    files = {
        "CSV": _median(lambda: report_csv(report)),
        "XLSX": _median(lambda: report_xlsx(report)),
        "PDF": _median(lambda: report_pdf(report), repeat=1),
    }
    hidden = sum(1 for _, figure in report.figures if figure.hidden)
    verdict = "atteint" if built <= GOAL_SECONDS else "NON ATTEINT"
    print(
        f"Rapport annuel d'un territoire (20 000 orientations, deux vagues de 2 500 réponses, "
        f"2 000 simulations suivies) : {built:.2f} s (objectif ≤ {GOAL_SECONDS:.0f} s : "
        f"{verdict}) ; {len(report.figures)} chiffres dont {hidden} masqués ; lire les mêmes "
        f"lignes (référence) {baseline:.2f} s, soit {built / baseline:.1f} × ; "
        + ", ".join(f"{kind} {seconds:.2f} s" for kind, seconds in files.items())
    )


def main() -> None:
    """Run alone, in its own database: `python -m benchmarks.evaluation`."""
    import os
    import tempfile

    os.environ["NONRECOURS_VAR_DIR"] = tempfile.mkdtemp(prefix="nonrecours-bench-evaluation-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from django.core.management import call_command

    from nonrecours.territories import actions
    from nonrecours.territories.models import Territory

    call_command("migrate", verbosity=0)
    actions.territory_import(siren="200033579")
    run(Territory.objects.get(siren="200033579"))


if __name__ == "__main__":
    main()
