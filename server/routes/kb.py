"""Staff API for the knowledge base (mounted at /kb): search, articles CRUD, file upload, stats and usage."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field, field_validator

from audit.log import record
from knowledge import catalog
from knowledge.ingest import ingest_uploads
from knowledge.loaders import SUPPORTED_SUFFIXES, LoadError, article_from_fields, slugify
from knowledge.store import KnowledgeBase, get_knowledge_base
from knowledge.usage import article_usage, usage_of
from knowledge.writer import write_articles
from server.routes.support_deps import TenantDep, api_error, require
from settings import get_settings


class _JSONErrorRoute(APIRoute):
    """Validation failures answer 422 in the server's error shape, with a readable message."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
                return api_error(422, "invalid request: " + "; ".join(problems), exc.errors())

        return route


router = APIRouter(tags=["knowledge base"], dependencies=[require("kb.read")], route_class=_JSONErrorRoute)


async def _knowledge_base() -> KnowledgeBase:
    kb = get_knowledge_base()
    await kb.vector_store()
    return kb


KBDep = Annotated[KnowledgeBase, Depends(_knowledge_base)]


class ArticleBody(BaseModel):
    """An article written through the API (Markdown body; headings make sections)."""

    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=200_000)
    category: str = Field(default="general", min_length=1, max_length=60)
    tags: list[str] = Field(default_factory=list, max_length=30)
    updated_at: datetime | None = None

    @field_validator("title", "body")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value


class NewArticle(ArticleBody):
    """A new article; without an id, one is made from the title."""

    id: str | None = Field(default=None, min_length=1, max_length=200)


def _hit_dict(hit: Any) -> dict[str, Any]:
    return {name: getattr(hit, name) for name in ("article_id", "title", "snippet", "score", "category", "source")}


async def _save(kb: KnowledgeBase, tenant: str, article_id: str, body: ArticleBody) -> dict[str, Any]:
    fields = body.model_dump() | {"id": article_id}
    article = article_from_fields(fields, default_id=article_id, source="api")
    counts = await write_articles(kb, [article], tenant=tenant)
    status = "added" if counts.added else "updated" if counts.updated else "unchanged"
    return {"article_id": article.article_id, "status": status, "chunks": counts.chunks}


@router.get("/search")
async def search(
    kb: KBDep,
    tenant: TenantDep,
    q: Annotated[str, Query(min_length=1, max_length=4000, description="The question to search for.")],
    k: Annotated[int, Query(ge=1, le=50)] = 5,
    category: Annotated[str | None, Query(max_length=60)] = None,
) -> Response:
    """Hybrid search; hits ordered best first, with the low-confidence flag the agent uses."""
    if not q.strip():
        return api_error(422, "query q must not be blank", {"q": q})
    hits = await kb.search(q, tenant=tenant, k=k, category=category)
    threshold = get_settings().kb_low_confidence
    top = max((hit.score for hit in hits), default=0.0)  # hits are ordered by rank, not by score
    return JSONResponse(
        {
            "query": q,
            "hits": [_hit_dict(hit) for hit in hits],
            "top_score": top,
            "threshold": threshold,
            "low_confidence": top < threshold,
        }
    )


@router.get("/articles")
async def list_articles(
    kb: KBDep,
    tenant: TenantDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
    category: Annotated[str | None, Query(max_length=60)] = None,
) -> dict[str, Any]:
    """One page of articles ordered by id, with the total count."""
    items, total = await catalog.list_articles(kb, tenant=tenant, offset=offset, limit=limit, category=category)
    return {"articles": items, "total": total, "limit": limit, "offset": offset}


@router.get("/articles/{article_id}", response_model=None)
async def get_article(kb: KBDep, tenant: TenantDep, article_id: str) -> dict[str, Any] | JSONResponse:
    """One article with its body and its usage (citations and resolution rate)."""
    article = await catalog.get_article(kb, article_id, tenant=tenant)
    if article is None:
        return api_error(404, f"article {article_id!r} not found", {"article_id": article_id})
    return {
        "article_id": article.article_id,
        "title": article.title,
        "body": article.body,
        "category": article.category,
        "tags": article.tags,
        "source": article.source,
        "updated_at": article.updated_at,
        "usage": await usage_of(kb, article_id, tenant=tenant),
    }


