"""Export a questionnaire as an XLSForm (ODK Collect, KoboCollect, Enketo).

The skip logic, the answer codes and the constraints are carried over, so
partners collecting with KoboToolbox or ODK Central use the very same
questionnaire; their exports come back through the importers with the same
question names and codes.
"""

from collections.abc import Sequence
from io import BytesIO

from openpyxl import Workbook

from nonrecours.surveys.questionnaire import Question, Questionnaire, QuestionType

SURVEY_COLUMNS = [
    "type", "name", "label", "hint", "required", "relevant", "constraint",
    "constraint_message", "appearance",
]  # fmt: skip
PHONE_REGEX = r"^(0|\+33 ?|0033 ?)[1-9]([ .-]?[0-9]{2}){4}$"
EMAIL_REGEX = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
COMMUNES_LIST = "communes"


def _question_row(question: Question) -> dict[str, str]:
    row = {
        "name": question.name,
        "label": question.label,
        "hint": question.hint,
        "required": "yes" if question.required else "",
        "relevant": question.relevant.to_xlsform() if question.relevant else "",
    }
    kind = question.type
    if kind == QuestionType.SELECT_ONE:
        row["type"] = f"select_one {question.name}"
    elif kind == QuestionType.SELECT_MULTIPLE:
        row["type"] = f"select_multiple {question.name}"
        exclusive = [c for c in question.choices if c.exclusive]
        if exclusive:
            row["constraint"] = " and ".join(
                f"not(selected(., '{c.code}') and count-selected(.) > 1)" for c in exclusive
            )
            row["constraint_message"] = (
                f"« {exclusive[0].label} » ne peut pas être coché avec une autre réponse."
            )
    elif kind == QuestionType.COMMUNE:
        row["type"] = f"select_one {COMMUNES_LIST}"
        row["appearance"] = "minimal"
    elif kind == QuestionType.INTEGER:
        row["type"] = "integer"
        bounds = []
        if question.minimum is not None:
            bounds.append(f". >= {question.minimum}")
        if question.maximum is not None:
            bounds.append(f". <= {question.maximum}")
        row["constraint"] = " and ".join(bounds)
    elif kind == QuestionType.PHONE:
        row["type"] = "text"
        row["appearance"] = "numbers"
        row["constraint"] = f"regex(., '{PHONE_REGEX}')"
        row["constraint_message"] = "Numéro de téléphone invalide : 10 chiffres."
    elif kind == QuestionType.EMAIL:
        row["type"] = "text"
        row["constraint"] = f"regex(., '{EMAIL_REGEX}')"
        row["constraint_message"] = "Adresse électronique invalide."
    else:
        row["type"] = "text"
    return row


def xlsform_workbook(
    questionnaire: Questionnaire, communes: Sequence[tuple[str, str]], form_id: str
) -> Workbook:
    """The XLSForm of the questionnaire; `communes` is (INSEE code, name)."""
    workbook = Workbook()
    survey = workbook.create_sheet("survey", 0)
    workbook.remove(workbook.worksheets[1])
    survey.append(SURVEY_COLUMNS)
    survey.append(["start", "start", "", "", "", "", "", "", ""])
    survey.append(["end", "end", "", "", "", "", "", "", ""])
    choices = workbook.create_sheet("choices")
    choices.append(["list_name", "name", "label"])
    for section in questionnaire.sections:
        survey.append(
            ["begin_group", section.name, section.title, "", "", "", "", "", "field-list"]
        )
        for question in section.questions:
            row = _question_row(question)
            survey.append([row.get(column, "") for column in SURVEY_COLUMNS])
            for choice in question.choices:
                choices.append([question.name, choice.code, choice.label])
        survey.append(["end_group", section.name, "", "", "", "", "", "", ""])
    for insee_code, name in communes:
        choices.append([COMMUNES_LIST, insee_code, name])
    settings = workbook.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "default_language"])
    settings.append(
        [
            questionnaire.title,
            form_id,
            f"{questionnaire.version}.{questionnaire.checksum[:8]}",
            "Français (fr)",
        ]
    )
    return workbook


def xlsform_bytes(
    questionnaire: Questionnaire, communes: Sequence[tuple[str, str]], form_id: str
) -> bytes:
    buffer = BytesIO()
    xlsform_workbook(questionnaire, communes, form_id).save(buffer)
    return buffer.getvalue()
