"""Fit (and cache) the intent classifier for the configured taxonomy ahead of serving.

With ``INTENT_TUNING_STEPS`` > 0 the encoder is fine-tuned on the taxonomy's examples once (minutes on two cores)
and saved under ``DATA_DIR/models``; the server then loads it at start-up instead of tuning on a customer's message.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer


def main(
    steps: Annotated[int | None, typer.Option("--steps", min=0, help="Tuning steps (default: settings).")] = None,
    intents: Annotated[Path | None, typer.Option("--intents", exists=True, help="Taxonomy YAML.")] = None,
) -> None:
    """Fit the router for the taxonomy and report where the tuned encoder is cached."""
    from settings import get_settings
    from signals.analyzer import fitted_intent_classifier
    from signals.taxonomy import load_taxonomy

    settings = get_settings()
    taxonomy = load_taxonomy(intents or settings.intents_path)
    started = time.perf_counter()
    classifier = fitted_intent_classifier(taxonomy, settings.intent_tuning_steps if steps is None else steps)
    sys.stdout.write(
        f"{len(taxonomy.intents)} intents fitted in {time.perf_counter() - started:.1f} s "
        f"(encoder: {type(classifier.encoder).__name__}; cache: {settings.data_dir / 'models'})\n"
    )
