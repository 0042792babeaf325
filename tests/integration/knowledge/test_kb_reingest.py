from pathlib import Path

import pytest

from knowledge import catalog
from knowledge.ingest import ingest_paths
from knowledge.store import KnowledgeBase

pytestmark = pytest.mark.integration


def _article(root: Path, slug: str, text: str) -> Path:
    path = root / f"{slug}.md"
    path.write_text(f"---\nid: {slug}\ntitle: {slug.replace('-', ' ').title()}\ncategory: billing\n---\n{text}\n")
    return path


async def _ids(kb: KnowledgeBase) -> list[str]:
    items, _ = await catalog.list_articles(kb, tenant="default")
    return [item.article_id for item in items]


async def test_reingest_skips_unchanged_replaces_changed_and_sync_deletes_removed(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    _article(tmp_path, "refund-window", "Refunds within 14 days.")
    invoices = _article(tmp_path, "invoices", "Download invoices under Billing.")
    gone = _article(tmp_path, "old-pricing", "Standard costs 8 dollars.")
    first = await ingest_paths([tmp_path], kb=kb, progress=False)
    assert (first.added, first.unchanged) == (3, 0)

    again = await ingest_paths([tmp_path], kb=kb, progress=False)
    assert (again.added, again.updated, again.unchanged, again.chunks) == (0, 0, 3, 0)

    invoices.write_text(invoices.read_text().replace("Billing", "Settings > Billing > Invoices"))
    gone.unlink()
    without_sync = await ingest_paths([tmp_path], kb=kb, progress=False)
    assert (without_sync.updated, without_sync.unchanged, without_sync.deleted) == (1, 1, 0)
    assert "old-pricing" in await _ids(kb)
    [hit] = await kb.search("where are invoices", k=1)
    assert hit.article_id == "invoices" and "Settings > Billing > Invoices" in hit.snippet

    synced = await ingest_paths([tmp_path], kb=kb, progress=False, sync=True)
    assert (synced.unchanged, synced.deleted) == (2, 1)
    assert await _ids(kb) == ["invoices", "refund-window"]
    assert all(hit.article_id != "old-pricing" for hit in await kb.search("standard price dollars", k=5))


async def test_sync_keeps_articles_of_files_that_failed_and_of_other_folders(kb: KnowledgeBase, tmp_path: Path) -> None:
    docs, other = tmp_path / "docs", tmp_path / "other"
    docs.mkdir()
    other.mkdir()
    broken = _article(docs, "cancel", "Cancel under Settings.")
    _article(docs, "vat", "Add a VAT ID.")
    _article(other, "shipping", "Ships in 3-5 days.")
    await ingest_paths([docs, other], kb=kb, progress=False)

    broken.write_bytes(b"\xff\xfe not utf-8")
    summary = await ingest_paths([docs], kb=kb, progress=False, sync=True)
    assert [path for path, _ in summary.errors] == [str(broken)]
    assert summary.deleted == 0
    assert await _ids(kb) == ["cancel", "shipping", "vat"]  # nothing already stored is lost
