"""Boilerplate by evidence: a paragraph that many articles of one source repeat word for word is
that source's furniture (a columnist's bio, a column banner, a "follow us" line, a series'
editor's note), not the article's content, and is kept out of every passage.

No list of phrases can know every outlet's furniture; the corpus shows it. In the large corpus 34
passage texts stood in 3 or more articles: 28 hkcnews columns closing on the same bio, 25 opening
with the same readers'-column banner, 15 WeChat reposts ending "微信搜索“燕京书评”…".

A paragraph is compared in its normalised form (width, script, case, whitespace: the form passage
ids are made from, so a paragraph that stands as a passage has the passage's id as its key) and
counted once per article. The source is the site the article's source URL names: a government
statement that three outlets quote word for word is content; one outlet's bio under every column
is not. Articles with no source URL are counted together.

Known furniture is kept with the index (`Furniture.to_json`, a few dozen keys), so an article added
by a later incremental rebuild that repeats a known bio is cleaned too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from retrieval.records import Article
from retrieval.text import content_id_of_normalized, normalize

MIN_ARTICLES = 3  # a paragraph in this many articles of one source is furniture (the corpus check's bar)
# Shorter paragraphs recur by chance, not as furniture: section numbers ("1", "01"), subheadings
# ("结语"), and the line-broken fragments of video transcripts ("that.", "Yeah."), where dropping
# one would cut a sentence. In the large corpus they were 60 of the 172 recurring paragraphs.
MIN_CHARS = 8
# Second-level labels under a country code that are not a site of their own (news.bbc.co.uk → bbc.co.uk).
_GENERIC_SECOND_LEVEL = frozenset("com co org net gov edu ac or ne go".split())


def source_of(url: str | None) -> str:
    """The site an article's source URL names, as its registered domain: 'hkcnews.com' for
    www.hkcnews.com, 'medium.com' for both hulitw.medium.com and medium.com/@hulitw (one author's
    sign-off stood in 3 posts under the two forms); '' when there is no URL."""
    if not url:
        return ""
    try:
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""
    labels = host.split(".")
    if len(labels) <= 2 or host.replace(".", "").isdigit():
        return host
    keep = 3 if len(labels[-1]) == 2 and labels[-2] in _GENERIC_SECOND_LEVEL else 2
    return ".".join(labels[-keep:])


def paragraph_key(paragraph: str) -> str | None:
    """The paragraph's normalised-text id (equal to its passage id when it stands as one passage);
    None for a paragraph too short to tell furniture from chance."""
    normalized = normalize(paragraph)
    if len(normalized) - normalized.count(" ") < MIN_CHARS:
        return None
    return content_id_of_normalized(normalized)


@dataclass(frozen=True)
class Furniture:
    """Paragraphs known to be furniture, as (source, paragraph key) pairs."""

    keys: frozenset[tuple[str, str]] = field(default_factory=frozenset)

    def __len__(self) -> int:
        return len(self.keys)

    def holds(self, source: str, key: str) -> bool:
        return (source, key) in self.keys

    def __or__(self, other: Furniture) -> Furniture:
        return Furniture(self.keys | other.keys)

    def to_json(self) -> list[list[str]]:
        return [list(pair) for pair in sorted(self.keys)]

    @classmethod
    def from_json(cls, value: object, where: str = "furniture") -> Furniture:
        """Read what to_json wrote; a malformed value is an error naming `where`."""
        if value is None:
            return cls()
        if not isinstance(value, list) or not all(
                isinstance(pair, list) and len(pair) == 2 and all(isinstance(part, str) for part in pair)
                for pair in value):
            raise ValueError(f"{where}: expected a list of [source, paragraph key] pairs")
        return cls(frozenset((source, key) for source, key in value))


NO_FURNITURE = Furniture()


def article_keys(article: Article) -> set[tuple[str, str]]:
    """The (source, paragraph key) pairs of one article that could be furniture, each once."""
    source = source_of(article.url)
    keys = (paragraph_key(paragraph) for paragraph in article.paragraphs)
    return {(source, key) for key in keys if key is not None}


def find_furniture(articles: Iterable[Article], known: Furniture = NO_FURNITURE,
                   held_elsewhere: Mapping[tuple[str, str], int] | None = None,
                   min_articles: int = MIN_ARTICLES) -> Furniture:
    """Known furniture plus every paragraph that `min_articles` or more articles of one source hold.

    `held_elsewhere` counts articles not in `articles` that hold a pair (an index's unchanged
    articles, in an incremental rebuild).
    """
    counts: Counter[tuple[str, str]] = Counter()
    for article in articles:
        counts.update(article_keys(article))
    extra = held_elsewhere or {}
    found = {pair for pair, count in counts.items() if count + extra.get(pair, 0) >= min_articles}
    return known | Furniture(frozenset(found))


def strip_furniture(article: Article, furniture: Furniture) -> tuple[Article, int]:
    """The article without its furniture paragraphs, and how many were dropped.

    An article that would be left with nothing keeps its headline as its one paragraph (as a
    headline-only stub does), so it stays findable with its link.
    """
    if not furniture:
        return article, 0
    source = source_of(article.url)
    kept = tuple(p for p in article.paragraphs if not furniture.holds(source, paragraph_key(p) or ""))
    dropped = len(article.paragraphs) - len(kept)
    if not dropped:
        return article, 0
    if not kept:
        kept = (article.title,)
    return replace(article, paragraphs=kept), dropped
