"""The default questionnaire and the questionnaire engine."""

from pathlib import Path

import pytest
import yaml

from nonrecours.surveys.questionnaire import (
    QuestionnaireError,
    default_questionnaire,
    load_yaml,
    with_local_module,
)

REFERENCE = (
    Path(__file__).resolve().parents[2] / "nonrecours/surveys/reference/barometre-2024-cua.yaml"
)
SHARED = Path(__file__).resolve().parents[3] / "shared/reference/barometre-2024-chiffres.yaml"
ARRAS = ["62041", "62004"]


@pytest.fixture(scope="module")
def questionnaire():
    return default_questionnaire()


def reference_indicators():
    return yaml.safe_load(REFERENCE.read_text(encoding="utf-8"))["indicators"]


@pytest.mark.skipif(not SHARED.exists(), reason="shared/ absent (clone seul)")
def test_shipped_reference_figures_are_the_published_ones():
    # The shared file is not valid YAML (an unquoted " : " on one line): the
    # shipped copy quotes that one value and is otherwise identical.
    fixed = SHARED.read_text(encoding="utf-8").replace(
        "base: répondants (publication ambiguë : tous, ou ceux en difficulté)",
        'base: "répondants (publication ambiguë : tous, ou ceux en difficulté)"',
    )
    assert REFERENCE.read_text(encoding="utf-8") == fixed


def test_every_reference_indicator_is_fed_with_the_same_base(questionnaire):
    ours = {i.id: i for i in questionnaire.indicators}
    for reference in reference_indicators():
        assert reference["id"] in ours, reference["id"]
        if reference["base"].startswith("répondants (publication ambiguë"):
            # Asked to everyone here; the team's note stays out of the pages.
            assert ours[reference["id"]].base == "tous les répondants", reference["id"]
        else:
            assert ours[reference["id"]].base == reference["base"], reference["id"]


def test_each_indicator_base_is_exactly_who_is_asked_the_question(questionnaire):
    """The base condition is the skip logic of the question the indicator
    reads: no base where everybody is asked, the question's `relevant` else."""
    for indicator in questionnaire.indicators:
        for name in indicator.numerator.questions():
            asked_to = questionnaire.question(name).relevant
            assert indicator.base_condition == asked_to, indicator.id
        if indicator.base_condition is None:
            assert indicator.base in {"tous les répondants", "toutes les réponses"}
        assert "ambiguë" not in indicator.base and "publication" not in indicator.label


def test_profile_questions_for_weighting_and_breakdowns(questionnaire):
    weighting = {q.name for q in questionnaire.questions if q.weighting}
    assert weighting == {"commune", "sexe", "tranche_age"}
    for name in ("type_foyer", "activite", "prestations_percues", "prestations_connues"):
        assert questionnaire.question(name)


def test_no_name_nor_address_is_asked_and_contact_is_personal(questionnaire):
    labels = " ".join(q.label.lower() for q in questionnaire.questions)
    assert "votre nom" not in labels and "adresse postale" not in labels
    personal = {q.name for q in questionnaire.questions if q.personal}
    assert personal == {"contact_telephone", "contact_email"}
    for name in personal:
        assert questionnaire.question(name).relevant.to_data() == {
            "question": "consentement_recontact",
            "in": ["oui"],
        }


def test_main_reason_is_coded_along_odenore(questionnaire):
    reason = questionnaire.question("raison_non_recours")
    coded = {c.odenore for c in reason.choices if c.odenore}
    assert coded == {"non_connaissance", "non_demande", "non_reception", "non_proposition"}
    assert reason.relevant.to_data() == {"question": "toutes_prestations_percues", "in": ["non"]}


def complete_answers(**overrides):
    answers = {
        "commune": "62041",
        "sexe": "femme",
        "tranche_age": "65_74",
        "type_foyer": "seul",
        "activite": "retraite",
        "situation_financiere": "ca_va",
        "constate_fermetures": "non",
        "offre_services_diminue": "plutot",
        "difficulte_demarches": "parfois",
        "demarches_trop_complexes": "oui",
        "difficulte_joindre": "non",
        "illectronisme": "oui",
        "confiance_securite_sociale": "plutot",
        "confiance_collectivites": "plutot",
        "confiance_associations": "nsp",
        "confiance_etat": "plutot_pas",
        "prestations_connues": ["rsa", "aspa"],
        "prestations_percues": ["aucune"],
        "toutes_prestations_percues": "oui",
        "ignorait_droits": "non",
        "consentement_recontact": "non",
    }
    answers.update(overrides)
    return answers


def test_complete_answers_are_valid(questionnaire):
    clean, errors = questionnaire.validate(complete_answers(), communes=ARRAS)
    assert errors == {}
    assert clean["prestations_connues"] == ["rsa", "aspa"]


def test_skip_logic_drops_hidden_answers_and_requires_shown_ones(questionnaire):
    hidden = complete_answers(strategies=["epargne"], fermetures_complexifient="oui")
    clean, errors = questionnaire.validate(hidden, communes=ARRAS)
    assert errors == {}
    assert "strategies" not in clean and "fermetures_complexifient" not in clean

    shown = complete_answers(situation_financiere="difficile", constate_fermetures="oui")
    _, errors = questionnaire.validate(shown, communes=ARRAS)
    assert errors == {
        "strategies": "Cette question est obligatoire.",
        "fermetures_complexifient": "Cette question est obligatoire.",
    }


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("sexe", "licorne", "Réponse « licorne » inconnue"),
        ("commune", "75056", "Commune « 75056 » inconnue dans ce territoire."),
        (
            "prestations_percues",
            ["rsa", "aucune"],
            "« Aucune de ces aides » ne peut pas être coché",
        ),
        ("prestations_connues", ["rsa", "rsa"], "Une même réponse est cochée deux fois."),
        ("prestations_connues", ["bourse"], "Réponse(s) inconnue(s) : bourse."),
        ("tranche_age", "", "Cette question est obligatoire."),
        ("question_fantome", "oui", "Question inconnue dans ce questionnaire"),
    ],
)
def test_bad_answers_get_a_french_message_on_their_question(questionnaire, field, value, message):
    _, errors = questionnaire.validate(complete_answers(**{field: value}), communes=ARRAS)
    assert message in errors[field]


