"""The local index, loaded for serving: one version's segments read as one corpus of live rows."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import numpy as np

from retrieval.crosslingual.names import NameEvidence
from retrieval.errors import IndexError_, IndexNotFound
from retrieval.store.article_vectors import ArticleVectors
from retrieval.store.local.article_file import read_article_vectors
from retrieval.store.local.lexical import LexicalIndex, SegmentedLexical, SegmentTerms
from retrieval.store.local.phrases import PhraseIndex
from retrieval.store.local.schema import SegmentDb
from retrieval.store.local.segment import (
    LEANING_FILE,
    LEXICAL_DIR,
    CorpusEvidence,
    load_corpus_evidence,
    load_leaning,
)
from retrieval.store.local.vectors import SegmentedVectors, VectorIndexError, load_vectors
from retrieval.store.local.versions import VersionFiles, VersionGone, VersionLease, live_version_dir
from retrieval.store.records import IndexInfo, RowArticles, StoredPassage, TermMatches


class LoadedIndex:
    """A read-only, loaded index version: vectors, lexical index and metadata.

    However many segments the version has, it is presented as one row space 0..num_passages-1
    of live passages (retrieval.store.local.rows.RowMap): the Searcher never sees segments. This is
the local implementation of retrieval.store.protocol.IndexReader.
    """

    def __init__(self, directory: Path):
        self.directory = directory
        self._lease = VersionLease(directory)  # no rebuild removes the version while this holds it
        try:
            self._load(directory)
        except BaseException:
            self._lease.release()
            raise

    def _load(self, directory: Path) -> None:
        files = VersionFiles(directory)  # checks sizes and changed files' digests: IndexDamaged
        self.files = files
        self.manifest = files.manifest
        self.version = self.manifest["version"]
        self.model_name = self.manifest["model"]
        self.model_fingerprint = self.manifest.get("model_fingerprint")
        self.dim = int(self.manifest["dim"])
        self.num_articles = int(self.manifest["articles"])
        self.segments = files.segments
        self.row_maps = files.row_maps()
        self.num_passages = self.row_maps[-1].end if self.row_maps else 0
        try:
            parts = [(load_vectors(files.segment_dir(name), files.segment_spec(name)), row_map)
                     for name, row_map in zip(self.segments, self.row_maps, strict=True)]
        except VectorIndexError as error:
            raise IndexError_(str(error)) from None
        self.vectors = SegmentedVectors(parts)
        if files.legacy:  # one segment, no tombstones: bm25s' own scores are exact
            self.lexical = LexicalIndex.load(directory / "lexical", self.num_passages)
        else:
            self.lexical = SegmentedLexical([(SegmentTerms.load(files.segment_dir(name) / LEXICAL_DIR), row_map)
                                             for name, row_map in zip(self.segments, self.row_maps, strict=True)])
        self._dbs = [SegmentDb(files.segment_dir(name)) for name in self.segments]
        self._db_lock = threading.Lock()
        self._evidence: list[CorpusEvidence] | None = None
        self._phrases: PhraseIndex | None = None
        self._predecessors: np.ndarray | None = None
        self._row_articles: RowArticles | None = None
        self._article_vectors: ArticleVectors | bool | None = None
        self.info = IndexInfo(location=str(directory.parent.parent), version=self.version, model=self.model_name,
                              dim=self.dim, model_fingerprint=self.model_fingerprint, articles=self.num_articles,
                              passages=self.num_passages, built_at=str(self.manifest.get("built_at", "unknown")))

    def _corpus_evidence(self) -> list[CorpusEvidence]:
        """Each segment's bigram postings and name evidence (read at the first query that needs them)."""
        if self._evidence is None:
            try:
                self._evidence = [load_corpus_evidence(self.files.segment_dir(name), db)
                                  for name, db in zip(self.segments, self._dbs, strict=True)]
            except ValueError as error:
                raise IndexError_(f"{error}: rebuild the index with scripts/rebuild_index.py --full") from None
        return self._evidence

    @property
    def phrases(self) -> PhraseIndex:
        """Substring search over the live passages."""
        with self._db_lock:
            if self._phrases is None:
                self._phrases = PhraseIndex([(evidence.bigrams, row_map) for evidence, row_map
                                             in zip(self._corpus_evidence(), self.row_maps, strict=True)])
            return self._phrases

    def name_evidence(self) -> list[NameEvidence]:
        """Each segment's glossed names (of live rows), transliteration runs and pinyin readings.

        A tombstoned passage's runs and readings stay until the next compaction: they only
        propose terms, which are then looked up among the live passages.
        """
        with self._db_lock:
            evidence = self._corpus_evidence()
        return [replace(e.names, glosses=[g for g in e.names.glosses if row_map.alive is None or row_map.alive[g[0]]])
                for e, row_map in zip(evidence, self.row_maps, strict=True)]

    def term_matches(self, term: str) -> TermMatches | None:
        return self.lexical.postings(term)

    def phrase_matches(self, term: str) -> TermMatches:
        return self.phrases.find(term)

    def unseen_idf(self) -> float:
        return self.lexical.unseen_idf()

    def dense_search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        return self.vectors.search(queries, k)

    def vectors_for(self, rows: list[int]) -> np.ndarray:
        return self.vectors.vectors_for(rows)

    def forget_cached_terms(self) -> None:
        with self._db_lock:
            if self._phrases is not None:
                self._phrases.find.cache_clear()
        cache_clear = getattr(self.lexical.postings, "cache_clear", None)
        if cache_clear is not None:
            cache_clear()

    def passages(self, rows: list[int]) -> list[StoredPassage]:
        if not rows:
            return []
        wanted = np.asarray([int(row) for row in rows], dtype=np.int64)
        inside = (wanted >= 0) & (wanted < self.num_passages)
        segments, local = self.vectors.locate(wanted[inside])
        found: dict[int, tuple] = {}
        with self._db_lock:
            for number in np.unique(segments).tolist():
                mask = segments == number
                global_of = dict(zip(local[mask].tolist(), wanted[inside][mask].tolist(), strict=True))
                for local_row, *values in self._dbs[number].passages_at(list(global_of)):
                    if local_row in global_of:
                        found[global_of[local_row]] = tuple(values)
            articles = self._articles({values[1] for values in found.values()})
        out = []
        for row in wanted.tolist():
            if row not in found:
                continue
            pid, article_id, text, token_text = found[row]
            title, date, url = articles.get(article_id, ("", None, None))
            out.append(StoredPassage(row, pid, article_id, text, tuple(token_text.split("\t")) if token_text else (),
                                     title, date, url))
        return out

    def predecessor_rows(self) -> np.ndarray:
        """Per live row, the row of the paragraph just before it in its article when this one opens
        with a word pointing back to it (retrieval.ingest.leaning); -1 elsewhere. Worked out at the first
        query that asks, from each segment's leaning flags and the articles' paragraph order.

        The previous paragraph may sit in any segment (an incremental rebuild writes only a changed
        article's new paragraphs), and a changed article's order is read from its live record.
        """
        with self._db_lock:
            if self._predecessors is None:
                self._predecessors = self._find_predecessors()
            return self._predecessors

    def _find_predecessors(self) -> np.ndarray:
        predecessor_row: dict[int, int] = {}  # global row → the global row before it
        previous_pid: dict[int, str] = {}  # ... or the passage id before it, held by another segment
        for name, db, row_map in zip(self.segments, self._dbs, self.row_maps, strict=True):
            try:
                leaning = load_leaning(self.files.segment_dir(name), db)
            except ValueError as error:
                raise IndexError_(f"{error}: rebuild the index with scripts/rebuild_index.py --full") from None
            if len(leaning) != row_map.size:
                raise IndexError_(f"{self.files.segment_dir(name) / LEANING_FILE} has {len(leaning)} rows, the "
                                  f"segment {row_map.size}: rebuild the index with scripts/rebuild_index.py --full")
            local = np.flatnonzero(leaning if row_map.alive is None else leaning & row_map.alive)
            if not len(local):
                continue
            dead = self.files.dead_articles[name]
            # the previous paragraph's row when this segment holds it (the usual case), else its id
            found = db.predecessor_links(local.tolist())
            rows = row_map.to_global(np.asarray([values[0] for values in found], dtype=np.int64))
            held = row_map.to_global(np.asarray([-1 if v[4] is None else v[4] for v in found], dtype=np.int64))
            for row, held_row, (_, article_id, pid, before, _) in zip(rows.tolist(), held.tolist(), found,
                                                                     strict=True):
                if article_id in dead:  # the article changed since: its live record says what comes before
                    before, held_row = self._previous_in_live_article(article_id, pid), -1
                if held_row >= 0:
                    predecessor_row[row] = held_row
                elif before is not None:
                    previous_pid[row] = before
        predecessor = np.full(self.num_passages, -1, dtype=np.int32)
        for row, before_row in predecessor_row.items():
            predecessor[row] = before_row
        row_of = self._live_rows(set(previous_pid.values()))
        for row, pid in previous_pid.items():
            if pid in row_of:
                predecessor[row] = row_of[pid]
        return predecessor

    def row_articles(self) -> RowArticles:
        """Which article each live row belongs to (its StoredPassage's article), read at the first
        query that asks: one scan of each segment's passages table (86k rows: ~0.1 s)."""
        with self._db_lock:
            if self._row_articles is None:
                numbers: dict[str, int] = {}
                article_of = np.full(self.num_passages, -1, dtype=np.int32)
                for db, row_map in zip(self._dbs, self.row_maps, strict=True):
                    stored = db.row_owners()
                    if not stored:
                        continue
                    rows = row_map.to_global(np.asarray([row for row, _ in stored], dtype=np.int64))
                    ids = np.asarray([numbers.setdefault(a, len(numbers)) for _, a in stored], dtype=np.int32)
                    live = rows >= 0
                    article_of[rows[live]] = ids[live]
                self._row_articles = RowArticles.from_article_of(article_of, list(numbers))
            return self._row_articles

    def article_vectors(self) -> ArticleVectors | None:
        """The version's article vectors (retrieval.store.local.article_file), read at the first
        question that asks; None for a version built without them."""
        with self._db_lock:
            if self._article_vectors is None:
                # damage is IndexDamaged naming the file (an IndexError_, as every reader error)
                self._article_vectors = read_article_vectors(self.directory) or False
            return self._article_vectors or None

    def article_sources(self, article_ids: set[str]) -> dict[str, str]:
        """The source file each article was read from (its live record)."""
        found: dict[str, str] = {}
        with self._db_lock:
            for number in reversed(range(len(self.segments))):
                missing = [a for a in article_ids if a not in found]
                if not missing:
                    break
                dead = self.files.dead_articles[self.segments[number]]
                found.update((a, path) for a, path in self._dbs[number].article_sources(missing) if a not in dead)
        return found

    def _previous_in_live_article(self, article_id: str, passage_id: str) -> str | None:
        number = self._live_article_segment(article_id)
        if number is None:
            return None
        return self._dbs[number].previous_in_article(article_id, passage_id)

    def _live_article_segment(self, article_id: str) -> int | None:
        """The segment holding an article's live record: the newest one that has it, not tombstoned."""
        for number in reversed(range(len(self.segments))):
            if article_id in self.files.dead_articles[self.segments[number]]:
                continue
            if self._dbs[number].has_article(article_id):
                return number
        return None

    def _live_rows(self, passage_ids: set[str]) -> dict[str, int]:
        """The live global row of each passage id (a text has one live row in the whole index)."""
        found: dict[str, int] = {}
        for db, row_map in zip(self._dbs, self.row_maps, strict=True):
            missing = [pid for pid in passage_ids if pid not in found]
            if not missing:
                break
            stored = db.rows_of(missing)
            if stored:
                rows = row_map.to_global(np.asarray([row for _, row in stored], dtype=np.int64))
                found.update((pid, int(row)) for (pid, _), row in zip(stored, rows.tolist(), strict=True) if row >= 0)
        return found

    def _articles(self, article_ids: set[str]) -> dict[str, tuple[str, str | None, str | None]]:
        """(title, date, url) of each article's live record: the newest segment holding it, not tombstoned."""
        found: dict[str, tuple[str, str | None, str | None]] = {}
        for number in reversed(range(len(self.segments))):
            missing = [a for a in article_ids if a not in found]
            if not missing:
                break
            dead = self.files.dead_articles[self.segments[number]]
            for article_id, title, date, url in self._dbs[number].article_cards(missing):
                if article_id not in dead:
                    found[article_id] = (title, date, url)
        return found

    def close(self) -> None:
        with self._db_lock:
            for db in self._dbs:
                db.close()
        self.vectors.close()
        self._lease.release()


def load_index(index_dir: Path) -> LoadedIndex:
    for _ in range(5):  # rebuilds may swap CURRENT and remove the version we read it from meanwhile
        directory = live_version_dir(index_dir)
        if directory is None:
            raise IndexNotFound(f"no index in {index_dir}: build one with `python scripts/rebuild_index.py`")
        try:
            return LoadedIndex(directory)
        except VersionGone:
            continue
    raise IndexError_(f"the index in {index_dir} kept changing while loading: try again")
