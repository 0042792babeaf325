"""Personal data out before anything is written: the one redaction every support write path applies.

Uses ``signals.redact_pii`` with the deployment's ``PII_MODE`` (and ``PII_HASH_SALT`` for ``hash``), the same
redaction the run-input guard applies to customer messages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, overload

from settings import get_settings

# Keys whose values are identifiers or enums, never free text a person typed.
_STRUCTURAL_KEYS = frozenset(
    {
        *("id", "type", "role", "tool_call_id", "run_id", "thread_id", "checkpoint_id", "ticket_id", "as_node"),
        *("action", "agent", "status", "team", "priority", "intent", "category", "language", "sentiment"),
        *("urgency", "tier", "channel", "persona", "model", "kind", "customer_id", "tenant"),
    }
)


# Names and places are found by NER, which also flags ticket ids ("T-1001") and products ("Windows"); on these
# paths a name is a staff member's or the profile's own, so only identifiers and financial data are replaced.
_NAME_TYPES = frozenset({"PERSON", "LOCATION"})


@overload
def redact_text(text: str) -> str: ...
@overload
def redact_text(text: None) -> None: ...
def redact_text(text: str | None) -> str | None:
    """``text`` with emails, phone numbers, card numbers, IBANs... replaced (None stays None); names are kept."""
    if not text:
        return text
    from signals import redact_pii  # loads the PII recognisers on first use

    settings = get_settings()
    if settings.pii_mode == "off":
        return text
    found = redact_pii(text, mode=settings.pii_mode, salt=settings.pii_hash_salt)
    spans = sorted((s for s in found.spans if s.type not in _NAME_TYPES), key=lambda s: (s.start, -s.end))
    if not spans:
        return text
    parts: list[str] = []
    cursor = 0
    for span in spans:
        if span.start < cursor:
            continue  # inside a span already replaced
        value = text[span.start : span.end]
        alone = redact_pii(value, mode=settings.pii_mode, salt=settings.pii_hash_salt).text
        parts += [text[cursor : span.start], alone if alone != value else f"<{span.type}>"]
        cursor = span.end
    return "".join([*parts, text[cursor:]])


def redact_value(value: Any, *, text: Callable[[str], str] = redact_text) -> Any:
    """A copy of JSON-like ``value`` with every free-text string redacted (ids, types and roles kept as they are).

    ``text`` redacts one string: names are kept by default; a thread's pseudonyms replace them too.
    """
    if isinstance(value, str):
        return text(value)
    if isinstance(value, list):
        return [redact_value(item, text=text) for item in value]
    if isinstance(value, dict):
        return {k: v if k in _STRUCTURAL_KEYS else redact_value(v, text=text) for k, v in value.items()}
    return value
