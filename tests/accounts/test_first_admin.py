"""`nonrecours accounts premier-administrateur`: the first administrator of a
production server (no demonstration data), in one command."""

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from nonrecours.accounts import access
from nonrecours.accounts.enums import Capability, OrganisationKind, Role
from nonrecours.accounts.first_admin import (
    PASSWORD_VARIABLE,
    FirstAdminError,
    password_given,
)
from nonrecours.accounts.management.commands import comptes
from nonrecours.accounts.models import Membership, Organisation, User
from tests.accounts.conftest import GOOD_PASSWORD, member

pytestmark = pytest.mark.django_db

SIREN = "200033579"
EMAIL = "marie.durand@arras.example"


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("accounts", "premier-administrateur", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def password_in_env(monkeypatch):
    monkeypatch.setenv(PASSWORD_VARIABLE, GOOD_PASSWORD)


@pytest.fixture
def typed(monkeypatch):
    """The terminal: each call to getpass returns the next text given."""
    answers: list[str] = []
    monkeypatch.setattr(comptes, "stdin_is_terminal", lambda: True)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": answers.pop(0))
    return answers


def nothing_created() -> bool:
    return not User.objects.exists() and not Organisation.objects.exists()


def test_creates_the_territory_organisation_the_account_and_its_membership(arras, password_in_env):
    said, _ = run(SIREN, "Marie.Durand@Arras.example")
    organisation = Organisation.objects.get()
    assert organisation.territory == arras
    assert organisation.name == arras.name
    assert organisation.kind == OrganisationKind.TERRITORY
    user = User.objects.get()
    assert user.username == EMAIL  # as an invited person's: the address, in lower case
    assert user.email == EMAIL
    assert user.check_password(GOOD_PASSWORD)
    assert not user.is_superuser
    assert not user.is_staff
    membership = Membership.objects.get()
    assert (membership.user, membership.organisation, membership.role) == (
        user,
        organisation,
        Role.ADMIN,
    )
    assert f"Organisation du territoire créée : « {arras.name} »" in said
    assert f"Compte créé : identifiant « {EMAIL} », adresse {EMAIL}, administrateur·rice" in said
    assert f"Mot de passe lu dans la variable {PASSWORD_VARIABLE}" in said
    assert f"{settings.NONRECOURS_BASE_URL}/connexion/" in said
    assert f"/territoires/{SIREN}/invitations/" in said
    # The test settings turn the second factor off; the output says so.
    assert "NONRECOURS_REQUIRE_2FA est désactivé" in said


def test_the_administrator_logs_in_and_administers_the_territory(arras, password_in_env, client):
    run(SIREN, EMAIL, "--identifiant", "mdurand")
    response = client.post(reverse("login"), {"username": "mdurand", "password": GOOD_PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
    user = User.objects.get(username="mdurand")
    assert access.capabilities_on(user, arras) == set(Capability.values)
    assert access.access_territory_administration(user, arras) == arras
    assert access.access_territory_invitations(user, arras) == arras
    assert Role.ADMIN in access.grantable_roles(user, arras)


def test_with_the_second_factor_required_it_is_set_up_at_first_login(
    arras, password_in_env, client, settings
):
    settings.NONRECOURS_REQUIRE_2FA = True
    said, _ = run(SIREN, EMAIL)
    assert "Second facteur exigé (NONRECOURS_REQUIRE_2FA)" in said
    assert "installe une application d'authentification" in said
    assert access.second_factor_required(User.objects.get())
    client.post(reverse("login"), {"username": EMAIL, "password": GOOD_PASSWORD})
    response = client.get(reverse("landing"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("second_factor_setup"))


def test_an_existing_territory_organisation_is_used(team, password_in_env):
    said, _ = run(SIREN, EMAIL)
    assert Organisation.objects.get() == team
    assert Membership.objects.get().organisation == team
    assert f"« {team.name} » (existante)" in said


def test_a_partner_named_as_the_territory_is_not_taken_for_its_own(arras, password_in_env):
    """No « collectivité porteuse » yet, but a partner's organisation named
    exactly as the territory: refused, rather than make the administrator
    a member of that partner."""
    partner = Organisation.objects.create(
        territory=arras, name=arras.name, kind=OrganisationKind.CCAS
    )
    with pytest.raises(CommandError) as refused:
        run(SIREN, EMAIL)
    message = str(refused.value)
    assert f"l'organisation « {arras.name} » qui porte son nom est de type « CCAS / CIAS »" in (
        message
    )
    assert "rien n'a été créé" in message
    assert not User.objects.exists() and not Membership.objects.exists()
    assert list(Organisation.objects.all()) == [partner]


def test_password_from_a_file_without_its_line_break(arras, tmp_path, monkeypatch):
    monkeypatch.delenv(PASSWORD_VARIABLE, raising=False)
    path = tmp_path / "mot-de-passe"
    path.write_text(GOOD_PASSWORD + "\n", encoding="utf-8")
    said, _ = run(SIREN, EMAIL, "--mot-de-passe-fichier", str(path))
    assert User.objects.get().check_password(GOOD_PASSWORD)
    assert f"Mot de passe lu dans le fichier {path} : supprimez ce fichier." in said


def test_password_typed_twice(arras, typed):
    typed += [GOOD_PASSWORD, "autre chose", "1234", "1234", GOOD_PASSWORD, GOOD_PASSWORD]
    said, err = run(SIREN, EMAIL)
    assert "Les deux mots de passe ne sont pas identiques." in err
    assert "Mot de passe refusé : Ce mot de passe est trop court." in err
    assert User.objects.get().check_password(GOOD_PASSWORD)
    assert "Compte créé" in said
    assert not typed


def test_three_refused_typings_create_nothing(arras, typed):
    typed += ["a", "b"] * 3
    with pytest.raises(CommandError, match="Trois essais sans mot de passe accepté"):
        run(SIREN, EMAIL)
    assert nothing_created()


def test_no_terminal_and_no_password_given(arras, monkeypatch):
    monkeypatch.delenv(PASSWORD_VARIABLE, raising=False)
    monkeypatch.setattr(comptes, "stdin_is_terminal", lambda: False)
    with pytest.raises(CommandError, match=f"Aucun mot de passe.*{PASSWORD_VARIABLE}"):
        run(SIREN, EMAIL)
    assert nothing_created()


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("court", "Ce mot de passe est trop court. Il doit contenir au minimum 8 caractères."),
        ("motdepasse", "Ce mot de passe est trop courant."),
        ("20261201123", "Ce mot de passe est entièrement numérique."),
        ("marie.durand", "Le mot de passe est trop semblable au champ"),
    ],
)
def test_a_weak_password_is_refused_naming_the_rule(arras, monkeypatch, password, rule):
    monkeypatch.setenv(PASSWORD_VARIABLE, password)
    with pytest.raises(CommandError) as refused:
        run(SIREN, EMAIL, "--identifiant", "marie.durand")
    assert rule in str(refused.value)
    assert f"Mot de passe de la variable {PASSWORD_VARIABLE} refusé : " in str(refused.value)
    assert "\n" not in str(refused.value)
    assert nothing_created()


def test_unknown_territory_says_how_to_import_it(db, password_in_env):
    with pytest.raises(CommandError) as refused:
        run("999999999", EMAIL)
    assert "Aucun territoire importé n'a le code SIREN 999999999" in str(refused.value)
    assert "nonrecours territory import --epci 999999999" in str(refused.value)
    assert nothing_created()


def test_an_existing_identifier_is_refused_saying_what_it_is(caf, password_in_env):
    member(caf, Role.PARTNER, "mdurand", email="autre@caf.example")
    with pytest.raises(CommandError) as refused:
        run(SIREN, EMAIL, "--identifiant", "MDurand")
    message = str(refused.value)
    assert "Le compte « mdurand » existe déjà" in message
    assert "partenaire de Communauté urbaine d'Arras (CAF du Pas-de-Calais)" in message
    assert "rien n'a été créé" in message
    assert User.objects.count() == 1
    assert not Membership.objects.filter(role=Role.ADMIN).exists()


def test_an_address_already_used_is_refused(caf, password_in_env):
    member(caf, Role.PARTNER, "nadia", email=EMAIL.upper())
    with pytest.raises(CommandError, match=f"L'adresse {EMAIL} est déjà celle du compte « nadia »"):
        run(SIREN, EMAIL)
    assert User.objects.count() == 1


def test_a_rerun_changes_nothing_and_says_what_exists(arras, monkeypatch):
    monkeypatch.setenv(PASSWORD_VARIABLE, GOOD_PASSWORD)
    run(SIREN, EMAIL)
    monkeypatch.setenv(PASSWORD_VARIABLE, "Un tout autre mot de passe 2027")
    said, _ = run(SIREN, EMAIL)
    assert f"Déjà fait : le compte « {EMAIL} » administre {arras.name}" in said
    assert "nonrecours changepassword" in said
    assert User.objects.get().check_password(GOOD_PASSWORD)
    assert (User.objects.count(), Organisation.objects.count(), Membership.objects.count()) == (
        1,
        1,
        1,
    )


def test_a_second_administrator_needs_ajouter(arras, password_in_env):
    run(SIREN, EMAIL)
    with pytest.raises(CommandError) as refused:
        run(SIREN, "second@arras.example")
    assert f"{arras.name} a déjà un·e administrateur·rice (« {EMAIL} »)" in str(refused.value)
    assert "--ajouter" in str(refused.value)
    assert User.objects.count() == 1
    run(SIREN, "second@arras.example", "--ajouter")
    assert Membership.objects.filter(role=Role.ADMIN).count() == 2
    assert Organisation.objects.count() == 1


@pytest.mark.parametrize(
    "args",
    [
        (SIREN, EMAIL, "--mot-de-passe", GOOD_PASSWORD),
        (SIREN, EMAIL, f"--mot-de-passe={GOOD_PASSWORD}"),
        (SIREN, EMAIL, GOOD_PASSWORD),
    ],
)
def test_no_password_on_the_command_line(arras, args, monkeypatch):
    monkeypatch.setattr(comptes, "stdin_is_terminal", lambda: False)
    with pytest.raises(CommandError, match="arguments inconnus") as refused:
        run(*args)
    assert "Fichier" not in str(refused.value)  # not taken for --mot-de-passe-fichier
    assert nothing_created()


def test_the_only_password_option_names_a_file():
    parser = comptes.Command().create_parser("nonrecours", "accounts")
    sub = next(a for a in parser._actions if a.dest == "action").choices["premier-administrateur"]
    options = {o for action in sub._actions for o in action.option_strings if "passe" in o}
    assert options == {"--mot-de-passe-fichier"}


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        ("env+file", (SIREN, EMAIL, "--mot-de-passe-fichier", "{file}"), "pas les deux"),
        ("empty-env", (SIREN, EMAIL), f"La variable {PASSWORD_VARIABLE} est vide"),
        ("", (SIREN, EMAIL, "--mot-de-passe-fichier", "/nexiste/pas"), "introuvable"),
        ("", (SIREN, "pas une adresse"), "n'est pas une adresse e-mail valable"),
        ("", (SIREN, EMAIL, "--identifiant", "marie durand"), "n'est pas un identifiant"),
        ("", (SIREN, EMAIL, "--identifiant", "a\x00b"), "caractères de contrôle"),
        ("", (SIREN, "a\x00b@arras.example"), "caractères de contrôle"),
    ],
)
def test_mistakes_get_one_french_line(arras, tmp_path, monkeypatch, setup, args, message):
    monkeypatch.delenv(PASSWORD_VARIABLE, raising=False)
    monkeypatch.setattr(comptes, "stdin_is_terminal", lambda: False)
    file = tmp_path / "mdp"
    file.write_text(GOOD_PASSWORD, encoding="utf-8")
    if setup == "env+file":
        monkeypatch.setenv(PASSWORD_VARIABLE, GOOD_PASSWORD)
    if setup == "empty-env":
        monkeypatch.setenv(PASSWORD_VARIABLE, "")
    with pytest.raises(CommandError, match=message) as refused:
        run(*(a.replace("{file}", str(file)) for a in args))
    assert "\n" not in str(refused.value)
    assert nothing_created()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "est vide"),
        (b"\n", "est vide"),
        (b"une ligne\nune autre\n", "sur une ligne"),
        (b"\xff\xfe\x00", "n'est pas du texte UTF-8"),
    ],
)
def test_bad_password_files(tmp_path, content, message):
    path = tmp_path / "mdp"
    path.write_bytes(content)
    with pytest.raises(FirstAdminError, match=message):
        password_given(environ={}, path=path)


