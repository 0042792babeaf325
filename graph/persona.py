"""Which persona speaks this turn: the run's choice, else the customer's remembered style, else the deployment's."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from graph.state import MemoryFact
from prompts.loader import Persona, available_personas, load_persona
from settings import get_settings

logger = logging.getLogger(__name__)


def resolve_persona(requested: str | None, memories: Sequence[MemoryFact]) -> Persona:
    """The persona for a turn; an unknown requested name falls back (and is logged) instead of failing the turn."""
    remembered = next((m["extra"].get("persona") for m in memories if m["key"] == "preference:style"), None)
    known = available_personas()
    for name in (requested, remembered, get_settings().persona):
        if name and name in known:
            return load_persona(name)
        if name:
            logger.warning("persona %r is not in prompts/personas (%s); falling back", name, ", ".join(known))
    return load_persona(known[0])
