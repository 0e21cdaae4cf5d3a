"""Inviting a list from a CSV file: all or nothing, each bad row refused
with its line and column, the project's CSV reader (separators, BOM)."""

import pytest
from django.core import mail
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from nonrecours.accounts import actions
from nonrecours.accounts.enums import OrganisationKind, Role
from nonrecours.accounts.invitation_file import (
    InvitationFileError,
    read_invitation_file,
    role_from_text,
)
from nonrecours.accounts.models import Invitation, Membership, Organisation, User
from nonrecours.territories import actions as territory_actions
from tests.accounts.conftest import member
from tests.conftest import ARRAS_SIREN

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "role"),
    [
        ("partenaire", Role.PARTNER),
        ("Partenaire ", Role.PARTNER),
        ("partner", Role.PARTNER),
        ("Chargé·e de mission", Role.PROJECT_LEAD),
        ("chargée de mission", Role.PROJECT_LEAD),
        ("CHARGE DE MISSION", Role.PROJECT_LEAD),
        ("project_lead", Role.PROJECT_LEAD),
        ("Enquêteur·rice", Role.FIELD_AGENT),
        ("enquêtrice", Role.FIELD_AGENT),
        ("enqueteur", Role.FIELD_AGENT),
        ("administratrice", Role.ADMIN),
        ("Administrateur·rice", Role.ADMIN),
        ("chef", None),
        ("", None),
    ],
)
def test_roles_are_read_as_people_write_them(text, role):
    assert role_from_text(text) == role


def test_columns_in_any_order_with_a_bom_and_semicolons():
    text = "\ufeffRôle;Courriel;Organisation;Remarque\r\npartenaire;a@b.fr;CAF;x\r\n\r\n"
    (line,) = read_invitation_file(text, "liste.csv")
    assert (line.line, line.email, line.organisation, line.role) == (
        2,
        "a@b.fr",
        "CAF",
        "partenaire",
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("email,organisation\na@b.fr,CAF\n", "colonne(s) manquante(s) : « rôle »"),
        ("e-mail,organisation,rôle\n", "aucune ligne à inviter"),
        ("", "fichier vide ou sans ligne d'en-tête"),
        ('e-mail,organisation,rôle\n"a@b.fr,CAF,partenaire\n', "guillemet ouvert"),
    ],
)
def test_unreadable_files_say_why(text, message):
    with pytest.raises(InvitationFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_invitation_file(text, "liste.csv")


def test_a_good_file_invites_everyone(caf, team, lead, django_capture_on_commit_callbacks):
    text = (
        "e-mail,organisation,rôle\n"
        "nadia@caf.example,caf du pas-de-calais,partenaire\n"
        "paul@arras.example,Communauté urbaine d'Arras,enquêteur\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        invitations = actions.invitations_import(
            invited_by=lead, territory=caf.territory, text=text, filename="liste.csv"
        )
    assert [(i.email, i.organisation, i.role) for i in invitations] == [
        ("nadia@caf.example", caf, Role.PARTNER),
        ("paul@arras.example", team, Role.FIELD_AGENT),
    ]
    assert sorted(m.to[0] for m in mail.outbox) == ["nadia@caf.example", "paul@arras.example"]


def test_every_bad_row_is_named_and_nothing_is_created(
    caf, team, lead, django_capture_on_commit_callbacks
):
    member(caf, Role.PARTNER, "deja", email="deja@caf.example")
    text = (
        "e-mail;organisation;rôle\n"
        "bon@caf.example;CAF du Pas-de-Calais;partenaire\n"  # line 2: fine
        "pas-une-adresse;CAF du Pas-de-Calais;partenaire\n"  # 3
        "x@caf.example;CPAM inconnue;partenaire\n"  # 4
        "y@caf.example;CAF du Pas-de-Calais;chef\n"  # 5
        "z@arras.example;Communauté urbaine d'Arras;administratrice\n"  # 6: lead may not
        "deja@caf.example;CAF du Pas-de-Calais;partenaire\n"  # 7: already a member
        "bon@caf.example;CAF du Pas-de-Calais;enquêteur\n"  # 8: twice
    )
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(actions.InvitationsRejected) as rejected:
            actions.invitations_import(
                invited_by=lead, territory=caf.territory, text=text, filename="liste.csv"
            )
    problems = rejected.value.problems
    assert problems[0].startswith("ligne 3, colonne « e-mail » : « pas-une-adresse »")
    assert problems[1].startswith("ligne 4, colonne « organisation » : « CPAM inconnue »")
    assert "CAF du Pas-de-Calais" in problems[1]  # the known organisations are listed
    assert problems[2].startswith("ligne 5, colonne « rôle » : « chef » n'est pas un rôle")
    assert problems[3].startswith("ligne 6, colonne « rôle » : Seul·e un·e administrateur·rice")
    assert problems[4].startswith("ligne 7, colonne « e-mail » : deja@caf.example est déjà")
    assert problems[5] == (
        "ligne 8, colonne « e-mail » : bon@caf.example est déjà invité·e à "
        "CAF du Pas-de-Calais ligne 2."
    )
    assert len(problems) == 6
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_an_admin_may_grant_the_admin_role_from_a_file(
    team, admin, django_capture_on_commit_callbacks
):
    text = "e-mail,organisation,rôle\nz@arras.example,Communauté urbaine d'Arras,administratrice\n"
    actions.invitations_import(
        invited_by=admin, territory=team.territory, text=text, filename="liste.csv"
    )
    assert Invitation.objects.get().role == Role.ADMIN


# Hostile files: never an error page, never half an import ------------------------

CELLS = st.one_of(
    st.sampled_from(
        ["a@caf.example", "b@caf.example", "CAF", "partenaire", "admin", "", '"', "=1+1", ";"]
    ),
    st.text(max_size=20),
)
HEADERS = st.sampled_from(
    ["e-mail,organisation,rôle", "email;organisation;role", "courriel\torganisation\trôle", ""]
)


class HostileInvitationFiles(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        territory = territory_actions.territory_import(siren=ARRAS_SIREN).territory
        cls.caf = Organisation.objects.create(
            territory=territory, name="CAF", kind=OrganisationKind.CAF
        )
        cls.lead = User.objects.create_user(username="cheffe", password="x")
        Membership.objects.create(user=cls.lead, organisation=cls.caf, role=Role.PROJECT_LEAD)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        header=HEADERS,
        rows=st.lists(st.lists(CELLS, min_size=0, max_size=4), max_size=6),
        separator=st.sampled_from([",", ";", "\t"]),
        junk=st.text(max_size=30),
    )
    def test_refused_whole_or_imported_whole(self, header, rows, separator, junk) -> None:
        text = header + "\n" + "\n".join(separator.join(row) for row in rows) + junk
        before = Invitation.objects.count()
        try:
            invitations = actions.invitations_import(
                invited_by=self.lead, territory=self.caf.territory, text=text, filename="f.csv"
            )
        except actions.InvitationsRejected as error:
            self.assertTrue(error.problems)
            for problem in error.problems:
                self.assertRegex(problem, r"^(ligne \d+, colonne « [^»]+ » : |f\.csv)")
            self.assertEqual(Invitation.objects.count(), before)
        else:
            self.assertEqual(Invitation.objects.count(), before + len(invitations))
            self.assertTrue(all(i.role != Role.ADMIN for i in invitations))
