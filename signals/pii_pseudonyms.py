"""Pseudonyms instead of bare masks: the model reads ``<PERSON_1>``, ``<EMAIL_1>``, the customer reads the values.

A :class:`Pseudonyms` map belongs to one thread: the same value gets the same placeholder in every turn, and a new
value of a type gets the next number. The map leaves the process only sealed (Fernet: AES-128-CBC with an
HMAC-SHA256 tag) under ``PII_VAULT_KEY`` (``PII_VAULT_OLD_KEYS`` still open maps sealed before a rotation); what
the checkpoints, the store and the traces hold is the placeholder.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.fernet import MultiFernet

from signals.pii import redact_pii

PLACEHOLDER_TYPES = {"EMAIL_ADDRESS": "EMAIL", "PHONE_NUMBER": "PHONE", "IBAN_CODE": "IBAN"}
"""Shorter names for the model; the other PII types keep their names (PERSON, ADDRESS, CREDIT_CARD ...)."""
PLACEHOLDER = re.compile(r"<([A-Z][A-Z_]*)_(\d+)>")
_PARTIAL = re.compile(r"<[A-Z_]*\d*$")
"""The end of a streamed chunk that may be the start of a placeholder the next chunk completes."""
_MAX_PLACEHOLDER = 32


@dataclass(slots=True)
class Pseudonyms:
    """One thread's placeholders and the values they stand for."""

    values: dict[str, str] = field(default_factory=dict)
    """Placeholder (``<PERSON_1>``) -> the customer's value."""

    def placeholder_for(self, entity: str, value: str) -> str:
        """The placeholder of ``value``: the one it already has, else the next free number of its type."""
        kind = PLACEHOLDER_TYPES.get(entity, entity)
        for placeholder, known in self.values.items():
            if known == value and placeholder.startswith(f"<{kind}_"):
                return placeholder
        number = 1 + sum(1 for placeholder in self.values if placeholder.startswith(f"<{kind}_"))
        placeholder = f"<{kind}_{number}>"
        self.values[placeholder] = value
        return placeholder

    def pseudonymise(self, text: str) -> str:
        """``text`` with every PII span replaced by its placeholder (new values are added to the map).

        Values the map already holds are replaced wherever they occur, also where the recognisers miss them this
        time ("It's Annabel Quistorp again" has no cue the NER model needs).
        """
        text = self.replace_known(text)
        spans = redact_pii(text, mode="off").spans
        out: list[str] = []
        position = 0
        for span in spans:
            if span.start < position:  # overlapping spans: the first one found wins
                continue
            out += [text[position : span.start], self.placeholder_for(span.type, text[span.start : span.end])]
            position = span.end
        out.append(text[position:])
        return "".join(out)

    def replace_known(self, text: str) -> str:
        """``text`` with the values this map already holds replaced by their placeholders (no recognisers run)."""
        if not self.values:
            return text
        by_value = {value: placeholder for placeholder, value in self.values.items()}
        known = sorted(by_value, key=len, reverse=True)
        pattern = re.compile("|".join(rf"(?<!\w){re.escape(value)}(?!\w)" for value in known))
        return pattern.sub(lambda match: by_value[match.group(0)], text)

    def restore(self, text: str) -> str:
        """``text`` with the placeholders of this map replaced by their values (unknown ones are left as they are)."""
        return PLACEHOLDER.sub(lambda match: self.values.get(match.group(0), match.group(0)), text)

    def seal(self, keys: bytes | Sequence[bytes]) -> bytes:
        """The map encrypted and authenticated under ``keys`` (Fernet keys: the first one seals)."""
        return sealing(keys).encrypt(json.dumps(self.values, ensure_ascii=False).encode())

    @classmethod
    def unseal(cls, sealed: bytes, keys: bytes | Sequence[bytes]) -> Pseudonyms:
        """The map that :meth:`seal` encrypted under any of ``keys`` (``InvalidToken`` when none opens it)."""
        values: dict[str, str] = json.loads(sealing(keys).decrypt(sealed))
        return cls(values=values)


def sealing(keys: bytes | Sequence[bytes]) -> MultiFernet:
    """A ``MultiFernet`` of ``keys``: the first encrypts, every one decrypts (key rotation)."""
    from cryptography.fernet import Fernet, MultiFernet

    return MultiFernet([Fernet(key) for key in ([keys] if isinstance(keys, bytes) else keys)])


def bare_masks(text: str) -> str:
    """``text`` with thread-scoped placeholders turned into bare masks (``<EMAIL_1>`` -> ``<EMAIL>``)."""
    return PLACEHOLDER.sub(lambda match: f"<{match.group(1)}>", text)


def vault_key(secret: str) -> bytes:
    """A Fernet key from a deployment secret (``PII_VAULT_KEY``, else the PII salt)."""
    return base64.urlsafe_b64encode(hashlib.sha256(b"support-agent pseudonyms\x00" + secret.encode()).digest())


@dataclass(slots=True)
class StreamRestorer:
    """Restores placeholders in a streamed answer whose tokens may split one (``<PER`` + ``SON_1>``).

    A chunk that ends in what may be the start of a placeholder keeps that end back and puts it in front of the
    next chunk of the same message; :meth:`flush` gives back whatever is still held.
    """

    pseudonyms: Pseudonyms
    held: dict[str, str] = field(default_factory=dict)

    def chunk(self, message_id: str, text: str) -> str:
        """The restored text to send for the next chunk of ``message_id``."""
        text = self.held.pop(message_id, "") + text
        partial = _PARTIAL.search(text)
        if partial and len(text) - partial.start() < _MAX_PLACEHOLDER:
            self.held[message_id] = text[partial.start() :]
            text = text[: partial.start()]
        return self.pseudonyms.restore(text)

    def flush(self, message_id: str) -> str:
        """The held end of ``message_id`` (restored), when its stream ends."""
        return self.pseudonyms.restore(self.held.pop(message_id, ""))
