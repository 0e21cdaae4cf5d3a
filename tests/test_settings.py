"""Settings: what production refuses, the environment file, and the nightly
jobs run exactly as the documented crontab runs them."""

import os
import re
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from config.settings import env

ROOT = Path(__file__).resolve().parent.parent
NONRECOURS = Path(sys.executable).with_name("nonrecours")
CRON_PATH = "/usr/bin:/bin"  # what cron gives, with HOME


def settings_import(module: str, **variables: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": os.environ["PATH"], **variables},
    )


def production(**overrides: str) -> dict[str, str]:
    """A complete, plausible production environment."""
    variables = {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "nonrecours.exemple.fr",
        "DATABASE_URL": "postgresql://nonrecours:motdepasse@localhost:5432/nonrecours",
        "NONRECOURS_BASE_URL": "https://nonrecours.exemple.fr",
        "NONRECOURS_EMAIL_HOST": "smtp.exemple.fr",
        "NONRECOURS_EMAIL_FROM": "nonrecours <ne-pas-repondre@nonrecours.exemple.fr>",
    }
    variables.update(overrides)
    return {name: value for name, value in variables.items() if value is not None}


def production_import(**overrides: str) -> subprocess.CompletedProcess[str]:
    return settings_import("config.settings.production", **production(**overrides))


def test_production_refuses_to_start_without_secret_key():
    result = settings_import("config.settings.production", DJANGO_ALLOWED_HOSTS="exemple.fr")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY doit être défini en production" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = settings_import(
        "config.settings.production", DJANGO_SECRET_KEY=secrets.token_urlsafe(50)
    )
    assert "DJANGO_ALLOWED_HOSTS doit lister" in result.stderr


def test_production_starts_with_its_variables():
    result = production_import()
    assert result.returncode == 0, result.stderr


def test_production_refuses_to_fall_back_on_sqlite(tmp_path):
    variables = production(NONRECOURS_VAR_DIR=str(tmp_path / "var"))
    del variables["DATABASE_URL"]
    result = settings_import("config.settings.production", **variables)
    assert result.returncode != 0
    assert "DATABASE_URL doit désigner la base de production" in result.stderr
    assert not list(tmp_path.rglob("*.sqlite3"))


@pytest.mark.parametrize(
    ("url", "allow", "message"),
    [
        ("sqlite:////var/lib/nonrecours/base.sqlite3", "", "NONRECOURS_ALLOW_SQLITE=1"),
        ("sqlite:///base.sqlite3", "1", "chemin absolu"),
    ],
)
def test_production_refuses_sqlite_unless_allowed_with_an_absolute_path(url, allow, message):
    result = production_import(DATABASE_URL=url, NONRECOURS_ALLOW_SQLITE=allow)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_runs_on_sqlite_when_allowed(tmp_path):
    result = production_import(
        DATABASE_URL=f"sqlite:///{tmp_path / 'base.sqlite3'}", NONRECOURS_ALLOW_SQLITE="1"
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("base_url", "message"),
    [
        (None, "NONRECOURS_BASE_URL doit donner l'adresse publique"),
        ("", "NONRECOURS_BASE_URL doit donner l'adresse publique"),
        ("http://nonrecours.exemple.fr", "attendu une adresse en https"),
        ("https://nonrecours.exemple.fr/app", "sans chemin"),
        ("nonrecours.exemple.fr", "attendu une adresse en https"),
    ],
)
def test_production_refuses_a_missing_or_unsafe_base_url(base_url, message):
    result = production_import(NONRECOURS_BASE_URL=base_url)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_refuses_to_start_without_an_email_server():
    result = production_import(NONRECOURS_EMAIL_HOST=None)
    assert result.returncode != 0
    assert "NONRECOURS_EMAIL_HOST doit désigner le serveur SMTP" in result.stderr
    assert "NONRECOURS_EMAIL_DISABLED=1" in result.stderr


def test_production_without_email_when_it_says_so():
    result = production_import(NONRECOURS_EMAIL_HOST=None, NONRECOURS_EMAIL_DISABLED="1")
    assert result.returncode == 0, result.stderr


def test_email_server_and_no_email_at_once_is_refused():
    result = production_import(NONRECOURS_EMAIL_DISABLED="1")
    assert "sont donnés tous les deux" in result.stderr


