from graph.offline.sentences import SentenceCache, embed_with_cache, split_units

ARTICLE = """Intro sentence about the feature. It is usually one of the cases below.

## Check these first

1. **Pending hold**: a temporary hold disappears within 7 days.
2. Two workspaces: each has its *own* plan.

## Report it

Email billing with these details:

- the email of the account;
- the date of the charge.
"""


def test_units_keep_steps_whole_and_number_blocks_consecutively() -> None:
    units = split_units(ARTICLE)
    assert [(u.block, u.is_step, u.numbered) for u in units] == [
        (1, False, False),
        (1, False, False),
        (2, True, True),
        (2, True, True),
        (3, False, False),
        (4, True, False),
        (4, True, False),
    ]
    assert units[2].text == "1. Pending hold: a temporary hold disappears within 7 days."
    assert units[3].text == "2. Two workspaces: each has its own plan."


def test_only_uncached_chunks_are_embedded_and_with_the_extra_texts() -> None:
    import numpy as np

    calls: list[list[str]] = []

    def encode(texts: list[str]) -> np.ndarray:
        calls.append(texts)
        return np.ones((len(texts), 4), dtype=np.float32)

    cache = SentenceCache()
    entries, extra = embed_with_cache(encode, cache, [("a1", ARTICLE)], ["question?"])
    assert len(calls) == 1 and calls[0][0] == "question?" and len(calls[0]) == 1 + len(entries[0][0])
    entries, extra = embed_with_cache(encode, cache, [("a1", ARTICLE)], ["another question?"])
    assert calls[-1] == ["another question?"] and extra.shape == (1, 4)
    embed_with_cache(encode, cache, [("a1", ARTICLE + "\nEdited.")], ["q"])
    assert len(calls[-1]) > 1  # same id, new text: embedded again
