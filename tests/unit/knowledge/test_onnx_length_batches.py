"""Length-bucketed batches and the int8 sub-query model, on the real bundled encoder."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from knowledge.onnx_encoder import OnnxSentenceEncoder, length_buckets, quantized_path

SENTENCES = [
    "I was charged twice for my subscription this month",
    "my colleague lost the phone with the authenticator app and cannot sign in",
    "where do I find the invoice for our accounting department",
    "the tablet I ordered three weeks ago has still not arrived",
    "how do I export every notebook to PDF before I cancel my plan",
]
LONG = " ".join(SENTENCES * 3)  # ~150 tokens: in one batch it would pad every short sentence to its length


@lru_cache(maxsize=1)
def encoder() -> OnnxSentenceEncoder:
    from settings import get_settings

    return OnnxSentenceEncoder(get_settings().data_dir / "models", threads=1)


def test_buckets_keep_similar_lengths_together_and_cover_every_text() -> None:
    lengths = [12, 80, 15, 14, 29, 11, 26, 25]
    buckets = length_buckets(lengths)
    assert sorted(i for bucket in buckets for i in bucket) == list(range(len(lengths)))
    assert [[lengths[i] for i in bucket] for bucket in buckets] == [[11, 12, 14, 15], [25, 26, 29], [80]]
    assert all(max(lengths[i] for i in b) <= 1.5 * min(lengths[i] for i in b) for b in buckets)
    assert [len(b) for b in length_buckets([10] * 70)] == [64, 6]


def test_a_long_text_in_the_batch_does_not_change_the_short_ones() -> None:
    alone = encoder().encode(SENTENCES)
    together = encoder().encode([LONG, *SENTENCES])
    np.testing.assert_allclose(together[1:], alone, atol=1e-5)
    one_by_one = np.vstack([encoder().encode([text]) for text in SENTENCES])
    np.testing.assert_allclose(alone, one_by_one, atol=1e-5)


def test_int8_sub_query_vectors_stay_close_to_the_float_model() -> None:
    exact = encoder().encode(SENTENCES)
    quick = encoder().encode(SENTENCES, quantized=True)
    assert quantized_path(encoder()._exported).exists()  # built once, cached beside the float export
    cosines = (exact * quick).sum(axis=1)
    assert cosines.min() > 0.85 and cosines.mean() > 0.93, cosines
    # what retrieval needs: each int8 vector is still nearest to its own sentence's float vector
    assert list((quick @ exact.T).argmax(axis=1)) == list(range(len(SENTENCES)))
