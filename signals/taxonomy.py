"""The intent taxonomy: load it from intents.yaml or from labelled examples, and fingerprint it for caching."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

DEFAULT_TAXONOMY_PATH = Path(__file__).with_name("intents.yaml")


@dataclass(frozen=True, slots=True)
class Intent:
    """One routable intent."""

    name: str
    description: str
    team: str | None
    examples: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """An ordered set of intents."""

    intents: tuple[Intent, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """Intent names in file order."""
        return tuple(intent.name for intent in self.intents)

    def team_for(self, name: str) -> str | None:
        """The team that handles ``name`` (None for unknown or out-of-scope)."""
        for intent in self.intents:
            if intent.name == name:
                return intent.team
        return None

    def fingerprint(self) -> str:
        """A content hash: equal taxonomies share a fitted classifier."""
        payload = [[i.name, i.description, i.team, list(i.examples)] for i in self.intents]
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]

    @classmethod
    def from_examples(cls, examples: Iterable[tuple[str, str]]) -> Taxonomy:
        """A taxonomy defined only by ``(text, label)`` pairs (no teams, no descriptions)."""
        grouped: dict[str, list[str]] = {}
        for text, label in examples:
            grouped.setdefault(label, []).append(text)
        return cls(tuple(Intent(name, "", None, tuple(texts)) for name, texts in grouped.items()))


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """Read a taxonomy file; raises ValueError naming the first malformed entry."""
    source = path or DEFAULT_TAXONOMY_PATH
    raw = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    entries = raw.get("intents") if isinstance(raw, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{source}: expected a non-empty 'intents' list")
    intents: list[Intent] = []
    for position, entry in enumerate(entries):
        if not isinstance(entry, dict) or not entry.get("name") or not entry.get("examples"):
            raise ValueError(f"{source}: intent #{position} needs a name and at least one example")
        intents.append(
            Intent(
                name=str(entry["name"]),
                description=str(entry.get("description", "")),
                team=str(entry["team"]) if entry.get("team") else None,
                examples=tuple(str(example) for example in entry["examples"]),
            )
        )
    names = [intent.name for intent in intents]
    if len(set(names)) != len(names):
        raise ValueError(f"{source}: intent names must be unique")
    return Taxonomy(tuple(intents))
