"""A probe question a freshly loaded index version must answer from itself before it is served.

The bot and any long-running service load each new version a rebuild makes live; one that loads
but cannot answer (issue 19: a garbled vector index answered every question 'nothing found' with
no error) must not replace the last good one. Digests catch damaged bytes; this catches the rest:
a passage taken from the middle of the index must be found again by its own vector and by its own
first token, and a search on its opening must run end to end (analysis, names, phrases, context).
"""

from __future__ import annotations

from retrieval.errors import IndexError_
from retrieval.search.searcher import Searcher

PROBE_DEPTH = 10  # the passage must be among this many nearest rows (an approximate index may reorder)


class ProbeFailed(IndexError_):
    pass


def probe(searcher: Searcher) -> None:
    """ProbeFailed (naming the index version) unless the index answers its own passage."""
    index = searcher.index
    info = index.info
    if info.passages == 0:
        return
    row = info.passages // 2
    failed = f"index version {info.version} failed its probe question"
    try:
        stored = index.passages([row])
        if not stored or not stored[0].text:
            raise ProbeFailed(f"{failed}: passage row {row} cannot be read")
        passage = stored[0]
        _, nearest = index.dense_search(index.vectors_for([row]), PROBE_DEPTH)
        if row not in nearest[0].tolist():
            raise ProbeFailed(f"{failed}: the stored vector of passage row {row} does not find it")
        if passage.tokens:
            matches = index.term_matches(passage.tokens[0])
            if matches is None or row not in matches.rows.tolist():
                raise ProbeFailed(f"{failed}: the token {passage.tokens[0]!r} does not find passage row {row}")
        searcher.search(passage.text[:80], top_k=3)
    except IndexError_:
        raise
    except Exception as error:  # anything else from a version that loaded: not servable
        raise ProbeFailed(f"{failed}: {type(error).__name__}: {error}") from error
