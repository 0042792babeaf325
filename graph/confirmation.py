"""Does the customer say their problem is solved? ("that worked, thanks!") -- drives confirmed resolutions.

The reading is a measured classifier over clauses with negation, question, demand and problem cues
(signals/confirmation.py, data in signals/data/confirmation.yaml): "I want it fixed", "is it fixed?" and
"great, broken again" must never close a ticket or become a memory.
"""

from __future__ import annotations

from signals.confirmation import get_confirmation_detector


def confirms_resolution(text: str) -> bool:
    """True when ``text`` says the issue is solved and nothing in it says otherwise."""
    return get_confirmation_detector().confirms(text)
