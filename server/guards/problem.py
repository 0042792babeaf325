"""What a guard reports: the field at fault, a readable message, and the HTTP status to answer with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason to refuse a request; ``field`` names where it is (``metadata.tags[2]``, ``query.limit``)."""

    field: str
    message: str
    status: int = 422

    def details(self) -> dict[str, Any]:
        """The ``details`` of the JSON error body."""
        return {"field": self.field}

    def text(self) -> str:
        """The error body's ``message``: the field, then what is wrong with it."""
        return f"{self.field}: {self.message}"
