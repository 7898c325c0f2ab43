"""Article vectors as a rebuild writes them, whatever the backend (retrieval.models.article_encoder).

Each live article has one vector, stored with the key of the text it was made from: a rebuild
embeds only articles whose text it has no vector for (new ones, changed titles or leads, or all of
them when the model changed), so an incremental rebuild pays for what it adds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from retrieval.models.article_encoder import ArticleEncoder, article_text, text_key
from retrieval.store.records import ArticleEntry


@dataclass(frozen=True)
class ArticleVectors:
    """One vector per article: `vectors[i]` is article `ids[i]`'s, made by `model` from the text
    whose key is `keys[i]`."""

    model: str
    ids: tuple[str, ...]
    keys: tuple[str, ...]
    vectors: np.ndarray  # float32 [len(ids) × dim], unit length

    def __post_init__(self) -> None:
        if not (len(self.ids) == len(self.keys) == len(self.vectors)) or self.vectors.ndim != 2:
            raise ValueError(f"article vectors: {len(self.ids)} ids, {len(self.keys)} keys and vectors of "
                             f"shape {self.vectors.shape} do not belong together")

    def by_key(self) -> dict[str, np.ndarray]:
        return dict(zip(self.keys, self.vectors, strict=True))

    def aligned(self, article_ids: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
        """(vectors, present) in the order of `article_ids`: zero rows where an article has none."""
        where = {article_id: i for i, article_id in enumerate(self.ids)}
        ordered = list(article_ids)
        found = np.asarray([where.get(a, -1) for a in ordered], dtype=np.int64)
        present = found >= 0
        out = np.zeros((len(ordered), self.vectors.shape[1]), dtype=np.float32)
        out[present] = self.vectors[found[present]]
        return out, present


def entry_text(entry: ArticleEntry) -> str:
    passages = sorted(entry.passages, key=lambda p: p.position)
    return article_text(entry.article.title, passages[0].text if passages else "")


def vectors_for_articles(encoder: ArticleEncoder, previous: ArticleVectors | None,
                         entries: list[ArticleEntry], kept: Iterable[tuple[str, Callable[[], ArticleEntry]]] = (),
                         show_progress: bool = False) -> tuple[ArticleVectors, int]:
    """The vectors of a new version's articles, and how many were embedded now.

    `entries` are the articles read (or re-assembled) for this version; `kept` are the live articles
    it keeps as they are (id, and how to re-assemble the entry should the previous version hold no
    vector for it). Vectors of `previous` are reused by text key when it was made by this model."""
    reuse = previous if previous is not None and previous.model == encoder.name else None
    by_key = reuse.by_key() if reuse is not None else {}
    kept_key = dict(zip(reuse.ids, reuse.keys, strict=True)) if reuse is not None else {}
    ids: list[str] = []
    keys: list[str] = []
    texts: dict[str, str] = {}
    fresh = {entry.article.id for entry in entries}
    for article_id, assemble in kept:
        if article_id in fresh:
            continue
        key = kept_key.get(article_id)
        if key is None:  # the previous version has no vector for it: made now from its stored text
            text = entry_text(assemble())
            key = text_key(text)
            texts.setdefault(key, text)
        ids.append(article_id)
        keys.append(key)
    for entry in entries:
        text = entry_text(entry)
        key = text_key(text)
        texts.setdefault(key, text)
        ids.append(entry.article.id)
        keys.append(key)
    missing = [key for key in dict.fromkeys(keys) if key not in by_key]
    if missing:
        embedded = encoder.passages([texts[key] for key in missing], show_progress=show_progress)
        by_key.update(zip(missing, embedded, strict=True))
    vectors = np.stack([by_key[key] for key in keys]) if keys else np.zeros((0, encoder.dim), dtype=np.float32)
    return ArticleVectors(encoder.name, tuple(ids), tuple(keys), vectors.astype(np.float32, copy=False)), len(missing)
