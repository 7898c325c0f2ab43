"""Question files: JSON lines, one object per line (the dev set's and the probes' format).

One reader for every caller (evaluation, the benchmarks: a bad line is an error naming the file and
line), and a lenient one for `query.py --questions`, where one bad line must not stop a batch.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


def _numbered(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, object) of every non-blank line of `path`."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}:{number}: not JSON ({error.msg})") from None
        if not isinstance(record, dict):
            raise ValueError(f"{path}:{number}: not a JSON object")
        yield number, record


def read_jsonl(path: Path) -> list[dict]:
    """Every non-blank line of `path` as a JSON object."""
    return [record for _, record in _numbered(path)]


def read_queries(path: Path) -> list[str]:
    """The string field "query" of every line, in order."""
    queries = []
    for number, record in _numbered(path):
        if not isinstance(record.get("query"), str):
            raise ValueError(f"{path}:{number}: no string field \"query\"")
        queries.append(record["query"])
    return queries


@dataclass(frozen=True)
class QuestionLine:
    """One non-blank line of a question file: its question, or why it has none."""

    line: int
    text: str | None  # None: the line cannot be asked
    error: str = ""  # "FILE:LINE: what is wrong"


def read_questions_leniently(path: Path) -> list[QuestionLine]:
    """Every non-blank line's "query", or an error for that line alone (not JSON, no string "query").
    Bytes that are not UTF-8 are replaced by U+FFFD, not refused (so are lone surrogates, by the
    Searcher; it also refuses a question past the length cap, which the caller reports per line)."""
    lines = []
    for number, raw in enumerate(path.read_bytes().splitlines(), 1):
        text = raw.decode("utf-8", "replace")
        if not text.strip():
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as error:
            lines.append(QuestionLine(number, None, f"{path}:{number}: not JSON ({error.msg})"))
            continue
        if not isinstance(record, dict) or not isinstance(record.get("query"), str):
            lines.append(QuestionLine(number, None, f"{path}:{number}: no string field \"query\""))
            continue
        lines.append(QuestionLine(number, record["query"]))
    return lines
