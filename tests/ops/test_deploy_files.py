"""The production files of deploy/: systemd units, reverse proxies, the
example environment file. They parse, run commands that exist, agree with
each other and with the guide (docs/guide/exploitation.md)."""

import configparser
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import get_commands, load_command_class
from django.core.management.base import CommandError

from config.settings.env import parse_env_file
from nonrecours.www.barometer.forms import MAX_UPLOAD_BYTES

ROOT = Path(__file__).resolve().parent.parent.parent
DEPLOY = ROOT / "deploy"
UNITS = DEPLOY / "systemd"
GUIDE = ROOT / "docs" / "guide" / "exploitation.md"
INSTALL_DIR = "/srv/nonrecours"
ENV_FILE = "/etc/nonrecours/nonrecours.env"
SERVICE_USER = "nonrecours"
FAILURE_UNIT = "nonrecours-echec@.service"
# What the nightly jobs must run (docs/configuration.md, « Tâches de nuit »).
NIGHTLY = {
    ("referrals", "echeances"),
    ("purge",),
    ("followups",),
    ("mailing", "send"),
    ("backup",),
}


def unit(path: Path) -> configparser.ConfigParser:
    # systemd files repeat some keys (the last one wins for those we read)
    # and use % for their own specifiers.
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
    return parser


def services() -> list[Path]:
    return sorted(p for p in UNITS.glob("*.service") if p.name != FAILURE_UNIT)


def timers() -> list[Path]:
    return sorted(UNITS.glob("*.timer"))


def command_of(service: Path) -> list[str]:
    return shlex.split(unit(service)["Service"]["ExecStart"])


def test_there_are_units():
    assert (UNITS / "nonrecours-web.service").exists()
    assert len(timers()) == len(NIGHTLY)


@pytest.mark.parametrize("path", services(), ids=lambda p: p.name)
def test_every_service_runs_as_the_service_user_with_the_env_file(path):
    service = unit(path)["Service"]
    assert service["User"] == SERVICE_USER
    assert service["Group"] == SERVICE_USER
    assert service["WorkingDirectory"] == INSTALL_DIR
    assert service["Environment"] == f"NONRECOURS_ENV_FILE={ENV_FILE}"
    # The application reads the file itself (its quoting is not systemd's).
    assert "EnvironmentFile" not in service
    for key in ("NoNewPrivileges", "PrivateTmp", "ProtectHome"):
        assert service[key] == "true", key
    assert service["ProtectSystem"] == "strict"
    assert "/var/lib/nonrecours" in service["ReadWritePaths"].split()
    assert command_of(path)[0].startswith(f"{INSTALL_DIR}/.venv/bin/")


def test_the_web_server_runs_gunicorn_with_the_project_settings():
    web = unit(UNITS / "nonrecours-web.service")
    assert command_of(UNITS / "nonrecours-web.service") == [
        f"{INSTALL_DIR}/.venv/bin/gunicorn",
        "-c",
        "config/gunicorn.py",
        "config.wsgi",
    ]
    assert (ROOT / "config" / "gunicorn.py").is_file()
    assert (ROOT / "config" / "wsgi.py").is_file()
    assert web["Service"]["Restart"] == "on-failure"
    assert web["Install"]["WantedBy"] == "multi-user.target"


@pytest.mark.parametrize("path", timers(), ids=lambda p: p.name)
def test_every_timer_starts_a_oneshot_job_that_reports_its_failure(path):
    timer = unit(path)
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Timer"]["OnCalendar"]
    assert timer["Install"]["WantedBy"] == "timers.target"
    target = UNITS / timer["Timer"]["Unit"]
    assert target.name == path.name.replace(".timer", ".service")
    job = unit(target)
    assert job["Service"]["Type"] == "oneshot"
    assert job["Unit"]["OnFailure"] == "nonrecours-echec@%n.service"
    assert (UNITS / FAILURE_UNIT).exists()


def test_the_jobs_are_the_nightly_commands_and_they_exist():
    run = set()
    for path in services():
        command = command_of(path)
        if path.name == "nonrecours-web.service":
            continue
        assert command[0] == f"{INSTALL_DIR}/.venv/bin/nonrecours", path.name
        run.add(tuple(command[1:]))
    assert run == NIGHTLY
    commands = get_commands()
    for name, *arguments in run:
        assert name in commands, name
        parser = load_command_class(commands[name], name).create_parser("nonrecours", name)
        try:
            parser.parse_args(arguments)
        except CommandError as error:  # an unknown subcommand or option
            pytest.fail(f"nonrecours {name} {' '.join(arguments)} : {error}")


def test_the_backup_job_may_write_the_backups_folder():
    service = unit(UNITS / "nonrecours-sauvegarde.service")["Service"]
    assert "-/var/backups/nonrecours" in service["ReadWritePaths"].split()


