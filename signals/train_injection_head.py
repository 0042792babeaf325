"""Fit the injection head: logistic regression over the local encoder's [sentence | middle-layer] vector.

Run ``python -m signals.train_injection_head`` with the development data present; it prints 5-fold and
leave-one-source-out figures and writes ``signals/data/injection_head.npz`` (weights only, no rows).
Trained on ``../shared/data/injection/injection_dev.jsonl`` (third-party attacks and benign support messages,
see that README) plus our own ``signals/data/injection_train.jsonl``, plus the paragraphs and sentences of half of
the third-party help pages in ``../shared/data/retrieval_long/doc2dial_docs.jsonl`` as benign documents: KB text is
checked too (indirect injection), and a head that never saw how-to text flagged 46% of our own KB's paragraphs.
The other half of those pages and our seed KB (never trained on) measure false alarms on documents.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from signals.injection import HEAD_PATH, SEMANTIC_THRESHOLD, TRAINING_PATH

DEV_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "injection" / "injection_dev.jsonl"
DOCS_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "retrieval_long" / "doc2dial_docs.jsonl"
SEED_KB = Path(__file__).resolve().parents[1] / "knowledge" / "seed"
C = 4.0


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


DOCUMENT_SHARE = 0.25
"""The benign documents' total weight, as a share of the benign messages' weight: thousands of help-page sentences
must teach the head what how-to text looks like without drowning the support messages it mostly reads."""


def _fit(features: np.ndarray[Any, Any], labels: np.ndarray[Any, Any], documents: np.ndarray[Any, Any]) -> Any:
    """Logistic regression with attacks and benign text weighted equally, documents a fixed share of the benign."""
    from sklearn.linear_model import LogisticRegression

    weights = np.ones(len(labels))
    attacks, messages = labels, ~labels & ~documents
    weights[attacks] = len(labels) / (2 * max(attacks.sum(), 1))
    benign_total = len(labels) / 2
    weights[messages] = benign_total * (1 - DOCUMENT_SHARE) / max(messages.sum(), 1)
    if documents.any():
        weights[documents] = benign_total * DOCUMENT_SHARE / documents.sum()
    else:
        weights[messages] = benign_total / max(messages.sum(), 1)
    return LogisticRegression(C=C, max_iter=3000).fit(features, labels, sample_weight=weights)


def _encoded(cache: Path | None, name: str, texts: list[str], encoder: Any) -> np.ndarray[Any, Any]:
    """``encode_layers`` rows for ``texts``, kept in ``cache`` (a directory) keyed by the texts' hash."""
    import hashlib

    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    digest = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:16]
    path = cache / f"{name}-{digest}.npy" if cache is not None else None
    if path is not None and path.exists():
        stored: np.ndarray[Any, Any] = np.load(path)
        return stored
    rows: np.ndarray[Any, Any] = encoder.encode_layers(texts)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, rows)
    return rows


def _document_units(text: str) -> list[str]:
    """What the document check scores: each paragraph, and each sentence window of a long one."""
    import re

    from signals.injection import _windows

    units: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        if paragraph.strip():
            units += [paragraph.strip(), *_windows(paragraph)]
    return units


def _documents(path: Path) -> tuple[list[list[str]], list[list[str]]]:
    """Per page, its units: (even pages for training, odd pages held out)."""
    pages = [_document_units(str(row["text"])) for row in _rows(path)]
    return pages[0::2], pages[1::2]


def _document_alarm_rate(name: str, units: list[str], rows: np.ndarray[Any, Any], head: Any) -> None:
    """Share of document units (paragraphs and their sentence windows) the document check would flag."""
    from signals.injection import pattern_reasons

    if not units:
        return
    scores = head.predict_proba(rows)[:, 1]
    flagged = (scores >= SEMANTIC_THRESHOLD) | np.array([bool(pattern_reasons(unit)) for unit in units])
    print(name, json.dumps({"units": len(units), "false_alarm_rate": round(float(flagged.mean()), 4)}))  # noqa: T201


