from pathlib import Path

import numpy as np

from knowledge.vector_cache import DiskVectors, TextVectors


def test_only_unseen_texts_are_embedded_and_in_one_call() -> None:
    calls: list[list[str]] = []

    def encode(texts: list[str]) -> np.ndarray:
        calls.append(list(texts))
        return np.array([[float(len(t)), 1.0] for t in texts], dtype=np.float32)

    cache = TextVectors(max_texts=3)
    first = cache.encode(encode, ["a", "bb", "a"])
    assert calls == [["a", "bb"]] and first.shape == (3, 2) and first[0, 0] == first[2, 0] == 1.0
    cache.encode(encode, ["bb", "ccc"])
    assert calls[-1] == ["ccc"]
    cache.encode(encode, ["dddd"])  # evicts the least recently used ("a")
    cache.encode(encode, ["a"])
    assert calls[-1] == ["a"] and len(cache) == 3


def test_disk_vectors_are_shared_between_instances_and_skip_unfinished_files(tmp_path: Path) -> None:
    calls: list[list[str]] = []

    def encode(texts: list[str]) -> np.ndarray:
        calls.append(list(texts))
        return np.array([[float(len(t)), 1.0] for t in texts], dtype=np.float32)

    first = DiskVectors(tmp_path).encode(encode, ["a", "bb", "a"])
    assert calls == [["a", "bb"]] and first.shape == (3, 2)
    again = DiskVectors(tmp_path).encode(encode, ["bb", "a", "ccc"])  # another process, same machine
    assert calls[-1] == ["ccc"]
    assert np.array_equal(again[:2], first[[1, 0]])
    for stored in tmp_path.rglob("*.npy"):
        stored.write_bytes(b"half a fi")  # a file another process is still writing reads as missing
    DiskVectors(tmp_path).encode(encode, ["a"])
    assert calls[-1] == ["a"]
