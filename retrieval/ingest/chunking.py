"""Article → passages: one passage per paragraph, tiny fragments merged, long paragraphs split.

Pure functions; passage ids come from the passage text alone, so they are stable across rebuilds
and identical paragraphs in two copies of an article share one id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.records import Article, Passage
from retrieval.text import content_id_of_normalized, normalize


@dataclass(frozen=True)
class ChunkingRules:
    min_chars: int = 30  # shorter than this (a subheading, a one-liner) is merged with a neighbour
    max_chars: int = 360  # longer than this is split at sentence ends


DEFAULT_RULES = ChunkingRules()

# A sentence ends at 。！？!? (and ；… as a fallback), keeping closing quotes and brackets with it.
_SENTENCE_END = re.compile(r"(?<=[。！？!?])[”’」』）)\"]*")
_CLAUSE_END = re.compile(r"(?<=[；;…])")


def split_sentences(paragraph: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(paragraph):
        end = match.end()
        if end > start:
            pieces.append(paragraph[start:end])
            start = end
    if start < len(paragraph):
        pieces.append(paragraph[start:])
    return [piece.strip() for piece in pieces if piece.strip()]


def _hard_split(sentence: str, max_chars: int) -> list[str]:
    """A 'sentence' longer than max_chars (no full stop for a page): clauses, then fixed widths."""
    parts = [part for part in _CLAUSE_END.split(sentence) if part]
    out: list[str] = []
    for part in parts:
        while len(part) > max_chars:
            out.append(part[:max_chars])
            part = part[max_chars:]
        if part:
            out.append(part)
    return out


def split_long_paragraph(paragraph: str, max_chars: int) -> list[str]:
    """Pack whole sentences into pieces of at most max_chars; balance the pieces' lengths."""
    if len(paragraph) <= max_chars:
        return [paragraph]
    sentences: list[str] = []
    for sentence in split_sentences(paragraph):
        sentences.extend(_hard_split(sentence, max_chars) if len(sentence) > max_chars else [sentence])
    pieces_needed = -(-len(paragraph) // max_chars)
    target = min(max_chars, -(-len(paragraph) // pieces_needed))
    pieces: list[str] = []
    current = ""
    for sentence in sentences:
        if current and (len(current) + len(sentence) > max_chars or len(current) >= target):
            pieces.append(current)
            current = ""
        current += sentence
    if current:
        pieces.append(current)
    return pieces


def merge_fragments(paragraphs: list[str], min_chars: int, max_chars: int) -> list[str]:
    """Merge each too-short paragraph into the next one (a heading belongs with what follows it);
    a short last paragraph joins the previous one."""
    merged: list[str] = []
    carry = ""
    for paragraph in paragraphs:
        text = f"{carry}\n{paragraph}" if carry else paragraph
        if len(text) < min_chars:
            carry = text
            continue
        merged.append(text)
        carry = ""
    if carry:
        if merged and len(merged[-1]) + len(carry) <= max_chars + min_chars:
            merged[-1] = f"{merged[-1]}\n{carry}"
        else:
            merged.append(carry)
    return merged


def chunk_paragraphs(paragraphs: list[str] | tuple[str, ...], rules: ChunkingRules = DEFAULT_RULES) -> list[str]:
    pieces: list[str] = []
    for paragraph in paragraphs:
        pieces.extend(split_long_paragraph(paragraph.strip(), rules.max_chars))
    return merge_fragments([piece for piece in pieces if piece], rules.min_chars, rules.max_chars)


def chunk_article(article: Article, rules: ChunkingRules = DEFAULT_RULES) -> list[Passage]:
    passages: list[Passage] = []
    seen: set[str] = set()
    for text in chunk_paragraphs(article.paragraphs, rules):
        normalized = normalize(text)
        passage_id = content_id_of_normalized(normalized)
        if passage_id in seen:  # a paragraph repeated within one page (pull quotes) is kept once
            continue
        seen.add(passage_id)
        passages.append(Passage(id=passage_id, article_id=article.id, text=text, position=len(passages),
                                normalized=normalized))
    return passages