def test_contact_is_validated_and_normalised(questionnaire):
    answers = complete_answers(consentement_recontact="oui", contact_telephone="+33 6 12 34 56 78")
    clean, errors = questionnaire.validate(answers, communes=ARRAS)
    assert errors == {}
    assert clean["contact_telephone"] == "0612345678"
    bad = complete_answers(consentement_recontact="oui", contact_telephone="12", contact_email="x@")
    _, errors = questionnaire.validate(bad, communes=ARRAS)
    assert "Numéro de téléphone invalide" in errors["contact_telephone"]
    assert "Adresse électronique invalide" in errors["contact_email"]


def test_definition_problems_are_all_listed_with_their_place():
    text = """
slug: essai
title: Essai
sections:
  - name: s1
    questions:
      - {name: q1, type: select_one, label: Q1, choices: [{code: a, label: A}, {code: a, label: B}]}
      - {name: q2, type: texte, label: Q2}
      - {name: q3, type: text, label: Q3, relevant: {question: q4, in: [x]}}
      - name: q4
        type: select_one
        label: Q4
        relevant: {question: q1, in: [zz]}
        choices: [{code: x, label: X}]
      - {name: q1, type: text, label: Doublon}
indicators:
  - {id: i1, numerator: {question: q9, in: [a]}}
  - {id: i2, theme: sante, numerator: {question: q1, in: [a]}}
"""
    with pytest.raises(QuestionnaireError) as error:
        load_yaml(text, "essai.yaml")
    problems = error.value.problems
    assert "section « s1 », question « q1 » : le code « a » apparaît deux fois" in problems
    assert any("question « q2 »" in p and "« type » vaut « texte »" in p for p in problems)
    assert any(
        "question « q3 », champ « relevant » : la question « q4 » n'existe pas" in p
        for p in problems
    )
    assert any("le code « zz » n'est pas une réponse de « q1 »" in p for p in problems)
    assert any("question « q1 » : nom de question déjà utilisé" in p for p in problems)
    assert any("indicateur « i1 »" in p and "« q9 » n'existe pas" in p for p in problems)
    assert any("indicateur « i2 », « theme » : « sante » inconnu" in p for p in problems)
    assert str(error.value).startswith("Questionnaire « essai.yaml » invalide :")


def test_unreadable_yaml_says_where():
    with pytest.raises(QuestionnaireError, match="ligne 2, colonne"):
        load_yaml("slug: x\n  title: [", "casse.yaml")


def test_local_module_adds_questions_in_a_new_version(questionnaire):
    module = {
        "sections": [
            {
                "name": "bus",
                "title": "Le bus multiservices",
                "questions": [
                    {
                        "name": "connait_bus",
                        "type": "select_one",
                        "label": "Connaissez-vous le bus multiservices de la communauté urbaine ?",
                        "choices": [
                            {"code": "oui", "label": "Oui"},
                            {"code": "non", "label": "Non"},
                        ],
                        "relevant": {"question": "commune", "answered": True},
                    }
                ],
            }
        ]
    }
    extended = with_local_module(questionnaire, module, "module-arras.yaml")
    assert extended.version == questionnaire.version + 1
    assert extended.questions[: len(questionnaire.questions)] == questionnaire.questions
    assert extended.question("connait_bus").section == "bus"
    assert extended.checksum != questionnaire.checksum


def test_local_module_cannot_redefine_the_core(questionnaire):
    module = {
        "sections": [
            {"name": "profil2", "questions": [{"name": "sexe", "type": "text", "label": "Sexe"}]}
        ]
    }
    with pytest.raises(QuestionnaireError, match="nom de question déjà utilisé"):
        with_local_module(questionnaire, module, "module.yaml")
    with pytest.raises(QuestionnaireError, match="champ\\(s\\) inconnu\\(s\\) : slug"):
        with_local_module(questionnaire, {"slug": "x", "sections": [{}]}, "module.yaml")


def test_conditions_become_xlsform_expressions(questionnaire):
    assert questionnaire.question("strategies").relevant.to_xlsform() == (
        "(${situation_financiere} = 'difficile' or ${situation_financiere} = 'tres_difficile')"
    )


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ({"name": "age", "type": "integer", "label": "Âge", "minimum": "abc"},
         "« minimum » doit être un nombre entier (reçu : 'abc')"),
        ({"name": "note", "type": "text", "label": "Note", "max_length": "x"},
         "« max_length » doit être un nombre entier"),
        ({"name": "tel", "type": "phone", "label": "Téléphone"},
         "doit porter « personal: true »"),
        ({"name": "avis", "type": "text", "label": "Avis", "personal": True},
         "seules les questions de type « phone » ou « email » peuvent être « personal »"),
    ],
)  # fmt: skip
def test_module_numbers_and_personal_fields_are_checked(questionnaire, question, message):
    module = {"sections": [{"name": "local", "questions": [question]}]}
    with pytest.raises(QuestionnaireError) as error:
        with_local_module(questionnaire, module, "module.yaml")
    assert any(message in problem for problem in error.value.problems)
