"""Writing to the outbox: queueing a mail, trying it, retrying the due ones
with back-off, deleting the old ones. Every e-mail of the product goes
through ``mail_queue`` (docs/adr/030-courriels-file-d-envoi.md).

A mail counts as sent only when a delivering backend accepted it
(delivery.py). Logs name a mail by its id and subject only: never its body
(links that open personal data) nor its recipients."""

import datetime
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from nonrecours.mailing.delivery import (
    DISABLED_REASON,
    Failure,
    deliver,
    server_label,
    undelivered_reason,
)
from nonrecours.mailing.enums import MAX_AGE, MAX_ATTEMPTS, RETRY_DELAYS, MailStatus
from nonrecours.mailing.models import Mail
from nonrecours.mailing.outcomes import FINISHERS, LINK, LISTENERS, MailOutcome
from nonrecours.mailing.watch import current, mail_watch

logger = logging.getLogger(__name__)

# Why a mail whose link can no longer be given is abandoned.
NO_LINK_REASON = "le lien du courriel ne vaut plus (annulé, utilisé ou expiré)"

# What is erased once a mail is sent or abandoned.
ERASED: dict[str, object] = {"body": "", "recipients": []}


def _outcome(mail: Mail, recipients: Sequence[str], *, first: bool) -> MailOutcome:
    return MailOutcome(
        mail_id=mail.pk,
        about=mail.about,
        about_id=mail.about_id,
        subject=mail.subject,
        recipients=tuple(recipients),
        status=mail.status,
        attempts=mail.attempts,
        reason=mail.last_error if mail.status != MailStatus.SENT else "",
        first=first,
        next_attempt_at=mail.next_attempt_at,
    )


def _tell(outcome: MailOutcome) -> None:
    """Tell the page being served (watch) and the listener of ``about``;
    a listener's failure is logged, never raised (the mail's fate is
    already saved)."""
    watch = current()
    if watch is not None and outcome.first:
        watch.outcomes.append(outcome)
    listener = LISTENERS.get(outcome.about)
    if listener is None:
        return
    try:
        listener(outcome)
    except Exception as error:  # noqa: BLE001 - the outbox stays right whatever the journal does
        logger.error(
            "Courriel %s : le journal de « %s » n'a pas été tenu (%s).",
            outcome.mail_id,
            outcome.about,
            type(error).__name__,
        )


def mail_queue(
    *,
    subject: str,
    body: str,
    recipients: Sequence[str],
    about: str = "",
    about_id: int | None = None,
    now: datetime.datetime | None = None,
) -> Mail:
    """Put one mail (``recipients``: addresses, at least one) in the outbox,
    in the caller's transaction; its first attempt comes right after the
    commit (mail_attempt), its retries from ``mail_send_due``. ``about`` /
    ``about_id`` name what the mail tells of: the listener registered for
    ``about`` (outcomes.listen) is told of its fate. With e-mail disabled
    (NONRECOURS_EMAIL_DISABLED) the mail is abandoned at once, its body
    never stored. Raises ValueError without recipients."""
    now = now or timezone.now()
    addresses = sorted({address.strip() for address in recipients if address.strip()})
    if not addresses:
        raise ValueError("Un courriel doit avoir au moins un destinataire.")
    disabled = undelivered_reason() == DISABLED_REASON
    mail = Mail.objects.create(
        subject=" ".join(subject.split())[:255],
        body="" if disabled else body,
        recipients=[] if disabled else addresses,
        recipient_count=len(addresses),
        sender=settings.DEFAULT_FROM_EMAIL,
        status=MailStatus.ABANDONED if disabled else MailStatus.PENDING,
        next_attempt_at=None if disabled else now,
        last_error=DISABLED_REASON if disabled else "",
        created_at=now,
        abandoned_at=now if disabled else None,
        about=about,
        about_id=about_id,
    )
    if disabled:
        logger.info("Courriel %s « %s » non envoyé : %s.", mail.pk, mail.subject, DISABLED_REASON)
        outcome = _outcome(mail, addresses, first=True)
        transaction.on_commit(lambda: _tell(outcome), robust=True)
    else:
        pk = mail.pk
        transaction.on_commit(lambda: mail_attempt(pk), robust=True)
    return mail


def mail_queue_templated(
    template: str,
    context: dict[str, object],
    recipients: Sequence[str],
    *,
    about: str = "",
    about_id: int | None = None,
) -> Mail:
    """Render the text template ``template`` (its first line is the
    subject, the rest the body) in the site's language (dates in French,
    from a command too) and queue it (mail_queue). Raises what the template
    raises, and ValueError without recipients."""
    with translation.override(settings.LANGUAGE_CODE):
        text = render_to_string(template, context)
    subject, _, body = text.strip().partition("\n")
    return mail_queue(
        subject=subject.strip(),
        body=body.strip() + "\n",
        recipients=recipients,
        about=about,
        about_id=about_id,
    )


def _retry_delay(attempts: int) -> datetime.timedelta:
    return RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]


