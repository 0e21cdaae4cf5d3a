"""A referral's life: sent with consent and only what is needed, answered,
reminded at 10 days, expired at 30, its outcome recorded, every step in the
audit trail and by e-mail, the person's details erased after the retention
period while the statistics stay."""

import datetime
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from nonrecours.referrals import actions
from nonrecours.referrals import statistics as referral_stats
from nonrecours.referrals.enums import Channel, EventKind, OutcomeKind, RefusalReason, Status
from nonrecours.referrals.exports import statistics_csv
from nonrecours.referrals.models import Event, Referral
from nonrecours.referrals.notifications import link_token, read_token
from tests.referrals.conftest import PERSON

pytestmark = pytest.mark.django_db
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def kinds(referral: Referral) -> list[str]:
    return list(referral.events.values_list("kind", flat=True))


def test_sending_keeps_consent_notifies_without_naming_the_person(
    send, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        referral = send()
    assert referral.status == Status.SENT
    assert "a donné son accord" in referral.consent_text
    assert "Accompagnement à l'accès aux droits — CCAS d'Arras" in referral.consent_text
    assert referral.receiver_organisation == receiver.memberships.get().organisation
    assert referral.receiver_email == "accueil@ccas-arras.example"
    to_receiver, to_sender = mail.outbox
    assert set(to_receiver.to) == {"accueil@ccas-arras.example", "pro@ccas.example"}
    assert to_sender.to == ["agent@fs.example"]
    assert "France Services d'Arras" in to_receiver.subject
    assert "/orientations/lien/" in to_receiver.body
    for message in mail.outbox:  # the person is never in an e-mail
        assert "Camille" not in message.body + message.subject
        assert "06 12 34 56 78" not in message.body
    assert kinds(referral) == [EventKind.CREATED, EventKind.NOTIFIED, EventKind.NOTIFIED]
    assert read_token(link_token(referral)) == (referral, True)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"consent": False}, "consent", "Sans l'accord de la personne"),
        (
            {"person": actions.Person(first_name="A", last_name="B", commune="62041")},
            "phone",
            "au moins un moyen de recontacter",
        ),
        (
            {"person": actions.Person("A", "B", "62041", phone="06 12")},
            "phone",
            "n'a pas les 10 chiffres",
        ),
        (
            {"person": actions.Person("A", "B", "62041", email="a@")},
            "email",
            "n'est pas valide",
        ),
        (
            {"person": actions.Person("A", "B", "59350", phone="0612345678")},
            "commune",
            "n'est pas une commune du territoire",
        ),
        ({"person": actions.Person("", "B", "62041", phone="0612345678")}, "first_name", "prénom"),
    ],
)
def test_bad_referrals_are_refused_with_the_field_and_nothing_is_stored(
    send, overrides, field, message
):
    with pytest.raises(actions.ReferralError) as error:
        send(**overrides)
    assert error.value.field == field
    assert message in str(error.value)
    assert Referral.objects.count() == 0


def test_a_structure_without_email_nor_partner_cannot_receive(send, directory):
    structure, offer = directory
    structure.record = {k: v for k, v in structure.record.items() if k != "courriel"}
    structure.save()
    with pytest.raises(actions.ReferralError, match="ni adresse de courriel"):
        send()


