"""The unit of long-term memory: one durable fact about a customer, keyed so that updates replace it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

FactKind = Literal[
    "preference", "product", "plan", "open_issue", "attempt", "resolution", "sentiment", "reference", "promise"
]


def slugify(text: str) -> str:
    """Lowercase words joined by dashes ("Login problem!" -> "login-problem")."""
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))[:60] or "general"


@dataclass(frozen=True, slots=True)
class Fact:
    """One durable fact; facts with the same key replace each other (one plan, one channel preference...)."""

    kind: FactKind
    subject: str
    text: str
    extra: dict[str, str] = field(default_factory=dict)
    replace_text: bool = True
    """False keeps the first wording (how the customer first described an issue) and only refreshes dates."""

    @property
    def key(self) -> str:
        """Stable store key: kind plus a slug of the subject."""
        return f"{self.kind}:{slugify(self.subject)}"


@dataclass(slots=True)
class Extraction:
    """Facts to upsert and keys to forget (an issue that got solved is no longer open)."""

    facts: list[Fact] = field(default_factory=list)
    forget: list[str] = field(default_factory=list)
