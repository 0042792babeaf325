"""The Kubernetes manifests in ``deploy/k8s``: valid against the API schemas, and true to the server they run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.unit.deploy.deploy_files import (
    DEPLOY,
    app_get_paths,
    cli_command,
    drain_seconds,
    load_yaml_documents,
    support_agent_invocations,
    unknown_env_names,
)

K8S = DEPLOY / "k8s"
VALIDATE = Path(sys.executable).parent / "kubernetes-validate"
MANIFESTS = sorted(path for path in K8S.glob("*.yaml") if path.name != "kustomization.yaml")


def _resources() -> dict[str, dict[str, Any]]:
    return {doc["kind"]: doc for path in MANIFESTS for doc in load_yaml_documents(path)}


def _container(kind: str) -> dict[str, Any]:
    container: dict[str, Any] = _resources()[kind]["spec"]["template"]["spec"]["containers"][0]
    return container


def test_manifests_validate_against_the_kubernetes_schemas() -> None:
    result = subprocess.run([VALIDATE, "--strict", *MANIFESTS], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_schema_validation_would_catch_a_misplaced_field(tmp_path: Path) -> None:
    broken = tmp_path / "deployment.yaml"
    broken.write_text((K8S / "deployment.yaml").read_text().replace("periodSeconds: 10", "periodSecond: 10"))
    result = subprocess.run([VALIDATE, "--strict", broken], capture_output=True, text=True)
    assert result.returncode != 0, result.stdout


def test_kustomization_lists_every_manifest_but_the_example_secret() -> None:
    listed = set(yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"])
    assert listed == {path.name for path in MANIFESTS} - {"secret.example.yaml"}


def test_probes_ask_the_real_routes_on_the_served_port() -> None:
    server = _container("Deployment")
    args = server["args"]
    assert cli_command(args) == "serve" and args[args.index("--host") + 1] == "0.0.0.0"
    port = int(args[args.index("--port") + 1])
    assert server["ports"][0]["containerPort"] == port
    probes = {name: server[name]["httpGet"] for name in ("startupProbe", "livenessProbe", "readinessProbe")}
    assert probes["livenessProbe"]["path"] == "/live", "liveness must not depend on Postgres (server/health.py)"
    assert probes["startupProbe"]["path"] == "/live"
    assert probes["readinessProbe"]["path"] == "/ready", "readiness: Postgres answers"
    paths = app_get_paths()
    for name, probe in probes.items():
        assert probe["path"] in paths, name
        assert probe["port"] in (port, server["ports"][0]["name"]), name


def test_grace_period_exceeds_the_pre_stop_pause_and_the_drain() -> None:
    spec = _resources()["Deployment"]["spec"]["template"]["spec"]
    config = _resources()["ConfigMap"]["data"]
    pre_stop = _container("Deployment")["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop[0] == "sleep"
    assert spec["terminationGracePeriodSeconds"] > float(pre_stop[1]) + drain_seconds(config)


def test_migration_job_migrates_and_seeds_while_replicas_only_serve() -> None:
    job = _container("Job")
    assert job["command"][:2] == ["sh", "-c"]
    assert [cli_command(argv) for argv in support_agent_invocations(job["command"][2])] == ["db migrate", "seed"]
    assert _resources()["Job"]["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert "--no-seed" in _container("Deployment")["args"]
    assert _resources()["ConfigMap"]["data"]["RUN_MIGRATIONS_ON_STARTUP"] == "false"


def test_every_setting_is_a_real_name_and_every_reference_resolves() -> None:
    resources = _resources()
    config, secret = resources["ConfigMap"], resources["Secret"]
    names = set(config["data"]) | set(secret["stringData"])
    assert not unknown_env_names(names), unknown_env_names(names)
    assert {"DATABASE_URL", "REDIS_URL"} <= set(secret["stringData"]), "credentials belong in the Secret"
    for kind in ("Deployment", "Job"):
        refs = _container(kind)["envFrom"]
        assert {ref["configMapRef"]["name"] for ref in refs if "configMapRef" in ref} == {config["metadata"]["name"]}
        assert {ref["secretRef"]["name"] for ref in refs if "secretRef" in ref} == {secret["metadata"]["name"]}


def test_pods_run_as_the_images_non_root_user() -> None:
    dockerfile_user = next(
        line.split()[1] for line in (DEPLOY / "Dockerfile").read_text().splitlines() if line.startswith("USER ")
    )
    for kind in ("Deployment", "Job"):
        context = _resources()[kind]["spec"]["template"]["spec"]["securityContext"]
        assert context["runAsNonRoot"] is True
        assert f"{context['runAsUser']}:{context['runAsGroup']}" == dockerfile_user
