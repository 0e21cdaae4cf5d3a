"""Submissions exported by KoboToolbox / ODK Central (CSV, XLSX) and by
LimeSurvey (CSV), read into rows keyed by our question names.

Each row carries what the source says about the submission, not a guess:

- its **identity**, stable across edits (Kobo `meta/rootUuid`, Central
  `KEY` = the first instance id, else Kobo `_uuid`; LimeSurvey's response id
  qualified by the survey id, since ids restart at 1 in every survey), its
  **version** (the instance id, or LimeSurvey's last-action date) and the
  version it replaces (`meta/deprecatedID`);
- the source's own **review state** (Kobo validation status, Central review
  state, LimeSurvey incomplete responses): rows the source marks as not to
  be used are flagged, and left out by the import unless asked;
- its **collector** (Kobo `_submitted_by`, Central `SubmitterName`);
- its dates, read in every format the tools and French spreadsheets write
  (importers/moments.py) or refused with line and column.

Headers are matched on their whole path (`profil/commune`,
`profil-commune`, `commune`…), never on their last segment alone. The rows
are then validated and stored by surveys.actions.responses_import.

Each tool has its reader (importers/kobo.py, importers/limesurvey.py); what
they give is in importers/submissions.py.
"""

import datetime
from collections.abc import Collection, Iterator
from typing import BinaryIO

from nonrecours.csvtext import empty_file
from nonrecours.surveys.importers.kobo import read_kobo
from nonrecours.surveys.importers.limesurvey import read_limesurvey
from nonrecours.surveys.importers.submissions import ImportFileError as ImportFileError
from nonrecours.surveys.importers.submissions import ParsedFile
from nonrecours.surveys.importers.submissions import SourceFormat as SourceFormat
from nonrecours.surveys.importers.tables import TableError, read_table
from nonrecours.surveys.questionnaire import Questionnaire


def read_submissions(
    stream: BinaryIO,
    filename: str,
    source: SourceFormat,
    questionnaire: Questionnaire,
    *,
    communes: Collection[str],
    now: datetime.datetime,
    survey_id: str = "",
    separator: str = "",
) -> ParsedFile:
    """The rows of a submissions file. ``communes``: the INSEE codes the
    campaign accepts (a code that lost its leading zero is restored against
    them); ``survey_id``: LimeSurvey's survey id (else read from the file
    name `results-survey123456.csv`); ``separator``: the group separator of
    the headers when it is none of `/ - . :`.

    Raises ImportFileError (French) when the file cannot be read as a whole;
    problems of a row are in its ``problems``. Rows are read lazily, and an
    unreadable row part raises ImportFileError from the iterator.
    """
    try:
        header, records = read_table(stream, filename)
    except TableError as error:
        raise ImportFileError(str(error)) from None
    if not header or not any(header):
        raise ImportFileError(empty_file(filename))
    repeated = sorted({h for h in header if h and header.count(h) > 1})
    if repeated:
        raise ImportFileError(
            f"{filename}, ligne 1 : colonne(s) en double : {', '.join(repeated)}. "
            "Chaque colonne doit avoir un nom unique."
        )

    def checked() -> Iterator[tuple[int, list[str]]]:
        try:
            yield from records
        except TableError as error:
            raise ImportFileError(str(error)) from None

    if source == SourceFormat.LIMESURVEY:
        return read_limesurvey(
            header, checked(), filename, questionnaire, communes, now, survey_id.strip()
        )
    return read_kobo(header, checked(), filename, questionnaire, communes, now, separator)
