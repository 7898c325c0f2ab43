"""Whether a page read as an article looks like news: a headline, a date and a source link.

`--articles docs` once indexed docs/scaling.md as a news article without a word. A news page has
all three; a page missing two or more of them (a README, design notes, a saved search page) is
still indexed, but the rebuild says so, so a wrong folder is noticed.
"""

from __future__ import annotations

from pathlib import Path

from retrieval.records import Article


def missing_news_signals(article: Article) -> list[str]:
    """What the article lacks of a headline, a date and a source link (the reader falls back to
    the file's name for a page without a headline)."""
    missing = []
    if not article.title.strip() or article.title == Path(article.source_path).stem:
        missing.append("no headline")
    if not article.date:
        missing.append("no date")
    if not article.url:
        missing.append("no source link")
    return missing


def unlike_news(article: Article) -> str | None:
    """"no headline, no date" for a page missing at least two of the three; None for news."""
    missing = missing_news_signals(article)
    return ", ".join(missing) if len(missing) >= 2 else None
