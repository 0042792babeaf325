"""The PII analyzer's spaCy pipeline runs the NER component alone: the shared tok2vec feeds only the tagger and
parser, which are off, so dropping it changes no entity."""

from __future__ import annotations

import json
from pathlib import Path

import spacy

from signals.pii import LANGUAGE, SPACY_MODEL, get_pii_analyzer


def _texts(shared_data: Path, per_file: int) -> list[str]:
    texts: list[str] = []
    for name in ("wnut17_ner.jsonl", "btc_ner.jsonl", "faker_support_generated.jsonl"):
        with (shared_data / "pii" / name).open() as rows:
            for _, line in zip(range(per_file), rows, strict=False):
                row = json.loads(line)
                texts.append(str(row.get("text") or " ".join(row.get("tokens", []))))
    return texts


def test_only_ner_runs() -> None:
    nlp = get_pii_analyzer().nlp_engine.get_nlp(LANGUAGE)  # type: ignore[attr-defined]
    assert nlp.pipe_names == ["ner"]


def test_ner_alone_finds_the_entities_it_found_after_tok2vec(shared_data: Path) -> None:
    texts = _texts(shared_data, per_file=150)
    ours = get_pii_analyzer().nlp_engine.get_nlp(LANGUAGE)  # type: ignore[attr-defined]
    whole = spacy.load(SPACY_MODEL, disable=["tagger", "parser", "attribute_ruler", "lemmatizer", "senter"])
    assert whole.pipe_names == ["tok2vec", "ner"]
    found = [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in ours.pipe(texts)]
    expected = [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in whole.pipe(texts)]
    assert sum(map(len, expected)) > 100  # the texts do name people, places and organisations
    assert found == expected
