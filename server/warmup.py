"""Load every model before the server answers, so no customer waits for a model load or a fit."""

from __future__ import annotations

import gc
import logging
import time

logger = logging.getLogger(__name__)


def warm_up_models() -> float:
    """Load embeddings (MiniLM and e5), fit (or load the cached) classifiers and spaCy/Presidio; returns the seconds."""
    started = time.perf_counter()
    from knowledge.embeddings import get_local_embeddings
    from signals import get_analyzer

    get_local_embeddings().encode(["warm up"])
    get_local_embeddings().encode_queries(["warm up"])  # the int8 model of search sub-queries, quantised once
    get_analyzer().warm_up()
    from knowledge import multilingual

    if multilingual.enabled():
        multilingual.xl_encoder().queries(["warm up"])  # the first start on a machine also builds its ONNX graph
    # The models are about 570,000 objects that live as long as the process. Every full collection walked them
    # all (350 ms on this machine, 600-750 ms under load: the p95 of the console's handoff page); frozen, they
    # are left out of collections for good (bench console, 10,000 conversations: handoff p95 746 -> 135 ms).
    gc.collect()
    gc.freeze()
    elapsed = time.perf_counter() - started
    logger.info("models ready in %.1fs", elapsed)
    return elapsed