def _report(name: str, rows: list[dict[str, Any]], flagged: np.ndarray[Any, Any]) -> None:
    attack = np.array([row["label"] == "attack" for row in rows])
    by_variant: dict[str, list[bool]] = defaultdict(list)
    by_language: dict[str, list[bool]] = defaultdict(list)
    for row, hit in zip(rows, flagged, strict=True):
        by_variant[row["variant"]].append(bool(hit))
        if row["label"] == "attack":
            by_language[row.get("language") or "unset"].append(bool(hit))
    summary = {
        "recall": round(float(flagged[attack].mean()), 4),
        "false_positive_rate": round(float(flagged[~attack].mean()), 4),
        "flagged_by_variant": {key: round(float(np.mean(hits)), 3) for key, hits in sorted(by_variant.items())},
        "recall_by_language": {key: round(float(np.mean(hits)), 3) for key, hits in sorted(by_language.items())},
    }
    print(name, json.dumps(summary))  # noqa: T201


def main(
    data: Path = DEV_DATA,
    cache: Annotated[Path | None, typer.Option(help="a directory that keeps the encoded rows between runs")] = None,
) -> None:
    """Cross-validate, then fit on everything and write the head."""
    from sklearn.model_selection import StratifiedKFold

    from knowledge.embeddings import get_local_embeddings
    from signals.injection import pattern_reasons

    encoder = get_local_embeddings()
    dev, own = _rows(data), _rows(TRAINING_PATH)
    train_pages, held_pages = _documents(DOCS_DATA) if DOCS_DATA.exists() else ([], [])
    doc_units = [unit for units in train_pages for unit in units]
    held_units = [unit for units in held_pages for unit in units]
    seed_units = [u for path in sorted(SEED_KB.glob("*/*.md")) for u in _document_units(path.read_text("utf-8"))]
    x_dev = _encoded(cache, "dev", [str(row["text"]) for row in dev], encoder)
    x_own = _encoded(cache, "own", [str(row["text"]) for row in own], encoder)
    if doc_units:  # benign documents join our own rows: in every fold, never scored as dev rows
        x_own = np.vstack([x_own, _encoded(cache, "docs", doc_units, encoder)])
    y_dev = np.array([row["label"] == "attack" for row in dev])
    y_own = np.concatenate([[row["label"] == "attack" for row in own], np.zeros(len(doc_units), dtype=bool)])
    d_dev = np.zeros(len(dev), dtype=bool)
    d_own = np.concatenate([np.zeros(len(own), dtype=bool), np.ones(len(doc_units), dtype=bool)])
    patterns = np.array([bool(pattern_reasons(str(row["text"]))) for row in dev])
    variants = np.array([row["variant"] for row in dev])

    def fit_on(rows: np.ndarray[Any, Any]) -> Any:
        """The head fitted on these dev rows plus our own rows and the documents."""
        return _fit(
            np.vstack([x_dev[rows], x_own]), np.concatenate([y_dev[rows], y_own]), np.concatenate([d_dev[rows], d_own])
        )

    scores = np.zeros(len(dev))
    for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(x_dev, variants):
        scores[test] = fit_on(train).predict_proba(x_dev[test])[:, 1]
    _report("5-fold", dev, (scores >= SEMANTIC_THRESHOLD) | patterns)
    for variant in sorted(set(variants)):  # a source the head never saw
        held = variants == variant
        scores[held] = fit_on(~held).predict_proba(x_dev[held])[:, 1]
    _report("leave-one-source-out", dev, (scores >= SEMANTIC_THRESHOLD) | patterns)
    head = fit_on(np.ones(len(dev), dtype=bool))
    _document_alarm_rate("held-out help pages", held_units, _encoded(cache, "held", held_units, encoder), head)
    _document_alarm_rate("seed KB (never trained on)", seed_units, _encoded(cache, "seed", seed_units, encoder), head)
    np.savez(
        HEAD_PATH,
        coef=head.coef_[0].astype(np.float32),
        intercept=np.float32(head.intercept_[0]),
        trained_on=np.array(
            f"{data.name} ({len(dev)} rows) + {TRAINING_PATH.name} ({len(own)} rows) + {len(doc_units)} help-page "
            f"units at {DOCUMENT_SHARE} of the benign weight, C={C}"
        ),
    )
    print(f"wrote {HEAD_PATH}")  # noqa: T201


if __name__ == "__main__":
    typer.run(main)
