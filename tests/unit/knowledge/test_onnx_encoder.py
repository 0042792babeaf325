from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from knowledge.onnx_encoder import MIDDLE_LAYER, OnnxSentenceEncoder, exported_path, model_path

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


def test_middle_layer_vectors_match_the_transformer_in_the_same_pass(cache_dir: Path) -> None:
    import torch
    from transformers import AutoModel, AutoTokenizer

    source = str(model_path())
    batch = AutoTokenizer.from_pretrained(source)(
        TEXTS, padding=True, truncation=True, max_length=256, return_tensors="pt"
    )
    with torch.inference_mode():
        hidden = AutoModel.from_pretrained(source)(**batch, output_hidden_states=True).hidden_states[MIDDLE_LAYER]
    mask = batch["attention_mask"][..., None].float()
    reference = ((hidden * mask).sum(1) / mask.sum(1)).numpy()
    reference /= np.linalg.norm(reference, axis=1, keepdims=True)

    encoder = OnnxSentenceEncoder(cache_dir, threads=1)
    layers = encoder.encode_layers(TEXTS)
    assert layers.shape == (3, 768)
    np.testing.assert_allclose(layers[:, 384:], reference, atol=2e-5)
    np.testing.assert_allclose(layers[:, :384], encoder.encode(TEXTS), atol=1e-6)
    assert not np.allclose(layers[:, 384:], layers[:, :384], atol=1e-2)  # a different layer, not a copy
