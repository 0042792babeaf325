import pytest

from knowledge.search import IDENTIFIER_BONUS, KEYWORD_BONUS, Evidence


def test_single_query_scores_its_cosine() -> None:
    assert Evidence(cosines=[0.62]).rank_score() == pytest.approx(0.62)


def test_one_strong_sentence_match_beats_several_weak_ones() -> None:
    strong_once = Evidence(cosines=[0.30, 0.71, 0.20])  # one sentence of the message is about this article
    weak_everywhere = Evidence(cosines=[0.45, 0.44, 0.46])
    assert strong_once.rank_score() > weak_everywhere.rank_score()


def test_matching_two_sentences_beats_matching_one_equally_well() -> None:
    assert Evidence(cosines=[0.6, 0.6]).rank_score() > Evidence(cosines=[0.6, 0.1]).rank_score()


def test_keyword_and_identifier_matches_add_bonuses() -> None:
    base = Evidence(cosines=[0.5]).rank_score()
    assert Evidence(cosines=[0.5], keyword=True).rank_score() == pytest.approx(base + KEYWORD_BONUS)
    assert Evidence(cosines=[0.5], identifier=True).rank_score() == pytest.approx(base + IDENTIFIER_BONUS)
    assert Evidence(cosines=[0.45], identifier=True).rank_score() > Evidence(cosines=[0.6]).rank_score()
