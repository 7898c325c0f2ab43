"""A static model (one StaticEmbedding module) encoded with numpy, without sentence-transformers.

A StaticEmbedding's sentence vector is the mean of its tokens' rows (torch's EmbeddingBag in
"mean" mode; a text with no tokens gives zeros), and the product asks for unit length. That is a
few lines of numpy over the model folder's own files: its `tokenizers` tokenizer (tokenizer.json)
and its weights (model.safetensors, memory-mapped, so a question touches only the rows it uses).
Importing sentence-transformers (torch, transformers, scipy, sklearn) cost ~9 s of CPU per CLI
call on these machines; this costs reading tokenizer.json (~0.13 s for the 112k-token vocabulary).
tests/models/test_static_encoder.py and scripts/bench_cli.py check the vectors are the same.
"""

from __future__ import annotations

import json
import struct
import threading
from functools import cached_property
from pathlib import Path

import numpy as np

from retrieval.errors import ModelLoadError
from retrieval.models.registry import model_fingerprint

WEIGHTS_FILE = "model.safetensors"
WEIGHTS_KEY = "embedding.weight"
_DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64}
_MAX_HEADER_BYTES = 100_000_000  # the format's own limit


def is_static_model(path: Path) -> bool:
    """A sentence-transformers folder made of one StaticEmbedding module with safetensors weights."""
    try:
        modules = json.loads((path / "modules.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (isinstance(modules, list) and len(modules) == 1 and isinstance(modules[0], dict)
            and str(modules[0].get("type", "")).endswith(".StaticEmbedding") and modules[0].get("path", "") == ""
            and (path / WEIGHTS_FILE).is_file() and (path / "tokenizer.json").is_file())


def read_safetensors_matrix(path: Path, key: str) -> np.ndarray:
    """One 2-D tensor of a safetensors file, as a read-only memory map.

    The format (github.com/huggingface/safetensors): 8 bytes little-endian header length, a JSON
    header giving each tensor's dtype, shape and byte range within the data that follows. The
    safetensors package's numpy loader reads the whole 115 MB file; a memory map reads a few rows.
    """
    try:
        with path.open("rb") as handle:
            (length,) = struct.unpack("<Q", handle.read(8))
            if length > _MAX_HEADER_BYTES:
                raise ValueError(f"a header of {length} bytes")
            entry = json.loads(handle.read(length))[key]
        dtype = np.dtype(_DTYPES[entry["dtype"]])
        rows, columns = (int(n) for n in entry["shape"])
        start, end = (int(n) for n in entry["data_offsets"])
        if end - start != rows * columns * dtype.itemsize:
            raise ValueError(f"{end - start} bytes for a {rows}×{columns} {dtype} tensor")
        return np.memmap(path, dtype=dtype, mode="r", offset=8 + length + start, shape=(rows, columns))
    except (OSError, ValueError, KeyError, TypeError, struct.error) as error:
        raise ModelLoadError(f"{path}: cannot read tensor {key!r} as safetensors ({error})") from None


class StaticEncoder:
    """Texts → unit-length float32 vectors, as SentenceTransformer(path).encode(texts,
    normalize_embeddings=True) gives them; the same surface as models.embedding.Embedder."""

    def __init__(self, name: str, path: Path):
        from tokenizers import Tokenizer

        self.name = name
        self._path = path
        try:
            self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        except Exception as error:  # tokenizers raises a bare Exception for a malformed file
            raise ModelLoadError(f"{path / 'tokenizer.json'}: cannot read the tokenizer ({error})") from None
        self.tokenizer.no_padding()  # as StaticEmbedding does: every token of the text counts
        self.weights = read_safetensors_matrix(path / WEIGHTS_FILE, WEIGHTS_KEY)
        if self.weights.shape[0] < self.tokenizer.get_vocab_size():
            raise ModelLoadError(f"{path}: {self.weights.shape[0]} weight rows for a vocabulary of "
                                 f"{self.tokenizer.get_vocab_size()} tokens")
        self.dim = int(self.weights.shape[1])
        self._lock = threading.Lock()  # one tokenizer call at a time, as the torch path does

    @cached_property
    def fingerprint(self) -> str | None:
        return model_fingerprint(self._path)

    def encode(self, texts: list[str], batch_size: int = 64, show_progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        with self._lock:
            encodings = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        for row, encoding in enumerate(encodings):
            if encoding.ids:
                out[row] = self.weights[np.asarray(encoding.ids)].astype(np.float32).mean(axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)  # torch's normalize(eps=1e-12): a zero vector stays zero

    def token_vectors(self) -> tuple[dict[str, int], np.ndarray]:
        """The vocabulary (token → row) and every token's vector (crosslingual.neighbours)."""
        return self.tokenizer.get_vocab(), np.asarray(self.weights, dtype=np.float32)
