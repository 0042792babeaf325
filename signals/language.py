"""Language detection with lingua over the languages we support; short or ambiguous text keeps the known language."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lingua import LanguageDetector

SUPPORTED = ("en", "es", "fr", "de", "it", "pt", "nl", "pl", "sv", "da", "tr", "ru", "ja", "zh", "ar")
DEFAULT_LANGUAGE = "en"
MIN_LETTERS = 12  # below this lingua's guesses on "ok", "thx!", "merci" are coin flips
MIN_CONFIDENCE = 0.25  # lingua spreads mass over similar languages; the margin below matters more
MIN_MARGIN = 2.0  # the best language must be at least this many times as likely as the runner-up
WINDOW = 1_500  # characters read: plenty to tell a language, and an 8,000-character message costs no more
_LETTER = re.compile(r"[^\W\d_]")
_CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\u0600-\u06ff\u0400-\u04ff]")


@lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in SUPPORTED]
    # Preloading keeps the first customer message from paying the model load.
    return LanguageDetectorBuilder.from_languages(*languages).with_preloaded_language_models().build()


def detect_language(text: str, *, known_language: str | None = None) -> str:
    """ISO 639-1 code of ``text``; falls back to ``known_language`` (or English) when the text is too short to tell."""
    fallback = known_language or DEFAULT_LANGUAGE
    text = text[:WINDOW]
    letters = len(_LETTER.findall(text))
    # Scripts like CJK carry a lot per character, so a few characters are enough there.
    if letters < MIN_LETTERS and not (_CJK.search(text) and letters >= 2):
        return fallback
    confidences = _detector().compute_language_confidence_values(text)
    if not confidences:
        return fallback
    best = confidences[0]
    runner_up = confidences[1].value if len(confidences) > 1 else 0.0
    if best.value < MIN_CONFIDENCE or best.value < MIN_MARGIN * runner_up:
        return fallback
    return str(best.language.iso_code_639_1.name.lower())
