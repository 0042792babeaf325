"""Text -> sentence vector caches: texts that are embedded again and again are embedded once (in memory or on disk)."""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

Matrix = np.ndarray[Any, np.dtype[np.float32]]
Encoder = Callable[[list[str]], Matrix]


class TextVectors:
    """Text -> unit vector, least recently used evicted; misses are embedded together in one call."""

    def __init__(self, *, max_texts: int = 20_000) -> None:
        self._vectors: OrderedDict[str, Matrix] = OrderedDict()
        self._max = max_texts
        self._lock = threading.Lock()

    def encode(self, encode: Encoder, texts: Sequence[str]) -> Matrix:
        """Vectors for ``texts`` (one row each), embedding only the ones not seen before."""
        with self._lock:
            known = {text: self._vectors[text] for text in texts if text in self._vectors}
            for text in known:
                self._vectors.move_to_end(text)
        missing = list(dict.fromkeys(text for text in texts if text not in known))
        if missing:
            fresh = encode(missing)
            with self._lock:
                for text, vector in zip(missing, fresh, strict=True):
                    self._vectors[text] = vector
                    known[text] = vector
                while len(self._vectors) > self._max:
                    self._vectors.popitem(last=False)
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
