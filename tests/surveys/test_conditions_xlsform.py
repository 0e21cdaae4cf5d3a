"""The XLSForm side of the condition grammar: the expression ``to_xlsform()``
writes is converted by pyxform, accepted by ODK Validate, and gives each case
of the truth table (conditions_cases.yaml) its expected value in JavaRosa,
the engine of ODK Collect, Enketo's sibling and ODK Validate.

How: for each case, an XForm with the table's questions, the case's answers
written in its instance, and a question ``cible`` whose ``relevant`` is the
expression; a small Java class, compiled here against the JavaRosa shipped
in pyxform's ODK_Validate.jar, opens each form and prints whether ``cible``
is relevant. One JVM reads every form.
"""

import hashlib
import os
import random
import subprocess
import tempfile
from io import BytesIO
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from openpyxl import Workbook
from pyxform.validators.odk_validate import ODK_VALIDATE_PATH
from pyxform.xls2xform import convert

from nonrecours.surveys.conditions import parse_condition
from nonrecours.surveys.questionnaire import Questionnaire, QuestionType, default_questionnaire
from nonrecours.surveys.xlsform import xlsform_bytes
from tests.surveys.test_conditions import QUESTIONS, TABLE, require_program, table_cases

RELEVANCE_JAVA = """\
import java.io.FileInputStream;
import org.javarosa.core.model.FormDef;
import org.javarosa.core.model.instance.InstanceInitializationFactory;
import org.javarosa.core.model.instance.TreeElement;
import org.javarosa.xform.util.XFormUtils;

/** For each XForm given, prints one line: "name=true|false" for each
 * question of the main instance, whether it is relevant once the form is
 * opened with the answers written in its instance. */
public class Relevance {
    public static void main(String[] args) throws Exception {
        for (String path : args) {
            try (FileInputStream in = new FileInputStream(path)) {
                FormDef form = XFormUtils.getFormFromInputStream(in);
                form.initialize(true, new InstanceInitializationFactory());
                StringBuilder line = new StringBuilder();
                print(form.getMainInstance().getRoot(), line);
                System.out.println(line.toString().trim());
            }
        }
    }

    private static void print(TreeElement node, StringBuilder line) {
        for (int i = 0; i < node.getNumChildren(); i++) {
            TreeElement child = node.getChildAt(i);
            if (child.getNumChildren() == 0) {
                line.append(' ').append(child.getName()).append('=').append(child.isRelevant());
            } else {
                print(child, line);
            }
        }
    }
}
"""
JAR = str(ODK_VALIDATE_PATH)


def xlsform(targets: dict[str, str]) -> bytes:
    """An XLSForm with the table's questions and one text question per
    target, whose ``relevant`` is the given expression."""
    workbook = Workbook()
    survey = workbook.active
    survey.title = "survey"
    survey.append(["type", "name", "label", "relevant"])
    choices = workbook.create_sheet("choices")
    choices.append(["list_name", "name", "label"])
    for name, question in QUESTIONS.items():
        kind = question["type"]
        survey.append([f"{kind} {name}" if "select" in kind else kind, name, name, ""])
        for code in question.get("choices", []):
            choices.append([name, code, code])
    for name, expression in targets.items():
        survey.append(["text", name, name, expression])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_answers(xform: str, answers: dict[str, Any]) -> str:
    """The XForm with `answers` in its main instance, as ODK stores them:
    text, a multiple choice as codes separated by spaces."""
    for name, value in answers.items():
        if value is None or value == "" or value == []:
            continue
        text = " ".join(value) if isinstance(value, list) else str(value)
        assert f"<{name}/>" in xform
        xform = xform.replace(f"<{name}/>", f"<{name}>{escape(text)}</{name}>", 1)
    return xform


@pytest.fixture(scope="module")
def relevance_class() -> str:
    """The directory of Relevance.class, compiled once per version of the source."""
    require_program("java", "default-jre-headless")
    javac = require_program("javac", "default-jdk-headless")
    digest = hashlib.sha256((RELEVANCE_JAVA + JAR).encode()).hexdigest()[:16]
    target = Path(tempfile.gettempdir()) / f"nonrecours-javarosa-{digest}"
    if not (target / "Relevance.class").exists():
        work = Path(tempfile.mkdtemp(prefix="nonrecours-javarosa-"))
        (work / "Relevance.java").write_text(RELEVANCE_JAVA, encoding="utf-8")
        subprocess.run(  # noqa: S603 (fixed arguments)
            [javac, "-nowarn", "-cp", JAR, "-d", str(work), str(work / "Relevance.java")],
            check=True,
            capture_output=True,
        )
        try:
            work.rename(target)
        except OSError:  # compiled meanwhile by another process
            pass
    return str(target)


