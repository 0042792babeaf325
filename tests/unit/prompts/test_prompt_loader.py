import re
import string

import pytest

from prompts.loader import (
    available_languages,
    available_personas,
    load_persona,
    load_phrases,
    load_template,
    normalize_language,
    phrase,
)


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_default_personas_ship() -> None:
    assert {"friendly", "professional", "technical"} <= set(available_personas())
    for name in available_personas():
        persona = load_persona(name)
        assert persona.tone and persona.style and persona.avoid
        assert {"greeting", "closing"} <= set(persona.phrases["en"])


def test_unknown_persona_names_the_available_ones() -> None:
    with pytest.raises(ValueError, match="friendly"):
        load_persona("pirate")
    with pytest.raises(ValueError):
        load_persona("../system")


def test_every_language_has_every_phrase_with_the_same_placeholders() -> None:
    english = load_phrases("en")
    for language in available_languages():
        table = load_phrases(language)
        assert set(table) == set(english)
        for key, template in table.items():
            assert _fields(template) == _fields(english[key]), (language, key)


def test_personas_never_use_their_own_avoided_phrases() -> None:
    for name in available_personas():
        persona = load_persona(name)
        for language, table in persona.phrases.items():
            for text in table.values():
                for avoided in persona.avoid:
                    assert not re.search(rf"\b{re.escape(avoided)}\b", text, re.IGNORECASE), (name, language, text)


def test_persona_overrides_then_language_then_english() -> None:
    friendly = load_persona("friendly")
    assert phrase(friendly, "es", "greeting") == friendly.phrases["es"]["greeting"]
    assert phrase(friendly, "it", "greeting") == load_phrases("it")["greeting"]
    assert phrase(friendly, "xx", "dont_know") == load_phrases("en")["dont_know"]
    assert phrase(friendly, "en", "ticket_line", id="T-1", subject="s", status="open") == "Ticket T-1 (s) is open."


def test_language_codes_are_normalised() -> None:
    assert normalize_language("es-MX") == "es"
    assert normalize_language("PT_br") == "pt"
    assert normalize_language(None) == "en"
    assert normalize_language("tlh") == "en"


def test_templates_have_the_fields_the_code_fills() -> None:
    assert _fields(load_template("system")) == {
        "channel",
        "now",
        "persona_name",
        "persona_tone",
        "persona_style",
        "persona_avoid",
        "greeting_rule",
        "language",
        "summary",
        "grounding",
    }
    assert _fields(load_template("summarize")) == {"max_words", "summary", "transcript"}
    assert _fields(load_template("memory_extract")) == {"kinds", "known", "exchange"}


def test_system_rule_snippets_exist() -> None:
    from prompts.loader import load_snippets

    assert set(load_snippets("system_rules")) == {
        "greeting_first",
        "greeting_first_returning",
        "greeting_again",
        "no_articles",
    }
    with pytest.raises(ValueError):
        load_snippets("nope")
