"""A bounded, thread-safe map that evicts the least recently used entry: the memo behind every text-keyed cache.

The PII pass remembers its redactions and spaCy's entities, and the encoders their sentence vectors; each keeps the
texts of recent turns, because the run-input guard, the classify node and the memory writer read the same message.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable


class Lru[K: Hashable, V]:
    """At most ``max_items`` entries; reading or writing one makes it the most recent."""

    def __init__(self, max_items: int) -> None:
        self._items: OrderedDict[K, V] = OrderedDict()
        self._max = max_items
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        """The value stored under ``key``, or None."""
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        """Store ``value``, evicting the least recently used entries beyond the bound."""
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._max:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)
