"""Compose the offline answer: every sentence is a KB unit, a ticket fact, a memory fact or a persona phrase.

Nothing here writes new claims. The choices are which sentences to state (by similarity to the question,
using the same embeddings as retrieval), in what order, and which fixed phrases frame them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from graph.grounding import Grounding, GroundingArticle, GroundingMemory
from graph.offline.cues import asks_about_memory, content_words, is_ticket_question
from graph.offline.sentences import Encoder, Matrix, SentenceCache, Unit, embed_with_cache
from graph.offline.ticket_answer import ticket_answer
from graph.vectors import text_vectors
from knowledge import multilingual
from knowledge.multilingual import sentence_scores
from prompts.loader import Persona, localized_memory, phrase


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Cosine-similarity cut-offs (all-MiniLM-L6-v2), tuned on the seed KB and held-out paraphrases."""

    answer: float = 0.50
    """A KB sentence this close to the question answers it, whatever the retrieval confidence."""
    answer_confident: float = 0.30
    """Lower bar when retrieval itself was confident about the article."""
    retrieval_confident: float = 0.45
    """Retrieval score (best chunk cosine) at which the article is trusted to be on topic."""
    retrieval_weight: float = 0.5
    keep_margin: float = 0.10
    """Other sentences of the article are kept when within this margin of the best one."""
    step_margin: float = 0.15
    step_floor: float = 0.20
    """A step list is added to prose when its best step is this close to the best sentence."""
    related: float = 0.60
    """A second article is mentioned only when this close."""
    memory_question: float = 0.20
    memory_relevant: float = 0.55
    memory_margin: float = 0.15
    memory_prototype: float = 0.62
    max_sentences: int = 3
    max_steps: int = 12


@dataclass(slots=True)
class Composition:
    """The answer text and the article ids it cites."""

    text: str
    cited: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Question:
    """What the customer asked this turn, and what the conversation already did about it."""

    text: str
    tool_results: tuple[str, ...] = ()
    clarified_before: bool = False


@dataclass(slots=True)
class _Scored:
    article: GroundingArticle
    units: list[Unit]
    sims: np.ndarray[tuple[int], np.dtype[np.float32]]

    @property
    def best(self) -> float:
        return float(self.sims.max()) if len(self.sims) else 0.0

    def relevance(self, limits: Thresholds) -> float:
        """Retrieval score and best-sentence similarity together: neither alone picks the right article."""
        return limits.retrieval_weight * self.article.score + (1 - limits.retrieval_weight) * self.best


_POINTS_AHEAD = re.compile(r"(?::$|\b(?:below|the following|as follows)\b)", re.IGNORECASE)


def _cross_lingual(question: str, scored: _Scored) -> _Scored:
    """The article's sentences scored against a question in another language (see knowledge.multilingual)."""
    texts = [unit.text for unit in scored.units]
    return _Scored(scored.article, scored.units, sentence_scores(question, texts, article_score=scored.article.score))


def _select_units(scored: _Scored, limits: Thresholds) -> list[Unit]:
    """The best unit and near-best prose, plus the lists that go with them, in document order.

    A numbered procedure close to the question is added to a matching fact or bullet list (the customer
    usually needs what to do, not only how it works), and a sentence that announces a list brings it along.
    """
    units = scored.units
    sims = [float(x) for x in scored.sims]

    def block(number: int) -> set[int]:
        return {i for i, unit in enumerate(units) if unit.block == number}

    def block_best(number: int) -> float:
        return max(sims[i] for i in block(number))

    anchor = max(range(len(sims)), key=sims.__getitem__)
    top = units[anchor]
    close_enough = max(sims[anchor] - limits.step_margin, limits.step_floor)
    chosen: set[int] = set()
    if top.is_step:
        chosen |= block(top.block)
    else:
        floor = max(sims[anchor] - limits.keep_margin, limits.answer_confident)
        prose = sorted((i for i, u in enumerate(units) if not u.is_step), key=sims.__getitem__, reverse=True)
        chosen |= {i for i in prose[: limits.max_sentences] if sims[i] >= floor} | {anchor}
        lists = {u.block for u in units if u.is_step}
        best_list = max(lists, key=block_best, default=None)
        if best_list is not None and block_best(best_list) >= close_enough:
            chosen |= block(best_list)
    if not any(units[i].numbered for i in chosen):
        procedures = {u.block for u in units if u.numbered}
        best_procedure = max(procedures, key=block_best, default=None)
        if best_procedure is not None and block_best(best_procedure) >= close_enough:
            chosen |= block(best_procedure)
    for i in sorted(chosen):
        if not units[i].is_step and _POINTS_AHEAD.search(units[i].text):
            following = units[i + 1] if i + 1 < len(units) else None
            if following is not None and not following.is_step and i + 2 < len(units):
                following = units[i + 2]  # "...the cases below. Billing errors are refunded." then the list
            if following is not None and following.is_step:
                chosen |= block(following.block)
    for number in {units[i].block for i in chosen if units[i].is_step}:
        # A list is introduced by the sentence before it ("...we recommend:"); keep it with the list.
        intro = [i for i in block(number - 1) if not units[i].is_step]
        if intro and units[intro[-1]].text.endswith(":"):
            chosen.add(intro[-1])
    ordered = sorted(chosen)
    extra_steps = [i for i in ordered if units[i].is_step][limits.max_steps :]
    return [units[i] for i in ordered if i not in extra_steps]