def test_development_keeps_the_console_and_the_local_address():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import config.settings.dev as s; print(s.EMAIL_BACKEND, s.NONRECOURS_BASE_URL)",
        ],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": os.environ["PATH"]},
    )
    assert result.stdout.split() == [
        "django.core.mail.backends.console.EmailBackend",
        "http://127.0.0.1:8000",
    ]


def test_the_embedded_database_folder_is_created_by_any_command(tmp_path):
    var_dir = tmp_path / "pas-encore-créé"
    result = settings_import("config.settings.dev", NONRECOURS_VAR_DIR=str(var_dir))
    assert result.returncode == 0, result.stderr
    assert var_dir.is_dir()


def test_a_bad_boolean_gets_a_french_message():
    result = settings_import("config.settings.dev", DJANGO_DEBUG="peut-être")
    assert "DJANGO_DEBUG vaut « peut-être » : attendu « true » ou « false »" in result.stderr


# The typed readers, fed anything.

HOSTILE = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=80)


def read_with(value: str, reader):
    from unittest import mock

    from django.core.exceptions import ImproperlyConfigured

    with mock.patch.dict(os.environ, {"NR_ESSAI": value}):
        try:
            return reader("NR_ESSAI"), None
        except ImproperlyConfigured as error:
            return None, str(error)


@given(HOSTILE)
def test_env_int_gives_a_number_in_its_bounds_or_refuses_in_french(value):
    number, message = read_with(value, lambda name: env.env_int(name, 5, minimum=1, maximum=99))
    if message is None:
        assert 1 <= number <= 99
    else:
        assert message.startswith("La variable d'environnement NR_ESSAI vaut « ")
        assert message.endswith("attendu un nombre entier de 1 à 99.")
        assert len(message.splitlines()) == 1


@given(HOSTILE)
def test_env_choice_gives_one_of_its_choices_or_refuses_in_french(value):
    choices = ("DEBUG", "INFO")
    chosen, message = read_with(value, lambda name: env.env_choice(name, "INFO", choices))
    if message is None:
        assert chosen in choices
    else:
        assert message.endswith("attendu l'une des valeurs DEBUG, INFO.")


@given(HOSTILE)
def test_env_pattern_gives_a_match_or_refuses_in_french(value):
    siren, message = read_with(
        value, lambda name: env.env_pattern(name, "200033579", r"\d{9}", "9 chiffres")
    )
    if message is None:
        assert re.fullmatch(r"\d{9}", siren)
    else:
        assert message.endswith("attendu 9 chiffres.")


@given(st.one_of(HOSTILE, st.builds(lambda s: "https://" + s, HOSTILE)))
def test_env_url_gives_an_address_without_path_or_refuses_in_french(value):
    from urllib.parse import urlsplit

    url, message = read_with(
        value, lambda name: env.env_url(name, "https://d.fr", schemes=("https", "http"))
    )
    if message is None:
        parts = urlsplit(url)
        assert parts.scheme in ("https", "http") and parts.hostname
        assert not (parts.path or parts.query or parts.fragment)
    else:
        assert message.startswith("La variable d'environnement NR_ESSAI vaut « ")
        assert "attendu une adresse en https:// ou http://" in message
        assert len(message.splitlines()) == 1


@given(st.one_of(HOSTILE, st.builds(lambda s: "Nom <" + s + ">", HOSTILE)))
def test_env_sender_gives_an_address_or_refuses_in_french(value):
    from email.utils import parseaddr

    sender, message = read_with(value, lambda name: env.env_sender(name, "d@exemple.fr"))
    if message is None:
        assert "@" in parseaddr(sender)[1] and "\n" not in sender
    else:
        assert message.startswith("La variable d'environnement NR_ESSAI vaut « ")
        assert "attendu une adresse de courriel" in message
        assert len(message.splitlines()) == 1


@given(st.one_of(HOSTILE, st.builds(lambda s: "127.0.0.1:" + s, HOSTILE)))
def test_env_bind_gives_host_and_port_or_refuses_in_french(value):
    bind, message = read_with(value, lambda name: env.env_bind(name, "127.0.0.1:8000"))
    if message is None:
        if not bind.startswith("unix:/"):
            assert 1 <= int(bind.rsplit(":", 1)[1]) <= 65535
    else:
        assert "attendu « hôte:port » (port de 1 à 65535)" in message
        assert len(message.splitlines()) == 1


