"""textrules: what text the product accepts from outside."""

from hypothesis import given
from hypothesis import strategies as st

from nonrecours.textrules import text_problem

BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\t"


@given(st.text(alphabet=st.sampled_from(BREAKS + "ab é\u202e\x00")))
def test_one_line_text_refuses_every_line_break_and_tab(value):
    # The rule as written before its regular expression (character by
    # character), on texts made of exactly the characters in question.
    problem = text_problem(value, max_length=10_000)
    if any(char in value for char in "\x00\x0b\x0c\x1c\x1d\x1e\x85\u202e"):
        assert problem == "Le texte contient des caractères de contrôle ou invalides."
    elif any(char in value for char in BREAKS):
        assert problem == "Le texte doit tenir sur une seule ligne."
    else:
        assert problem == ""
