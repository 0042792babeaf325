from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest

from knowledge.embeddings import LocalEmbeddings, get_local_embeddings


@pytest.fixture(scope="module")
def embeddings() -> LocalEmbeddings:
    return get_local_embeddings()


def test_concurrent_callers_share_forward_passes(embeddings: LocalEmbeddings, monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [f"where is my order number {i}" for i in range(24)]
    expected = embeddings.encode(texts)
    passes: list[int] = []
    original = embeddings._model.encode
    gate = threading.Event()

    def counting_encode(batch: list[str], **kwargs: Any) -> Any:
        passes.append(len(batch))
        gate.wait(timeout=5)  # hold the first pass so the other callers queue behind it
        return original(batch, **kwargs)

    monkeypatch.setattr(embeddings._model, "encode", counting_encode)
    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(embeddings.encode, [text]) for text in texts]
        gate.set()
        results = [future.result() for future in futures]
    for result, row in zip(results, expected, strict=True):
        assert result.shape == (1, expected.shape[1])
        np.testing.assert_allclose(result[0], row, atol=1e-5)
    assert sum(passes) == len(texts)
    assert len(passes) < len(texts)  # requests were batched together


def test_a_failed_pass_reaches_every_waiting_caller(
    embeddings: LocalEmbeddings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(batch: list[str], **kwargs: Any) -> Any:
        raise RuntimeError("model exploded")

    monkeypatch.setattr(embeddings._model, "encode", broken)
    with pytest.raises(RuntimeError, match="model exploded"):
        embeddings.encode(["anything"])
    monkeypatch.undo()
    assert embeddings.encode(["recovered"]).shape[0] == 1