# The environment file.


def test_env_file_lines():
    text = (
        "# commentaire\n"
        "\n"
        "A=simple\n"
        "export B = avec des espaces \n"
        'C="guillemets \\"doubles\\" et \\\\ # pas un commentaire"\n'
        "D='à la lettre \\n #'\n"
        "E=\n"
        "F=mot#de#passe\n"
    )
    assert env.parse_env_file(text) == {
        "A": "simple",
        "B": "avec des espaces",
        "C": 'guillemets "doubles" et \\ # pas un commentaire',
        "D": "à la lettre \\n #",
        "E": "",
        "F": "mot#de#passe",
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("A=1\nsans égal\n", "ligne 2 : attendu NOM=valeur"),
        ("1A=x\n", "ligne 1 : « 1A » n'est pas un nom de variable"),
        ("A B=x\n", "n'est pas un nom de variable"),
        ('A="ouvert\n', 'ligne 1 : guillemet " ouvert et jamais fermé'),
        ("A='x' # commentaire\n", "du texte après le guillemet fermant"),
        ("A=l'apostrophe\n", "un guillemet au milieu d'une valeur"),
        ("A=1\n\nA=2\n", "ligne 3 : A est déjà défini ligne 1"),
    ],
)
def test_env_file_errors_give_the_file_and_the_line(text, message):
    with pytest.raises(env.EnvFileError) as error:
        env.parse_env_file(text, "/etc/nonrecours/nonrecours.env")
    assert "/etc/nonrecours/nonrecours.env, " in str(error.value)
    assert message in str(error.value)


@given(st.text(max_size=300))
def test_any_env_file_is_read_or_refused_in_french(text):
    try:
        values = env.parse_env_file(text)
    except env.EnvFileError as error:
        assert re.search(r", ligne \d+ : ", str(error))
    else:
        assert all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) for name in values)


NAMES = st.from_regex(r"[A-Z_][A-Z0-9_]{0,20}", fullmatch=True)
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # what str.splitlines splits on
VALUES = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters=LINE_BREAKS), max_size=40
)


@given(st.dictionaries(NAMES, VALUES, max_size=8))
def test_double_quoted_values_come_back_as_written(values):
    def quoted(value: str) -> str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'

    text = "".join(f"{name}={quoted(value)}\n" for name, value in values.items())
    assert env.parse_env_file(text) == values


@pytest.fixture
def clean_environ(monkeypatch):
    """os.environ restored after the test, whatever load_env_file set."""

    def forget(*names: str) -> None:
        for name in names:
            monkeypatch.delenv(name, raising=False)

    return forget


def test_the_file_fills_the_environment_but_the_environment_wins(tmp_path, clean_environ):
    path = tmp_path / "nonrecours.env"
    path.write_text("NR_TEST_A=du fichier\nNR_TEST_B=du fichier\n", encoding="utf-8")
    clean_environ("NR_TEST_A", "NR_TEST_B", env.ENV_FILE_VARIABLE)
    os.environ[env.ENV_FILE_VARIABLE] = str(path)
    os.environ["NR_TEST_B"] = "de l'environnement"
    loaded = env.load_env_file()
    assert os.environ["NR_TEST_A"] == "du fichier"
    assert os.environ["NR_TEST_B"] == "de l'environnement"
    assert loaded.path == path.resolve()
    assert loaded.names == ("NR_TEST_A",)
    assert env.loaded_env_file().describe() == f"fichier d'environnement lu : {path.resolve()}"


def test_a_named_env_file_that_is_missing_stops_everything(tmp_path, clean_environ):
    clean_environ(env.ENV_FILE_VARIABLE)
    os.environ[env.ENV_FILE_VARIABLE] = str(tmp_path / "absent.env")
    with pytest.raises(env.EnvFileError, match="absent.env, qui n'existe pas"):
        env.load_env_file()


def test_an_empty_env_file_variable_reads_nothing(clean_environ):
    clean_environ(env.ENV_FILE_VARIABLE)
    os.environ[env.ENV_FILE_VARIABLE] = ""
    assert env.load_env_file().path is None
    assert "NONRECOURS_ENV_FILE est vide" in env.loaded_env_file().describe()


