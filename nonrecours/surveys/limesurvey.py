"""Codes for LimeSurvey, which accepts only letters and digits in question
codes and at most 5 characters in answer codes: `situation_financiere` or
`tres_difficile` cannot be typed there.

Each question gets `Q` + its position (Q01, Q02…), each answer `A` + its
position (A1, A2…); communes keep their INSEE code. The codebook lists the
correspondence, which a territory follows when building the survey in
LimeSurvey; the importer reads either these codes or the questionnaire's own.
"""

from dataclasses import dataclass

from nonrecours.surveys.questionnaire import Questionnaire, QuestionType


@dataclass(frozen=True)
class LimeCodes:
    question: str
    answers: dict[str, str]  # our code -> LimeSurvey code

    @property
    def back(self) -> dict[str, str]:
        return {lime: ours for ours, lime in self.answers.items()}


def limesurvey_codes(questionnaire: Questionnaire) -> dict[str, LimeCodes]:
    codes = {}
    for position, question in enumerate(questionnaire.questions, start=1):
        answers = {}
        if question.type in (QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE):
            answers = {c.code: f"A{i}" for i, c in enumerate(question.choices, start=1)}
        codes[question.name] = LimeCodes(question=f"Q{position:02d}", answers=answers)
    return codes
