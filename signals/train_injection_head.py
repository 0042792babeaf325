"""Fit the injection head: logistic regression over the local encoder's [sentence | middle-layer] vector.

Run ``python -m signals.train_injection_head`` with the development data present; it prints 5-fold and
leave-one-source-out figures and writes ``signals/data/injection_head.npz`` (weights only, no rows).
Trained on ``../shared/data/injection/injection_dev.jsonl`` (third-party attacks and benign support messages,
see that README) plus our own ``signals/data/injection_train.jsonl``.
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
C = 4.0


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _fit(features: np.ndarray[Any, Any], labels: np.ndarray[Any, Any]) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, max_iter=3000, class_weight="balanced").fit(features, labels)


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
    cache: Annotated[
        Path | None, typer.Option(help="npz with 'dev' and 'own' encode_layers rows, to skip encoding")
    ] = None,
) -> None:
    """Cross-validate, then fit on everything and write the head."""
    from sklearn.model_selection import StratifiedKFold

    from signals.injection import pattern_reasons

    dev, own = _rows(data), _rows(TRAINING_PATH)
    if cache is not None and cache.exists():
        stored = np.load(cache)
        x_dev, x_own = stored["dev"], stored["own"]
    else:
        from knowledge.embeddings import get_local_embeddings

        encoder = get_local_embeddings()
        x_dev = encoder.encode_layers([str(row["text"]) for row in dev])
        x_own = encoder.encode_layers([str(row["text"]) for row in own])
    y_dev = np.array([row["label"] == "attack" for row in dev])
    y_own = np.array([row["label"] == "attack" for row in own])
    patterns = np.array([bool(pattern_reasons(str(row["text"]))) for row in dev])
    variants = np.array([row["variant"] for row in dev])
    scores = np.zeros(len(dev))
    for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(x_dev, variants):
        head = _fit(np.vstack([x_dev[train], x_own]), np.concatenate([y_dev[train], y_own]))
        scores[test] = head.predict_proba(x_dev[test])[:, 1]
    _report("5-fold", dev, (scores >= SEMANTIC_THRESHOLD) | patterns)
    for variant in sorted(set(variants)):  # a source the head never saw
        held = variants == variant
        head = _fit(np.vstack([x_dev[~held], x_own]), np.concatenate([y_dev[~held], y_own]))
        scores[held] = head.predict_proba(x_dev[held])[:, 1]
    _report("leave-one-source-out", dev, (scores >= SEMANTIC_THRESHOLD) | patterns)
    head = _fit(np.vstack([x_dev, x_own]), np.concatenate([y_dev, y_own]))
    np.savez(
        HEAD_PATH,
        coef=head.coef_[0].astype(np.float32),
        intercept=np.float32(head.intercept_[0]),
        trained_on=np.array(f"{data.name} ({len(dev)} rows) + {TRAINING_PATH.name} ({len(own)} rows), C={C}"),
    )
    print(f"wrote {HEAD_PATH}")  # noqa: T201


if __name__ == "__main__":
    typer.run(main)
