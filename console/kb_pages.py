"""The knowledge-base pages: search with scores and injection flags, the articles, edit, delete and upload.

Changes go through the KB API's own functions (same validation, re-embedding and audit log).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import ValidationError

from console.access import Staff, need
from console.pages import render
from knowledge import catalog
from knowledge.store import get_knowledge_base
from knowledge.usage import usage_of
from server.routes import kb as kb_api
from settings import get_settings
from tools.knowledge import kb_text_flagged

router = APIRouter(prefix="/kb")
Reader = Annotated[Staff, need("kb.read")]
Editor = Annotated[Staff, need("kb.edit")]
PAGE = 50


def _refusal(request: Request, result: Response) -> HTMLResponse:
    message = json.loads(bytes(result.body)).get("message")
    return render(request, "action_error.html", None, status_code=result.status_code, message=message)


async def _kb() -> Any:
    kb = get_knowledge_base()
    await kb.vector_store()
    return kb


@router.get("", response_class=HTMLResponse)
async def kb_page(request: Request, staff: Reader, q: str = "", offset: int = 0) -> HTMLResponse:
    """Search (each hit with its score and whether its text is flagged as an injection) and the article list."""
    kb = await _kb()
    tenant = staff.identity.tenant
    hits: list[dict[str, Any]] = []
    query = q.strip()[:4000]
    if query:
        for hit in await kb.search(query, tenant=tenant, k=8):
            hits.append({**kb_api._hit_dict(hit), "flagged": kb_text_flagged(hit.snippet)})
    offset = max(offset, 0)
    articles, total = await catalog.list_articles(kb, tenant=tenant, offset=offset, limit=PAGE)
    return render(
        request,
        "kb.html",
        staff,
        active="kb",
        q=q,
        hits=hits,
        threshold=get_settings().kb_low_confidence,
        articles=articles,
        total=total,
        offset=offset,
        page=PAGE,
    )


@router.get("/flagged", response_class=HTMLResponse)
async def flagged_page(request: Request, staff: Reader) -> HTMLResponse:
    """Articles whose text reads as a prompt injection, for review (the bot quotes them as data only)."""
    kb = await _kb()
    rows = await kb.fetch_all(
        "SELECT article_id, title, category, source, body, updated_at FROM kb_articles"
        " WHERE collection = %s AND tenant = %s ORDER BY article_id",
        (kb.collection, staff.identity.tenant),
    )
    flagged = [row for row in rows if kb_text_flagged(row["body"])]
    return render(request, "kb_flagged.html", staff, active="kb", flagged=flagged, checked=len(rows))


@router.get("/articles/{article_id}", response_class=HTMLResponse)
async def article_page(request: Request, article_id: str, staff: Reader) -> HTMLResponse:
    """One article: its text (editable for editors), its usage and effectiveness, and whether it is flagged."""
    kb = await _kb()
    tenant = staff.identity.tenant
    article = await catalog.get_article(kb, article_id, tenant=tenant)
    if article is None:
        return render(request, "not_found.html", staff, status_code=404, what=f"article {article_id}")
    usage = await usage_of(kb, article_id, tenant=tenant)
    flagged = kb_text_flagged(article.body)
    return render(request, "kb_article.html", staff, active="kb", article=article, usage=usage, flagged=flagged)


@router.post("/articles/{article_id}", response_model=None)
async def save_article(
    request: Request,
    article_id: str,
    staff: Editor,
    title: Annotated[str, Form(max_length=300)] = "",
    body: Annotated[str, Form(max_length=200_000)] = "",
    category: Annotated[str, Form(max_length=60)] = "general",
) -> Response:
    """Replace the article's text; it is re-embedded, so the bot's next answer uses it."""
    try:
        article = kb_api.ArticleBody(title=title, body=body, category=category or "general")
    except ValidationError as exc:
        names = ", ".join(str(error["loc"][0]) for error in exc.errors())
        return render(request, "action_error.html", None, status_code=422, message=f"{names}: must not be blank")
    result = await kb_api.put_article(await _kb(), staff.identity.tenant, article_id, article)
    if isinstance(result, JSONResponse):
        return _refusal(request, result)
    return render(request, "kb_saved.html", None, saved=result)


@router.post("/articles/{article_id}/delete", response_model=None)
async def delete_article(request: Request, article_id: str, staff: Editor) -> Response:
    """Delete the article and its chunks."""
    result = await kb_api.delete_article(await _kb(), staff.identity.tenant, article_id)
    if result.status_code != 204:
        return _refusal(request, result)
    return Response(status_code=204, headers={"HX-Redirect": f"/console/kb?deleted={article_id}"})


@router.post("/upload", response_model=None)
async def upload(
    request: Request, staff: Editor, files: Annotated[list[UploadFile], File(description="Documents.")]
) -> Response:
    """Ingest uploaded documents (Markdown, text, HTML, PDF); what could not be read is named."""
    result = await kb_api.upload(await _kb(), staff.identity.tenant, files)
    if isinstance(result, JSONResponse):
        return _refusal(request, result)
    return render(request, "kb_uploaded.html", None, summary=result)
