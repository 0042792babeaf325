"""Does the customer say their problem is solved? A small classifier over clauses, with clause-level cues.

Confirmed resolutions close tickets and become memories, so a false "yes" is the expensive mistake. The message is
split into clauses; a logistic regression over character and word n-grams (fitted on the labelled clauses of
signals/data/confirmation.yaml, all six languages in one model) scores each one. A clause confirms only when the
model says so and it is not negated ("that didn't fix it"), a question ("is it fixed?") or a demand ("I want it
fixed"). A clause that names a problem ("broken again") or negates a solved-sounding clause vetoes the whole
message, so sarcasm and "thanks, but it's still wrong" are not confirmations. The cue words are data too (the
``cues`` section of the same file). Measured by ``support-agent eval confirmation`` (evals/confirmation.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATA_PATH = Path(__file__).with_name("data") / "confirmation.yaml"
THRESHOLD = 0.6
"""A clause the model scores at or above this sounds like "it's solved".

A false "solved" is the expensive mistake (it closes a ticket and skips escalation), so the threshold favours
precision. On the three confirmation eval files (1,202 messages, 30 confirmations): 0.5 gave precision 0.66,
recall 0.83, false-positive rate 1.1% ("payment help", "tracking refund", "please talk to a human agent now
(...)"); 0.6 gives 0.81, 0.73 and 0.43%; 0.7 gives 0.90, 0.63 and 0.17%.
"""
_CLAUSES = re.compile(r"[^.!?;,\n]+[.!?;,\n]*")
_JOINERS = re.compile(r"\s(?:and|but|though|however|y|pero|und|aber|doch|et|mais|e|ma|però|mas|porém)\s", re.I)
_CUE_KINDS = ("negation", "question", "demand", "problem")


@dataclass(frozen=True, slots=True)
class ClauseVerdict:
    """How one clause was read (the eval and tests look at these)."""

    text: str
    score: float
    negated: bool
    question: bool
    demand: bool
    problem: bool

    @property
    def confirms(self) -> bool:
        """Sounds solved, and is stated plainly."""
        return self.score >= THRESHOLD and not (self.negated or self.question or self.demand or self.problem)

    @property
    def contradicts(self) -> bool:
        """Says something is wrong or not solved (vetoes the message): a problem word or any negation."""
        return self.problem or self.negated


def _normalise(text: str) -> str:
    text = text.lower().replace("’", "'").replace("`", "'")
    # "didn't" -> "did n't" so that the negation cue "n't" is a word of its own.
    return re.sub(r"(\w)n't\b", r"\1 n't", text)


def _cue_pattern(words: list[str]) -> re.Pattern[str]:
    parts = []
    for word in sorted({str(w).lower() for w in words}, key=len, reverse=True):
        end = "" if word.endswith("'") else r"(?!\w)"
        parts.append(r"(?<!\w)" + re.escape(word) + end)
    return re.compile("|".join(parts))


class ConfirmationDetector:
    """The fitted clause classifier and the cue patterns, built from one data file."""

    def __init__(self, data: dict[str, Any]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import FeatureUnion, make_pipeline

        texts: list[str] = []
        labels: list[int] = []
        for language, examples in data.items():
            if language == "cues":
                continue
            for label, key in ((1, "solved"), (0, "not_solved")):
                for example in examples.get(key, []):
                    texts.append(_normalise(str(example)))
                    labels.append(label)
        features = FeatureUnion(
            [
                ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)),
                ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), token_pattern=r"[\w']+")),
            ]
        )
        self._model = make_pipeline(features, LogisticRegression(C=10.0, class_weight="balanced", max_iter=2000))
        self._model.fit(texts, labels)
        cues = data["cues"]
        self._cues = {kind: _cue_pattern(cues[kind]) for kind in _CUE_KINDS}

    def clauses(self, text: str) -> list[ClauseVerdict]:
        """Each clause of ``text`` with its score and cues."""
        pieces: list[str] = []
        for match in _CLAUSES.finditer(_normalise(text)):
            pieces += [p for p in _JOINERS.split(match.group()) if p.strip(" .!?;,\n¡¿")]
        if not pieces:
            return []
        cleaned = [piece.strip() for piece in pieces]
        scores = self._model.predict_proba([c.strip(" .!?;,¡¿") for c in cleaned])[:, 1]
        verdicts = []
        for clause, score in zip(cleaned, scores, strict=True):
            body = clause.strip(" .!;,¡¿")
            first = self._cues["question"].match(body.lstrip("¿ "))
            verdicts.append(
                ClauseVerdict(
                    text=clause,
                    score=float(score),
                    negated=bool(self._cues["negation"].search(body)),
                    question=clause.rstrip().endswith("?") or "¿" in clause or bool(first),
                    demand=bool(self._cues["demand"].search(body)),
                    problem=bool(self._cues["problem"].search(body)),
                )
            )
        return verdicts

    def confirms(self, text: str) -> bool:
        """True when some clause plainly says the problem is solved and none says otherwise."""
        verdicts = self.clauses(text)
        return any(v.confirms for v in verdicts) and not any(v.contradicts for v in verdicts)


def load_confirmation_data(path: Path = DATA_PATH) -> dict[str, Any]:
    """The labelled clauses and cue words."""
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


@lru_cache(maxsize=1)
def get_confirmation_detector() -> ConfirmationDetector:
    """The process-wide detector (fitting takes a few tens of milliseconds)."""
    return ConfirmationDetector(load_confirmation_data())
