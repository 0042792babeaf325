import io
import json
from pathlib import Path

import pytest

from knowledge.ingest import ingest_paths
from knowledge.store import KnowledgeBase

pytestmark = pytest.mark.integration


def _pdf(lines: list[str]) -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.setTitle("Scribe battery care")
    for row, line in enumerate(lines):
        pdf.drawString(72, 780 - 18 * row, line)
    pdf.save()
    return buffer.getvalue()


def write_corpus(root: Path) -> None:
    (root / "guides").mkdir(parents=True)
    (root / "guides" / "wifi.md").write_text(
        "---\nid: scribe-wifi\ntitle: Connect the Scribe to Wi-Fi\ncategory: installation\ntags: [wifi]\n---\n"
        "## Steps\n\nOpen Settings, choose Wi-Fi, pick your network and type the password.\n"
    )
    (root / "guides" / "invoices.html").write_text(
        "<html><body><h1>Invoice copies</h1><h2>Download</h2>"
        "<p>Accountants can download invoice copies as PDF under Billing.</p></body></html>"
    )
    (root / "notes.txt").write_text("Pen tips\nReplacement pen tips come in packs of five for nine dollars.\n")
    (root / "battery.pdf").write_bytes(
        _pdf(["Keep the tablet battery between 20 and 80 percent.", "Store it at room temperature."])
    )
    (root / "faq.csv").write_text(
        "id,question,answer,category\ncsv-1,Can I pay by PayPal?,Yes PayPal works for every plan.,billing\n"
    )
    (root / "faq.json").write_text(
        json.dumps([{"id": "json-1", "title": "Do you ship to Norway?", "text": "Yes, in 5-8 business days."}])
    )
    (root / "faq.jsonl").write_text(
        json.dumps({"question": "Is there a student discount?", "answer": "Students get 50 percent off."}) + "\n"
    )


async def test_every_format_is_ingested_and_searchable(kb: KnowledgeBase, tmp_path: Path) -> None:
    write_corpus(tmp_path)
    summary = await ingest_paths([tmp_path], kb=kb, progress=False)
    assert summary.errors == []
    assert (summary.added, summary.updated, summary.unchanged, summary.deleted) == (7, 0, 0, 0)
    assert summary.chunks >= 14  # a title chunk plus at least one text chunk per article
    expectations = {
        "how do I join a wireless network on the tablet": "scribe-wifi",
        "my accountant needs copies of invoices": "invoices",
        "how much do replacement pen tips cost": "notes",
        "battery charge level for long battery life": "battery",
        "paying with paypal": "csv-1",
        "shipping to norway": "json-1",
        "discount for students": "faq-0001",
    }
    for query, article_id in expectations.items():
        hits = await kb.search(query, k=3)
        assert hits and hits[0].article_id == article_id, (query, [h.article_id for h in hits])
    [wifi] = await kb.search("wifi password", k=1, category="installation")
    assert wifi.title == "Connect the Scribe to Wi-Fi" and wifi.source == str(tmp_path / "guides" / "wifi.md")
    assert "pick your network" in wifi.snippet


async def test_a_bad_file_is_reported_by_name_and_the_others_are_stored(kb: KnowledgeBase, tmp_path: Path) -> None:
    write_corpus(tmp_path)
    (tmp_path / "broken.jsonl").write_text('{"question": "ok?", "answer": "yes"}\nnot json\n')
    (tmp_path / "empty.md").write_text("")
    summary = await ingest_paths([tmp_path, tmp_path / "missing.md"], kb=kb, progress=False)
    errors = dict(summary.errors)
    assert set(errors) == {str(tmp_path / "broken.jsonl"), str(tmp_path / "empty.md"), str(tmp_path / "missing.md")}
    assert "line 2 is not JSON" in errors[str(tmp_path / "broken.jsonl")]
    assert "no such file" in errors[str(tmp_path / "missing.md")]
    assert summary.added == 7


async def test_duplicate_article_ids_across_files_are_refused(kb: KnowledgeBase, tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("---\nid: same\ntitle: First\n---\nFirst body.")
    (tmp_path / "b.md").write_text("---\nid: same\ntitle: Second\n---\nSecond body.")
    summary = await ingest_paths([tmp_path], kb=kb, progress=False)
    assert summary.added == 1
    [(path, message)] = summary.errors
    assert path == str(tmp_path / "b.md") and "already used by" in message
