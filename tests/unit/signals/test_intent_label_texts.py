from knowledge.embeddings import get_local_embeddings
from signals.intent_label_texts import LabelText, humanise_label, informative, label_texts
from signals.taxonomy import Intent, Taxonomy


def test_label_names_are_humanised() -> None:
    assert humanise_label("check_invoice") == "check invoice"
    assert humanise_label("getRefund") == "get refund"
    assert humanise_label("Refund_not_showing_up") == "refund not showing up"
    assert humanise_label("top-up/failed") == "top up failed"


def test_names_and_descriptions_become_texts_but_numbers_do_not() -> None:
    taxonomy = Taxonomy(
        (
            Intent("cancel_order", "Cancel an order before it ships.", None, ("cancel it",)),
            Intent("42", "", None, ("what",)),
        )
    )
    assert label_texts(taxonomy) == [
        LabelText("cancel_order", "cancel order"),
        LabelText("cancel_order", "Cancel an order before it ships."),
    ]


def test_a_name_pointing_at_another_intent_is_not_used() -> None:
    examples = {
        "cancel_order": ["please cancel my order", "I want to cancel the purchase I made"],
        "track_parcel": ["where is my parcel", "my package has not arrived yet"],
        "reset_password": ["I forgot my password", "the reset link does not work"],
        "update_address": ["change my shipping address", "I moved, new address please"],
    }
    encoder = get_local_embeddings()
    texts = [text for texts in examples.values() for text in texts]
    labels = [label for label, texts in examples.items() for _ in texts]
    candidates = [LabelText("cancel_order", "cancel order"), LabelText("cancel_order", "where is my package")]
    keep = informative(candidates, encoder.encode([c.text for c in candidates]), encoder.encode(texts), labels)
    assert keep == [True, False]