def _abandon_old(mail: Mail, now: datetime.datetime) -> MailOutcome:
    recipients = list(mail.recipients)
    mail.status = MailStatus.ABANDONED
    mail.abandoned_at = now
    mail.next_attempt_at = None
    days = MAX_AGE.days
    before = f"{mail.last_error} ; " if mail.last_error else ""
    mail.last_error = f"{before}non envoyé dans les {days} jours"[:300]
    mail.body, mail.recipients = "", []
    mail.save(
        update_fields=[
            "status",
            "abandoned_at",
            "next_attempt_at",
            "last_error",
            "body",
            "recipients",
        ]
    )
    logger.warning(
        "Courriel %s « %s » abandonné : non envoyé dans les %d jours.", mail.pk, mail.subject, days
    )
    return _outcome(mail, recipients, first=False)


def claim_lease() -> datetime.timedelta:
    """How long a claimed mail is held by the run trying it: a few times
    the longest an attempt can take (EMAIL_TIMEOUT for the connection, then
    for each reply), so that no other run takes it while it is being sent."""
    return datetime.timedelta(seconds=settings.EMAIL_TIMEOUT * 5)


def _claim(mail_id: int, *, by_run: bool) -> Mail | MailOutcome | None:
    """Take the mail for one attempt, at the clock's time of the claim
    (never a run's start, which may be long past): counted, and its next
    attempt pushed back past the retry delay and the claim's lease
    (claim_lease) so that no other run takes it meanwhile (a run that dies
    mid-way leaves it to be retried then). None when it is not due or
    another run holds it (skip_locked on PostgreSQL; the conditional update
    elsewhere). A mail older than MAX_AGE is abandoned instead (its outcome
    returned): one already tried, or one a run (``by_run``) finds never
    tried (its first attempt, on the commit, lost with a killed worker)."""
    with transaction.atomic():
        mail = (
            Mail.objects.select_for_update(skip_locked=True)
            .filter(pk=mail_id, status=MailStatus.PENDING)
            .first()
        )
        if mail is None:
            return None
        now = timezone.now()
        # The first attempt is always made (right after the commit, whatever
        # the clock says); the following ones when due.
        if mail.attempts and (mail.next_attempt_at is None or mail.next_attempt_at > now):
            return None
        if (mail.attempts or by_run) and now - mail.created_at > MAX_AGE:
            return _abandon_old(mail, now)
        attempts = mail.attempts + 1
        held = now + max(_retry_delay(attempts), claim_lease())
        claimed = Mail.objects.filter(
            pk=mail.pk, status=MailStatus.PENDING, attempts=mail.attempts
        ).update(attempts=attempts, last_attempt_at=now, next_attempt_at=held)
        if not claimed:
            return None
    mail.attempts, mail.last_attempt_at = attempts, now
    return mail


def _record(mail: Mail, failure: Failure | None) -> MailOutcome:
    now = timezone.now()
    recipients = list(mail.recipients)
    changes: dict[str, object]
    if failure is None:
        changes = {"status": MailStatus.SENT, "sent_at": now, "last_error": "", **ERASED}
        changes["next_attempt_at"] = None
        logger.info("Courriel %s « %s » envoyé (essai %d).", mail.pk, mail.subject, mail.attempts)
    elif failure.permanent or mail.attempts >= MAX_ATTEMPTS:
        changes = {"status": MailStatus.ABANDONED, "abandoned_at": now, **ERASED}
        changes.update(last_error=failure.reason[:300], next_attempt_at=None)
        logger.warning(
            "Courriel %s « %s » abandonné après %d essai(s) : %s (serveur %s).",
            mail.pk,
            mail.subject,
            mail.attempts,
            failure.reason,
            server_label(),
        )
    else:
        changes = {
            "last_error": failure.reason[:300],
            "next_attempt_at": now + _retry_delay(mail.attempts),
        }
        logger.warning(
            "Courriel %s « %s » non envoyé (essai %d) : %s (serveur %s) ; "
            "nouvel essai automatique.",
            mail.pk,
            mail.subject,
            mail.attempts,
            failure.reason,
            server_label(),
        )
    Mail.objects.filter(pk=mail.pk).update(**changes)
    for name, value in changes.items():
        setattr(mail, name, value)
    return _outcome(mail, recipients, first=mail.attempts == 1)


def _finished(mail: Mail) -> str | None:
    """The body to send: LINK replaced by the link its ``about``'s finisher
    gives now (outcomes.finish_with); None when there is no link to give (no
    finisher, the finisher says so or fails)."""
    if LINK not in mail.body:
        return mail.body
    finisher = FINISHERS.get(mail.about)
    if finisher is None:
        return None
    try:
        link = finisher(mail.about_id)
    except Exception as error:  # noqa: BLE001 - the mail is abandoned, the run goes on
        logger.error(
            "Courriel %s : le lien de « %s » n'a pas pu être donné (%s).",
            mail.pk,
            mail.about,
            type(error).__name__,
        )
        return None
    return None if link is None else mail.body.replace(LINK, link)


