import re
import string

import pytest

from prompts.loader import (
    available_languages,
    available_personas,
    load_persona,
    load_phrases,
    load_template,
    localized_memory,
    normalize_language,
    phrase,
    team_label,
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


def _routing_teams() -> set[str]:
    """Team ids the product ships: the seeded teams table and the intent taxonomy's teams."""
    from pathlib import Path

    import yaml

    from support.schema import _TEAMS

    root = Path(__file__).resolve().parents[3]
    seeded = set(re.findall(r"^\s*\('([a-z_]+)',", _TEAMS, re.M))
    intents = yaml.safe_load((root / "signals" / "intents.yaml").read_text(encoding="utf-8"))
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("team"), str):
                found.add(node["team"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(intents)
    return seeded | found


def test_every_routing_team_has_a_display_name_in_every_language() -> None:
    teams = _routing_teams()
    assert {"billing", "multilingual", "trust_and_safety"} <= teams
    for language in available_languages():
        table = load_phrases(language)
        for team in teams:
            assert table.get(f"team_{team}"), f"no team_{team} in prompts/phrases/{language}.yaml"
            assert "_" not in team_label(team, language)
    # a language's own words, not the English ones shown to a Spanish or German customer
    assert team_label("multilingual", "es") != team_label("multilingual", "en")
    assert team_label("billing", "de-AT") == load_phrases("de")["team_billing"]


def test_unknown_team_is_named_without_its_id_punctuation() -> None:
    assert team_label("vip_desk", "es") == "vip desk"


def test_structured_memories_are_restated_in_the_reply_language() -> None:
    spanish = localized_memory("plan", {"plan": "Business"}, "es")
    assert spanish == load_phrases("es")["memory.plan"].format(plan="Business")
    assert spanish != localized_memory("plan", {"plan": "Business"}, "en")
    channel = localized_memory("preference", {"channel": "phone"}, "de")
    assert channel is not None and load_phrases("de")["channel.phone"] in channel
    # free-text facts have no fields to restate them from
    assert localized_memory("open_issue", {}, "es") is None
    assert localized_memory("preference", {"persona": "technical"}, "fr") is None
