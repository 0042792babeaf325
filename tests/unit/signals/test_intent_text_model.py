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


def test_two_class_probabilities_match_sklearn() -> None:
    from scipy.sparse import hstack  # type: ignore[import-untyped]
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts, labels = TEXTS[:4], LABELS[:4]
    model = TextIntentModel.fit(texts, labels, np.ones(4), c=30.0, classes=["get_invoice", "check_invoice"])
    vectorizers = [
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
    ]
    features = hstack([v.fit_transform(texts) for v in vectorizers], format="csr")
    reference = LogisticRegression(C=30.0, max_iter=5000).fit(features, labels)
    queries = ["check invoice", "send me the invoice"]
    expected = reference.predict_proba(hstack([v.transform(queries) for v in vectorizers], format="csr"))
    assert list(reference.classes_) == ["check_invoice", "get_invoice"]
    assert np.allclose(model.predict_proba(queries), expected[:, ::-1], atol=1e-6)
