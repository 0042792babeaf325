"""Ingest files into the knowledge base (`support-agent ingest PATH... [--sync]`) and load the seed KB."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from knowledge.catalog import articles_by_source, delete_articles
from knowledge.loaders import LoadError, discover, load_bytes, load_file
from knowledge.records import Article, IngestSummary
from knowledge.store import KnowledgeBase, get_knowledge_base
from knowledge.writer import write_articles

SEED_DIR = Path(__file__).resolve().parent / "seed"


def _under(source: str, roots: Iterable[Path]) -> bool:
    return any(source == str(root) or source.startswith(str(root) + os.sep) for root in roots)


def _collect(
    loaded: Iterable[tuple[str, list[Article] | LoadError]], summary: IngestSummary
) -> tuple[list[Article], set[str]]:
    """Articles to write, with per-file errors (and duplicate ids across files) recorded in ``summary``."""
    articles: list[Article] = []
    owner: dict[str, str] = {}
    failed: set[str] = set()
    for name, result in loaded:
        if isinstance(result, LoadError):
            summary.errors.append((name, str(result)))
            failed.add(name)
            continue
        clash = next((a.article_id for a in result if owner.get(a.article_id, name) != name), None)
        if clash is not None:
            summary.errors.append((name, f"article id {clash!r} is already used by {owner[clash]}"))
            failed.add(name)
            continue
        for article in result:
            owner[article.article_id] = name
        articles.extend(result)
    return articles, failed


async def ingest_articles(
    kb: KnowledgeBase, loaded: Sequence[tuple[str, list[Article] | LoadError]], *, tenant: str, progress: bool
) -> tuple[IngestSummary, list[Article], set[str]]:
    """Write loaded articles, counting results; returns the summary, the articles and the failed names."""
    started = time.perf_counter()
    summary = IngestSummary()
    articles, failed = _collect(loaded, summary)
    columns = (TextColumn("embedding chunks"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, disable=not progress, transient=True) as bar:
        task = bar.add_task("ingest", total=None)
        counts = await write_articles(
            kb,
            articles,
            tenant=tenant,
            on_chunks=lambda n: bar.advance(task, n),
            on_total=lambda total: bar.update(task, total=total),
        )
    from knowledge import multilingual

    if multilingual.enabled():
        await multilingual.backfill(kb, tenant=tenant)
    summary.added, summary.updated, summary.unchanged = counts.added, counts.updated, counts.unchanged
    summary.chunks = counts.chunks
    summary.seconds = time.perf_counter() - started
    return summary, articles, failed


async def ingest_uploads(
    kb: KnowledgeBase, files: Sequence[tuple[str, bytes]], *, tenant: str = "default"
) -> IngestSummary:
    """Ingest uploaded files (name, bytes); a bad file is reported and the others still stored."""
    loaded: list[tuple[str, list[Article] | LoadError]] = []
    for name, data in files:
        try:
            loaded.append((name, load_bytes(data, name=name, source=f"upload:{name}")))
        except LoadError as exc:
            loaded.append((name, exc))
    summary, _, _ = await ingest_articles(kb, loaded, tenant=tenant, progress=False)
    return summary


async def ingest_paths(
    paths: Sequence[Path],
    *,
    tenant: str = "default",
    sync: bool = False,
    progress: bool = True,
    kb: KnowledgeBase | None = None,
) -> IngestSummary:
    """Ingest files and directories; with ``sync``, delete articles whose file under ``paths`` is gone.

    Unchanged articles (same content hash) are skipped, changed ones replaced. A file that cannot be
    read is reported in ``errors`` and its stored articles are kept, even with ``sync``.
    """
    started = time.perf_counter()
    kb = kb or get_knowledge_base()
    roots = [Path(path).resolve() for path in paths]
    loaded: list[tuple[str, list[Article] | LoadError]] = []
    for root in roots:
        if not root.exists():
            loaded.append((str(root), LoadError("no such file or directory")))
    for path in discover(root for root in roots if root.exists()):
        try:
            loaded.append((str(path), load_file(path)))
        except LoadError as exc:
            loaded.append((str(path), exc))
    summary, articles, failed = await ingest_articles(kb, loaded, tenant=tenant, progress=progress)
    if sync:
        kept = {article.article_id for article in articles}
        stored = await articles_by_source(kb, tenant=tenant)
        gone = [
            article_id
            for article_id, source in stored.items()
            if article_id not in kept and source not in failed and _under(source, roots)
        ]
        summary.deleted = await delete_articles(kb, gone, tenant=tenant)
    summary.seconds = time.perf_counter() - started
    return summary


async def seed_knowledge_base(url: str, *, tenant: str = "default") -> IngestSummary:
    """Load knowledge/seed into the knowledge base at ``url``; idempotent (unchanged articles are skipped)."""
    return await ingest_paths([SEED_DIR], tenant=tenant, sync=True, progress=False, kb=get_knowledge_base(url))


def print_summary(summary: IngestSummary) -> None:
    """The end-of-run summary on the terminal (rich)."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    for path, message in summary.errors:
        console.print(f"[red]skipped[/red] {path}: {message}")
    table = Table(title="ingest summary")
    for column in ("added", "updated", "unchanged", "deleted", "chunks", "errors", "seconds"):
        table.add_column(column, justify="right")
    table.add_row(
        *(str(value) for value in (summary.added, summary.updated, summary.unchanged, summary.deleted)),
        str(summary.chunks),
        str(len(summary.errors)),
        f"{summary.seconds:.1f}",
    )
    console.print(table)


def resolve_database_url() -> str:
    """DATABASE_URL, or the embedded Postgres under the data directory when it is unset."""
    from settings import get_settings

    settings = get_settings()
    if settings.database_url:
        return settings.database_url
    from db.embedded import start_embedded_postgres

    return start_embedded_postgres(settings.data_dir / "pg")


def main(
    paths: list[Path] = typer.Argument(..., help="Files or directories to ingest."),  # noqa: B008
    sync: bool = typer.Option(False, "--sync", help="Delete stored articles whose file under PATHS is gone."),
    tenant: str = typer.Option("default", "--tenant", help="Tenant the articles belong to."),
) -> None:
    """Ingest Markdown, HTML, text, PDF and FAQ CSV/JSON/JSONL files into the knowledge base."""

    async def run() -> IngestSummary:
        from db.pool import close_pools

        kb = KnowledgeBase.from_conn_string(resolve_database_url())
        try:
            return await ingest_paths(paths, tenant=tenant, sync=sync, kb=kb)
        finally:
            await kb.close()
            await close_pools()

    summary = asyncio.run(run())
    print_summary(summary)
    if summary.errors:
        raise typer.Exit(code=1)  # the good files are stored; the exit code still tells scripts something was skipped


def backfill_multilingual_main(
    tenant: str | None = typer.Option(None, "--tenant", help="Only this tenant's chunks (default: all)."),
) -> None:
    """Give every stored chunk its multilingual vector (for a KB ingested before cross-lingual search)."""
    from knowledge import multilingual

    async def run() -> int:
        from db.pool import close_pools

        kb = KnowledgeBase.from_conn_string(resolve_database_url())
        try:
            await kb.vector_store()
            await multilingual.ensure_column(kb)
            return await multilingual.backfill(kb, tenant=tenant)
        finally:
            await kb.close()
            await close_pools()

    started = time.perf_counter()
    filled = asyncio.run(run())
    typer.echo(f"{filled} chunks given a multilingual vector in {time.perf_counter() - started:.1f}s")
