"""Heading-aware chunking of articles (langchain-text-splitters), one title vector plus one per section piece."""

from __future__ import annotations

from functools import lru_cache

from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

from knowledge.records import Article, Chunk

# MiniLM reads at most 256 word pieces; 700 characters plus the title stays under that.
CHUNK_SIZE = 700
CHUNK_OVERLAP = 100
_HEADERS = [("#", "h1"), ("##", "h2"), ("###", "h3")]


@lru_cache(maxsize=1)
def _splitters() -> tuple[MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter]:
    return (
        MarkdownHeaderTextSplitter(headers_to_split_on=_HEADERS, strip_headers=True),
        RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP),
    )


def _sections(article: Article) -> list[tuple[str, str]]:
    """(heading path, text) pairs; plain text is one section without a heading."""
    headers, pieces = _splitters()
    if not article.markdown:
        return [("", piece) for piece in pieces.split_text(article.body)]
    sections: list[tuple[str, str]] = []
    for doc in pieces.split_documents(headers.split_text(article.body)):
        heading = " > ".join(str(doc.metadata[key]) for _, key in _HEADERS if key in doc.metadata)
        if doc.page_content.strip():
            sections.append((heading, doc.page_content.strip()))
    return sections


def chunk_embed_text(title: str, heading: str, text: str, index: int) -> str:
    """What chunk ``index`` of an article embeds: the title alone for chunk 0, else title and heading with the text."""
    if index == 0:
        return title
    context = f"{title}. {heading}." if heading else f"{title}."
    return f"{context}\n{text}"


def chunk_article(article: Article) -> list[Chunk]:
    """The chunks to store for ``article``.

    Chunk 0 embeds the title alone: short customer questions match a title better than a paragraph
    (multi-vector per article, the best chunk wins). Its shown content is the article's opening text.
    Every other chunk embeds the title and heading path with its text, so a section keeps its context.
    """
    sections = _sections(article) or [("", article.body)]
    title = article.title
    chunks = [Chunk(index=0, content=sections[0][1], embed_text=chunk_embed_text(title, "", "", 0), heading="")]
    for number, (heading, text) in enumerate(sections, start=1):
        embed_text = chunk_embed_text(title, heading, text, number)
        chunks.append(Chunk(index=number, content=text, embed_text=embed_text, heading=heading))
    return chunks
