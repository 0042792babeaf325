import pytest

from signals.cues import legal_threat, refund_amount, wants_human
from signals.urgency import detect_urgency


def test_data_loss_is_critical() -> None:
    assert detect_urgency("We lost all our customer data after the update") == "critical"
    assert detect_urgency("my account was hacked") == "critical"


@pytest.mark.parametrize(
    "text",
    ["sync lost my notes!", "all my notebooks disappeared after the update", "my photos are gone"],
)
def test_losing_what_the_customer_stored_is_data_loss(text: str) -> None:
    assert detect_urgency(text) == "critical"


@pytest.mark.parametrize("text", ["I lost my password", "where are my notes stored?", "my notes are fine, thanks"])
def test_naming_stored_things_without_a_loss_is_not_critical(text: str) -> None:
    assert detect_urgency(text) != "critical"


def test_outage_and_deadline_are_high() -> None:
    assert detect_urgency("the site is down") == "high"
    assert detect_urgency("I need the invoice by tomorrow for an audit") == "high"


def test_plain_questions_are_low() -> None:
    assert detect_urgency("how do I change my email address?") == "low"


def test_a_very_negative_tone_raises_a_problem_report() -> None:
    assert detect_urgency("the upload fails", sentiment="neutral", sentiment_score=0.0) == "medium"
    assert detect_urgency("the upload fails!!!", sentiment="negative", sentiment_score=-0.8) == "high"


def test_wants_human() -> None:
    assert wants_human("Can I talk to a real person please?")
    assert wants_human("transfer me to an agent")
    assert not wants_human("no need for an agent, it works now")
    assert not wants_human("how do I add a person to my team?")


def test_legal_threat() -> None:
    assert legal_threat("I will contact my lawyer")
    assert legal_threat("see you in small claims")
    assert not legal_threat("is there a court case fee feature? we are a law firm")


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("refund the $250 you charged me", 250.0),
        ("I was billed 1.234,50 € by mistake", 1234.5),
        ("charged me 1,200.00 USD twice", 1200.0),
        ("refund 300 eur please", 300.0),
        ("where is my order 12345?", None),
        ("I paid nothing, just a question about 500 dollars plans?", 500.0),
    ],
)
def test_refund_amount(text: str, amount: float | None) -> None:
    assert refund_amount(text) == amount


def test_amount_without_money_words_is_ignored() -> None:
    assert refund_amount("the $300 model looks nice") is None
