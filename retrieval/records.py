"""Records that cross module lines: an article read from disk, a passage cut from it, a search hit."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Article:
    """One news article as read from a page file, boilerplate already removed."""

    id: str
    title: str
    date: str | None  # ISO 8601 (YYYY-MM-DD) where the page states one
    url: str | None  # the outlet's own article URL, never a mirror's navigation link
    paragraphs: tuple[str, ...]
    source_path: str
    page_format: str = "unknown"


@dataclass(frozen=True)
class Passage:
    """A paragraph-sized piece of an article: the unit that is embedded, indexed and shown."""

    id: str  # derived from the normalised text, so identical passages share one id
    article_id: str
    text: str  # in the article's original script
    position: int  # order within its article
    # normalize(text) when chunking computed it for the id, so the build tokenises it without
    # running OpenCC a second time; empty for passages read back from an index
    normalized: str = field(default="", compare=False, repr=False)


@dataclass(frozen=True)
class Hit:
    """One search result: a passage with the metadata of the article it came from."""

    passage_id: str
    article_id: str
    text: str
    title: str
    date: str | None
    url: str | None
    score: float
    matched_terms: tuple[str, ...] = ()
    # IDF-weighted share of the question's term groups this passage speaks to: the Searcher's own
    # abstain measure, so callers (the bot's paging) judge later hits exactly as it judges the top ones.
    coverage: float = 0.0

    def to_json(self) -> dict:
        return {
            "text": self.text,
            "title": self.title,
            "date": self.date,
            "url": self.url,
            "score": round(float(self.score), 6),
            "passage_id": self.passage_id,
            "article_id": self.article_id,
        }


@dataclass(frozen=True)
class SearchResult:
    """The answer to one query: either some hits, or an honest 'nothing here answers this'."""

    query: str
    answered: bool
    hits: tuple[Hit, ...] = field(default_factory=tuple)

    def to_json(self) -> dict:
        return {
            "query": self.query,
            "answered": self.answered,
            "hits": [hit.to_json() for hit in self.hits],
        }
