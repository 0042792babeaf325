import re
from dataclasses import replace

import pytest

from bench.kb_corpus import synthetic_articles, synthetic_questions
from knowledge.query_plan import plan_queries
from knowledge.search import chunk_details, embed_queries, gather_evidence
from knowledge.store import KnowledgeBase, tenant_filter
from knowledge.writer import write_articles

pytestmark = pytest.mark.integration

FETCH = 4  # small, so that the library's fused cut decides which articles are its candidates
RRF_K = 60


async def library_candidates(kb: KnowledgeBase, query: str, *, tenant: str, category: str | None) -> set[str]:
    """Candidate articles as PGVectorStore's own hybrid search (vector + keyword, RRF) finds them."""
    plan = plan_queries(query)
    vectors = iter(await embed_queries(kb.embeddings, [sub.text for sub in plan if sub.dense]))
    store = await kb.vector_store()
    found: set[str] = set()
    first: list[float] | None = None
    for sub in plan:
        vector = next(vectors) if sub.dense else first
        first = first or vector
        assert vector is not None
        config = replace(
            kb.hybrid,
            fts_query=sub.text,
            primary_top_k=FETCH if sub.dense else 0,
            secondary_top_k=FETCH,
            fusion_function_parameters={"rrf_k": RRF_K},
        )
        docs = await store.asimilarity_search_with_score_by_vector(
            vector, k=FETCH, filter=tenant_filter(tenant, category), hybrid_search_config=config
        )
        found |= {str(doc.metadata["article_id"]) for doc, _ in docs}
    return found


async def test_one_statement_finds_the_candidates_of_the_library_hybrid_search(kb: KnowledgeBase) -> None:
    articles = synthetic_articles(240)
    await write_articles(kb, articles, tenant="acme")
    # another tenant's copies under other ids: a leak across tenants would add them to our candidates
    await write_articles(kb, [replace(a, article_id=f"globex-{a.article_id}") for a in articles[:40]], tenant="globex")
    code = re.search(r"NN-\d{4}", articles[3].body)
    assert code is not None
    queries = [
        *synthetic_questions(6),
        articles[5].title,  # every word in one chunk: the keyword side finds it
        "sync notebook",  # two words, dense and keyword sides disagree: the fusion order decides
        f"my sync stopped and the app says {code.group()}",  # an identifier: keyword-only sub-query
        " ".join(f"{question}." for question in synthetic_questions(5, seed=3)),  # a rambling message
    ]
    keyword_hits = 0
    for query in queries:
        for category in (None, "billing"):
            plan = plan_queries(query)
            vectors = await embed_queries(kb.embeddings, [sub.text for sub in plan if sub.dense])
            ours = await gather_evidence(kb, plan, vectors, tenant="acme", category=category, fetch=FETCH)
            expected = await library_candidates(kb, query, tenant="acme", category=category)
            # Every sub-query keeps its own vector and keyword top-FETCH (no fused cut): a superset, still bounded.
            assert expected <= set(ours), (query, category)
            assert len(ours) <= 2 * FETCH * len(plan)
            keyword_hits += any(evidence.keyword or evidence.identifier for evidence in ours.values())
            if category:
                shown = await chunk_details(kb, [evidence.best_chunk["chunk_id"] for evidence in ours.values()])
                assert {row["category"] for row in shown.values()} <= {category}
    assert keyword_hits >= 2  # the keyword side took part, not only the vectors