def _kb_answer(scored: list[_Scored], limits: Thresholds) -> tuple[list[str], list[str]]:
    """Paragraphs stating the relevant KB units, and the article ids cited."""
    usable = [s for s in scored if s.units and not s.article.untrusted]
    usable.sort(key=lambda s: s.relevance(limits), reverse=True)
    if not usable:
        return [], []
    first = usable[0]
    confident = first.article.score >= limits.retrieval_confident and first.best >= limits.answer_confident
    if not confident and first.best < limits.answer:
        return [], []
    paragraphs = ["\n".join(unit.text for unit in _select_units(first, limits))]
    cited = [first.article.id]
    for other in usable[1:2]:
        anchor = other.units[int(other.sims.argmax())]
        # Only a self-contained sentence: a list item out of its list reads as a fragment.
        if other.best >= limits.related and not anchor.is_step and other.article.id != first.article.id:
            paragraphs.append(anchor.text)
            cited.append(other.article.id)
    return paragraphs, cited


_KIND_CUES: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (re.compile(r"\b(?:tr(?:y|ied)|fix|solv|work|suggest|last time)", re.I), ("resolution", "attempt", "open_issue")),
    (re.compile(r"\b(?:plan|subscription|tier|package)\b", re.I), ("plan",)),
    (re.compile(r"\b(?:contact|reach|prefer|email|phone)", re.I), ("preference",)),
    (re.compile(r"\b(?:product|device|use)\b", re.I), ("product",)),
)


def _memory_lines(
    question: str,
    grounding: Grounding,
    sims: np.ndarray[tuple[int], np.dtype[np.float32]],
    asked: bool,
    limits: Thresholds,
) -> list[GroundingMemory]:
    """Memory facts to state: the closest ones when asked about the past, otherwise only strongly relevant ones.

    A question about the past that names what it wants ("what did we try", "which plan") also gets the facts
    of that kind, however they are worded; a general one ("what do you know about me") the latest facts.
    """
    if not len(sims):
        return []
    best = float(sims.max())
    floor = max(limits.memory_question if asked else limits.memory_relevant, best - limits.memory_margin)
    order = sorted(range(len(grounding.memories)), key=lambda i: float(sims[i]), reverse=True)
    chosen = [i for i in order if float(sims[i]) >= floor]
    if asked:
        kinds = {kind for pattern, names in _KIND_CUES if pattern.search(question) for kind in names}
        chosen += [i for i in order if grounding.memories[i].kind in kinds and i not in chosen]
        if not chosen and not kinds:
            chosen = list(range(len(grounding.memories)))
    return [grounding.memories[i] for i in chosen][:3]


_CONTEXT_KINDS = ("open_issue", "resolution", "reference", "promise", "plan", "preference")


def _recent_context(grounding: Grounding) -> list[GroundingMemory]:
    """What a returning customer is greeted with: latest open issues (or resolution), references, promises, plan."""
    by_kind = {kind: [m for m in grounding.memories if m.kind == kind] for kind in _CONTEXT_KINDS}
    picked = (
        (by_kind["open_issue"][:2] or by_kind["resolution"][:1])
        + by_kind["reference"][:3]
        + by_kind["promise"][:1]
        + by_kind["plan"][:1]
    )
    return picked or list(grounding.memories[:1])


def _in_language(memories: list[GroundingMemory], lang: str) -> list[str]:
    """The lines to show: stored wording in English, else the facts that can be restated in ``lang``.

    Remembered facts are English sentences; quoting them into a Spanish reply mixes languages, so in another
    language only the facts with a template (``prompts.loader.localized_memory``) are said.
    """
    if lang == "en":
        return [m.text for m in memories]
    lines = (localized_memory(m.kind, dict(m.extra), lang) for m in memories)
    return [line for line in lines if line]


