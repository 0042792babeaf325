"""Explicit cues the escalation policy acts on: asking for a person, legal threats, disputed money amounts."""

from __future__ import annotations

import re

_HUMAN = re.compile(
    r"\b(?:(?:talk|speak|chat|get|connect|transfer|put)\w*\s+(?:me\s+)?(?:to|with|"
    r"through to)?\s*(?:an?\s+|the\s+|your\s+|"
    r"some\s*)?(?:real\s+|actual\s+|live\s+)?(?:human|person|people|agent|representative|rep|operator|"
    r"manager|supervisor|"
    r"someone|somebody|staff|customer service)|(?:real|actual|live)\s+(?:human|person|agent)|human\s+(?:agent|being|"
    r"please)|not\s+(?:a|the|this)\s+(?:bot|robot|machine)|stop\s+the\s+bot|escalate\s+(?:this|my)|"
    r"hablar con (?:una persona|un humano|un agente)|parler à (?:un humain|une personne|un conseiller)|"
    r"mit einem (?:menschen|mitarbeiter) sprechen|parlare con (?:un operatore|una persona))",
    re.IGNORECASE,
)
_NOT_HUMAN = re.compile(r"\b(?:no need|don't need|do not need|without)\b.{0,25}\b(?:human|agent|person)\b", re.I)
_LEGAL = re.compile(
    r"\b(?:lawyer|attorney|solicitor|legal action|take (?:legal )?action against|sue|suing|lawsuit|"
    r"(?:take|taking|see) (?:you|them|this|it) (?:to|in) court|"
    r"litigation|"
    r"small claims|class action|report you to|consumer protection|ombudsman|trading standards|regulator|"
    r"better business bureau|bbb|ftc|gdpr complaint|data protection authority|cease and desist|"
    r"abogado|demanda|avocat|poursuites|anwalt|klage|gericht|avvocato)\b",
    re.IGNORECASE,
)
_MONEY_WORDS = re.compile(
    r"\b(?:refund|reimburse|money back|give it back|charge[ds]?|charging|overcharged|billed|dispute|chargeback|debited|"
    r"took|taken|withdr[ae]w\w*|stole|without (?:my )?(?:permission|consent|authori[sz]ation)|"
    r"deducted|paid|payment|reembolso|remboursement|rückerstattung|rimborso)\w*",
    re.IGNORECASE,
)
_AMOUNT = re.compile(
    r"(?:(?P<cur1>[$€£¥])\s?(?P<num1>\d{1,3}(?:[,.\s]\d{3})*(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?))"
    r"|(?:(?P<num2>\d{1,3}(?:[,.\s]\d{3})*(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)\s?(?P<cur2>[$€£]|usd|eur|gbp|dollars?|"
    r"euros?|pounds?|bucks)(?![a-z]))",
    re.IGNORECASE,
)


def wants_human(text: str) -> bool:
    """The customer explicitly asks for a person (and isn't saying they don't need one)."""
    return bool(_HUMAN.search(text)) and not declines_human(text)


def declines_human(text: str) -> bool:
    """The customer says they do not need a person ("no need for an agent, I figured it out")."""
    return bool(_NOT_HUMAN.search(text))


def legal_threat(text: str) -> bool:
    """The message threatens legal or regulatory action."""
    return bool(_LEGAL.search(text))


def _parse_amount(raw: str) -> float:
    compact = raw.replace(" ", "")
    # "1.234,56" / "1,234.56" / "1234,5": the last separator followed by 1-2 digits is the decimal point.
    match = re.search(r"[.,](\d{1,2})$", compact)
    if match:
        whole = re.sub(r"[.,]", "", compact[: match.start()])
        return float(f"{whole}.{match.group(1)}")
    return float(re.sub(r"[.,]", "", compact))


def refund_amount(text: str) -> float | None:
    """The largest money amount in a message that talks about refunds, charges or disputes."""
    if not _MONEY_WORDS.search(text):
        return None
    amounts = [_parse_amount(m.group("num1") or m.group("num2")) for m in _AMOUNT.finditer(text)]
    return max(amounts) if amounts else None
