"""A campaign's answers to a few questions, read column by column.

The barometer needs, of each answer, only the questions its indicators and
its weighting name. Rather than decoding every stored answer (a JSON
document per respondent), the database extracts each of those questions as
JSON text (SQLite's and PostgreSQL's ``->`` operator), and equal texts get
one code (pyarrow's dictionary encoding): each distinct answer is decoded
once, and a condition can be evaluated once per distinct combination of
codes rather than once per respondent.

Two answers get the same code exactly when their JSON texts are equal, so
two different answers never share a code (``1`` and ``1.0``, or a list in
another order, may get two codes: evaluated twice, same result).
"""

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
from django.db import NotSupportedError
from django.db.models import F, Func, TextField
from numpy.typing import NDArray

from nonrecours.surveys.models import Campaign
from nonrecours.surveys.questionnaire import NAME_PATTERN
from nonrecours.territories.models import Commune

# The code of a respondent with no answer stored for the question.
ABSENT = -1


class AnswerText(Func):
    """The JSON text of the answer to `name` in a response's `answers`
    (``"oui"`` with its quotes, ``["a","b"]``, ``12``, ``null``), SQL NULL
    when the response has no such key. SQLite (3.38 or later) and
    PostgreSQL only; another database raises NotSupportedError."""

    output_field = TextField()

    def __init__(self, name: str) -> None:
        if not NAME_PATTERN.match(name):  # never a path of our making
            raise ValueError(f"question name {name!r}")
        super().__init__(F("answers"))
        self.name = name

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        field_sql, field_params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "sqlite":
            return f"({field_sql} -> %s)", [*field_params, f'$."{self.name}"']
        if connection.vendor == "postgresql":
            return f"(({field_sql} -> %s)::text)", [*field_params, self.name]
        raise NotSupportedError(f"Base de données non prise en charge : {connection.vendor}.")


@dataclass(frozen=True)
class AnswerColumns:
    """Answers to some questions, one column per question.

    `codes[name]`: one code per respondent (numpy intp), ABSENT when no
    answer is stored, else an index into `values[name]`, the decoded
    answers (equal codes, equal answers). `size`: the number of
    respondents.
    """

    size: int
    codes: Mapping[str, NDArray[np.intp]]
    values: Mapping[str, Sequence[Any]]

    @classmethod
    def from_texts(cls, size: int, texts: Mapping[str, Sequence[str | None]]) -> "AnswerColumns":
        """The columns of `size` respondents from each question's JSON texts
        (None: no answer stored), as the database gives them."""
        codes: dict[str, NDArray[np.intp]] = {}
        values: dict[str, Sequence[Any]] = {}
        for name, column in texts.items():
            encoded = pa.array(column, type=pa.string()).dictionary_encode()
            codes[name] = encoded.indices.fill_null(ABSENT).to_numpy().astype(np.intp)
            values[name] = [json.loads(text) for text in encoded.dictionary.to_pylist()]
        return cls(size, codes, values)

    @classmethod
    def from_answers(
        cls, answers: Sequence[Mapping[str, Any]], names: Iterable[str]
    ) -> "AnswerColumns":
        """The columns of `names` from answers as dictionaries (question ->
        answer), through the same JSON texts as the database's."""
        return cls.from_texts(
            len(answers),
            {name: [json.dumps(a[name]) if name in a else None for a in answers] for name in names},
        )

    def answers_of(self, names: Iterable[str], codes: Iterable[int]) -> dict[str, Any]:
        """The answers (question -> answer) that `codes` stand for, one code
        per name in the same order; absent answers left out."""
        return {
            name: self.values[name][code]
            for name, code in zip(names, codes, strict=True)
            if code != ABSENT
        }

    def combinations(self, names: Sequence[str]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
        """The distinct combinations of answers to `names`: (a 2-D array of
        their codes, one row per combination and a column per name; for each
        respondent, the row of its combination)."""
        if not names:
            return np.zeros((1, 0), np.intp), np.zeros(self.size, np.intp)
        columns = [self.codes[name] for name in names]
        sizes = [len(self.values[name]) + 1 for name in names]  # + ABSENT
        if float(np.prod(np.array(sizes, dtype=float))) < 2**62:
            # One integer per combination (mixed radix): a 1-D unique.
            key = np.zeros(self.size, np.int64)
            for column, size in zip(columns, sizes, strict=True):
                key = key * size + (column + 1)
            _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        else:  # pragma: no cover - needs ~2^62 distinct combinations
            _, first, inverse = np.unique(
                np.stack(columns, axis=1), axis=0, return_index=True, return_inverse=True
            )
        stacked = np.stack([column[first] for column in columns], axis=1)
        return stacked, inverse.reshape(-1).astype(np.intp)

    def column_values(self, name: str) -> list[Any]:
        """Each distinct answer to `name`, by code (the last one, at index
        -1 = ABSENT, is None: no answer)."""
        return [*self.values[name], None]


def read_answer_columns(
    campaign: Campaign, communes: Sequence[Commune], names: Iterable[str]
) -> tuple[tuple[int, ...], list[int], AnswerColumns]:
    """The answers to `names` of the campaign's respondents in `communes`,
    by primary key: (primary keys, commune primary keys, columns).
    Raises NotSupportedError on a database other than SQLite or PostgreSQL."""
    names = sorted(set(names))
    rows = (
        campaign.responses.filter(commune__in=communes)
        .order_by("pk")
        .values_list("pk", "commune_id", *(AnswerText(name) for name in names))
    )
    table = list(zip(*rows.iterator(chunk_size=10_000), strict=True))
    if not table:
        return (), [], AnswerColumns.from_texts(0, {name: [] for name in names})
    ids, commune_ids, *texts = table
    columns = AnswerColumns.from_texts(len(ids), dict(zip(names, texts, strict=True)))
    return tuple(ids), list(commune_ids), columns
