"""Contact details of respondents who ask to be called back, kept apart
from their answers (see models.Contact)."""

from collections.abc import Mapping

from django.utils import timezone

from nonrecours.surveys.models import Contact, Response
from nonrecours.surveys.questionnaire import Questionnaire


def personal_fields(questionnaire: Questionnaire) -> set[str]:
    """Names of the questions that hold contact details (never stored with
    the answers)."""
    return {q.name for q in questionnaire.questions if q.personal}


def contact_from(response: Response, details: Mapping[str, str]) -> Contact:
    """A call-back request (unsaved) from a response's contact details,
    without any link back to the response."""
    return Contact(
        campaign=response.campaign,
        commune=response.commune,
        phone=details.get("contact_telephone", ""),
        email=details.get("contact_email", ""),
        received_on=timezone.localdate(response.submitted_at),
    )
