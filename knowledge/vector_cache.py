"""Text -> sentence vector, least recently used evicted: texts that are embedded again and again are embedded once."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
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
