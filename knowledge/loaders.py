"""Read documents into `Article`s: Markdown (with front matter), HTML, plain text, PDF and FAQ CSV/JSON/JSONL."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from knowledge.records import Article

MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
TEXT_SUFFIXES = {".txt", ".text"}
FAQ_SUFFIXES = {".csv", ".json", ".jsonl"}
SUPPORTED_SUFFIXES = MARKDOWN_SUFFIXES | HTML_SUFFIXES | TEXT_SUFFIXES | FAQ_SUFFIXES | {".pdf"}

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.DOTALL)
_MAX_ID = 200


class LoadError(ValueError):
    """A file that cannot be turned into articles; the message says why, for the person who sent it."""


def slugify(text: str) -> str:
    """A lowercase, dash-separated id from a file name or title."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:_MAX_ID] or "article"


def _as_datetime(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise LoadError(f"updated_at {value!r} is not an ISO date") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _as_tags(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list):
        raise LoadError(f"tags must be a list or a comma-separated string, not {type(value).__name__}")
    return [str(tag).strip() for tag in value if str(tag).strip()]


def _checked_id(value: Any) -> str:
    article_id = str(value).strip()
    if not article_id or len(article_id) > _MAX_ID:
        raise LoadError(f"article id must be 1-{_MAX_ID} characters, got {article_id[:40]!r}")
    return article_id


def article_from_fields(fields: dict[str, Any], *, default_id: str, source: str, markdown: bool = True) -> Article:
    """An article from a mapping (front matter, an FAQ row or an API body), with clear errors."""
    title = str(fields.get("title") or fields.get("question") or "").strip()
    body = str(fields.get("body") or fields.get("text") or fields.get("answer") or "").strip()
    if not title:
        raise LoadError("missing title (or question)")
    if not body:
        raise LoadError(f"article {title[:60]!r} has no text (body, text or answer)")
    return Article(
        article_id=_checked_id(fields.get("id") or default_id),
        title=title,
        body=body,
        category=str(fields.get("category") or "general").strip().lower(),
        tags=_as_tags(fields.get("tags")),
        source=source,
        updated_at=_as_datetime(fields.get("updated_at")),
        markdown=markdown,
    )


def parse_markdown(text: str, *, default_id: str, source: str) -> Article:
    """A Markdown document; YAML front matter gives id, title, category, tags and updated_at."""
    fields: dict[str, Any] = {}
    match = _FRONT_MATTER.match(text)
    if match:
        try:
            loaded = yaml.safe_load(match.group(1))
        except yaml.YAMLError as exc:
            raise LoadError(f"front matter is not valid YAML: {exc}") from exc
        if loaded is not None and not isinstance(loaded, dict):
            raise LoadError("front matter must be a YAML mapping")
        fields = dict(loaded or {})
        text = text[match.end() :]
    body = text.strip()
    heading = re.match(r"#\s+(.+)\n?", body)
    if heading:
        fields.setdefault("title", heading.group(1).strip())
        body = body[heading.end() :].strip()  # the title is stored on its own; don't index it twice
    fields.setdefault("title", default_id.replace("-", " ").capitalize())
    fields["body"] = body
    return article_from_fields(fields, default_id=default_id, source=source)


def parse_html(text: str, *, default_id: str, source: str) -> Article:
    """An HTML page; headings become Markdown headings so chunking stays heading-aware."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    fields: dict[str, Any] = {}
    for meta in soup.find_all("meta"):
        name, content = meta.get("name"), meta.get("content")
        if name in ("id", "category", "tags", "updated_at") and content:
            fields[str(name)] = str(content)
    h1 = soup.find("h1")
    title_tag = soup.find("title")
    fields["title"] = (h1.get_text(" ", strip=True) if h1 else "") or (
        title_tag.get_text(" ", strip=True) if title_tag else ""
    )
    if h1:
        h1.decompose()
    for tag in soup(["script", "style", "nav", "footer", "head"]):
        tag.decompose()
    root = soup.body or soup
    lines: list[str] = []
    for element in root.find_all(["h2", "h3", "h4", "p", "li", "pre", "td"]):
        words = element.get_text(" ", strip=True)
        if not words:
            continue
        if element.name in ("h2", "h3", "h4"):
            lines.append("#" * int(element.name[1]) + " " + words)
        elif element.name == "li":
            lines.append(f"- {words}")
        else:
            lines.append(words)
    body = "\n\n".join(lines) or root.get_text("\n", strip=True)
    fields["body"] = body
    fields.setdefault("title", default_id.replace("-", " ").capitalize())
    if not fields["title"]:
        fields["title"] = default_id.replace("-", " ").capitalize()
    return article_from_fields(fields, default_id=default_id, source=source)


def parse_text(text: str, *, default_id: str, source: str) -> Article:
    """Plain text: a short first line is the title, the rest the body."""
    stripped = text.strip()
    first, _, rest = stripped.partition("\n")
    if rest.strip() and len(first) <= 120:
        title, body = first.strip(), rest.strip()
    else:
        title, body = default_id.replace("-", " ").capitalize(), stripped
    return article_from_fields({"title": title, "body": body}, default_id=default_id, source=source, markdown=False)


def parse_pdf(data: bytes, *, default_id: str, source: str) -> Article:
    """A PDF's text, page by page (pypdf); its metadata title if it has one."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
        meta_title = (reader.metadata.title if reader.metadata else None) or ""
    except (PdfReadError, ValueError, KeyError) as exc:
        raise LoadError(f"not a readable PDF: {exc}") from exc
    text = "\n\n".join(page.strip() for page in pages if page.strip())
    if not text:
        raise LoadError("PDF has no extractable text (a scanned image?)")
    if meta_title.strip():
        return article_from_fields(
            {"title": meta_title.strip(), "body": text}, default_id=default_id, source=source, markdown=False
        )
    return parse_text(text, default_id=default_id, source=source)


def _faq_rows(data: str, suffix: str) -> Iterator[dict[str, Any]]:
    if suffix == ".csv":
        try:
            yield from csv.DictReader(io.StringIO(data))
        except csv.Error as exc:
            raise LoadError(f"bad CSV: {exc}") from exc
        return
    if suffix == ".jsonl":
        for number, line in enumerate(data.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise LoadError(f"line {number} is not JSON: {exc.msg}") from exc
            if not isinstance(row, dict):
                raise LoadError(f"line {number} is not a JSON object")
            yield row
        return
    try:
        loaded = json.loads(data)
    except json.JSONDecodeError as exc:
        raise LoadError(f"not JSON: {exc.msg} at line {exc.lineno}") from exc
    if isinstance(loaded, dict):
        loaded = loaded.get("faqs") or loaded.get("items") or loaded.get("articles")
    if not isinstance(loaded, list) or not all(isinstance(row, dict) for row in loaded):
        raise LoadError('expected a list of objects (or {"faqs": [...]})')
    yield from loaded


def parse_faq(data: str, *, suffix: str, stem: str, source: str) -> list[Article]:
    """FAQ rows (question/answer or title/text, optional id, category, tags) as one article each."""
    articles: list[Article] = []
    seen: set[str] = set()
    for number, row in enumerate(_faq_rows(data, suffix), start=1):
        try:
            article = article_from_fields(row, default_id=f"{stem}-{number:04d}", source=source, markdown=False)
        except LoadError as exc:
            raise LoadError(f"row {number}: {exc}") from exc
        if article.article_id in seen:
            raise LoadError(f"row {number}: id {article.article_id!r} appears twice")
        seen.add(article.article_id)
        articles.append(article)
    if not articles:
        raise LoadError("no FAQ rows found")
    return articles


def load_bytes(data: bytes, *, name: str, source: str | None = None) -> list[Article]:
    """Articles from the bytes of a file called ``name`` (the suffix picks the parser)."""
    suffix = Path(name).suffix.lower()
    stem = slugify(Path(name).stem)
    source = source or name
    if suffix not in SUPPORTED_SUFFIXES:
        raise LoadError(f"unsupported file type {suffix or '(none)'!r}; use one of {sorted(SUPPORTED_SUFFIXES)}")
    if suffix == ".pdf":
        return [parse_pdf(data, default_id=stem, source=source)]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(f"not UTF-8 text (byte {exc.start})") from exc
    if not text.strip():
        raise LoadError("file is empty")
    if suffix in MARKDOWN_SUFFIXES:
        return [parse_markdown(text, default_id=stem, source=source)]
    if suffix in HTML_SUFFIXES:
        return [parse_html(text, default_id=stem, source=source)]
    if suffix in TEXT_SUFFIXES:
        return [parse_text(text, default_id=stem, source=source)]
    return parse_faq(text, suffix=suffix, stem=stem, source=source)


def load_file(path: Path) -> list[Article]:
    """Articles from one file on disk; its resolved path is their source."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"cannot read: {exc.strerror}") from exc
    return load_bytes(data, name=path.name, source=str(path.resolve()))


def discover(paths: Iterable[Path]) -> list[Path]:
    """Files to ingest: given files as they are, directories walked for supported, non-hidden files."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file()
                    and p.suffix.lower() in SUPPORTED_SUFFIXES
                    and not any(part.startswith(".") for part in p.relative_to(path).parts)
                )
            )
        else:
            found.append(path)
    return found