def test_a_password_file_keeps_its_spaces_and_drops_crlf(tmp_path):
    path = tmp_path / "mdp"
    path.write_bytes(b" deux espaces  \r\n")
    given_password = password_given(environ={}, path=path)
    assert given_password is not None
    assert given_password.value == " deux espaces  "


@given(content=st.binary(max_size=200))
@hypothesis_settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_password_file_is_read_or_refused_in_french(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "mdp"
    path.write_bytes(content)
    try:
        read = password_given(environ={}, path=path)
    except FirstAdminError as error:
        assert str(error)
    else:
        assert read is not None
        assert read.value
        assert "\n" not in read.value


@example(username="a\x00b", email=EMAIL)
@example(username="--ajouter", email=EMAIL)
@given(
    username=st.text(max_size=160),
    email=st.one_of(st.text(max_size=60), st.emails()),
)
@hypothesis_settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_identifier_and_address_create_an_account_or_nothing(
    arras, password_in_env, username: str, email: str
) -> None:
    before = (User.objects.count(), Membership.objects.count())
    try:
        run(SIREN, email, "--identifiant", username, "--ajouter")
    except CommandError as error:
        assert str(error)
        assert (User.objects.count(), Membership.objects.count()) == before
    else:
        assert User.objects.count() == before[0] + 1
        assert Membership.objects.count() == before[1] + 1


def test_a_rerun_after_the_first_login_says_the_second_factor_is_there(
    arras, password_in_env, settings
):
    settings.NONRECOURS_REQUIRE_2FA = True
    run(SIREN, EMAIL)
    TOTPDevice.objects.create(user=User.objects.get(), name="téléphone", confirmed=True)
    said, _ = run(SIREN, EMAIL)
    assert "Déjà fait" in said
    assert "Second facteur déjà installé" in said
    assert "installe une application" not in said
