import numpy as np

from signals.intent_text_model import TextIntentModel

TEXTS = [
    "check my invoice",
    "I want to check the invoices",
    "get me the invoice",
    "download invoice please",
    "cancel the order",
    "cancel my purchase",
]
LABELS = ["check_invoice", "check_invoice", "get_invoice", "get_invoice", "cancel_order", "cancel_order"]


def test_columns_follow_the_requested_class_order() -> None:
    classes = ["get_invoice", "cancel_order", "check_invoice"]
    model = TextIntentModel.fit(TEXTS, LABELS, np.ones(len(TEXTS)), c=30.0, classes=classes)
    probabilities = model.predict_proba(["chekc my invoices", "cancle order"])
    assert probabilities.shape == (2, 3)
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    assert [classes[i] for i in probabilities.argmax(axis=1)] == ["check_invoice", "cancel_order"]


def test_sample_weights_shift_the_decision() -> None:
    texts, labels = ["invoice", "invoice please"], ["check_invoice", "get_invoice"]
    heavy_get = TextIntentModel.fit(
        texts, labels, np.array([1.0, 5.0]), c=30.0, classes=["check_invoice", "get_invoice"]
    )
    heavy_check = TextIntentModel.fit(
        texts, labels, np.array([5.0, 1.0]), c=30.0, classes=["check_invoice", "get_invoice"]
    )
    assert heavy_get.predict_proba(["invoice"])[0, 1] > heavy_check.predict_proba(["invoice"])[0, 1]
