"""The Dockerfile, compose.yaml and nginx.conf in ``deploy/``: linted offline and held to what the server really has."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.unit.deploy.deploy_files import (
    DEPLOY,
    ROOT,
    app_get_paths,
    cli_command,
    dockerfile_stages,
    drain_seconds,
    exec_form,
    support_agent_invocations,
    unknown_env_names,
)

BIN = Path(sys.executable).parent
DOCKERFILE = DEPLOY / "Dockerfile"
COMPOSE = DEPLOY / "compose.yaml"
NGINX_CONF = DEPLOY / "nginx.conf"
LIVENESS_PATH = "/live"
READINESS_PATH = "/ready"


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


def _seconds(duration: str) -> float:
    """A Compose duration such as ``45s`` or ``1m30s``."""
    units = {"h": 3600, "m": 60, "s": 1}
    parts = re.findall(r"(\d+(?:\.\d+)?)([hms])", duration)
    assert parts and "".join(f"{n}{u}" for n, u in parts) == duration, duration
    return sum(float(number) * units[unit] for number, unit in parts)


# --- Dockerfile -------------------------------------------------------------------------------------------------


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    result = subprocess.run([BIN / "hadolint", "--no-color", DOCKERFILE], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_would_catch_a_root_image(tmp_path: Path) -> None:
    """The lint can fail: the same file with the last USER set to root is reported (DL3002)."""
    root_image = tmp_path / "Dockerfile"
    root_image.write_text(DOCKERFILE.read_text().replace("USER 10001:10001", "USER root"))
    result = subprocess.run([BIN / "hadolint", "--no-color", root_image], capture_output=True, text=True)
    assert result.returncode != 0 and "DL3002" in result.stdout, result.stdout


def test_dockerfile_builds_in_stages_from_the_lock_and_runs_as_non_root() -> None:
    stages = dockerfile_stages(DOCKERFILE)
    assert len(stages) >= 2, "a build stage and a slim runtime stage"
    build, runtime = stages[0], stages[-1]
    syncs = [args for key, args in build.instructions if key == "RUN" and "uv sync" in args]
    assert syncs and all("--frozen" in args and "--no-dev" in args for args in syncs), syncs
    assert any(key == "COPY" and "uv.lock" in args for key, args in build.instructions)
    assert any(key == "COPY" and f"--from={build.name}" in args for key, args in runtime.instructions)
    assert not any(key == "RUN" and "uv " in args for key, args in runtime.instructions), "no build tools at run time"
    user = runtime.last("USER")
    assert user is not None and user.split(":")[0] not in ("root", "0"), user


def test_dockerfile_never_fetches_models_at_run_time() -> None:
    stages = dockerfile_stages(DOCKERFILE)
    env = stages[-1].env()
    assert env.get("HF_HUB_OFFLINE") == "1" and env.get("TRANSFORMERS_OFFLINE") == "1", env
    # The ONNX graphs are exported in the build stage, where the runtime stage finds them (same DATA_DIR).
    assert any(key == "RUN" and "warm_up_models" in args for key, args in stages[0].instructions)
    assert stages[0].env()["DATA_DIR"] == env["DATA_DIR"]
    assert not unknown_env_names(set(env)), unknown_env_names(set(env))
    # tldextract reads its bundled snapshot, never the network (signals/pii_recognizers.py).
    source = (ROOT / "signals" / "pii_recognizers.py").read_text()
    assert "suffix_list_urls=()" in source


def test_dockerfile_command_is_the_console_script_serving_on_every_interface() -> None:
    runtime = dockerfile_stages(DOCKERFILE)[-1]
    entrypoint = exec_form(runtime.last("ENTRYPOINT") or "[]")
    command = exec_form(runtime.last("CMD") or "[]")
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert entrypoint == ["support-agent"] and "support-agent" in scripts
    assert cli_command(command) == "serve"
    assert command[command.index("--host") + 1] == "0.0.0.0"
    port = command[command.index("--port") + 1]
    assert runtime.last("EXPOSE") == port


def test_dockerfile_healthcheck_asks_the_liveness_route_on_the_served_port() -> None:
    runtime = dockerfile_stages(DOCKERFILE)[-1]
    healthcheck = runtime.last("HEALTHCHECK") or ""
    command = exec_form(runtime.last("CMD") or "[]")
    port = command[command.index("--port") + 1]
    match = re.search(r"http://127\.0\.0\.1:(\d+)(/[\w/]*)", healthcheck)
    assert match, healthcheck
    assert match.group(1) == port
    assert match.group(2) == LIVENESS_PATH and LIVENESS_PATH in app_get_paths()


def test_probe_routes_mean_what_they_say(monkeypatch: pytest.MonkeyPatch) -> None:
    """With Postgres unreachable, the liveness route still answers 200 and the readiness route 503."""
    from fastapi.testclient import TestClient

    from server import health
    from server.app import app
    from server.launcher import free_port
    from settings import get_settings

    monkeypatch.setenv("DATABASE_URL", f"postgresql://nobody@127.0.0.1:{free_port()}/none?connect_timeout=1")
    get_settings.cache_clear()
    monkeypatch.setattr(health, "_readiness", None)
    try:
        client = TestClient(app)  # no lifespan: nothing else connects
        assert client.get(LIVENESS_PATH).status_code == 200
        assert client.get(READINESS_PATH).status_code == 503
    finally:
        get_settings.cache_clear()


# --- compose.yaml -----------------------------------------------------------------------------------------------


def test_compose_file_matches_the_compose_specification() -> None:
    check = [BIN / "check-jsonschema", "--builtin-schema", "vendor.compose-spec", COMPOSE]
    result = subprocess.run(check, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_schema_check_would_catch_a_malformed_service(tmp_path: Path) -> None:
    broken = tmp_path / "compose.yaml"
    broken.write_text(COMPOSE.read_text().replace("stop_grace_period:", "stop_grace_periode:"))
    check = [BIN / "check-jsonschema", "--builtin-schema", "vendor.compose-spec", broken]
    assert subprocess.run(check, capture_output=True, text=True).returncode != 0


def test_compose_runs_two_replicas_after_a_one_shot_migration_on_pgvector_and_redis() -> None:
    services = _compose()["services"]
    assert "pgvector" in services["postgres"]["image"]
    assert "redis" in services["redis"]["image"]
    assert services["app"]["deploy"]["replicas"] == 2
    assert services["app"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    migrate = services["migrate"]
    assert migrate["restart"] == "no"
    shell = migrate["command"][0] if isinstance(migrate["command"], list) else migrate["command"]
    invocations = support_agent_invocations(shell)
    assert [cli_command(argv) for argv in invocations] == ["db migrate", "seed"]
    assert cli_command(services["app"]["command"]) == "serve"
    assert "--no-seed" in services["app"]["command"], "the migration service seeds once"
    for name in ("migrate", "app"):
        env = services[name]["environment"]
        assert env["RUN_MIGRATIONS_ON_STARTUP"] == "false" and env["REDIS_URL"].startswith("redis://redis:")
        assert not unknown_env_names(set(env)), (name, unknown_env_names(set(env)))


def test_compose_stop_grace_period_exceeds_the_drain() -> None:
    app = _compose()["services"]["app"]
    assert _seconds(app["stop_grace_period"]) > drain_seconds(app["environment"])


def test_env_name_check_reports_a_misspelt_setting() -> None:
    assert unknown_env_names({"REDIS_URI", "LLM_MODEL"}) == {"REDIS_URI"}


# --- nginx.conf -------------------------------------------------------------------------------------------------


def _nginx_directives() -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for line in NGINX_CONF.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.endswith(";"):
            name, _, value = line[:-1].partition(" ")
            directives.setdefault(name, []).append(value.strip())
    return directives


def test_nginx_streams_events_unbuffered_over_http11() -> None:
    directives = _nginx_directives()
    assert directives["proxy_buffering"] == ["off"]
    assert directives["proxy_http_version"] == ["1.1"]
    assert 'Connection ""' in directives["proxy_set_header"]
    assert _seconds(directives["proxy_read_timeout"][0]) >= 600
    assert "non_idempotent" not in directives["proxy_next_upstream"][0], "a sent POST must never run twice"


def test_nginx_reaches_the_replicas_on_their_port_and_admits_uploads() -> None:
    from settings import Settings

    directives = _nginx_directives()
    app = _compose()["services"]["app"]
    port = app["command"][app["command"].index("--port") + 1]
    assert [server.split()[0] for server in directives["server"]] == [f"app:{port}"]
    body_mb = int(directives["client_max_body_size"][0].removesuffix("m"))
    assert body_mb * 1_000_000 >= Settings.model_fields["max_upload_body_bytes"].default
    listen = directives["listen"][0]
    assert _compose()["services"]["nginx"]["ports"][0].endswith(f":{listen}")
