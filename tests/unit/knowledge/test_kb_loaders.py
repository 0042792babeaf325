import io
import json
from pathlib import Path

import pytest

from knowledge.loaders import LoadError, discover, load_bytes, load_file


def make_pdf(text_lines: list[str], title: str | None = None) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    if title:
        pdf.setTitle(title)
    y = 800
    for line in text_lines:
        pdf.drawString(72, y, line)
        y -= 18
    pdf.save()
    return buffer.getvalue()


def test_markdown_front_matter_gives_metadata() -> None:
    text = (
        "---\nid: refund-window\ntitle: Refund window\ncategory: Refunds\ntags: [refund, money]\n"
        "updated_at: 2025-01-02\n---\n## When\n\nWithin 14 days.\n"
    )
    [article] = load_bytes(text.encode(), name="whatever.md", source="/kb/whatever.md")
    assert article.article_id == "refund-window"
    assert article.title == "Refund window"
    assert article.category == "refunds"
    assert article.tags == ["refund", "money"]
    assert article.updated_at is not None and article.updated_at.year == 2025
    assert article.source == "/kb/whatever.md"
    assert "Within 14 days." in article.body


def test_markdown_without_front_matter_takes_title_from_heading_and_id_from_name() -> None:
    [article] = load_bytes(b"# Install on Linux\n\nRun the AppImage.\n", name="Install Linux.md")
    assert article.article_id == "install-linux"
    assert article.title == "Install on Linux"
    assert article.body == "Run the AppImage."
    assert article.category == "general"


def test_html_keeps_headings_as_markdown_sections() -> None:
    page = (
        "<html><head><title>Ignored</title><meta name='category' content='billing'></head><body>"
        "<h1>Invoices</h1><h2>Download</h2><p>Open Settings.</p><ul><li>Click PDF</li></ul>"
        "<script>alert(1)</script></body></html>"
    )
    [article] = load_bytes(page.encode(), name="invoices.html")
    assert article.title == "Invoices"
    assert article.category == "billing"
    assert "## Download" in article.body
    assert "- Click PDF" in article.body
    assert "alert" not in article.body


def test_plain_text_first_short_line_is_title() -> None:
    [article] = load_bytes(b"Shipping times\nUS orders arrive in 3-5 days.\n", name="ship.txt")
    assert (article.title, article.body, article.markdown) == ("Shipping times", "US orders arrive in 3-5 days.", False)


def test_pdf_text_is_extracted() -> None:
    data = make_pdf(["Warranty terms", "Two years in the EU, one year elsewhere."], title="Scribe warranty")
    [article] = load_bytes(data, name="warranty.pdf")
    assert article.title == "Scribe warranty"
    assert "Two years in the EU" in article.body


def test_faq_formats_give_one_article_per_row() -> None:
    csv_data = b"question,answer,category\nHow do I cancel?,Settings > Billing.,refunds\nWhat is 2FA?,A second step.,\n"
    rows = [{"id": "q1", "title": "Reset password?", "text": "Use the link."}, {"question": "Q2?", "answer": "A2."}]
    json_data = json.dumps({"faqs": rows}).encode()
    jsonl_data = "\n".join(json.dumps(row) for row in rows).encode()
    from_csv = load_bytes(csv_data, name="faq.csv")
    from_json = load_bytes(json_data, name="faq.json")
    from_jsonl = load_bytes(jsonl_data, name="faq.jsonl")
    assert [a.article_id for a in from_csv] == ["faq-0001", "faq-0002"]
    assert from_csv[0].category == "refunds" and from_csv[1].category == "general"
    assert [a.article_id for a in from_json] == [a.article_id for a in from_jsonl] == ["q1", "faq-0002"]
    assert from_jsonl[1].title == "Q2?" and from_jsonl[1].body == "A2."


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("notes.docx", b"PK..", "unsupported file type '.docx'"),
        ("empty.md", b"  \n", "file is empty"),
        ("latin.txt", "caf\xe9".encode("latin-1"), "not UTF-8"),
        ("bad.jsonl", b'{"question": "a", "answer": "b"}\n{oops\n', "line 2 is not JSON"),
        ("rows.json", b'{"faqs": [{"question": "no answer"}]}', "row 1: article 'no answer' has no text"),
        ("front.md", b"---\nid: [unclosed\n---\nbody", "front matter is not valid YAML"),
        ("broken.pdf", b"%PDF-1.4 not really", "PDF"),
        ("dupes.csv", b"id,question,answer\na,Q1?,A1.\na,Q2?,A2.\n", "row 2: id 'a' appears twice"),
    ],
)
def test_bad_files_raise_a_clear_load_error(name: str, data: bytes, message: str) -> None:
    with pytest.raises(LoadError, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        load_bytes(data, name=name)


def test_discover_walks_directories_for_supported_visible_files(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.md").write_text("# One\n\nx")
    (tmp_path / "a" / "image.png").write_bytes(b"\x89PNG")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "hidden.md").write_text("# Hidden\n\nx")
    (tmp_path / "two.csv").write_text("question,answer\nq,a\n")
    single = tmp_path / "single.txt"
    single.write_text("Title\nbody")
    found = discover([tmp_path / "a", tmp_path / "two.csv", single])
    assert found == [tmp_path / "a" / "one.md", tmp_path / "two.csv", single]
    assert load_file(single)[0].source == str(single.resolve())