def test_reminder_at_10_days_and_expiry_at_30_each_once(
    send, receiver, django_capture_on_commit_callbacks
):
    with time_machine.travel(START, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            referral = send()
    mail.outbox.clear()
    with time_machine.travel(START + datetime.timedelta(days=9, hours=23), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            report = actions.referrals_process_deadlines()
    assert (report.reminded, report.expired) == (0, 0) and not mail.outbox
    with time_machine.travel(START + datetime.timedelta(days=10), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert actions.referrals_process_deadlines().reminded == 1
            assert actions.referrals_process_deadlines().reminded == 0  # not twice
    (reminder,) = mail.outbox
    assert reminder.subject.startswith("Relance")
    assert "/orientations/lien/" in reminder.body  # the same link works in the reminder
    assert "1 avril 2026" in reminder.body  # expiry day, local time
    mail.outbox.clear()
    with time_machine.travel(START + datetime.timedelta(days=29, hours=23), tick=False):
        assert actions.referrals_process_deadlines().expired == 0
    with time_machine.travel(START + datetime.timedelta(days=30), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert actions.referrals_process_deadlines().expired == 1
            assert actions.referrals_process_deadlines().expired == 0
    referral.refresh_from_db()
    assert referral.status == Status.EXPIRED
    assert {tuple(m.to) for m in mail.outbox} == {
        ("agent@fs.example",),
        ("accueil@ccas-arras.example", "pro@ccas.example"),
    }
    assert [k for k in kinds(referral) if k != EventKind.NOTIFIED] == [
        EventKind.CREATED,
        EventKind.REMINDED,
        EventKind.EXPIRED,
    ]


def test_an_answer_after_30_days_is_refused_even_before_the_nightly_run(send, receiver):
    with time_machine.travel(START, tick=False):
        referral = send()
    with time_machine.travel(START + datetime.timedelta(days=30, seconds=1), tick=False):
        with pytest.raises(actions.ReferralError, match="a expiré"):
            actions.referral_answer(referral, accept=True, user=receiver, via=Channel.ACCOUNT)
    with time_machine.travel(START + datetime.timedelta(days=29), tick=False):
        actions.referral_answer(referral, accept=True, user=receiver, via=Channel.ACCOUNT)


def test_refusal_needs_a_reason_and_an_answer_is_given_once(
    send, receiver, django_capture_on_commit_callbacks
):
    referral = send()
    with pytest.raises(actions.ReferralError, match="motif du refus") as error:
        actions.referral_answer(referral, accept=False, user=None, via=Channel.LINK)
    assert error.value.field == "reason"
    with pytest.raises(actions.ReferralError, match="Précisez"):
        actions.referral_answer(
            referral, accept=False, reason=RefusalReason.OTHER, user=None, via=Channel.LINK
        )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.referral_answer(
            referral, accept=False, reason=RefusalReason.FULL, user=None, via=Channel.LINK
        )
    referral.refresh_from_db()
    assert referral.status == Status.REFUSED and referral.answered_via == Channel.LINK
    (notice,) = mail.outbox
    assert notice.to == ["agent@fs.example"] and "refusée" in notice.subject
    assert "Plus de place" in notice.body
    with pytest.raises(actions.ReferralError, match="déjà une réponse"):
        actions.referral_answer(referral, accept=True, user=receiver, via=Channel.ACCOUNT)
    refused = referral.events.get(kind=EventKind.REFUSED)
    assert refused.actor is None and "lien" in refused.actor_label


def test_outcome_takes_the_simulators_amount_unless_given(send, receiver):
    referral = send(amounts={"rsa": 534.25, "css": 0.0})
    with pytest.raises(actions.ReferralError, match="Acceptez d'abord"):
        actions.referral_record_outcome(
            referral, kind=OutcomeKind.NO_RIGHT, user=receiver, via=Channel.ACCOUNT
        )
    actions.referral_answer(referral, accept=True, user=receiver, via=Channel.ACCOUNT)
    rsa = actions.referral_record_outcome(
        referral, kind=OutcomeKind.RIGHT_OPENED, benefit="rsa", user=receiver, via="account"
    )
    assert str(rsa.monthly_amount) == "534.25" and rsa.amount_from_simulator
    housing = actions.referral_record_outcome(
        referral,
        kind=OutcomeKind.RIGHT_OPENED,
        benefit="aide_logement",
        monthly_amount="212,50",
        user=receiver,
        via=Channel.ACCOUNT,
    )
    assert str(housing.monthly_amount) == "212.50" and not housing.amount_from_simulator
    with pytest.raises(actions.ReferralError, match="déjà enregistré"):
        actions.referral_record_outcome(
            referral, kind=OutcomeKind.RIGHT_OPENED, benefit="rsa", user=receiver, via="account"
        )
    for bad in ("-3", "beaucoup", "1e9"):
        with pytest.raises(actions.ReferralError) as error:
            actions.referral_record_outcome(
                referral,
                kind=OutcomeKind.RIGHT_OPENED,
                benefit="aspa",
                monthly_amount=bad,
                user=receiver,
                via=Channel.ACCOUNT,
            )
        assert error.value.field == "monthly_amount"
    with pytest.raises(actions.ReferralError, match="Choisissez le droit"):
        actions.referral_record_outcome(
            referral, kind=OutcomeKind.RIGHT_OPENED, benefit="", user=receiver, via="account"
        )
    details = list(referral.events.filter(kind=EventKind.OUTCOME).values_list("detail", flat=True))
    assert details == [
        "Droit ouvert : Revenu de solidarité active (RSA), 534,25\u00a0€ par mois (simulateur)",
        "Droit ouvert : Aide au logement (APL, ALF ou ALS), 212,50\u00a0€ par mois",
    ]


def test_a_kept_simulation_gives_its_amounts(arras, send):
    from nonrecours.rights.actions import simulation_save

    situation = {
        "mois": "2026-11",
        "commune": "62041",
        "logement": {"statut": "loge_gratuitement"},
        "personnes": [{"role": "demandeur", "naissance": "1962-05-15", "activite": "inactif"}],
    }
    saved = simulation_save(situation=situation, territory=arras, consent=True)
    referral = send(simulation_code=saved.code.lower())
    assert referral.simulation_code == saved.code.lower()
    assert referral.simulated_amounts["rsa"] == pytest.approx(573.49)  # the reference case
    assert "aspa" not in referral.simulated_amounts
    with pytest.raises(actions.ReferralError, match="Aucune simulation en cours") as error:
        send(simulation_code="ZZZZZZZZ")
    assert error.value.field == "simulation_code"


def test_viewing_is_traced_once_a_day_per_person(send, receiver):
    referral = send()
    with time_machine.travel(START, tick=False):
        actions.referral_viewed(referral, user=receiver, via=Channel.ACCOUNT)
        actions.referral_viewed(referral, user=receiver, via=Channel.ACCOUNT)
        actions.referral_viewed(referral, user=None, via=Channel.LINK)
    with time_machine.travel(START + datetime.timedelta(days=2), tick=False):
        actions.referral_viewed(referral, user=receiver, via=Channel.ACCOUNT)
    assert referral.events.filter(kind=EventKind.VIEWED).count() == 3


def _several(send, receiver, count: int) -> None:
    for index in range(count):
        referral = send()
        if index % 3:
            actions.referral_answer(referral, accept=True, user=receiver, via=Channel.ACCOUNT)
            actions.referral_record_outcome(
                referral,
                kind=OutcomeKind.RIGHT_OPENED,
                benefit="rsa",
                monthly_amount=500,
                user=receiver,
                via=Channel.ACCOUNT,
            )


@override_settings(NONRECOURS_REFERRAL_RETENTION_DAYS=365)
def test_anonymisation_after_the_retention_erases_the_person_and_keeps_the_statistics(
    arras, send, receiver
):
    with time_machine.travel(START, tick=False):
        _several(send, receiver, 24)
        waiting = Referral.objects.filter(status=Status.SENT).first()
        token = link_token(waiting)
    with time_machine.travel(START + datetime.timedelta(days=31), tick=False):
        assert actions.referrals_process_deadlines().expired == 8  # the unanswered ones
    before = statistics_csv(referral_stats.referral_statistics(arras))
    with time_machine.travel(START + datetime.timedelta(days=364), tick=False):
        assert actions.referrals_process_deadlines().anonymised == 0
    with time_machine.travel(START + datetime.timedelta(days=365), tick=False):
        out = StringIO()
        call_command("orientations", "echeances", stdout=out)
    assert "24 orientation(s) anonymisée(s)" in out.getvalue()
    for referral in Referral.objects.all():
        assert referral.anonymised_at is not None
        assert (referral.first_name, referral.last_name, referral.phone, referral.message) == (
            "",
            "",
            "",
            "",
        )
        assert referral.commune == "62041" and referral.age_band == "25_34"
        assert referral.events.filter(kind=EventKind.ANONYMISED).count() == 1
    waiting.refresh_from_db()
    assert waiting.link_key == "" and read_token(token)[1] is False  # the link is revoked
    after = statistics_csv(referral_stats.referral_statistics(arras))
    assert after == before
    assert "Camille" not in after
    with pytest.raises(actions.ReferralError, match="effacées"):
        actions.referral_answer(
            Referral.objects.filter(status=Status.ACCEPTED).first(),
            accept=True,
            user=receiver,
            via=Channel.ACCOUNT,
        )


def test_purge_also_anonymises(send, receiver):
    with time_machine.travel(timezone.now() - datetime.timedelta(days=731), tick=False):
        send()
    send()
    call_command("purge", stdout=StringIO())
    assert Referral.objects.filter(anonymised_at__isnull=False).count() == 1
    assert Referral.objects.get(anonymised_at__isnull=True).first_name == PERSON.first_name


def test_outcomes_do_not_contradict_each_other(send, receiver):
    referral = send()
    actions.referral_answer(referral, accept=True, user=receiver, via=Channel.ACCOUNT)

    def record(kind, **extra):
        return actions.referral_record_outcome(
            referral, kind=kind, user=receiver, via=Channel.ACCOUNT, **extra
        )

    record(OutcomeKind.ACCOMPANIMENT)
    with pytest.raises(actions.ReferralError, match="déjà enregistré"):
        record(OutcomeKind.ACCOMPANIMENT)
    with pytest.raises(actions.ReferralError, match="ne peut pas suivre"):
        record(OutcomeKind.NOT_REACHED)
    record(OutcomeKind.RIGHT_OPENED, benefit="css")
    with pytest.raises(actions.ReferralError, match="ne peut pas suivre"):
        record(OutcomeKind.NO_RIGHT)  # a right was opened
    accompanied = send()
    actions.referral_answer(accompanied, accept=True, user=receiver, via=Channel.ACCOUNT)
    for kind in (OutcomeKind.ACCOMPANIMENT, OutcomeKind.NO_RIGHT):  # a usual sequence
        actions.referral_record_outcome(accompanied, kind=kind, user=receiver, via=Channel.ACCOUNT)
    other = send()
    actions.referral_answer(other, accept=True, user=receiver, via=Channel.ACCOUNT)
    actions.referral_record_outcome(
        other, kind=OutcomeKind.NOT_REACHED, user=receiver, via=Channel.ACCOUNT
    )
    with pytest.raises(actions.ReferralError, match="clôt l'orientation"):
        actions.referral_record_outcome(
            other, kind=OutcomeKind.RIGHT_OPENED, benefit="rsa", user=receiver, via="account"
        )


def test_a_failing_mail_server_neither_undoes_the_step_nor_stops_the_night(
    send, receiver, django_capture_on_commit_callbacks, monkeypatch
):
    from nonrecours.mailing import delivery

    with time_machine.travel(START, tick=False):
        first, second = send(), send()

    class Broken:
        def send_messages(self, messages):
            raise ConnectionRefusedError("serveur de courriel injoignable")

    monkeypatch.setattr(delivery, "get_connection", lambda **kwargs: Broken())
    with time_machine.travel(START + datetime.timedelta(days=10), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            report = actions.referrals_process_deadlines()
    assert report.reminded == 2  # both, although the first e-mail failed
    for referral in (first, second):
        failed = referral.events.get(kind=EventKind.NOTIFY_FAILED)
        assert "refuse la connexion ; nouvel essai automatique" in failed.detail
        assert "accueil@ccas" in failed.detail
    Event.objects.filter(kind=EventKind.NOTIFY_FAILED).delete()  # expected here


def test_the_sending_organisation_hears_back_when_its_professional_has_left(
    arras, send, receiver, django_capture_on_commit_callbacks
):
    from nonrecours.accounts.enums import Role
    from tests.referrals.conftest import member

    colleague = member(arras, "France Services d'Arras", Role.PARTNER, email="coll@fs.example")
    member(arras, "France Services d'Arras", Role.FIELD_AGENT, email="agent-terrain@fs.example")
    referral = send()
    referral.sender.is_active = False
    referral.sender.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.referral_answer(referral, accept=True, user=receiver, via=Channel.ACCOUNT)
    (notice,) = mail.outbox
    assert notice.to == [colleague.email]  # not the field agent


@override_settings(NONRECOURS_REFERRAL_RETENTION_DAYS=60)
def test_anonymisation_erases_every_personal_field(send, receiver):
    referral = send(
        person=actions.Person(
            "Camille", "Martin", "62041", email="camille@example.org", message="Motif"
        ),
        amounts={"rsa": 400.0},
        simulation_code="ABCDEFGH",
    )
    actions.referral_answer(
        referral, accept=False, reason=RefusalReason.OTHER, detail="Vu avec Camille",
        user=receiver, via=Channel.ACCOUNT,
    )  # fmt: skip
    with time_machine.travel(timezone.now() + datetime.timedelta(days=61), tick=False):
        actions.referrals_anonymise()
    referral.refresh_from_db()
    for field in ("first_name", "last_name", "phone", "email", "message", "refusal_detail"):
        assert getattr(referral, field) == "", field
    assert referral.simulated_amounts == {} and referral.simulation_code == ""
    assert referral.refusal_reason == RefusalReason.OTHER  # kept for the statistics
    trail = " ".join(referral.events.values_list("detail", flat=True))
    assert "Camille" not in trail and "camille@example.org" not in trail


def test_the_reminder_goes_to_the_receivers_told_at_sending_time(
    send, directory, django_capture_on_commit_callbacks
):
    """Issue #12: the entry's e-mail changed since (by the page it is told,
    dated and signed) routes the new referrals, never the reminders, whose
    link opens the person's details, of those already sent."""
    with time_machine.travel(START, tick=False):
        send()
    structure = directory[0]
    structure.record = {**structure.record, "courriel": "nouvelle-adresse@ccas-arras.example"}
    structure.save()
    with time_machine.travel(START + datetime.timedelta(days=10), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            actions.referrals_process_deadlines()
    (reminder,) = [m for m in mail.outbox if m.subject.startswith("Relance")]
    assert reminder.to == ["accueil@ccas-arras.example"]


def test_the_css_reads_gratuite_or_its_participation_never_zero_euros(
    arras, send, receiver, client
):
    """A right in kind: the kept simulation's CSS is its participation (0:
    gratuite), shown in words; a CSS right opened records no amount."""
    from django.urls import reverse

    from nonrecours.rights.actions import simulation_save

    situation = {
        # A month whose CSS ceilings are known (from 2026-05 they are not:
        # « barème non à jour », see rights/parameters/_retards_admis.yaml).
        "mois": "2026-03",
        "commune": "62041",
        "logement": {"statut": "loge_gratuitement"},
        "personnes": [{"role": "demandeur", "naissance": "1962-05-15", "activite": "inactif"}],
        "avis_imposition": [{"revenus": 2024, "revenu_fiscal_reference": 0}],
    }
    saved = simulation_save(situation=situation, territory=arras, consent=True)
    referral = send(simulation_code=saved.code)
    assert referral.simulated_amounts["css"] == 0  # an RSA household: gratuite
    actions.referral_answer(referral, accept=True, user=receiver, via=Channel.ACCOUNT)
    actions.referral_record_outcome(
        referral,
        kind=OutcomeKind.RIGHT_OPENED,
        benefit="css",
        monthly_amount=12,
        user=receiver,
        via=Channel.ACCOUNT,
    )
    assert referral.outcomes.get(benefit="css").monthly_amount is None
    client.force_login(receiver)
    page = client.get(reverse("referral_detail", args=[referral.pk])).content.decode()
    assert "Complémentaire santé solidaire : gratuite" in page
    for shown in ("0 € par mois", "0,00 € par mois", "0\u00a0€ par mois", "0,00\u00a0€ par mois"):
        assert shown not in page


def test_in_kind_text():
    from nonrecours.rights.catalogue import in_kind_text

    assert in_kind_text(0) == "gratuite"
    assert in_kind_text(8) == "avec une participation de 8,00\u00a0€ par mois"
    assert in_kind_text(None) == "gratuite ou avec une participation"
