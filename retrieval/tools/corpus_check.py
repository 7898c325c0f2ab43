"""Check the reader against a corpus with known metadata: titles, source URLs, dates, boilerplate, speed.

Reads every article page under a directory the way a rebuild does (`read_article_file` then
`chunk_article`, no embedding), compares titles and source URLs with a manifest (TSV with at least
the columns `file`, `title`, `source_url`), and finds passage texts shared by several articles —
the signature of boilerplate (mirror banners, nav lines, promo links) that the reader let through.
"""

from __future__ import annotations

import csv
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.ingest.boilerplate import find_furniture, strip_furniture
from retrieval.ingest.chunking import chunk_article
from retrieval.ingest.files import find_article_files
from retrieval.ingest.walker import read_files
from retrieval.records import Article, Passage

BOILERPLATE_MIN_ARTICLES = 3  # a passage text in this many different articles is boilerplate


class ManifestError(ValueError):
    """A manifest that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class ManifestRow:
    file: str
    title: str
    source_url: str
    page_format: str = ""


@dataclass(frozen=True)
class Mismatch:
    file: str
    field: str  # "title" or "url"
    expected: str
    got: str


@dataclass(frozen=True)
class SharedPassage:
    text: str
    files: tuple[str, ...]


@dataclass
class CorpusReport:
    articles: dict[str, Article] = field(default_factory=dict)  # file (relative) → article
    passages: dict[str, list[Passage]] = field(default_factory=dict)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    warnings: list[str] = field(default_factory=list)
    no_passages: list[str] = field(default_factory=list)
    seconds: float = 0.0  # read + parse + boilerplate + chunk, all files
    furniture: int = 0  # distinct paragraphs found to be some source's boilerplate
    furniture_dropped: int = 0  # paragraphs dropped from articles as boilerplate

    @property
    def passage_count(self) -> int:
        return sum(len(passages) for passages in self.passages.values())

    def shared_passages(self, min_articles: int = BOILERPLATE_MIN_ARTICLES) -> list[SharedPassage]:
        """Passage texts (compared by passage id, i.e. normalised text) found in ≥ min_articles files."""
        files_by_id: dict[str, set[str]] = defaultdict(set)
        text_by_id: dict[str, str] = {}
        for file, passages in self.passages.items():
            for passage in passages:
                files_by_id[passage.id].add(file)
                text_by_id.setdefault(passage.id, passage.text)
        shared = [SharedPassage(text_by_id[pid], tuple(sorted(files)))
                  for pid, files in files_by_id.items() if len(files) >= min_articles]
        return sorted(shared, key=lambda item: (-len(item.files), item.text))

    def dated(self) -> int:
        return sum(1 for article in self.articles.values() if article.date)

    def dates_by_format(self) -> dict[str, tuple[int, int]]:
        """Sniffed page format → (articles with a date, articles)."""
        counts: dict[str, tuple[int, int]] = {}
        for article in self.articles.values():
            with_date, total = counts.get(article.page_format, (0, 0))
            counts[article.page_format] = (with_date + bool(article.date), total + 1)
        return counts


def read_manifest(path: Path) -> dict[str, ManifestRow]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            missing = {"file", "title", "source_url"} - set(reader.fieldnames or ())
            if missing:
                raise ManifestError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
            rows = {}
            for number, row in enumerate(reader, start=2):
                if not row.get("file"):
                    raise ManifestError(f"{path}: line {number} has no file name")
                rows[row["file"]] = ManifestRow(row["file"], row.get("title") or "", row.get("source_url") or "",
                                                row.get("format") or "")
            return rows
    except OSError as error:
        raise ManifestError(f"{path}: cannot read manifest: {error.strerror or error}") from None


def read_corpus(directory: Path, workers: int | None = None) -> CorpusReport:
    """Read and chunk every article file under `directory`, timing the whole pass."""
    report = CorpusReport()
    items = [(path, path.relative_to(directory).as_posix()) for path in find_article_files(directory)]
    started = time.perf_counter()
    for outcome in read_files(items, workers=workers):
        name = outcome.path
        report.warnings.extend(outcome.warnings)
        if outcome.article is None:
            report.failures.append((name, outcome.skipped_reason or "unreadable"))
            continue
        report.articles[name] = outcome.article
    furniture = find_furniture(report.articles.values())
    report.furniture = len(furniture)
    for name, article in report.articles.items():
        article, dropped = strip_furniture(article, furniture)
        report.furniture_dropped += dropped
        passages = chunk_article(article)
        report.articles[name] = article
        report.passages[name] = passages
        if not passages:
            report.no_passages.append(name)
    report.seconds = time.perf_counter() - started
    return report


def compare_with_manifest(report: CorpusReport, manifest: dict[str, ManifestRow]) -> list[Mismatch]:
    """Every title and URL that differs from the manifest (format_report decides which count)."""
    mismatches = []
    for file, row in sorted(manifest.items()):
        article = report.articles.get(file)
        if article is None:
            continue  # counted as a failure (or missing file) elsewhere
        if article.title != row.title:
            mismatches.append(Mismatch(file, "title", row.title, article.title))
        if (article.url or "") != row.source_url:
            mismatches.append(Mismatch(file, "url", row.source_url, article.url or ""))
    return mismatches


def format_report(report: CorpusReport, manifest: dict[str, ManifestRow] | None,
                  worst: int = 10) -> tuple[str, bool]:
    """The printable report and whether the corpus meets the bar."""
    lines: list[str] = []
    ok = True
    read = len(report.articles)
    total = read + len(report.failures)
    lines.append(f"files: {total}; parsed: {read}; parse failures: {len(report.failures)}")
    for file, reason in report.failures:
        lines.append(f"  FAIL {file}: {reason}")
    ok &= not report.failures
    lines.append(f"articles without passages: {len(report.no_passages)}")
    for file in report.no_passages:
        lines.append(f"  EMPTY {file}")
    ok &= not report.no_passages

    if manifest is not None:
        missing = sorted(set(manifest) - set(report.articles) - {file for file, _ in report.failures})
        for file in missing:
            lines.append(f"  MISSING {file}: in the manifest, no such article file")
        ok &= not missing
        mismatches = compare_with_manifest(report, manifest)
        compared = sum(1 for file in manifest if file in report.articles)
        # Titles: ideographic against ASCII spaces is the same title (the bar is whitespace-insensitive);
        # those differences are counted, not listed.
        titles = [m for m in mismatches if m.field == "title"]
        real = [m for m in titles if _unspaced(m.expected) != _unspaced(m.got)]
        denominator = max(1, len(manifest))
        lines.append(f"title exact match: {compared - len(titles)}/{len(manifest)} = "
                     f"{(compared - len(titles)) / denominator:.1%}")
        lines.append(f"title match ignoring whitespace: {compared - len(real)}/{len(manifest)} = "
                     f"{(compared - len(real)) / denominator:.1%} (bar 99%)")
        ok &= (compared - len(real)) / denominator >= 0.99
        lines.extend(f"  TITLE {m.file}: expected {m.expected!r}, got {m.got!r}" for m in real)
        # URLs: scored over the pages whose manifest names a source; a page stating one the manifest
        # lacks is listed, not counted.
        urls = [m for m in mismatches if m.field == "url"]
        named = [file for file in manifest if manifest[file].source_url and file in report.articles]
        wrong = [m for m in urls if m.expected]
        share = (len(named) - len(wrong)) / max(1, len(named))
        lines.append(f"url exact match: {len(named) - len(wrong)}/{len(named)} = {share:.1%} "
                     "of the pages whose manifest names a source (bar 98%)")
        ok &= share >= 0.98
        lines.extend(f"  URL {m.file}: expected {m.expected!r}, got {m.got!r}" for m in wrong)
        lines.extend(f"  URL {m.file}: the manifest names none, the page states {m.got!r}"
                     for m in urls if not m.expected)

    lines.append(f"boilerplate: {report.furniture} paragraphs recur in ≥3 articles of one source; "
                 f"{report.furniture_dropped} dropped from articles")
    shared = report.shared_passages()
    lines.append(f"passage texts in ≥{BOILERPLATE_MIN_ARTICLES} different articles: {len(shared)}")
    for item in shared[:worst]:
        preview = item.text.replace("\n", " ⏎ ")
        preview = preview if len(preview) <= 80 else preview[:77] + "…"
        lines.append(f"  {len(item.files)} articles: {preview!r} (e.g. {', '.join(item.files[:3])})")
    ok &= not shared

    dated = report.dated()
    lines.append(f"date coverage (ISO 8601): {dated}/{max(1, read)} = {dated / max(1, read):.1%}")
    for page_format, (with_date, count) in sorted(report.dates_by_format().items()):
        lines.append(f"  {page_format}: {count} articles, {with_date} dated")
    passages = report.passage_count
    seconds = max(report.seconds, 1e-9)
    lines.append(f"parse+chunk: {read} articles, {passages} passages in {report.seconds:.2f} s = "
                 f"{read / seconds:.1f} articles/s, {passages / seconds:.1f} passages/s (no embedding)")
    if report.warnings:
        lines.append(f"reader warnings: {len(report.warnings)}")
        lines.extend(f"  {message}" for message in report.warnings[:worst])
    lines.append("bar: " + ("MET" if ok else "NOT MET"))
    return "\n".join(lines), ok


def _unspaced(text: str) -> str:
    return "".join(text.split())
