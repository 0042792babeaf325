from knowledge.chunking import CHUNK_SIZE, chunk_article
from knowledge.records import Article


def test_title_chunk_then_one_chunk_per_section_with_heading_context() -> None:
    article = Article(
        article_id="a",
        title="Refund policy",
        body="Intro line.\n\n## Monthly plans\n\nRefund within 14 days.\n\n## Annual plans\n\nRefund within 30 days.",
    )
    chunks = chunk_article(article)
    assert chunks[0].index == 0 and chunks[0].embed_text == "Refund policy"
    assert chunks[0].content == "Intro line."  # the title vector shows the article's opening as its snippet
    by_heading = {chunk.heading: chunk for chunk in chunks[1:]}
    assert set(by_heading) == {"", "Monthly plans", "Annual plans"}
    assert by_heading["Annual plans"].content == "Refund within 30 days."
    assert by_heading["Annual plans"].embed_text.startswith("Refund policy. Annual plans.")
    assert "Monthly" not in by_heading["Annual plans"].content


def test_long_sections_are_split_below_the_chunk_size() -> None:
    sentence = "Nimbus keeps encrypted backups for thirty five days before they expire. "
    article = Article(article_id="b", title="Backups", body="## Retention\n\n" + sentence * 60)
    chunks = chunk_article(article)
    assert len(chunks) > 4
    assert all(len(chunk.content) <= CHUNK_SIZE for chunk in chunks[1:])
    assert all(chunk.heading == "Retention" for chunk in chunks[1:])
    assert [chunk.index for chunk in chunks] == list(range(len(chunks)))


def test_plain_text_articles_are_not_parsed_as_markdown() -> None:
    article = Article(article_id="c", title="Faq", body="# not a heading here\nanswer text", markdown=False)
    chunks = chunk_article(article)
    assert chunks[1].heading == ""
    assert chunks[1].content.startswith("# not a heading here")