@pytest.fixture(scope="module")
def javarosa_results(relevance_class, tmp_path_factory) -> dict[str, bool]:
    """Each xlsform case's `why`: whether JavaRosa finds ``cible`` relevant."""
    folder = tmp_path_factory.mktemp("xforms")
    paths = {}
    for index, param in enumerate(table_cases("xlsform")):
        case = param.values[0]
        expression = parse_condition(case["condition"]).to_xlsform()
        result = convert(xlsform=BytesIO(xlsform({"cible": expression})), file_type=".xlsx")
        assert result.warnings == []
        path = folder / f"case-{index}.xml"
        path.write_text(with_answers(result.xform, case["answers"]), encoding="utf-8")
        paths[case["why"]] = str(path)
    relevance = javarosa_relevance(relevance_class, list(paths.values()))
    return {why: answer["cible"] for why, answer in zip(paths, relevance, strict=True)}


def javarosa_relevance(relevance_class: str, paths: list[str]) -> list[dict[str, bool]]:
    """For each XForm file, each question's relevance in JavaRosa, by name."""
    java = require_program("java", "default-jre-headless")
    output = subprocess.run(  # noqa: S603 (fixed arguments)
        [java, "-cp", os.pathsep.join([JAR, relevance_class]), "Relevance", *paths],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    assert len(output) == len(paths), output
    return [
        {name: value == "true" for name, value in (pair.split("=") for pair in line.split())}
        for line in output
    ]


@pytest.mark.parametrize("case", table_cases("xlsform"))
def test_javarosa_evaluates_the_xlsform_expression(javarosa_results, case):
    assert javarosa_results[case["why"]] is case["expected"], case["why"]


def test_every_expression_passes_odk_validate():
    require_program("java", "default-jre-headless")
    targets = {
        f"cible_{index}": parse_condition(case["condition"]).to_xlsform()
        for index, case in enumerate(TABLE["cases"], start=1)
    }
    result = convert(xlsform=BytesIO(xlsform(targets)), file_type=".xlsx", validate=True)
    assert result.warnings == []
    assert result.xform.count(" relevant=") == len(targets)


def random_answers(questionnaire: Questionnaire, rng: random.Random) -> dict[str, Any]:
    """Answers to every choice question, whatever the skip logic says (some
    left empty), so that each condition meets both of its outcomes."""
    answers: dict[str, Any] = {}
    for question in questionnaire.questions:
        if not question.choices or rng.random() < 0.15:
            continue
        if question.type == QuestionType.SELECT_ONE:
            answers[question.name] = rng.choice(question.codes)
        else:
            answers[question.name] = [c for c in question.codes if rng.random() < 0.3]
    return answers


def test_the_exported_questionnaire_shows_the_same_questions_in_odk(relevance_class, tmp_path):
    """The shipped questionnaire, exported by xlsform.py (questions in
    groups), opened in JavaRosa with random answers: each question is shown
    exactly when the server would ask it (``validate`` drops the answers to
    hidden questions before reading later conditions; ODK hides them too)."""
    questionnaire = default_questionnaire()
    xform = convert(
        xlsform=BytesIO(xlsform_bytes(questionnaire, [("62041", "Arras")], "f")),
        file_type=".xlsx",
    ).xform
    rng = random.Random(14)  # noqa: S311 (reproducible test data)
    expected, paths = [], []
    for index in range(40):
        answers = random_answers(questionnaire, rng)
        shown: dict[str, Any] = {}
        relevant = {}
        for question in questionnaire.questions:
            relevant[question.name] = questionnaire.is_relevant(question, shown)
            if relevant[question.name] and question.name in answers:
                shown[question.name] = answers[question.name]
        expected.append(relevant)
        path = tmp_path / f"answers-{index}.xml"
        path.write_text(with_answers(xform, answers), encoding="utf-8")
        paths.append(str(path))
    results = javarosa_relevance(relevance_class, paths)
    conditional = [q.name for q in questionnaire.questions if q.relevant]
    assert conditional
    for relevant, odk in zip(expected, results, strict=True):
        assert {n: odk[n] for n in relevant} == relevant
    outcomes = {(name, relevant[name]) for relevant in expected for name in conditional}
    assert len(outcomes) == 2 * len(conditional), "each condition is seen true and false"
