from langchain_core.documents import Document

from knowledge.search import LONG_QUERY_WORDS, fuse_articles, plan_queries


def test_short_query_is_searched_as_it_is() -> None:
    assert [sub.text for sub in plan_queries("  how do I   reset my password ")] == ["how do I reset my password"]


def test_long_rambling_query_is_split_into_its_sentences() -> None:
    query = (
        "Hi, so last week I bought the annual plan for my team and I think I was charged twice on my card. "
        "Also my colleague cannot sign in since she lost her phone with the authenticator app. "
        "Ok. And where do I find the invoice for our accounting?"
    )
    assert len(query.split()) > LONG_QUERY_WORDS
    texts = [sub.text for sub in plan_queries(query)]
    assert texts[0] == query
    assert "Also my colleague cannot sign in since she lost her phone with the authenticator app." in texts
    assert "And where do I find the invoice for our accounting?" in texts
    assert "Ok." not in texts  # too short to carry a topic of its own


def _doc(article_id: str, chunk: int) -> Document:
    return Document(page_content=f"{article_id}-{chunk}", metadata={"article_id": article_id})


def test_fusion_collapses_chunks_to_articles_and_rewards_agreement() -> None:
    full = [_doc("a", 1), _doc("a", 2), _doc("b", 1), _doc("c", 1)]
    part = [_doc("c", 3), _doc("b", 1)]
    order, best = fuse_articles([(1.0, full), (1.0, part)])
    # a is first in one list only; b and c are found by both lists, c ranks higher in the second one
    assert order == ["c", "b", "a"]
    assert best["a"].page_content == "a-1"
    assert best["c"].page_content == "c-1"  # from the first (full-query) list
    only_full, _ = fuse_articles([(1.0, full)])
    assert only_full == ["a", "b", "c"]


def test_identifiers_become_keyword_only_sub_queries() -> None:
    plan = plan_queries("my notes won't sync, the app shows NN-4012 since order NS-1234567 ($200, 14 days)")
    assert [(sub.text, sub.dense) for sub in plan[1:]] == [("NN-4012", False), ("NS-1234567", False)]
    assert plan[0].dense
    assert [sub.text for sub in plan_queries("how do I reset my password")] == ["how do I reset my password"]