# The nightly jobs, as cron runs them.


def documented_crontab() -> list[str]:
    """The crontab lines of docs/configuration.md, without their schedule."""
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    lines = re.findall(r"^(?:[\d*/,-]+ ){5}(.+)$", text, re.MULTILINE)
    assert len(lines) >= 2, "crontab introuvable dans docs/configuration.md"
    return lines


def on_this_machine(command: str, env_file: Path) -> str:
    """A documented command with this checkout and the test's environment file."""
    assert "/srv/nonrecours" in command and str(env.DEFAULT_ENV_FILE) in command
    return command.replace("/srv/nonrecours", shlex.quote(str(ROOT))).replace(
        str(env.DEFAULT_ENV_FILE), shlex.quote(str(env_file))
    )


def as_cron(command: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run through /bin/sh with only HOME and PATH, as cron does."""
    return subprocess.run(
        ["/usr/bin/env", "-i", f"HOME={tmp_path}", f"PATH={CRON_PATH}", "/bin/sh", "-c", command],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def with_command(line: str, arguments: str) -> str:
    """The documented line with another `nonrecours` sub-command."""
    prefix, _, _ = line.partition(".venv/bin/nonrecours ")
    return f"{prefix}.venv/bin/nonrecours {arguments}"


@pytest.fixture
def production_env_file(tmp_path) -> tuple[Path, Path]:
    """An environment file for production settings on a test database
    (SQLite, allowed for a single machine), and that database's path."""
    database = tmp_path / "production.sqlite3"
    path = tmp_path / "nonrecours.env"
    lines = [
        "# production de test",
        "DJANGO_SETTINGS_MODULE=config.settings.production",
        f"NONRECOURS_VAR_DIR={tmp_path / 'var'}",
        f"NONRECOURS_BACKUP_DIR={tmp_path / 'sauvegardes'}",
        *(f'{name}="{value}"' for name, value in production().items() if name != "DATABASE_URL"),
        f"DATABASE_URL=sqlite:///{database}",
        "NONRECOURS_ALLOW_SQLITE=1",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path, database


def test_the_documented_nightly_jobs_reach_the_production_database(tmp_path, production_env_file):
    env_file, database = production_env_file
    lines = [on_this_machine(line, env_file) for line in documented_crontab()]
    migrate = as_cron(with_command(lines[0], "migrate -v0"), tmp_path)
    assert migrate.returncode == 0, migrate.stderr
    seed = as_cron(
        with_command(
            lines[0],
            "shell -v 0 -c "
            + shlex.quote(
                "import datetime; from django.utils import timezone; "
                "from nonrecours.rights.models import SavedSimulation as S; "
                "now = timezone.now(); "
                "S.objects.create(code='PERIME', situation={}, consent_text='oui', "
                "created_at=now - datetime.timedelta(days=200), "
                "expires_at=now - datetime.timedelta(days=1))"
            ),
        ),
        tmp_path,
    )
    assert seed.returncode == 0, seed.stderr
    for line in lines:
        job = as_cron(line, tmp_path)
        assert job.returncode == 0, f"{line}\n{job.stderr}"
    where = as_cron(with_command(lines[0], "environnement"), tmp_path)
    assert where.returncode == 0, where.stderr
    assert "Réglages : config.settings.production" in where.stdout
    assert f"Base de données : sqlite, fichier {database}" in where.stdout
    assert f"Fichier d'environnement lu : {env_file.resolve()}" in where.stdout
    left = as_cron(
        with_command(
            lines[0],
            "shell -v 0 -c "
            + shlex.quote(
                "from nonrecours.rights.models import SavedSimulation as S; "
                "print('reste', S.objects.count())"
            ),
        ),
        tmp_path,
    )
    assert left.stdout.split() == ["reste", "0"], left.stderr  # purge ran on that database
    assert not (tmp_path / "var" / "nonrecours.sqlite3").exists()


def test_without_its_env_file_a_nightly_job_stops_in_french(tmp_path):
    line = on_this_machine(documented_crontab()[-1], tmp_path / "absent.env")
    result = as_cron(line, tmp_path)
    assert result.returncode == 2
    assert "absent.env, qui n'existe pas" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_without_a_database_refuses_instead_of_using_sqlite(tmp_path):
    variables = production(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        NONRECOURS_VAR_DIR=str(tmp_path / "var"),
        NONRECOURS_ENV_FILE="",
    )
    del variables["DATABASE_URL"]
    result = subprocess.run(
        [str(NONRECOURS), "purge"],
        capture_output=True,
        text=True,
        check=False,
        env={"HOME": str(tmp_path), "PATH": CRON_PATH, **variables},
    )
    assert result.returncode == 2
    assert "DATABASE_URL doit désigner la base de production" in result.stderr
    assert "NONRECOURS_ENV_FILE est vide" in result.stderr
    assert not list(tmp_path.rglob("*.sqlite3"))


# check --deploy


def nonrecours_command(*arguments: str, **variables: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(NONRECOURS), *arguments],
        capture_output=True,
        text=True,
        check=False,
        env={"HOME": "/nonexistent", "PATH": CRON_PATH, "NONRECOURS_ENV_FILE": "", **variables},
    )


@pytest.fixture
def deployed(tmp_path):
    """What a finished deployment has beside its settings: collected static
    files, the secret key's fingerprint with the backups, a mail server
    that answers (a socket listening on the loopback). Gives the
    variables to add to production()."""
    import hashlib
    import json
    import socket

    from django.contrib.staticfiles import finders

    static = tmp_path / "var" / "static"
    static.mkdir(parents=True)
    paths = {
        relative: relative
        for finder in finders.get_finders()
        for relative, _storage in finder.list(["CVS", ".*", "*~"])
    }
    (static / "staticfiles.json").write_text(json.dumps({"paths": paths, "version": "1.1"}))
    secret = secrets.token_urlsafe(50)
    backups = tmp_path / "sauvegardes"
    backups.mkdir()
    (backups / "cle-secrete.sha256").write_text(hashlib.sha256(secret.encode()).hexdigest() + "\n")
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    yield {
        "DJANGO_SECRET_KEY": secret,
        "NONRECOURS_VAR_DIR": str(tmp_path / "var"),
        "NONRECOURS_BACKUP_DIR": str(backups),
        "NONRECOURS_EMAIL_HOST": "127.0.0.1",
        "NONRECOURS_EMAIL_PORT": str(server.getsockname()[1]),
    }
    server.close()


def test_check_deploy_is_clean_in_a_realistic_production(deployed):
    result = nonrecours_command(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        **production(**deployed),
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_reports_what_a_skipped_step_leaves(tmp_path):
    """No collectstatic, no backup yet, a mail server that does not
    answer, a base URL on another host than those served."""
    result = nonrecours_command(
        "check",
        "--deploy",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        **production(
            NONRECOURS_VAR_DIR=str(tmp_path / "var"),
            NONRECOURS_BACKUP_DIR=str(tmp_path / "sauvegardes"),
            NONRECOURS_EMAIL_HOST="127.0.0.1",
            NONRECOURS_EMAIL_PORT="9",  # discard: nothing listens there
            NONRECOURS_BASE_URL="https://autre.exemple.fr",
        ),
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    for code in ("nonrecours.E003", "nonrecours.E004", "nonrecours.W005", "nonrecours.W007"):
        assert code in output, code


def test_check_deploy_warns_when_email_is_disabled():
    result = nonrecours_command(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        **production(NONRECOURS_EMAIL_HOST=None, NONRECOURS_EMAIL_DISABLED="1"),
    )
    assert result.returncode != 0
    assert "nonrecours.W001" in result.stderr + result.stdout


def _gunicorn_settings(**variables: str) -> dict:
    """config/gunicorn.py read as Gunicorn reads it (a module executed),
    with these environment variables and no environment file."""
    import runpy
    from unittest import mock

    environment = {"NONRECOURS_ENV_FILE": "", **variables}
    with mock.patch.dict(os.environ, environment):
        return runpy.run_path(
            str(Path(__file__).resolve().parent.parent / "config" / "gunicorn.py")
        )


def test_the_web_server_reads_its_variables():
    settings = _gunicorn_settings(
        NONRECOURS_BIND="0.0.0.0:9000", NONRECOURS_WEB_WORKERS="3", NONRECOURS_WEB_THREADS="8"
    )
    assert (settings["bind"], settings["workers"], settings["threads"]) == ("0.0.0.0:9000", 3, 8)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("NONRECOURS_WEB_WORKERS", "deux",
         "NONRECOURS_WEB_WORKERS vaut « deux » : attendu un nombre entier"),
        ("NONRECOURS_WEB_THREADS", "0",
         "NONRECOURS_WEB_THREADS vaut « 0 » : attendu un nombre entier d'au moins 1"),
    ],
)  # fmt: skip
def test_the_web_server_refuses_a_bad_variable_naming_it(name, value, message, capsys):
    with pytest.raises(SystemExit) as stop:
        _gunicorn_settings(**{name: value})
    assert stop.value.code == 2
    assert message in capsys.readouterr().err


def test_every_variable_of_the_web_server_is_read_by_the_typed_readers():
    """A bad value stops the start naming the variable (config.settings.env),
    and the variable is documented (test_docs reads env_* calls)."""
    source = (Path(__file__).resolve().parent.parent / "config" / "gunicorn.py").read_text()
    assert "os.environ.get" not in source and "os.getenv" not in source
    assert set(re.findall(r'"(NONRECOURS_[A-Z_]+)"', source)) == {
        "NONRECOURS_BIND", "NONRECOURS_WEB_WORKERS", "NONRECOURS_WEB_THREADS",
    }  # fmt: skip


def test_every_variable_read_by_any_reader_is_documented():
    """Whatever reader reads it (env_int, env_choice, env_url…), in config/
    or in nonrecours/: test_docs only knows the first four."""
    documented = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    read = set()
    for folder in ("config", "nonrecours"):
        for path in (ROOT / folder).rglob("*.py"):
            read |= set(re.findall(r'\benv_[a-z]+\(\s*"([A-Z_]+)"', path.read_text()))
    assert {"NONRECOURS_LOG_LEVEL", "NONRECOURS_DEFAULT_TERRITORY"} <= read
    missing = sorted(name for name in read if f"`{name}`" not in documented)
    assert not missing, f"Variables non documentées dans docs/configuration.md : {missing}"


# Every setting checked at start-up: one French line naming the variable, for
# the command, the WSGI application and Gunicorn.

BAD_VALUES = [
    ("NONRECOURS_LOG_LEVEL", "bavard", "attendu l'une des valeurs DEBUG, INFO, WARNING"),
    ("NONRECOURS_DEFAULT_TERRITORY", "", "attendu le code SIREN du territoire, 9 chiffres"),
    ("NONRECOURS_DEFAULT_TERRITORY", "20003357", "9 chiffres"),
    ("NONRECOURS_DEFAULT_TERRITORY", "arras", "9 chiffres"),
    ("NONRECOURS_BASE_URL", "nonrecours.exemple.fr", "attendu une adresse en https:// ou http://"),
    ("NONRECOURS_BASE_URL", "https://", "attendu une adresse en https://"),
    ("NONRECOURS_BASE_URL", "https://exemple.fr:port", "attendu une adresse en https://"),
    ("NONRECOURS_PROXY_COUNT", "-1", "attendu un nombre entier positif ou nul"),
    ("NONRECOURS_SIMULATION_RETENTION_DAYS", "0", "d'au moins 1"),
    ("NONRECOURS_CONTACT_RETENTION_DAYS", "-3", "d'au moins 1"),
    ("NONRECOURS_REFERRAL_RETENTION_DAYS", "30", "d'au moins 31"),
    ("NONRECOURS_INVITATION_DAYS", "0", "d'au moins 1"),
    ("NONRECOURS_LOGIN_LOCKOUT_MINUTES", "-5", "positif ou nul"),
    ("NONRECOURS_SIMULATIONS_PER_ADDRESS", "0", "d'au moins 1"),
    ("NONRECOURS_KEPT_SIMULATIONS_PER_ADDRESS", "beaucoup", "d'au moins 1"),
    ("NONRECOURS_EMAIL_PORT", "70000", "de 1 à 65535"),
    ("NONRECOURS_SENTRY_DSN", "pas-un-dsn", "n'est pas l'adresse (DSN)"),
    ("NONRECOURS_SENTRY_ENVIRONMENT", "la recette", "un nom court sans espace"),
    ("DATABASE_URL", "postgresql://nr:mot/de#passe@localhost:5432/nr", "écrivez / en %2F"),
    ("DATABASE_URL", "mysqlx://nr@localhost/nr", "« mysqlx: », un type de base inconnu"),
    ("NONRECOURS_EMAIL_FROM", "nonrecours", "attendu une adresse de courriel"),
    ("NONRECOURS_EMAIL_FROM", "Mairie <mairie@>", "attendu une adresse de courriel"),
    ("NONRECOURS_EMAIL_FROM", "a@exemple.fr b@exemple.fr", "attendu une adresse de courriel"),
    ("NONRECOURS_SMS_BACKEND", "sms.backends.inconnu.SmsBackend", "chemin Python importable"),
    ("NONRECOURS_SMS_BACKEND", "sms backend", "chemin Python importable"),
    ("NONRECOURS_SMS_SENDER", "Mes Droits", "un nom de 3 à 11 lettres ou chiffres"),
    ("NONRECOURS_SMS_SENDER", "AB", "un nom de 3 à 11 lettres ou chiffres"),
    ("NONRECOURS_SMS_SENDER", "MesDroitsSociaux", "un nom de 3 à 11 lettres ou chiffres"),
    ("NONRECOURS_SMS_SENDER", "Démarches", "un nom de 3 à 11 lettres ou chiffres"),
    ("DJANGO_CSRF_TRUSTED_ORIGINS", "nonrecours.exemple.fr", "attendu des origines avec leur"),
]


def test_a_bad_database_address_never_repeats_its_password():
    result = nonrecours_command("check", DATABASE_URL="postgresql://nr:Zq9/x#Kw@h:5432/nr")
    assert_one_french_line(result, "DATABASE_URL", "n'est pas une adresse de base lisible")
    assert "Zq9" not in result.stderr and "Kw@" not in result.stderr


def assert_one_french_line(result: subprocess.CompletedProcess[str], name: str, message: str):
    assert result.returncode != 0, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert name in lines[0] and message in lines[0], lines[0]


@pytest.mark.parametrize(("name", "value", "message"), BAD_VALUES)
def test_the_command_refuses_a_bad_value_in_one_french_line(name, value, message):
    result = nonrecours_command("check", **{name: value})
    assert result.returncode == 2
    assert_one_french_line(result, name, message)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("NONRECOURS_BASE_URL", "http://nonrecours.exemple.fr", "attendu une adresse en https://"),
        ("NONRECOURS_PROXY_COUNT", "-1", "positif ou nul"),
        ("NONRECOURS_DB_CONN_MAX_AGE", "-1", "positif ou nul"),
        ("NONRECOURS_HSTS_SECONDS", "un an", "positif ou nul"),
        ("NONRECOURS_LOG_LEVEL", "bavard", "DEBUG, INFO"),
    ],
)
def test_the_wsgi_application_refuses_a_bad_value_in_one_french_line(name, value, message):
    result = settings_import(
        "config.wsgi",
        NONRECOURS_ENV_FILE="",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        **production(**{name: value}),
    )
    assert result.returncode == 3  # Gunicorn's "worker cannot boot": it stops
    assert_one_french_line(result, name, message)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DJANGO_SECRET_KEY", "x" * 60, "DJANGO_SECRET_KEY est trop faible"),
        ("DJANGO_SECRET_KEY", "k7Qp2Lx9Vb3Nm8Rt5Wz1Hc6Jd4Fg0Ys2Ue7Io3P", "trop faible"),  # 40
        (
            "DJANGO_SECRET_KEY",
            "django-insecure-" + "k7Qp2Lx9Vb3Nm8Rt5Wz1Hc6Jd4Fg0Ys" * 2,
            "trop faible",
        ),
        ("NONRECOURS_VAR_DIR", "var", "un chemin absolu"),
        ("NONRECOURS_SMS_BACKEND", "sms.backends.inconnu.SmsBackend", "importable"),
    ],
)
def test_production_refuses_in_one_french_line(name, value, message):
    result = nonrecours_command(
        "check", DJANGO_SETTINGS_MODULE="config.settings.production", **production(**{name: value})
    )
    assert result.returncode == 2
    assert_one_french_line(result, name, message)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("NONRECOURS_EMAIL_FROM", "ne-pas-repondre@nonrecours.exemple.fr"),
        ("NONRECOURS_EMAIL_FROM", "Mes droits <ne-pas-repondre@nonrecours.exemple.fr>"),
        ("NONRECOURS_EMAIL_FROM", '"Mairie, CCAS" <ccas@mairie.exemple.fr>'),
        ("NONRECOURS_SMS_SENDER", "MesDroits"),
        ("NONRECOURS_SMS_SENDER", "CCAS62"),
        ("NONRECOURS_SMS_SENDER", "+33612345678"),
        ("NONRECOURS_SMS_SENDER", ""),
        ("NONRECOURS_SMS_BACKEND", "sms.backends.locmem.SmsBackend"),
        ("NONRECOURS_SMS_BACKEND", ""),
        ("DJANGO_CSRF_TRUSTED_ORIGINS", "https://a.exemple.fr, https://b.exemple.fr"),
        ("NONRECOURS_VAR_DIR", "var-relatif"),  # development: the repository's folder
    ],
)
def test_development_accepts_these_values(name, value, tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings.dev"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), name: value},
    )
    assert result.returncode == 0, result.stderr