def test_systemd_accepts_the_units(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze absent de cette machine (paquet systemd)")
    # The programs must exist for `verify`: this checkout stands for /srv/nonrecours.
    for path in UNITS.iterdir():
        text = path.read_text(encoding="utf-8").replace(INSTALL_DIR, str(ROOT))
        (tmp_path / path.name).write_text(text, encoding="utf-8")
    if not (ROOT / ".venv" / "bin" / "gunicorn").exists():
        pytest.skip("pas d'environnement .venv complet dans ce dépôt")
    names = sorted(str(p) for p in tmp_path.iterdir())
    result = subprocess.run(
        [analyze, "verify", "--man=no", *names],
        capture_output=True,
        text=True,
        check=False,
    )
    # verify says "ignoring" for what it does not understand, and still exits 0.
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr


@pytest.mark.parametrize("name", ["Caddyfile", "nginx.conf"])
def test_the_proxies_set_both_forwarded_headers_and_accept_imports(name):
    text = (DEPLOY / name).read_text(encoding="utf-8")
    code = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    assert re.search(r"X-Forwarded-Proto\s+(\{scheme\}|\$scheme)", code), name
    assert re.search(r"X-Forwarded-For\s+(\{remote_host\}|\$remote_addr)", code), name
    assert "127.0.0.1:8000" in code  # NONRECOURS_BIND's default
    assert "/sante/" in text  # said where the probe goes
    size = re.search(r"(?:client_max_body_size|max_size)\s+(\d+)\s*(m|MB)\b", code)
    assert size is not None, name
    assert int(size[1]) * 1_000_000 >= MAX_UPLOAD_BYTES, name


def test_the_proxies_write_no_access_log():
    """Paths carry secret tokens: only Gunicorn's masked access log is kept
    (nonrecours.ops.logs, ADR 031)."""
    nginx = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    code = [line.split("#", 1)[0].strip() for line in nginx.splitlines()]
    logs = [line for line in code if line.startswith("access_log")]
    assert logs and all(line == "access_log off;" for line in logs)
    caddy = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    assert not [line for line in caddy.splitlines() if line.split("#", 1)[0].strip() == "log"]


def test_the_nginx_example_uses_certbot_paths():
    code = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    assert "/etc/letsencrypt/live/nonrecours.exemple.fr/fullchain.pem" in code
    assert "return 301 https://" in code


def test_the_example_env_file_is_read_and_documented():
    variables = parse_env_file((DEPLOY / "nonrecours.env.example").read_text(encoding="utf-8"))
    assert variables["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    assert variables["NONRECOURS_PROXY_COUNT"] == "1"
    documented = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    missing = sorted(name for name in variables if f"`{name}`" not in documented)
    assert not missing, missing
    # A password with « / » and « @ », percent-encoded as the guide says.
    assert "mot%2Fde%40passe@" in variables["DATABASE_URL"]


def test_the_guide_names_the_same_paths_user_and_units():
    guide = GUIDE.read_text(encoding="utf-8")
    for needle in (
        INSTALL_DIR,
        ENV_FILE,
        "useradd --system --home-dir /var/lib/nonrecours",
        "chmod 640",
        "root:nonrecours",
        "deploy/Caddyfile",
        "deploy/nginx.conf",
        "deploy/nonrecours.env.example",
        "/sante/",
        "make restore-check",
        "pg_restore --clean --if-exists",
        "SystemMaxUse",
        "NONRECOURS_BACKUP_DAYS",
    ):
        assert needle in guide, needle
    for path in [*services(), *timers()]:
        assert path.name in guide or path.stem in guide, path.name


def test_the_documented_crontab_runs_the_same_jobs_as_the_timers():
    """cron or systemd: the same five jobs (docs/configuration.md, « Tâches de nuit »)."""
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    cron = {
        tuple(shlex.split(line.partition(".venv/bin/nonrecours ")[2]))
        for line in re.findall(r"^(?:[\d*/,-]+ ){5}(.+)$", text, re.MULTILINE)
    }
    jobs = {tuple(command_of(path)[1:]) for path in services() if "web" not in path.name}
    assert cron == jobs == NIGHTLY


def test_the_web_server_is_not_restarted_in_a_loop_on_a_refused_setting():
    service = unit(UNITS / "nonrecours-web.service")["Service"]
    assert set(service["RestartPreventExitStatus"].split()) >= {"2", "3"}


def test_the_nginx_example_loads_on_debian_12():
    """nginx 1.22 (Debian 12) knows no « http2 on; » directive."""
    conf = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    assert not re.search(r"^\s*http2\s+on;", conf, re.MULTILINE)
    assert re.search(r"^\s*listen 443 ssl http2;", conf, re.MULTILINE)
