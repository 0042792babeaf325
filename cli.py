"""The `support-agent` command line: serve, chat, db, staff, vault, ingest, seed, eval and bench."""

from __future__ import annotations

import asyncio
import faulthandler
import importlib
import importlib.util
import os
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from db.cli_database import database_url
from settings import PROJECT_ROOT, get_settings

app = typer.Typer(help="Customer-support agent with memory, served through the LangGraph API.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
eval_app = typer.Typer(help="Eval suites; each prints one JSON object of metrics as its last line.")
bench_app = typer.Typer(help="Benchmarks that print numbers.")
app.add_typer(db_app, name="db")
app.add_typer(eval_app, name="eval")
app.add_typer(bench_app, name="bench")
console = Console(stderr=True)

# Commands that live beside the code they measure; each module exposes a typer-annotated `main`.
EVAL_SUITES = {
    "retrieval": "evals.retrieval",
    "conversations": "evals.conversations",
    "routing": "evals.routing",
    "sentiment": "evals.sentiment",
    "escalation": "evals.escalation",
    "pii": "evals.pii",
    "injection": "evals.injection",
    "confirmation": "evals.confirmation",
    "crosslingual": "evals.crosslingual",
}
BENCHMARKS = {
    "kb": "bench.kb",
    "signals": "bench.signals",
    "turns": "bench.turns",
    "memory": "bench.memory",
    "load": "bench.load",
    "console": "bench.console",
}


def _register(group: typer.Typer, commands: dict[str, str]) -> None:
    for name, module_name in commands.items():
        if importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
        group.command(name, help=(module.__doc__ or "").strip().splitlines()[0] if module.__doc__ else None)(
            module.main
        )


def _seed(url: str) -> None:
    from db.seed import seed_all

    for line in asyncio.run(seed_all(url)):
        console.print(f"[green]seeded[/green] {line}")


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default HOST or 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default PORT or 8123).")] = None,
    seed: Annotated[bool, typer.Option(help="Seed the KB and demo customers (idempotent).")] = True,
    workers: Annotated[int | None, typer.Option(help="Server processes (default WORKERS or 1).")] = None,
) -> None:
    """Serve the LangGraph API and our routes on Postgres (embedded unless DATABASE_URL is set)."""
    from db.migrations import migrate

    # Python's default SIGTERM ends the process without running atexit, where the embedded Postgres is stopped; so
    # did uvicorn, which re-raises the signal after its graceful shutdown. A SIGTERM now exits like Ctrl-C does.
    signal.signal(signal.SIGTERM, _exit_on_signal)

    settings = get_settings()
    host = host or settings.host
    port = port or settings.port
    url = database_url()
    applied = migrate(url)
    if applied:
        console.print(f"[green]migrations applied:[/green] {', '.join(applied)}")
    if seed:
        _seed(url)
    from identity.local_mode import PublicBindWithoutKeys, prepare_access

    try:
        local = prepare_access(url, host=host, data_dir=settings.data_dir, audience=settings.token_audience)
    except PublicBindWithoutKeys as exc:
        console.print(f"[bold red]{exc}[/bold red]")
        raise typer.Exit(2) from exc
    origins = [origin.strip() for origin in settings.cors_origins.split(",") if origin.strip()]
    os.environ.setdefault("AEGRA_CONFIG", str(PROJECT_ROOT / "langgraph.json"))
    if origins:  # browsers on these origins may call the API (closed by default in langgraph.json)
        from server.launcher import write_config

        source = Path(os.environ["AEGRA_CONFIG"])
        os.environ["AEGRA_CONFIG"] = str(write_config(settings.data_dir, cors_origins=origins, source=source))
    os.environ.update(
        HOST=host,
        PORT=str(port),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
    )
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if not sys.stderr.isatty():  # a log file or a pipe: no colour codes from Rich, structlog or uvicorn
        os.environ.setdefault("NO_COLOR", "1")
    # Aegra's default (LOCAL) renders every logged traceback with Rich on the event loop: ~80 ms each, so the burst
    # of failures when Postgres dies kept /live from answering for seconds. PRODUCTION logs JSON, plain tracebacks.
    os.environ.setdefault("ENV_MODE", "PRODUCTION")
    # A crash in native code (ONNX Runtime, spaCy, greenlet...) leaves a Python traceback in the log; workers too.
    os.environ.setdefault("PYTHONFAULTHANDLER", "1")
    faulthandler.enable()
    os.environ.setdefault("AEGRA_CHECKPOINT_DURABILITY", settings.checkpoint_durability)
    if os.environ.get("REDIS_URL"):  # replicas on one Postgres and one Redis: Aegra's broker and workers run the runs
        os.environ.setdefault("REDIS_BROKER_ENABLED", "true")
    base = f"http://{host}:{port}"
    banner = [
        f"ready: the server answers on {base}",
        f"LangGraph API  {base}   (graph id: support)",
        f"API docs       {base}/docs",
        f"Console        {base}/console   (staff accounts sign in here)",
        f"Studio         https://smith.langchain.com/studio/?baseUrl={base}  or  `make studio`",
    ]
    if local is not None:
        banner += [
            f"Local mode     credentials in {local.path} (this machine only)",
            f"  admin sign-in    tenant default, {local.admin_email} / {local.admin_password}  (POST /auth/login)",
            f"  admin key        {local.admin_key}",
            f"  customer token   {local.customer_token}  ({local.customer_id}, 24 h)",
            f"  try              uv run support-agent chat --customer {local.customer_id}",
        ]
    from server.ready_banner import announce_when_ready, probe_url

    console.print(f"starting on {base}: loading models, then 'ready' is printed (about a minute)", markup=False)
    announce_when_ready(
        probe_url(host, port),
        banner,
        emit=lambda line: console.print(line, markup=False, highlight=False, soft_wrap=True),
    )
    from server.workers import serve as serve_workers

    count = workers or settings.workers
    status = serve_workers(
        "aegra_api.main:app",
        host=host,
        port=port,
        workers=count,
        log_level=os.environ["LOG_LEVEL"].lower(),
        on_serving=lambda serving: console.print(f"workers serving: {serving}/{count}"),
    )
    raise typer.Exit(status)