def mail_attempt(mail_id: int, *, by_run: bool = False) -> MailOutcome | None:
    """Try to send one pending mail that is due; returns what became of it
    (None when not due, not pending, or being tried by another run). Sent:
    its body and recipients are erased. Failed: tried again after
    RETRY_DELAYS, or abandoned (and erased) after MAX_ATTEMPTS, at once for
    a permanent refusal, or when older than MAX_AGE (``by_run``: tried by
    mail_send_due, not right after the commit). The first outcome and
    the end are told to the listener of its ``about`` and to the page
    (watch). A first attempt (not ``by_run``) past the watch's budget
    (watch.FIRST_ATTEMPTS) is not made: None, the mail left to the timer.
    Never raises for the mail server's failure."""
    watch = current()
    if not by_run and watch is not None and not watch.budget.take():
        # Left pending and due: the timer (mail_send_due) sends it shortly.
        return None
    claimed = _claim(mail_id, by_run=by_run)
    if claimed is None:
        return None
    if isinstance(claimed, MailOutcome):
        _tell(claimed)
        return claimed
    mail = claimed
    failure: Failure | None
    # The link is given only when the mail goes to a server.
    body = None if watch is not None and watch.down is not None else _finished(mail)
    if watch is not None and watch.down is not None:
        failure = watch.down  # not tried again against a dead server
    elif body is None:
        failure = Failure(NO_LINK_REASON, permanent=True)
    else:
        failure = deliver(
            subject=mail.subject,
            body=body,
            sender=mail.sender,
            recipients=list(mail.recipients),
        )
        if failure is not None and failure.server_down and watch is not None:
            watch.down = failure
    outcome = _record(mail, failure)
    if outcome.first or not outcome.will_retry:
        _tell(outcome)
    return outcome


@dataclass
class SendReport:
    """What a run of ``mail_send_due`` did, in numbers of mails."""

    sent: int = 0
    waiting: int = 0
    abandoned: int = 0
    skipped: int = 0
    deleted: int = 0
    reasons: tuple[str, ...] = ()

    def summary(self) -> str:
        """The run in one French line (the command's output)."""
        text = (
            f"{self.sent} courriel(s) envoyé(s), {self.waiting} en attente d'un nouvel essai, "
            f"{self.abandoned} abandonné(s), {self.deleted} supprimé(s) (durée de conservation)."
        )
        if self.skipped:
            text += f" {self.skipped} déjà pris par un autre envoi."
        if self.reasons:
            text += " Raison : " + " ; ".join(self.reasons) + "."
        return text


def mail_send_due(*, now: datetime.datetime | None = None, limit: int = 1000) -> SendReport:
    """Try every pending mail whose next attempt is due at ``now`` (at most
    ``limit``, oldest first), then delete the old ones (mails_delete_old).
    Each mail is claimed at the clock's time when the run reaches it, not
    at ``now``.
    Safe to run several at once, and again: a mail is tried by one run only
    and never sent twice once recorded sent. A server that cannot be reached
    is tried once per run, not once per mail. Run it every few minutes
    (`nonrecours mailing send`)."""
    now = now or timezone.now()
    report = SendReport()
    due = (
        Mail.objects.filter(status=MailStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    reasons: list[str] = []
    with mail_watch():
        for pk in list(due):
            outcome = mail_attempt(pk, by_run=True)
            if outcome is None:
                report.skipped += 1
            elif outcome.sent:
                report.sent += 1
            elif outcome.will_retry:
                report.waiting += 1
            else:
                report.abandoned += 1
            if outcome is not None and outcome.reason and outcome.reason not in reasons:
                reasons.append(outcome.reason)
    report.reasons = tuple(reasons)
    report.deleted = mails_delete_old(now=now)
    return report


def mails_delete_old(*, now: datetime.datetime | None = None) -> int:
    """Delete the mails sent or abandoned more than
    NONRECOURS_REFERRAL_RETENTION_DAYS days ago (their body and recipients
    are already erased); returns how many."""
    now = now or timezone.now()
    limit = now - datetime.timedelta(days=settings.NONRECOURS_REFERRAL_RETENTION_DAYS)
    deleted, _ = (
        Mail.objects.exclude(status=MailStatus.PENDING).filter(created_at__lt=limit).delete()
    )
    return deleted


def mails_withdraw(*, about: str, about_id: int, reason: str) -> int:
    """Abandon, without telling anyone, the pending mails about one thing
    that must no longer go (an invitation sent again with a new link, or
    cancelled): their body and recipients are erased, ``reason`` (French,
    no personal data) kept as their last error. Returns how many."""
    now = timezone.now()
    return Mail.objects.filter(about=about, about_id=about_id, status=MailStatus.PENDING).update(
        status=MailStatus.ABANDONED,
        abandoned_at=now,
        next_attempt_at=None,
        last_error=reason[:300],
        **ERASED,
    )
