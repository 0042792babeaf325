"""Fitted heads kept on disk: a server start loads them instead of encoding the examples and fitting again.

A fit is a function of its training data, its code, the encoder's weights and the libraries. The key hashes all of
them: the caller's inputs (taxonomy, configuration, encoder file), every source and data file of the ``signals`` and
``knowledge`` packages, and the versions of numpy, scipy and scikit-learn. An edited example, a changed line of
fitting code or a new library version therefore fits anew; nothing has to be bumped by hand.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import pickle
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

logger = logging.getLogger(__name__)

_PACKAGES = tuple(Path(__file__).resolve().parent.parent / name for name in ("signals", "knowledge"))
_SUFFIXES = {".py", ".yaml", ".yml", ".json", ".jsonl", ".txt", ".npz"}


@lru_cache(maxsize=1)
def code_and_data_digest() -> str:
    """A hash of the source and data files that fitting reads (read once per process, under 1 MB)."""
    digest = hashlib.sha256()
    for package in _PACKAGES:
        for path in sorted(package.rglob("*")):
            if path.suffix in _SUFFIXES and "__pycache__" not in path.parts and path.is_file():
                digest.update(str(path.relative_to(package.parent)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _library_versions() -> list[str]:
    import numpy
    import scipy  # type: ignore[import-untyped]
    import sklearn

    return [numpy.__version__, scipy.__version__, sklearn.__version__]


def load_or_fit[T](cache_dir: Path, name: str, key: object, fit: Callable[[], T]) -> T:
    """What ``fit()`` returns, loaded from ``cache_dir`` when a process already fitted it with the same inputs.

    ``key`` is the caller's inputs, JSON-serialisable. The file is written atomically, so processes that start
    together never read a half-written one; a file that cannot be read is fitted and written again, and a
    directory that cannot be written only costs the fit at every start.
    """
    payload = json.dumps([key, code_and_data_digest(), _library_versions()], sort_keys=True)
    path = cache_dir / f"{name}-{hashlib.sha256(payload.encode()).hexdigest()[:16]}.pickle"
    if path.exists():
        try:
            with path.open("rb") as file:
                fitted: T = pickle.load(file)  # our own file, written below, in the data directory like the models
            return fitted
        except Exception:  # noqa: BLE001 - a truncated or foreign file: fit again and replace it
            logger.warning("cannot read the fitted %s in %s: fitting again", name, path, exc_info=True)
    fitted = fit()
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with partial.open("wb") as file:
            pickle.dump(fitted, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, path)
    except OSError:  # a read-only or full data directory: serve what was fitted, fit again at the next start
        logger.warning("cannot keep the fitted %s in %s", name, cache_dir, exc_info=True)
        with contextlib.suppress(OSError):
            partial.unlink()
    return fitted
