"""What the deployment files in ``deploy/`` say, read the way Docker, Compose, Kubernetes and the CLI would."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer.main
import yaml

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"

# Read from the environment by something other than settings.py or Aegra's settings; each says who reads it.
OTHER_ENV_NAMES = {
    "FORWARDED_ALLOW_IPS": "uvicorn: the peers whose X-Forwarded-For is trusted as the client address",
    "HF_HUB_OFFLINE": "huggingface_hub: never reach the hub",
    "TRANSFORMERS_OFFLINE": "transformers: never reach the hub",
    "PYTHONUNBUFFERED": "Python: logs reach the container runtime at once",
    "PATH": "the shell: the locked environment's console scripts first",
}


@dataclass
class Stage:
    """One ``FROM`` stage of a Dockerfile: its base, name and instructions (continuation lines joined)."""

    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def last(self, keyword: str) -> str | None:
        """The arguments of the stage's last ``keyword`` instruction, if any."""
        found = [args for key, args in self.instructions if key == keyword]
        return found[-1] if found else None

    def env(self) -> dict[str, str]:
        """Every ``ENV name=value`` the stage sets."""
        values: dict[str, str] = {}
        for key, args in self.instructions:
            if key == "ENV":
                for pair in shlex.split(args):
                    name, _, value = pair.partition("=")
                    values[name] = value
        return values


def dockerfile_stages(path: Path) -> list[Stage]:
    """The stages of a Dockerfile, in order."""
    text = re.sub(r"\\\n\s*", " ", path.read_text())
    stages: list[Stage] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, args = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            parts = args.split()
            name = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else None
            stages.append(Stage(base=parts[0], name=name))
        elif stages:
            stages[-1].instructions.append((keyword, args.strip()))
    return stages


def exec_form(args: str) -> list[str]:
    """A ``CMD``/``ENTRYPOINT`` in exec form (a JSON array)."""
    value = json.loads(args)
    assert isinstance(value, list) and all(isinstance(item, str) for item in value), args
    return value


def load_yaml_documents(path: Path) -> list[dict[str, Any]]:
    """Every YAML document of a file."""
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def cli_command(argv: list[str]) -> str:
    """The ``support-agent`` command (e.g. ``"db migrate"``) that ``argv`` runs; raises KeyError if there is none."""
    import cli

    # Typer vendors its own click: a group is told by its sub-commands.
    command: Any = typer.main.get_command(cli.app)
    path: list[str] = []
    for word in argv:
        if word.startswith("-") or not hasattr(command, "commands"):
            break
        command = command.commands[word]
        path.append(word)
    if hasattr(command, "commands"):
        raise KeyError(f"{' '.join(argv)!r} names a group, not a command")
    return " ".join(path)


def support_agent_invocations(shell: str) -> list[list[str]]:
    """The argument lists of every ``support-agent ...`` in a ``sh -c`` line (commands joined by ``&&``)."""
    return [shlex.split(part)[1:] for part in shell.split("&&") if shlex.split(part)[:1] == ["support-agent"]]


def known_env_names() -> set[str]:
    """Names a deployment may set: our settings, Aegra's settings, and :data:`OTHER_ENV_NAMES`."""
    from aegra_api import settings as aegra_settings

    from settings import Settings

    names = {name.upper() for name in Settings.model_fields}
    for settings_class in aegra_settings.EnvBase.__subclasses__():
        names |= set(settings_class.model_fields)
    return names | set(OTHER_ENV_NAMES)


def unknown_env_names(names: set[str]) -> set[str]:
    """The names among ``names`` that nothing reads (a typo is silently ignored by every setting)."""
    return names - known_env_names()


def drain_seconds(overrides: dict[str, str] | None = None) -> float:
    """The longest a replica takes to stop: Aegra's drain of in-flight runs, or our supervisor's stop timeout."""
    from aegra_api.settings import WorkerSettings

    from server.workers import _STOP_TIMEOUT_S

    default = WorkerSettings.model_fields["WORKER_DRAIN_TIMEOUT"].default
    drain = float((overrides or {}).get("WORKER_DRAIN_TIMEOUT", default))
    return max(drain, _STOP_TIMEOUT_S)


def app_get_paths() -> set[str]:
    """The GET paths our app serves itself (Aegra adds the LangGraph API's when it serves the app)."""
    from server.app import app

    return {path for path, operations in app.openapi()["paths"].items() if "get" in operations}
