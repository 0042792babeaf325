"""Loads the prompt files in this folder: system templates (*.md), personas (personas/*.yaml), phrases (phrases/*.yaml).

Every text the agent says or sends to a model comes from here, so wording changes never touch code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

PROMPTS_DIR = Path(__file__).resolve().parent
DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True, slots=True)
class Persona:
    """A voice for the agent: tone, style, phrases to avoid and per-language greeting/closing overrides."""

    name: str
    description: str
    tone: str
    style: str
    avoid: tuple[str, ...]
    phrases: dict[str, dict[str, str]]


def _read_yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path} must hold a mapping, not {type(data).__name__}")
    return data


@lru_cache(maxsize=8)
def _stems(folder: Path, suffix: str) -> tuple[str, ...]:
    """The names of the ``suffix`` files in ``folder`` (listed once: the folder ships with the code)."""
    return tuple(sorted(path.stem for path in folder.glob(f"*{suffix}")))


def available_personas() -> list[str]:
    """Names of the personas shipped in prompts/personas."""
    return list(_stems(PROMPTS_DIR / "personas", ".yaml"))


@lru_cache(maxsize=32)
def load_persona(name: str) -> Persona:
    """The persona called ``name``; unknown names raise ValueError listing the available ones."""
    path = PROMPTS_DIR / "personas" / f"{name}.yaml"
    if not path.is_file() or "/" in name or name.startswith("."):
        raise ValueError(f"unknown persona {name!r}; available: {', '.join(available_personas())}")
    data = _read_yaml(path)
    phrases = {str(lang): {str(k): str(v) for k, v in table.items()} for lang, table in data.get("phrases", {}).items()}
    return Persona(
        name=str(data.get("name", name)),
        description=str(data.get("description", "")),
        tone=str(data.get("tone", "")),
        style=str(data.get("style", "")).strip(),
        avoid=tuple(str(item) for item in data.get("avoid", [])),
        phrases=phrases,
    )


def available_languages() -> list[str]:
    """ISO 639-1 codes that have a phrase file."""
    return list(_stems(PROMPTS_DIR / "phrases", ".yaml"))


def normalize_language(language: str | None) -> str:
    """An ISO 639-1 code we have phrases for ("es-MX" -> "es"); anything else -> English."""
    code = (language or DEFAULT_LANGUAGE).strip().lower().replace("_", "-").split("-")[0]
    return code if code in available_languages() else DEFAULT_LANGUAGE


@lru_cache(maxsize=16)
def load_phrases(language: str) -> dict[str, str]:
    """The fixed sentences for ``language`` (an ISO code from normalize_language), English filling gaps."""
    english = {str(k): str(v) for k, v in _read_yaml(PROMPTS_DIR / "phrases" / f"{DEFAULT_LANGUAGE}.yaml").items()}
    if language == DEFAULT_LANGUAGE:
        return english
    localized = {str(k): str(v) for k, v in _read_yaml(PROMPTS_DIR / "phrases" / f"{language}.yaml").items()}
    return english | localized


def phrase(persona: Persona, language: str | None, key: str, **fields: str) -> str:
    """The sentence ``key`` in ``language``, in the persona's voice when it overrides it, with ``fields`` filled."""
    code = normalize_language(language)
    template = persona.phrases.get(code, {}).get(key)
    if template is None:
        table = load_phrases(code)
        if key not in table:
            raise KeyError(f"no phrase {key!r} in prompts/phrases/{code}.yaml or {DEFAULT_LANGUAGE}.yaml")
        template = table[key]
    return template.format(**fields) if fields else template


def localized_memory(kind: str, extra: Mapping[str, str], language: str | None) -> str | None:
    """A remembered fact restated in ``language`` from its stored fields, or None when it has no such template.

    Facts are stored as English sentences; the structured ones (plan, contact channel) keep their fields, so
    they can be said again in any language. The others are free text and must not be quoted into a reply in
    another language.
    """
    table = load_phrases(normalize_language(language))
    if kind == "plan" and extra.get("plan"):
        return table["memory.plan"].format(plan=extra["plan"])
    channel = extra.get("channel")
    if kind == "preference" and channel:
        return table["memory.channel"].format(channel=table.get(f"channel.{channel.lower()}", channel))
    return None


@lru_cache(maxsize=16)
def load_snippets(name: str) -> dict[str, str]:
    """The named sentences in prompts/<name>.yaml (parts of a template chosen by the conversation's state)."""
    path = PROMPTS_DIR / f"{name}.yaml"
    if not path.is_file():
        raise ValueError(f"no prompt snippets {name!r} in {PROMPTS_DIR}")
    return {str(key): str(value).strip() for key, value in _read_yaml(path).items()}


@lru_cache(maxsize=16)
def load_template(name: str) -> str:
    """The prompt template prompts/<name>.md (format it with str.format)."""
    path = PROMPTS_DIR / f"{name}.md"
    if not path.is_file():
        raise ValueError(f"no prompt template {name!r} in {PROMPTS_DIR}")
    return path.read_text(encoding="utf-8").strip()


def preload() -> None:
    """Read every prompt file into the caches above, so that no turn reads a file on the event loop.

    ``langgraph dev`` (Studio) refuses blocking calls on the loop; the graph calls this when it is imported.
    """
    for name in available_personas():
        load_persona(name)
    for language in available_languages():
        load_phrases(language)
    for name in _stems(PROMPTS_DIR, ".yaml"):
        load_snippets(name)
    for name in _stems(PROMPTS_DIR, ".md"):
        load_template(name)


def team_label(team: str, language: str | None) -> str:
    """The team as the customer reads it in ``language`` (phrase ``team_<id>``); an unknown team reads as words."""
    table = load_phrases(normalize_language(language))
    return table.get(f"team_{team}") or team.replace("_", " ")
