"""Does the customer say their problem is solved? ("that worked, thanks!") -- drives confirmed resolutions.

Phrase rules rather than embeddings on purpose: "that worked" and "that didn't work" embed almost alike,
and getting the negation wrong would record a failure as a success.
"""

from __future__ import annotations

import re

_SOLVED = re.compile(
    r"\b(?:"
    r"(?:that|this|it|which)(?:'s| is| has)?\s+(?:worked|works|fixed it|fixed|solved it|solved|did it|did the trick)"
    r"|(?:works|working)\s+(?:now|again|fine now)"
    r"|(?:problem|issue|it)\s+(?:is\s+|has been\s+|was\s+)?(?:solved|fixed|resolved|sorted)"
    r"|all\s+(?:sorted|fixed|good now|set now)"
    r"|(?:you|that)\s+solved\s+(?:it|my problem)"
    r"|(?:ya\s+)?funcion(?:ó|a ahora|a de nuevo)|(?:está|quedó)\s+resuelto|problema\s+resuelto"
    r"|ça\s+(?:marche|fonctionne)(?:\s+maintenant)?|c'est\s+(?:réglé|résolu)|problème\s+résolu"
    r"|(?:es\s+)?funktioniert\s+(?:jetzt|wieder)|(?:ist\s+)?(?:gelöst|behoben)"
    r")\b",
    re.IGNORECASE,
)
_NEGATED = re.compile(
    r"\b(?:not|n't|never|no longer|still|nothing|isn't|wasn't|didn't|doesn't|hasn't|no)\b[^.!?]{0,25}"
    r"(?:work|fix|solv|resolv|sort|help)"
    r"|\bno\s+(?:funcion|est[aá]\s+resuelto)|\bne\s+(?:marche|fonctionne)|\bnicht\s+(?:gelöst|behoben)"
    r"|funktioniert\s+(?:immer\s+noch\s+)?nicht",
    re.IGNORECASE,
)


def confirms_resolution(text: str) -> bool:
    """True when ``text`` says the issue is solved and nothing in it says otherwise."""
    return bool(_SOLVED.search(text)) and not _NEGATED.search(text)
