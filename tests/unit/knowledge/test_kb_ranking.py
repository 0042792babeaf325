import pytest

from knowledge.search import IDENTIFIER_BONUS, KEYWORD_BONUS, Evidence, weigh_coverage


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


def test_the_article_with_the_message_s_distinctive_words_wins_a_near_tie() -> None:
    # "I was charged twice for my subscription": the encoder slightly prefers the cancellation article.
    found = {
        "cancel-subscription": Evidence(cosines=[0.639], lexemes={"subscript", "charg"}),
        "duplicate-charge": Evidence(cosines=[0.623], lexemes={"subscript", "charg", "twice"}),
        "refund-policy": Evidence(cosines=[0.497], lexemes={"subscript", "charg"}),
        "payment-methods": Evidence(cosines=[0.40], lexemes={"charg"}),
    }
    weigh_coverage(found, ["charg", "twice", "subscript"])
    assert found["duplicate-charge"].coverage == pytest.approx(1.0)
    assert 0 < found["payment-methods"].coverage < found["cancel-subscription"].coverage < 1.0
    ranked = sorted(found, key=lambda article: -found[article].rank_score())
    assert ranked[:2] == ["duplicate-charge", "cancel-subscription"]


def test_coverage_cannot_lift_a_clearly_worse_match() -> None:
    found = {
        "right": Evidence(cosines=[0.80], lexemes=set()),
        "wordy": Evidence(cosines=[0.55], lexemes={"export", "note", "pdf"}),
    }
    weigh_coverage(found, ["export", "note", "pdf"])
    assert found["right"].rank_score() > found["wordy"].rank_score()
    weigh_coverage(found, [])  # a message with no indexable words changes nothing
    assert found["wordy"].coverage == pytest.approx(1.0)
