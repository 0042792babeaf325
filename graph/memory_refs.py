"""Offline memory of what matters: order, account and ticket references, the customer's company, and promises.

spaCy (the pipeline Presidio already runs for PII) finds organisations and times; a Presidio pattern recogniser
finds ticket ids and long reference numbers, kept only when a cue word of signals/data/memory_cues.yaml stands
just before them. Account numbers are PII: only the last four digits are ever stored.
"""

from __future__ import annotations

import re
from functools import lru_cache

from presidio_analyzer import Pattern, PatternRecognizer

from graph.facts import Fact
from signals.pii import memory_cues, named_entities

_CUE_WINDOW = 24
"""Characters before a number searched for its cue ("order 7322...", "pedido nº 7322...")."""
_MAX_PROMISE_CHARS = 200


@lru_cache(maxsize=1)
def _recognizer() -> PatternRecognizer:
    return PatternRecognizer(
        supported_entity="REFERENCE",
        patterns=[
            Pattern("ticket id", r"\bT-\d{1,10}\b", 0.9),
            Pattern("long number", r"(?<![\w<-])\d{6,20}(?![\w>])", 0.3),
        ],
    )


def _words(text: str) -> str:
    return " " + " ".join(re.findall(r"[\w#'º°]+", text.lower())) + " "


def _kind_of_number(before: str) -> str | None:
    tail = _words(before[-_CUE_WINDOW:])
    for kind, cues in memory_cues()["references"].items():
        if any(f" {cue} " in tail for cue in cues):
            return str(kind)
    return None


def mask_account_numbers(text: str) -> str:
    """``text`` with every account number cut to its last four digits ("account …5678")."""
    out, last = [], 0
    for result in sorted(_recognizer().analyze(text, entities=["REFERENCE"]), key=lambda r: r.start):
        value = text[result.start : result.end]
        if value.isdigit() and _kind_of_number(text[: result.start]) == "account":
            out += [text[last : result.start], f"…{value[-4:]}"]
            last = result.end
    return "".join(out) + text[last:]


def text_facts(
    customer_text: str, answer_text: str, *, day: str, own_tickets: frozenset[str] = frozenset()
) -> list[Fact]:
    """Every reference, organisation and promise of one exchange, and what the customer said about each order.

    A ticket id is remembered only when it is one of ``own_tickets`` (the customer's tickets that the turn looked
    up): an id that belongs to someone else, or to no one, is not a fact about this customer.
    """
    references = [
        fact
        for fact in reference_facts(customer_text)
        if "ticket" not in fact.extra or fact.extra["ticket"] in own_tickets
    ]
    return [
        *references,
        *reported_problems(customer_text, references, day=day),
        *organisation_facts(customer_text),
        *promise_facts(answer_text, day=day),
    ]


def reported_problems(text: str, references: list[Fact], *, day: str) -> list[Fact]:
    """The customer's own sentence about each order or ticket they named ("my order ... never arrived")."""
    facts = []
    for reference in references:
        value = reference.extra.get("order") or reference.extra.get("ticket")
        if not value:
            continue
        sentence = next((s for s in re.split(r"(?<=[.!?])\s+", text) if value in s), "")
        said = mask_account_numbers(" ".join(sentence.split()))[:_MAX_PROMISE_CHARS]
        if said:
            # The first description is kept (replace_text=False): later turns only refresh the date.
            facts.append(Fact("open_issue", reference.subject, f'On {day} you told us: "{said}"', replace_text=False))
    return facts


def reference_facts(text: str) -> list[Fact]:
    """Ticket ids, order numbers (in full) and account numbers (last four digits only) the customer named."""
    facts: list[Fact] = []
    for result in _recognizer().analyze(text, entities=["REFERENCE"]):
        value = text[result.start : result.end]
        if value.startswith("T-"):
            facts.append(
                Fact("reference", f"ticket {value}", f"You mentioned ticket {value}.", extra={"ticket": value})
            )
            continue
        kind = _kind_of_number(text[: result.start])
        if kind == "order":
            facts.append(Fact("reference", f"order {value}", f"Your order number is {value}.", extra={"order": value}))
        elif kind == "account":
            last4 = value[-4:]
            facts.append(
                Fact(
                    "reference",
                    f"account {last4}",
                    f"Your account number ends in {last4}.",
                    extra={"account_last4": last4},
                )
            )
    return facts


def organisation_facts(text: str) -> list[Fact]:
    """The customer's company or workspace: a spaCy organisation, or a name next to "workspace"/"company"."""
    # spaCy often tags an id ("T-1099") as an organisation; a name with a digit in it is not taken for one.
    names = [name for label, name in named_entities(text) if label == "ORG" and not re.search(r"[<\d]", name)]
    cue = "|".join(re.escape(word) for word in memory_cues()["organisation"])
    name = r"[A-Z][\w&-]+"
    called = r"(?:\s+(?:is\s+)?(?:called|named))?"  # "our workspace is called Acme Design"
    pattern = rf"(?i:\b(?:{cue})\b{called})\s+(?P<a>{name}(?:\s{name})?)|(?P<b>{name})\s+(?i:(?:{cue})\b)"
    for match in re.finditer(pattern, text):
        names.append(match.group("a") or match.group("b"))
    seen: set[str] = set()
    facts = []
    for name in names:
        if name.lower() in seen or name.split()[0].lower() in {"the", "my", "our", "your", "i", "we"}:
            continue
        seen.add(name.lower())
        facts.append(
            Fact("reference", "organisation", f"Your company or workspace is {name}.", extra={"organisation": name})
        )
    return facts[:1]


def promise_facts(answer: str, *, day: str) -> list[Fact]:
    """Sentences of our answer that promise something by a time ("we'll refund you within 5 days")."""
    cues = [str(c).lower() for c in memory_cues()["promise"]]
    facts = []
    for sentence in re.split(r"(?<=[.!?])\s+", answer):
        said = sentence.strip()
        lowered = said.lower().replace("’", "'")
        if not any(cue in lowered for cue in cues) or len(said) > _MAX_PROMISE_CHARS:
            continue
        if any(label in ("DATE", "TIME") for label, _ in named_entities(said)):
            facts.append(Fact("promise", said[:60], f'On {day} we promised: "{said}"'))
    return facts[:2]
