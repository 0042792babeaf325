"""A deterministic, realistic-looking help-center corpus and customer questions for the KB benchmark (no download)."""

from __future__ import annotations

import random

from knowledge.chunking import chunk_article
from knowledge.records import Article

_PRODUCTS = [
    "notebook",
    "workspace",
    "shared folder",
    "template",
    "calendar sync",
    "mobile app",
    "desktop app",
    "web clipper",
    "API token",
    "webhook",
    "Slack channel",
    "tablet",
    "pen",
    "invoice",
    "subscription",
    "backup",
    "export",
    "tag",
    "reminder",
    "attachment",
    "comment thread",
    "version history",
    "audit log",
]
_ACTIONS = [
    "create",
    "rename",
    "delete",
    "restore",
    "share",
    "export",
    "import",
    "archive",
    "sync",
    "move",
    "duplicate",
    "lock",
    "unlock",
    "pin",
    "search",
    "filter",
    "print",
    "connect",
    "disconnect",
    "update",
]
_PLACES = [
    "Settings > General",
    "Settings > Billing",
    "Admin > Members",
    "Admin > Security",
    "the sidebar",
    "the note menu",
    "the workspace switcher",
    "Help > Troubleshooting",
    "Settings > Data",
    "the toolbar",
]
_ROLES = ["owners", "admins", "members", "guests", "billing contacts", "workspace owners on Premium"]
_PROBLEMS = [
    "the button is greyed out",
    "nothing happens",
    "an error appears",
    "the page keeps loading",
    "the change is not saved",
    "the item disappears",
    "other members cannot see it",
    "it takes minutes",
]
_TIMES = [
    "within 24 hours",
    "in 5-10 business days",
    "after 30 days",
    "immediately",
    "within a minute",
    "at the next renewal",
    "after 72 hours",
    "within 2 business days",
]
_FILLER = ["This works the same on Windows, macOS and Linux.", "Changes sync to your other devices automatically.",
           "Free plans have lower limits than paid plans.", "Contact support if the problem continues.",
           "Admins can change this for the whole workspace.", "The setting is remembered per device."]  # fmt: skip


_SYLLABLES = ["bri", "mo", "ra", "quil", "vex", "tan", "dor", "li", "sa", "ne", "ko", "zu", "fen", "pa", "ri", "lo",
              "gar", "mi", "te", "vo", "shi", "ul", "den", "ca"]  # fmt: skip


def _features(rng: random.Random, count: int) -> list[str]:
    """Made-up feature names ("Brimora notebook"): a real help center names many distinct things."""
    names: list[str] = []
    while len(names) < count:
        word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
        name = f"{word} {rng.choice(_PRODUCTS)}"
        if name not in names:
            names.append(name)
    return names


def _sentence(rng: random.Random, product: str) -> str:
    action = rng.choice(_ACTIONS)
    return rng.choice(
        [
            f"To {action} a {product}, open {rng.choice(_PLACES)} and choose {action.capitalize()}.",
            f"Only {rng.choice(_ROLES)} can {action} a {product}; others see a read-only view.",
            f"If {rng.choice(_PROBLEMS)} when you {action} a {product}, check error NN-{rng.randint(1000, 9999)}.",
            f"A {product} you {action} is updated {rng.choice(_TIMES)} on every device.",
            f"You can undo the last {action} of a {product} {rng.choice(_TIMES)} from {rng.choice(_PLACES)}.",
            rng.choice(_FILLER),
        ]
    )


FEATURES = 3000


def synthetic_articles(target_chunks: int, *, seed: int = 7) -> list[Article]:
    """Articles with about ``target_chunks`` chunks in total (title chunk included), always the same for a seed."""
    rng = random.Random(seed)
    features = _features(random.Random(seed), FEATURES)
    articles: list[Article] = []
    total = 0
    while total < target_chunks:
        product = rng.choice(features)
        sections = []
        for _ in range(rng.randint(2, 5)):
            heading = f"## {rng.choice(_ACTIONS).capitalize()} the {product}"
            sections.append(heading + "\n\n" + " ".join(_sentence(rng, product) for _ in range(rng.randint(2, 5))))
        article = Article(
            article_id=f"bench-{len(articles):06d}",
            title=f"How to {rng.choice(_ACTIONS)} a {product} ({len(articles)})",
            body="\n\n".join(sections),
            category=rng.choice(["account", "billing", "installation", "integrations", "security"]),
            source="bench",
        )
        total += len(chunk_article(article))
        articles.append(article)
    return articles


def synthetic_questions(count: int, *, seed: int = 11, corpus_seed: int = 7) -> list[str]:
    """Customer questions in the corpus's vocabulary (feature names from the same seed as the corpus)."""
    rng = random.Random(seed)
    features = _features(random.Random(corpus_seed), FEATURES)
    questions = []
    for _ in range(count):
        feature = rng.choice(features)
        questions.append(
            rng.choice(
                [
                    f"how do I {rng.choice(_ACTIONS)} the {feature}",
                    f"{rng.choice(_PROBLEMS)} when I try to {rng.choice(_ACTIONS)} my {feature}",
                    f"who can {rng.choice(_ACTIONS)} a {feature} in our team",
                    f"error NN-{rng.randint(1000, 9999)} on the {feature}",
                ]
            )
        )
    return questions
