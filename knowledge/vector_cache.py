"""Text -> sentence vector caches: texts that are embedded again and again are embedded once (in memory or on disk)."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.lru import Lru

Matrix = np.ndarray[Any, np.dtype[np.float32]]
Encoder = Callable[[list[str]], Matrix]


class TextVectors:
    """Text -> unit vector, least recently used evicted; misses are embedded together in one call."""

    def __init__(self, *, max_texts: int = 20_000) -> None:
        self._vectors: Lru[str, Matrix] = Lru(max_texts)

    def encode(self, encode: Encoder, texts: Sequence[str]) -> Matrix:
        """Vectors for ``texts`` (one row each), embedding only the ones not seen before."""
        known = {text: vector for text in dict.fromkeys(texts) if (vector := self._vectors.get(text)) is not None}
        missing = [text for text in dict.fromkeys(texts) if text not in known]
        if missing:
            for text, vector in zip(missing, encode(missing), strict=True):
                self._vectors.put(text, vector)
                known[text] = vector
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([known[text] for text in texts]).astype(np.float32, copy=False)

    def __len__(self) -> int:
        return len(self._vectors)


class DiskVectors:
    """Text -> vector kept in files under ``root`` (one per text, written atomically), shared by every process.

    For a slow encoder and texts that come back on every start (the seed KB indexed into each test database):
    they are encoded once per machine. ``root`` should name the model, so another model never reads these.
    """

    def __init__(self, root: Path) -> None:
        self._root = root

    def _path(self, text: str) -> Path:
        digest = hashlib.sha256(text.encode()).hexdigest()
        return self._root / digest[:2] / f"{digest}.npy"

    def encode(self, encode: Encoder, texts: Sequence[str]) -> Matrix:
        """Vectors for ``texts`` (one row each), encoding only the ones no process has stored yet."""
        known: dict[str, Matrix] = {}
        for text in dict.fromkeys(texts):
            path = self._path(text)
            try:
                known[text] = np.load(path, allow_pickle=False)
            except (OSError, ValueError):  # missing, or a file another process is still writing
                continue
        missing = [text for text in dict.fromkeys(texts) if text not in known]
        if missing:
            for text, vector in zip(missing, encode(missing), strict=True):
                known[text] = vector
                self._store(self._path(text), vector)
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([known[text] for text in texts]).astype(np.float32, copy=False)

    @staticmethod
    def _store(path: Path, vector: Matrix) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.partial")
        with partial.open("wb") as file:
            np.save(file, np.asarray(vector, dtype=np.float32), allow_pickle=False)
        os.replace(partial, path)
