import math

import pytest

from evals.retrieval import score_ranking


def test_perfect_and_missing_rankings() -> None:
    perfect = score_ranking(["a", "x", "y"], {"a"}, 10)
    assert perfect == {"recall@1": 1.0, "recall@5": 1.0, "recall@10": 1.0, "mrr@10": 1.0, "ndcg@10": 1.0}
    missing = score_ranking(["x", "y"], {"a"}, 10)
    assert missing == {"recall@1": 0.0, "recall@5": 0.0, "recall@10": 0.0, "mrr@10": 0.0, "ndcg@10": 0.0}


def test_several_relevant_documents() -> None:
    ranked = ["x", "a", "y", "z", "w", "v", "b"]
    scores = score_ranking(ranked, {"a", "b", "c"}, 10)
    assert scores["recall@1"] == 0.0
    assert scores["recall@5"] == pytest.approx(1 / 3)
    assert scores["recall@10"] == pytest.approx(2 / 3)
    assert scores["mrr@10"] == 0.5
    ideal = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert scores["ndcg@10"] == pytest.approx((1 / math.log2(3) + 1 / math.log2(8)) / ideal)
