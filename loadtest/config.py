"""The load test's settings, from LOADTEST_* environment variables (no
Django): how long, how many people of each kind, which faults."""

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

FAULTS = ("workers", "gunicorn", "postgresql")
ROOT = Path(__file__).resolve().parent.parent


class ConfigError(ValueError):
    """A LOADTEST_* variable with a value that cannot be used (French)."""


@dataclass(frozen=True)
class LoadConfig:
    """``seconds`` of load; then at most ``drain_seconds`` for the agents'
    queues to empty. ``faults``: kinds among FAULTS, injected in this
    order at evenly spaced moments of the load. ``think_scale``: 1 for a
    person's pace (seconds per page), less for a quick smoke run."""

    seconds: float = 180.0
    residents: int = 200
    agents: int = 20
    simulator_users: int = 50
    faults: tuple[str, ...] = FAULTS
    drain_seconds: float = 120.0
    think_scale: float = 1.0
    agent_backlog: int = 5
    upstream_keepalive: bool = False
    output: Path = ROOT / "test-artifacts" / "loadtest.json"

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> "LoadConfig":
        """Read LOADTEST_SECONDS, LOADTEST_RESIDENTS, LOADTEST_AGENTS,
        LOADTEST_SIMULATOR_USERS, LOADTEST_FAULTS (comma-separated, or
        « aucune »), LOADTEST_DRAIN_SECONDS, LOADTEST_THINK_SCALE,
        LOADTEST_AGENT_BACKLOG, LOADTEST_UPSTREAM_KEEPALIVE (0 or 1),
        LOADTEST_OUTPUT; unset or empty: the
        default. Raises ConfigError (one French line naming the variable)."""

        def number(name: str, default: float, minimum: float, whole: bool = False) -> float:
            raw = environ.get(name, "").strip()
            if not raw:
                return default
            try:
                value = int(raw) if whole else float(raw.replace(",", "."))
            except ValueError:
                value = minimum - 1
            if value < minimum:
                kind = "un nombre entier" if whole else "un nombre"
                raise ConfigError(f"{name} vaut « {raw} » : attendu {kind} d'au moins {minimum:g}.")
            return value

        raw_faults = environ.get("LOADTEST_FAULTS")
        faults = cls.faults
        if raw_faults is not None and raw_faults.strip():
            parts = [p.strip() for p in raw_faults.split(",") if p.strip()]
            faults = () if parts in (["aucune"], ["none"]) else tuple(parts)
            unknown = [p for p in faults if p not in FAULTS]
            if unknown:
                raise ConfigError(
                    f"LOADTEST_FAULTS : panne inconnue « {unknown[0]} » ; attendu une liste parmi "
                    f"{', '.join(FAULTS)}, ou « aucune »."
                )
        keepalive = environ.get("LOADTEST_UPSTREAM_KEEPALIVE", "").strip()
        if keepalive not in ("", "0", "1"):
            raise ConfigError(f"LOADTEST_UPSTREAM_KEEPALIVE vaut « {keepalive} » : attendu 0 ou 1.")
        output = environ.get("LOADTEST_OUTPUT", "").strip()
        return cls(
            seconds=number("LOADTEST_SECONDS", cls.seconds, 5),
            residents=int(number("LOADTEST_RESIDENTS", cls.residents, 1, whole=True)),
            agents=int(number("LOADTEST_AGENTS", cls.agents, 1, whole=True)),
            simulator_users=int(
                number("LOADTEST_SIMULATOR_USERS", cls.simulator_users, 0, whole=True)
            ),
            faults=faults,
            drain_seconds=number("LOADTEST_DRAIN_SECONDS", cls.drain_seconds, 5),
            think_scale=number("LOADTEST_THINK_SCALE", cls.think_scale, 0.01),
            agent_backlog=int(number("LOADTEST_AGENT_BACKLOG", cls.agent_backlog, 0, whole=True)),
            upstream_keepalive=keepalive == "1",
            output=Path(output) if output else cls.output,
        )

    def fault_plan(self) -> list[tuple[str, float]]:
        """(kind, seconds after the load starts) for each fault, evenly spaced."""
        return [
            (kind, self.seconds * (n + 1) / (len(self.faults) + 1))
            for n, kind in enumerate(self.faults)
        ]

    def locust_environment(self) -> dict[str, str]:
        """What the Locust file reads (see loadtest.locustfile)."""
        return {
            "LOADTEST_LOAD_SECONDS": str(self.seconds),
            "LOADTEST_DRAIN_SECONDS": str(self.drain_seconds),
            "LOADTEST_RESIDENTS": str(self.residents),
            "LOADTEST_AGENTS": str(self.agents),
            "LOADTEST_SIMULATOR_USERS": str(self.simulator_users),
            "LOADTEST_THINK_SCALE": str(self.think_scale),
            "LOADTEST_AGENT_BACKLOG": str(self.agent_backlog),
            "LOADTEST_UPSTREAM_KEEPALIVE": "1" if self.upstream_keepalive else "0",
        }

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "output": str(self.output), "faults": list(self.faults)}