@app.command()
def studio(
    port: Annotated[int, typer.Option(help="Port for `langgraph dev` (2024 is often taken).")] = 2124,
    config: Annotated[Path, typer.Option(help="The langgraph.json to serve.")] = Path("langgraph.json"),
    reload: Annotated[bool, typer.Option(help="Restart when a source file changes.")] = True,
) -> None:
    """Run the same graph under `langgraph dev` for LangGraph Studio, checkpointed to Postgres.

    `langgraph dev` refuses blocking calls on the event loop (blockbuster); we do not turn that off, so Studio
    finds any blocking call a turn makes.
    """
    import subprocess

    database_url()
    os.environ.update(LANGSMITH_TRACING="false", LANGSMITH_TEST_TRACKING="false", HF_HUB_OFFLINE="1")
    langgraph = Path(sys.executable).parent / "langgraph"
    command = [str(langgraph), "dev", "--port", str(port), "--no-browser", "--config", str(config)]
    command += [] if reload else ["--no-reload"]
    console.print(f"Studio: https://smith.langchain.com/studio/?baseUrl=http://127.0.0.1:{port}")
    child = subprocess.Popen(command, cwd=PROJECT_ROOT)
    # A process manager stops us with SIGTERM: pass it on, or `langgraph dev` outlives us, orphaned, on its port.
    signal.signal(signal.SIGTERM, lambda signum, _frame: child.send_signal(signum))
    raise typer.Exit(child.wait())


@app.command()
def seed() -> None:
    """Seed the knowledge base and the demo customers (idempotent)."""
    _seed(database_url())


@db_app.command("migrate")
def db_migrate() -> None:
    """Apply our migrations and Aegra's (threads, runs, checkpoints, store)."""
    from db.migrations import migrate

    url = database_url()
    from db.aegra_schema import migrate_aegra

    migrate_aegra(url)
    applied = migrate(url)
    console.print(f"migrations applied: {', '.join(applied) or 'none (up to date)'}")


@db_app.command("reset")
def db_reset(yes: Annotated[bool, typer.Option("--yes", help="Confirm dropping every table.")] = False) -> None:
    """Drop every table in the database (threads, memories, KB, tickets) and migrate again."""
    if not yes:
        console.print("[red]Refusing to drop data without --yes.[/red]")
        raise typer.Exit(1)
    import psycopg

    url = database_url()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    db_migrate()


@app.command()
def chat(
    customer: Annotated[str, typer.Option(help="Customer id the conversation belongs to.")] = "demo-ana",
    thread: Annotated[str | None, typer.Option(help="Resume this thread id instead of starting one.")] = None,
    url: Annotated[str | None, typer.Option(help="Server base URL (default http://127.0.0.1:PORT, PORT 8123).")] = None,
    tenant: Annotated[str, typer.Option(help="The customer's tenant.")] = "default",
    token: Annotated[
        str | None,
        typer.Option(envvar="SUPPORT_TOKEN", help="A customer token; default: one issued from the local database."),
    ] = None,
) -> None:
    """Chat with the agent as a customer (with a signed customer token), streaming the replies."""
    from server.chat_client import ChatError, check_server, default_url, run_chat

    server = url or default_url()
    try:
        check_server(server)  # before issuing a token: that may start the embedded database
        if token is None:
            from identity.cli import token_for

            token = token_for(database_url(), customer=customer, tenant=tenant)
        asyncio.run(run_chat(server, token=token, thread_id=thread))
    except ChatError as exc:
        typer.echo(f"support-agent chat: {exc}", err=True)
        raise typer.Exit(1) from None


def _signals_command() -> None:
    signals_app = typer.Typer(help="Customer signals: fit the intent router ahead of serving.", no_args_is_help=True)
    from signals import prepare

    signals_app.command("prepare")(prepare.main)
    app.add_typer(signals_app, name="signals")


def _ingest_command() -> None:
    if importlib.util.find_spec("knowledge.ingest") is None:
        return
    module = importlib.import_module("knowledge.ingest")
    app.command("ingest", help="Ingest documents (Markdown, HTML, text, PDF, FAQ CSV/JSON/JSONL) into the KB.")(
        module.main
    )
    kb_app = typer.Typer(help="Knowledge-base maintenance.", no_args_is_help=True)
    kb_app.command("backfill-multilingual")(module.backfill_multilingual_main)
    app.add_typer(kb_app, name="kb")


def _identity_commands() -> None:
    from identity.cli import register
    from signals.vault_cli import register as register_vault
    from staff.cli import register as register_staff

    register(app)
    register_staff(app)
    register_vault(app)


_register(eval_app, EVAL_SUITES)
_register(bench_app, BENCHMARKS)
_ingest_command()
_signals_command()
_identity_commands()

if __name__ == "__main__":
    app()
