from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from knowledge.onnx_encoder import OnnxSentenceEncoder, exported_path, model_path

TEXTS = [
    "I was charged twice for my subscription this month",
    "hi",
    "How do I export every notebook to PDF before I cancel my plan? " * 20,  # longer than 256 tokens
]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


def test_onnx_vectors_match_sentence_transformers(cache_dir: Path) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(model_path()), device="cpu").encode(TEXTS, normalize_embeddings=True)
    encoder = OnnxSentenceEncoder(cache_dir, threads=2)
    for parallel in (False, True):
        vectors = encoder.encode(TEXTS, parallel=parallel)
        assert vectors.shape == (3, 384) and vectors.dtype == np.float32
        np.testing.assert_allclose(vectors, reference, atol=2e-5)


def test_the_export_is_cached_and_reused(cache_dir: Path) -> None:
    OnnxSentenceEncoder(cache_dir, threads=1)
    exported = exported_path(cache_dir, model_path())
    before = exported.stat().st_mtime_ns
    OnnxSentenceEncoder(cache_dir, threads=1).encode(["again"])
    assert exported.stat().st_mtime_ns == before
    assert [p.name for p in cache_dir.iterdir()] == [exported.name]  # no partial files left behind


def test_input_order_is_kept_when_lengths_differ(cache_dir: Path) -> None:
    encoder = OnnxSentenceEncoder(cache_dir, threads=1)
    texts = [f"{'very ' * i}long message number {i}" for i in range(70, 0, -1)]  # more than one 64-row chunk
    together = encoder.encode(texts)
    alone = np.vstack([encoder.encode([text]) for text in texts[:3] + texts[-3:]])
    np.testing.assert_allclose(np.vstack([together[:3], together[-3:]]), alone, atol=2e-5)
