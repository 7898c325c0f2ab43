"""An incremental rebuild: one small delta segment plus tombstones, or, past the compaction policy,
every live row compacted into a fresh base (vectors reused, nothing re-read).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from retrieval.crosslingual.names import NameEvidence
from retrieval.ingest.boilerplate import NO_FURNITURE, Furniture, source_of
from retrieval.ingest.changes import FileScan
from retrieval.models.embedding import Embedder
from retrieval.records import Passage
from retrieval.store.article_vectors import ArticleVectors
from retrieval.store.local.lexical import SegmentTerms
from retrieval.store.local.live import LiveVersion
from retrieval.store.local.phrases import BigramPostings
from retrieval.store.local.segment import CorpusEvidence, SegmentContent, load_corpus_evidence
from retrieval.store.local.vectors import VectorIndexSpec, choose_spec
from retrieval.store.local.versions import commit_version, new_version_name
from retrieval.store.rebuild import embed_texts, tokens_of
from retrieval.store.records import ArticleEntry, ArticleRow, BuildReport, PassageRow


@dataclass(frozen=True)
class CompactionPolicy:
    """When an incremental rebuild writes a fresh base instead of one more delta.

    Deltas are searched exactly and every tombstoned row still costs disk and a bit in each
    search, so both are bounded: compact once delta rows plus tombstoned base rows exceed
    `max_delta_share` of the base's rows, or once there would be more than `max_deltas` deltas.
    At 1M passages 5% keeps the exact delta search under ~15 ms (50k rows, retrieval/store/local/vectors.py).
    """

    max_delta_share: float = 0.05
    max_deltas: int = 8


@dataclass(frozen=True)
class _NewRow:
    passage_id: str
    article_id: str  # its owner: the first article, by path, holding it after this rebuild
    position: int
    text: str
    tokens: str | None  # None: tokenise (a text no segment holds yet)
    source: tuple[str, int] | None  # (segment, local row) holding its vector already, if any
    passage: Passage | None = None


class DeltaBuild:
    """What one incremental rebuild changes, worked out from the few articles it touches.

    Only the changed articles' passages are looked at: for each such passage, which live
    articles hold it now (SQLite, by passage id), which of them owns it (first by path, as a
    full build decides), and whether its live row can stay. A row stays when its owner is
    unchanged; otherwise it is tombstoned and, if some article still holds the text, written
    again in the delta under its new owner with its stored vector. So the same text is always
    one live row, whichever segments it passed through.
    """

    def __init__(self, live: LiveVersion, entries: list[ArticleEntry], scan: FileScan, report: BuildReport,
                 started: float, furniture: Furniture = NO_FURNITURE):
        self.live, self.entries, self.report, self.started = live, entries, report, started
        self.furniture = furniture
        self.touched = scan.touched
        # the old records of removed files and of changed ones (read again now, or unreadable now)
        self.gone = [*scan.removed, *(before for _, _, before in scan.to_read if before is not None)]
        self.dead_rows: dict[str, set[int]] = {}
        self.dead_articles: dict[str, set[str]] = {}
        for record in self.gone:
            self.dead_articles.setdefault(record.segment, set()).add(record.article_id)
        for record, _ in self.touched:
            self.dead_articles.setdefault(record.segment, set()).add(record.article_id)
        self.new_rows: list[_NewRow] = []
        self._plan()
        self.live_articles = live.num_articles - len(self.gone) + len(entries)
        self.live_passages = (live.num_passages - sum(len(r) for r in self.dead_rows.values())
                              + len(self.new_rows))
        report.parse_seconds = time.perf_counter() - started

    def _plan(self) -> None:
        live, report = self.live, self.report
        changed = {record.article_id for record in self.gone} | {e.article.id for e in self.entries}
        affected: dict[str, None] = {}
        for record in self.gone:
            for _, pid in live.db(record.segment).holdings_of(record.article_id):
                affected[pid] = None
        # boilerplate found in this run that unchanged live articles may hold: their rows go
        for _, pid in self.furniture.keys - live.furniture.keys:
            affected[pid] = None
        new_passages: dict[str, Passage] = {}
        holders: dict[str, list[tuple[str, str, int]]] = {}  # pid → [(source_path, article_id, position)]
        for entry in self.entries:
            for passage in entry.passages:
                affected[passage.id] = None
                new_passages.setdefault(passage.id, passage)
                holders.setdefault(passage.id, []).append((entry.article.source_path, entry.article.id,
                                                           passage.position))
        pids = list(affected)
        physical: dict[str, list[tuple[str, int, str, bool]]] = {}  # pid → [(segment, row, owner, alive)]
        for name in live.segments:
            dead_before = live.dead_articles[name]
            for pid, path, article_id, position, url in live.db(name).holders_of(pids):
                # unchanged live articles that hold it (a touched one still does: same bytes),
                # unless it is their source's boilerplate
                if (article_id not in changed and article_id not in dead_before
                        and not self.furniture.holds(source_of(url), pid)):
                    holders.setdefault(pid, []).append((path, article_id, position))
            dead_rows = live.dead_rows[name]
            for pid, row, owner in live.db(name).owners_of(pids):
                physical.setdefault(pid, []).append((name, row, owner, row not in dead_rows))
        for pid in pids:
            copies = physical.get(pid, [])
            current = next((c for c in copies if c[3]), None)
            held = holders.get(pid)
            if len(held or ()) > 1:
                report.duplicate_passages += 1
            if not held:
                if current is not None:
                    self.dead_rows.setdefault(current[0], set()).add(current[1])
                    report.passages_removed += 1
                continue
            path, owner, position = min(held)
            if current is not None and current[2] == owner and owner not in changed:
                continue  # its owner is unchanged: the row stays where it is
            if current is not None:
                self.dead_rows.setdefault(current[0], set()).add(current[1])
            else:
                report.passages_added += 1
            source = current or (copies[0] if copies else None)
            self.new_rows.append(_NewRow(pid, owner, position, "", None,
                                         (source[0], source[1]) if source else None, new_passages.get(pid)))

    def nothing_left(self) -> bool:
        return self.live_articles <= 0 or self.live_passages <= 0

    def unchanged(self) -> bool:
        return not (self.gone or self.touched or self.entries)

    def needs_compaction(self, policy: CompactionPolicy) -> bool:
        live = self.live
        base = live.segments[0]
        delta_rows = sum(live.segment_rows[name] for name in live.segments[1:]) + len(self.new_rows)
        dead_base = len(live.dead_rows[base] | self.dead_rows.get(base, set()))
        deltas = len(live.segments) - 1 + 1
        return (delta_rows + dead_base > policy.max_delta_share * live.segment_rows[base]
                or deltas > policy.max_deltas)

    def _rows_with_vectors(self, embedder: Embedder, batch_size: int,
                           show_progress: bool) -> tuple[list[PassageRow], np.ndarray]:
        """The new rows' text, tokens and vectors: stored ones reused, the rest embedded."""
        live = self.live
        by_segment: dict[str, list[int]] = {}
        for i, new in enumerate(self.new_rows):
            if new.source is not None:
                by_segment.setdefault(new.source[0], []).append(i)
        texts: list[str] = [""] * len(self.new_rows)
        tokens: list[str | None] = [None] * len(self.new_rows)
        vectors = np.zeros((len(self.new_rows), live.dim), dtype=np.float32)
        for name, indexes in by_segment.items():
            rows = [self.new_rows[i].source[1] for i in indexes]
            stored = {row: (text, token_text) for row, text, token_text in live.db(name).texts_and_tokens_at(rows)}
            vectors[indexes] = live.embeddings(name)[np.asarray(rows, dtype=np.int64)]
            for i, row in zip(indexes, rows, strict=True):
                texts[i], tokens[i] = stored[row]
        to_embed = [i for i, new in enumerate(self.new_rows) if new.source is None]
        for i in to_embed:
            passage = self.new_rows[i].passage
            texts[i], tokens[i] = passage.text, "\t".join(tokens_of(passage))
        # change detection, reading, planning and reading stored vectors: all of it before embedding
        self.report.parse_seconds = time.perf_counter() - self.started
        embed_started = time.perf_counter()
        if to_embed:
            vectors[to_embed] = embed_texts(embedder, [texts[i] for i in to_embed], batch_size, show_progress)
        self.report.passages_embedded = len(to_embed)
        self.report.embed_seconds = time.perf_counter() - embed_started
        rows = [PassageRow(new.passage_id, new.article_id, new.position, texts[i], tokens[i] or "",
                           new.passage.normalized if new.passage is not None and new.source is None else "")
                for i, new in enumerate(self.new_rows)]
        return rows, vectors

    def _delta_articles(self) -> tuple[list[ArticleRow], list[tuple[str, int, str]]]:
        articles = [entry.record() for entry in self.entries]
        holdings = [(e.article.id, p.position, p.id) for e in self.entries for p in e.passages]
        for record, state in self.touched:  # same bytes, new stat: the record moves, its passages stay
            old = self.live.article_row(record)
            articles.append(replace(old, size=state.size, mtime_ns=state.mtime_ns))
            held = self.live.db(record.segment).holdings_of(record.article_id)
            holdings.extend((record.article_id, position, pid) for position, pid in held)
        return articles, holdings

    def write_delta(self, index_dir: Path, embedder: Embedder, batch_size: int, show_progress: bool,
                    article_vectors: ArticleVectors | None = None) -> str:
        rows, vectors = self._rows_with_vectors(embedder, batch_size, show_progress)
        index_started = time.perf_counter()
        articles, holdings = self._delta_articles()
        live = self.live
        version = new_version_name()
        content = SegmentContent("delta", articles, holdings, rows, vectors, VectorIndexSpec("flat"))
        tombstones = {name: (live.dead_rows[name] | self.dead_rows.get(name, set()),
                             live.dead_articles[name] | self.dead_articles.get(name, set()))
                      for name in live.segments}
        commit_version(index_dir, version, embedder, kept=[(name, live.segment_dir(name)) for name in live.segments],
                       new=(f"delta-{version}", content), tombstones=tombstones, trained=None,
                       counts=(self.live_articles, self.live_passages), base_spec=live.base_spec,
                       furniture=self.furniture, article_vectors=article_vectors)
        self.report.written = "delta"
        self.report.index_seconds = time.perf_counter() - index_started
        return version

    def compacted(self, embedder: Embedder, batch_size: int, show_progress: bool,
                  vector_spec: VectorIndexSpec | None) -> SegmentContent:
        """Every live row after this change, as one base segment (vectors reused, nothing re-read)."""
        live = self.live
        new_rows, new_vectors = self._rows_with_vectors(embedder, batch_size, show_progress)
        delta_articles, delta_holdings = self._delta_articles()
        articles: list[ArticleRow] = []
        holdings: list[tuple[str, int, str]] = []
        rows: list[PassageRow] = []
        vector_parts: list[np.ndarray] = []
        evidence_parts: list[tuple[CorpusEvidence, np.ndarray]] = []
        for name in live.segments:
            db = live.db(name)
            dead_articles = live.dead_articles[name] | self.dead_articles.get(name, set())
            for values in db.all_articles():
                if values[0] not in dead_articles:
                    articles.append(ArticleRow(*values))
            holdings.extend(h for h in db.all_holdings() if h[0] not in dead_articles)
            alive = np.ones(live.segment_rows[name], dtype=bool)
            dead = live.dead_rows[name] | self.dead_rows.get(name, set())
            if dead:
                alive[np.fromiter(dead, dtype=np.int64)] = False
            for row, *values in db.all_passage_rows():
                if alive[row]:
                    rows.append(PassageRow(*values))
            vector_parts.append(np.asarray(live.embeddings(name)[alive], dtype=np.float32))
            evidence_parts.append((load_corpus_evidence(live.segment_dir(name), db), alive))
        articles += delta_articles
        holdings += delta_holdings
        rows += new_rows
        embeddings = np.vstack([*vector_parts, new_vectors])
        # the kept rows' postings and names are carried over, not worked out again from their text
        new_terms = SegmentTerms.build([row.tokens.split("\t") if row.tokens else [] for row in new_rows])
        evidence_parts.append((CorpusEvidence.of_rows(new_rows, new_terms.vocab, new_terms.lengths),
                               np.ones(len(new_rows), dtype=bool)))
        evidence = CorpusEvidence(
            BigramPostings.concatenate([(e.bigrams, alive) for e, alive in evidence_parts]),
            NameEvidence.concatenate([(e.names, alive) for e, alive in evidence_parts]))
        return SegmentContent("base", articles, holdings, rows, embeddings, vector_spec or choose_spec(len(rows)),
                              evidence)
