"""Contact details of respondents who ask to be called back, kept apart
from their answers (see models.Contact)."""

import datetime
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils import timezone

from nonrecours.surveys.models import Contact, Response
from nonrecours.surveys.questionnaire import Questionnaire


def personal_fields(questionnaire: Questionnaire) -> set[str]:
    """Names of the questions that hold contact details (never stored with
    the answers)."""
    return {q.name for q in questionnaire.questions if q.personal}


def week_of(day: datetime.date) -> datetime.date:
    """The Monday of ``day``'s week: the only date a call-back request keeps."""
    return day - datetime.timedelta(days=day.weekday())


def contact_from(response: Response, details: Mapping[str, str]) -> Contact:
    """A call-back request (unsaved) from a response's contact details,
    without any link back to the response: the campaign, the commune, the
    week, and the situation that pre-fills the rights check of the call-back
    (contact_prefill)."""
    return Contact(
        campaign=response.campaign,
        commune=response.commune,
        phone=details.get("contact_telephone", ""),
        email=details.get("contact_email", ""),
        received_on=week_of(timezone.localdate(response.submitted_at)),
        prefill=contact_prefill(response),
    )


def contact_prefill(response: Response) -> dict[str, Any]:
    """The simulator's situation (the mapping rights.situation_parse reads)
    that the response's situation questions give, for the month it was
    submitted in (surveys.eligibility.situation_input_of and its
    approximations: age at the middle of the band, the household's income
    the respondent's…), or {} when they were not answered or do not make a
    situation the simulator accepts. Only this is kept with the contact
    details, never the answers nor the response's id."""
    # The simulator (OpenFisca) loads only when a request comes in.
    from nonrecours.rights.situation import SituationError
    from nonrecours.rights.situation_parse import parse_situation
    from nonrecours.surveys.eligibility import situation_input_of

    month = timezone.localdate(response.submitted_at).strftime("%Y-%m")
    data = situation_input_of(dict(response.answers or {}), response.commune.insee_code, month)
    if data is None:
        return {}
    try:
        parse_situation(data)
    except SituationError:
        return {}
    return data


def contact_token(contact: Contact) -> str:
    """What the call-back page names a request by: a keyed hash of its id,
    which says nothing of the order in which requests came in."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"contact:{contact.pk}".encode(), hashlib.sha256
    )
    return digest.hexdigest()[:24]
