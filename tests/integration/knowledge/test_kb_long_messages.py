"""A message at the length limit with several concerns finds each concern's article, within a bounded plan."""

from __future__ import annotations

import pytest

from bench.kb_corpus import synthetic_articles
from knowledge.query_plan import MAX_PARTS, plan_queries
from knowledge.records import Article
from knowledge.store import KnowledgeBase
from knowledge.writer import write_articles

pytestmark = pytest.mark.integration

ARTICLES = {
    "duplicate-charge": (
        "Charged twice for one order",
        "If your card was charged twice for the same order, the second charge is a pending authorisation that "
        "your bank releases within five working days. Contact billing if it is still there after a week.",
    ),
    "lost-authenticator": (
        "Lost the phone with your authenticator app",
        "If you lost the phone with your two-factor authenticator app, sign in with one of your backup codes, "
        "or ask your workspace admin to reset two-factor authentication for your account.",
    ),
    "vat-invoice": (
        "Add a VAT number to your invoices",
        "Add your company's VAT number under Billing, Tax details. Invoices issued after the change show it; "
        "to reissue an older invoice with the VAT number, contact billing.",
    ),
    "late-delivery": (
        "Your order has not arrived",
        "Deliveries take three to seven working days. If your parcel has not arrived after ten days, we resend "
        "it or refund it: open the order and choose Report a missing parcel.",
    ),
}
CONCERNS = {
    "duplicate-charge": "First of all my card was charged twice for the same order last Tuesday.",
    "lost-authenticator": "My colleague lost her phone with the authenticator app and now she cannot sign in.",
    "vat-invoice": "Our accountant also says the invoices do not show our company VAT number.",
    "late-delivery": "And finally, the parcel I ordered twelve days ago still has not arrived.",
}
FILLER = [
    "I have been a customer for several years and usually everything works without any trouble at all.",
    "To be honest I am writing this during my lunch break so please excuse the rambling style of it.",
    "We are a small team of eight people and we rely on your service every single day for our work.",
    "I tried to find the answers myself first but I got a little lost between the different pages.",
]


def long_message(length: int = 8_000) -> str:
    """The concerns at the start, a third, two thirds and the end, separated by chatty filler."""
    concerns = list(CONCERNS.values())
    gap = (length - sum(len(concern) + 1 for concern in concerns)) // (len(concerns) - 1)
    parts = [concerns[0]]
    for concern in concerns[1:]:
        filler = ""
        while len(filler) < gap:
            filler += FILLER[len(filler) % len(FILLER)] + " "
        parts += [filler[:gap].rsplit(" ", 1)[0], concern]
    return " ".join(parts)[:length]


async def test_an_8000_character_message_finds_the_article_of_each_concern(kb: KnowledgeBase) -> None:
    articles = [Article(article_id=key, title=title, body=body) for key, (title, body) in ARTICLES.items()]
    await write_articles(kb, [*articles, *synthetic_articles(300)], tenant="acme")
    message = long_message()
    assert len(message) > 7_500
    plan = plan_queries(message)
    assert len([sub for sub in plan if sub.dense]) <= MAX_PARTS + 1  # the work is bounded, whatever the length
    hits = await kb.search(message, tenant="acme", k=10)
    found = [hit.article_id for hit in hits]
    assert set(CONCERNS) <= set(found), found
