from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest

from knowledge.embeddings import LOCAL_DEFAULT, LocalEmbeddings, get_embeddings, get_local_embeddings


@pytest.fixture(scope="module")
def embeddings() -> LocalEmbeddings:
    return get_local_embeddings()


def test_concurrent_callers_share_forward_passes(embeddings: LocalEmbeddings, monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [f"where is order number {i} of the batching test" for i in range(24)]
    expected = embeddings.encode(texts)
    passes: list[int] = []
    original = embeddings._model.encode_layers
    gate = threading.Event()

    def counting_encode(batch: list[str], **kwargs: Any) -> Any:
        passes.append(len(batch))
        gate.wait(timeout=5)  # hold the first pass so the other callers queue behind it
        return original(batch, **kwargs)

    monkeypatch.setattr(embeddings._model, "encode_layers", counting_encode)
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

    monkeypatch.setattr(embeddings._model, "encode_layers", broken)
    with pytest.raises(RuntimeError, match="model exploded"):
        embeddings.encode(["a sentence nobody encoded before the model exploded"])
    monkeypatch.undo()
    assert embeddings.encode(["recovered"]).shape[0] == 1


def test_a_message_read_again_in_the_same_turn_is_not_encoded_again(
    embeddings: LocalEmbeddings, monkeypatch: pytest.MonkeyPatch
) -> None:
    encoded: list[str] = []
    original = embeddings._model.encode_layers

    def recording_encode(batch: list[str], **kwargs: Any) -> Any:
        encoded.extend(batch)
        return original(batch, **kwargs)

    monkeypatch.setattr(embeddings._model, "encode_layers", recording_encode)
    first = embeddings.encode(["I was charged twice for the cache test", "hello cache test"])
    again = embeddings.encode(["hello cache test", "a new line for the cache test", "hello cache test"])
    assert encoded == ["I was charged twice for the cache test", "hello cache test", "a new line for the cache test"]
    np.testing.assert_array_equal(again[0], first[1])
    np.testing.assert_array_equal(again[2], first[1])
    again[0][:] = 0  # callers get copies: changing one does not corrupt what the next caller reads
    np.testing.assert_array_equal(embeddings.encode(["hello cache test"])[0], first[1])


def test_every_name_for_the_local_model_is_one_instance(embeddings: LocalEmbeddings) -> None:
    assert get_embeddings(LOCAL_DEFAULT) is embeddings
    assert get_embeddings() is embeddings  # the default setting names the same model