def compose_answer(
    question: Question,
    grounding: Grounding,
    persona: Persona,
    *,
    encode: Encoder,
    cache: SentenceCache,
    memory_prototypes: Matrix,
    limits: Thresholds | None = None,
) -> Composition:
    """The grounded answer to ``question`` (see the module docstring for what it may say)."""
    limits = limits or Thresholds()
    lang = grounding.language

    def say(key: str, **fields: str) -> str:
        return phrase(persona, lang, key, **fields)

    opening: list[str] = []
    if grounding.first_reply:
        opening.append(say("greeting_returning" if grounding.memories else "greeting"))
    if grounding.sentiment == "negative" and not grounding.resolved:
        opening.append(say("empathy"))
    if grounding.injection:
        opening.append(say("injection_notice"))
    if grounding.resolved:
        return Composition(" ".join([*opening, say("resolved_ack"), say("closing")]))

    articles = [a for a in grounding.articles if a.text.strip()]
    facts = [m.text for m in grounding.memories]
    # One model call for the question and any article not seen before; facts rarely change, so they come
    # from the text cache and are embedded only when new.
    entries, extra = embed_with_cache(encode, cache, [(a.chunk_id or a.id, a.text) for a in articles], [question.text])
    q_vec = extra[0]
    fact_vectors = text_vectors().encode(encode, facts) if facts else np.zeros((0, len(q_vec)), np.float32)
    scored = [
        _Scored(a, units, vectors @ q_vec if len(units) else np.zeros(0, np.float32))
        for a, (units, vectors) in zip(articles, entries, strict=True)
    ]
    if lang != "en" and multilingual.enabled():  # MiniLM reads English only; the articles are English
        scored = [_cross_lingual(question.text, s) for s in scored]
    fact_sims = fact_vectors @ q_vec if facts else np.zeros(0, np.float32)
    asked_memory = asks_about_memory(question.text) or (
        len(memory_prototypes) > 0 and float((memory_prototypes @ q_vec).max()) >= limits.memory_prototype
    )

    body: list[str] = []
    answered = False
    if question.tool_results:
        body.append(say("tickets_intro") + "\n" + "\n".join(question.tool_results))
        answered = True
    elif grounding.tickets and is_ticket_question(question.text, grounding.intent):
        body.append(ticket_answer(grounding.tickets, say))
        answered = True
        scored = []  # the answer is the ticket's status; an article on the same topic would only add noise

    kb_paragraphs, cited = _kb_answer(scored, limits)
    chosen = _memory_lines(question.text, grounding, fact_sims, asked_memory, limits)
    memory = _in_language(chosen, lang)
    if asked_memory and memory:
        body.append(say("memory_intro") + "\n" + "\n".join(f"- {line}" for line in memory))
        answered = True
    elif asked_memory and chosen and not kb_paragraphs and not answered:
        body.append(say("memory_in_english"))  # true, and better than "nothing on record" or English lines
        answered = True
    elif asked_memory and not kb_paragraphs and not answered:
        body.append(say("no_memory"))
        answered = True
    elif chosen or (grounding.first_reply and facts):
        shown = memory if chosen else _in_language(_recent_context(grounding), lang)
        if shown:
            body.append(say("returning_context") + "\n" + "\n".join(f"- {line}" for line in shown))

    if kb_paragraphs:
        kb_block = [say("kb_intro"), kb_paragraphs[0]]
        if len(kb_paragraphs) > 1:
            kb_block += [say("related_intro"), *kb_paragraphs[1:]]
        if lang != "en":
            kb_block.insert(0, say("kb_in_english"))
        citations = ", ".join(f"[{a.id}] {a.title}" for a in articles if a.id in cited)
        body.append("\n".join(kb_block) + "\n" + say("sources", citations=citations))
        answered = True

    closing = [say("closing")]
    if not answered:
        if grounding.intent == "greeting" and content_words(question.text) <= 4:
            body.append(say("how_can_help"))
            closing = []
        elif content_words(question.text) < 4 and lang == "en" and not question.clarified_before and not asked_memory:
            body.append(say("clarify"))
            closing = []
        else:
            body.append(" ".join([say("dont_know"), say("offer_person")]))
            closing = []
    head = " ".join(opening)
    text = "\n\n".join(part for part in [head, *body, *closing] if part)
    return Composition(text=text, cited=cited)