def test_the_log_level_is_read_whatever_its_case():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import config.settings.dev as s; print(s.LOGGING['root']['level'])",
        ],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": os.environ["PATH"], "NONRECOURS_LOG_LEVEL": " info "},
    )
    assert result.stdout.strip() == "INFO", result.stderr


@pytest.mark.parametrize("url", ["http://localhost:8000", "https://nonrecours.exemple.fr/"])
def test_development_accepts_http_but_wants_a_scheme(url):
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings.dev as s; print(s.NONRECOURS_BASE_URL)"],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": os.environ["PATH"], "NONRECOURS_BASE_URL": url},
    )
    assert result.stdout.strip() == url.rstrip("/"), result.stderr


GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port() -> int:
    """A loopback port no one listens on right now."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def gunicorn(*options: str, **variables: str) -> subprocess.CompletedProcess[str]:
    """Gunicorn as the systemd unit starts it, on a free loopback port."""
    return subprocess.run(
        [str(GUNICORN), "-c", "config/gunicorn.py", *options, "config.wsgi"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        cwd=ROOT,
        env={
            "HOME": "/nonexistent",
            "PATH": CRON_PATH,
            "NONRECOURS_ENV_FILE": "",
            "NONRECOURS_BIND": f"127.0.0.1:{free_port()}",
            **variables,
        },
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("NONRECOURS_WEB_WORKERS", "abc", "attendu un nombre entier d'au moins 1"),
        ("NONRECOURS_WEB_THREADS", "0", "attendu un nombre entier d'au moins 1"),
        ("NONRECOURS_LOG_LEVEL", "bavard", "DEBUG, INFO"),
        ("NONRECOURS_DEFAULT_TERRITORY", "", "9 chiffres"),
        ("NONRECOURS_BASE_URL", "nonrecours.exemple.fr", "attendu une adresse en https://"),
        ("NONRECOURS_CONTACT_RETENTION_DAYS", "0", "d'au moins 1"),
        ("NONRECOURS_BIND", "abc:xyz", "« hôte:port » (port de 1 à 65535)"),
        ("NONRECOURS_BIND", "127.0.0.1:70000", "« hôte:port » (port de 1 à 65535)"),
        ("NONRECOURS_BIND", "127.0.0.1", "« hôte:port » (port de 1 à 65535)"),
    ],
)
def test_gunicorn_refuses_a_bad_value_in_one_french_line(name, value, message, tmp_path):
    result = gunicorn(**production(NONRECOURS_VAR_DIR=str(tmp_path), **{name: value}))
    assert result.returncode == 2
    assert_one_french_line(result, name, message)
    assert result.stderr.startswith("nonrecours (gunicorn) : ")


def test_gunicorn_refuses_to_start_without_the_static_files(tmp_path):
    """collectstatic skipped, or another NONRECOURS_VAR_DIR: every page
    would be a 500."""
    result = gunicorn(**production(NONRECOURS_VAR_DIR=str(tmp_path / "autre")))
    assert result.returncode == 2
    assert_one_french_line(result, "staticfiles.json", "collectstatic")
    assert str(tmp_path / "autre" / "static" / "staticfiles.json") in result.stderr


def test_gunicorn_accepts_a_complete_production(deployed):
    result = gunicorn("--check-config", **production(**deployed))
    assert result.returncode == 0, result.stderr