@router.post("/articles", status_code=201, response_model=None, dependencies=[require("kb.edit")])
async def create_article(kb: KBDep, tenant: TenantDep, body: NewArticle) -> dict[str, Any] | JSONResponse:
    """Add an article; 409 when the id is taken (use PUT to replace)."""
    article_id = body.id or slugify(body.title)
    if await catalog.get_article(kb, article_id, tenant=tenant) is not None:
        return api_error(409, f"article {article_id!r} already exists; PUT /kb/articles/{article_id} replaces it")
    try:
        saved = await _save(kb, tenant, article_id, body)
    except LoadError as exc:
        return api_error(422, str(exc), {"article_id": article_id})
    await record("kb.create", "article", article_id, {"status": saved["status"]})
    return saved


@router.put("/articles/{article_id}", response_model=None, dependencies=[require("kb.edit")])
async def put_article(
    kb: KBDep, tenant: TenantDep, article_id: str, body: ArticleBody
) -> dict[str, Any] | JSONResponse:
    """Add or replace an article by id; unchanged content is not re-embedded."""
    try:
        saved = await _save(kb, tenant, article_id, body)
    except LoadError as exc:
        return api_error(422, str(exc), {"article_id": article_id})
    await record("kb.update", "article", article_id, {"status": saved["status"]})
    return saved


@router.delete("/articles/{article_id}", status_code=204, response_model=None, dependencies=[require("kb.edit")])
async def delete_article(kb: KBDep, tenant: TenantDep, article_id: str) -> Response:
    """Delete an article and its chunks."""
    if not await catalog.delete_articles(kb, [article_id], tenant=tenant):
        return api_error(404, f"article {article_id!r} not found", {"article_id": article_id})
    await record("kb.delete", "article", article_id)
    return Response(status_code=204)


@router.post("/upload", response_model=None, dependencies=[require("kb.edit")])
async def upload(
    kb: KBDep, tenant: TenantDep, files: Annotated[list[UploadFile], File(description="Documents to ingest.")]
) -> dict[str, Any] | JSONResponse:
    """Ingest uploaded files; files that can't be parsed are reported by name while the others are stored."""
    limit = get_settings().kb_max_upload_bytes
    unsupported = [f.filename for f in files if Path(f.filename or "").suffix.lower() not in SUPPORTED_SUFFIXES]
    if unsupported:
        return api_error(
            400,
            f"unsupported file type: {', '.join(str(name) for name in unsupported)};"
            f" accepted: {', '.join(sorted(SUPPORTED_SUFFIXES))}",
            {"files": unsupported},
        )
    contents: list[tuple[str, bytes]] = []
    for item in files:
        data = await item.read(limit + 1)
        if len(data) > limit:
            return api_error(413, f"{item.filename} is larger than {limit} bytes", {"file": item.filename})
        contents.append((str(item.filename), data))
    summary = await ingest_uploads(kb, contents, tenant=tenant)
    if summary.errors and len(summary.errors) == len(contents):
        return api_error(422, "no file could be ingested", summary.as_dict()["errors"])
    await record("kb.upload", "files", None, {"files": [name for name, _ in contents]})
    return summary.as_dict()


@router.get("/stats", dependencies=[require("analytics.read")])
async def stats(kb: KBDep, tenant: TenantDep, top: Annotated[int, Query(ge=1, le=100)] = 10) -> dict[str, Any]:
    """Counts per category, the embedding model, and the most cited articles with their resolution rates."""
    return await catalog.stats(kb, tenant=tenant) | {"most_cited": await article_usage(kb, tenant=tenant, limit=top)}


@router.get("/usage", dependencies=[require("analytics.read")])
async def usage(kb: KBDep, tenant: TenantDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    """Per article: citations, threads citing it, how many resolved, and the resolution rate."""
    return {"articles": await article_usage(kb, tenant=tenant, limit=limit)}
