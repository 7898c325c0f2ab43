"""Question files: JSON lines, one object per line (the dev set's and the probes' format).

One reader for every caller (evaluation, `query.py --questions`, the benchmarks); a bad line is an
error naming the file and line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
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
