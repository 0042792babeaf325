"""Cross-lingual search on the seed KB: real Postgres, the real MiniLM and e5 encoders."""

from __future__ import annotations

import pytest

from knowledge import multilingual
from knowledge.ingest import seed_knowledge_base
from knowledge.store import KnowledgeBase
from settings import get_settings

pytestmark = pytest.mark.integration

RESET_QUESTIONS = {
    "es": "¿Cómo restablezco mi contraseña? No puedo entrar en mi cuenta.",
    "de": "Wie setze ich mein Passwort zurück? Ich komme nicht in mein Konto.",
    "fr": "Comment réinitialiser mon mot de passe ? Je n'arrive plus à me connecter.",
}
ENGLISH_QUESTION = "How do I reset my password? I can't get into my account."


@pytest.fixture
async def seeded(pg_url: str) -> KnowledgeBase:
    from knowledge.store import get_knowledge_base

    await seed_knowledge_base(pg_url)
    return get_knowledge_base(pg_url)


@pytest.mark.parametrize("language", sorted(RESET_QUESTIONS))
async def test_a_question_in_another_language_finds_the_english_article_above_the_threshold(
    seeded: KnowledgeBase, language: str
) -> None:
    question = RESET_QUESTIONS[language]
    assert multilingual.query_language(question) == language
    hits = await seeded.search(question, k=4)
    assert hits[0].article_id == "reset-password", [(hit.article_id, hit.score) for hit in hits]
    assert hits[0].score >= get_settings().kb_low_confidence
    assert all(hit.score <= hits[0].score for hit in hits)


async def test_english_questions_take_the_hybrid_search_unchanged(
    seeded: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_xl = await seeded.search(ENGLISH_QUESTION, k=4)
    monkeypatch.setenv("KB_MULTILINGUAL", "false")
    get_settings.cache_clear()
    try:
        without_xl = await seeded.search(ENGLISH_QUESTION, k=4)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert with_xl == without_xl
    assert with_xl[0].article_id == "reset-password"


async def test_an_unrelated_question_in_another_language_stays_below_the_threshold(seeded: KnowledgeBase) -> None:
    hits = await seeded.search("¿Cuál es la capital de Mongolia y cuántos habitantes tiene?", k=4)
    assert all(hit.score < get_settings().kb_low_confidence for hit in hits), [(h.article_id, h.score) for h in hits]


async def test_every_seeded_chunk_has_a_multilingual_vector_and_a_backfill_fills_cleared_ones(
    seeded: KnowledgeBase,
) -> None:
    table = seeded.table
    missing = await seeded.fetch_one(f'SELECT count(*) AS n FROM "{table}" WHERE embedding_xl IS NULL')
    assert missing is not None and missing["n"] == 0
    cleared = await seeded.fetch_all(
        f"UPDATE \"{table}\" SET embedding_xl = NULL WHERE article_id = 'reset-password' RETURNING langchain_id"
    )
    assert cleared
    assert await multilingual.backfill(seeded, tenant="default") == len(cleared)
    hits = await seeded.search(RESET_QUESTIONS["es"], k=4)
    assert hits[0].article_id == "reset-password"
