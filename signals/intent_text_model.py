"""A word and character n-gram model of the same examples, blended into the embedding router's probabilities.

Sentence embeddings blur the one keyword that separates close intents ("check" vs "get" an invoice) and drift on
typos; TF-IDF word bigrams and character 2-5-grams keep both. Alone it is weak (bitext, 10 per intent: 0.87), but
blended at 0.3 with the embedding head it adds about 0.3 points of accuracy and lifts out-of-scope F1 from 0.95 to
0.97. Transforming one message costs well under a millisecond.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

Matrix = np.ndarray[Any, np.dtype[np.float64]]


class TextIntentModel:
    """TF-IDF (word 1-2-grams + char_wb 2-5-grams) and a logistic regression, classes aligned to a given order."""

    def __init__(self, vectorizers: Sequence[Any], model: Any, classes: Sequence[str]) -> None:
        self._vectorizers = list(vectorizers)
        own = [str(label) for label in model.classes_]
        coef, intercept = np.asarray(model.coef_), np.asarray(model.intercept_)
        if coef.shape[0] == 1:  # two classes: sklearn keeps one logit z for the second, i.e. logits (0, z)
            coef, intercept = np.vstack([np.zeros_like(coef), coef]), np.concatenate([[0.0], intercept])
        # The blend adds column by column, so reorder to the embedding head's class order once, here; scoring
        # by hand skips sklearn's per-call checks (a third of the cost for one message).
        columns = [own.index(label) for label in classes]
        self._weights = np.ascontiguousarray(coef[columns].T)
        self._intercept = intercept[columns]

    @classmethod
    def fit(
        cls, texts: Sequence[str], labels: Sequence[str], weights: Matrix, *, c: float, classes: Sequence[str]
    ) -> TextIntentModel:
        """Fit on weighted ``(text, label)`` pairs; ``classes`` is the column order ``predict_proba`` returns."""
        from scipy.sparse import hstack  # type: ignore[import-untyped]
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        vectorizers = [
            TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
        ]
        features = hstack([vectorizer.fit_transform(list(texts)) for vectorizer in vectorizers], format="csr")
        model = LogisticRegression(C=c, max_iter=5000)
        model.fit(features, np.array(labels), sample_weight=weights)
        return cls(vectorizers, model, classes)

    def predict_proba(self, texts: Sequence[str]) -> Matrix:
        """One row of class probabilities per text, columns in the ``classes`` order given at fit time."""
        from scipy.sparse import hstack
        from scipy.special import softmax  # type: ignore[import-untyped]

        features = hstack([vectorizer.transform(list(texts)) for vectorizer in self._vectorizers], format="csr")
        logits = np.asarray(features @ self._weights) + self._intercept
        probabilities: Matrix = softmax(logits, axis=1)
        return probabilities
