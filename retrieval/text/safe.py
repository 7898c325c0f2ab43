"""Text that is safe to print, and questions that are safe to analyse.

Article text, titles and file names come from the outside world: an ESC or OSC sequence in one
would clear a reader's screen, retitle the window or plant a hyperlink when the CLI prints it
(issue 19). Everything the CLI prints to a terminal goes through `terminal_safe`; JSON lines go
through `json_line`, which escapes every control character as \\uXXXX (still the same JSON value).

A question comes from argv, a JSONL file, a chat or a library caller: `clean_question` replaces
invalid Unicode (lone surrogates: what Python makes of invalid UTF-8 in argv) with U+FFFD and
refuses a question longer than the cap with a clear message.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace

from retrieval.errors import QuestionRejected

# C0 controls except tab and newline, DEL, C1 controls (0x80–0x9f: a lone 0x9b is a CSI on some
# terminals), and the bidirectional overrides/isolates that reorder what a reader sees.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")

# A question past this many characters is refused at every entry point (CLI, batch, bot, library):
# real questions are under 200 characters (dev set: at most 61; the bot caps at 500), and query
# analysis of a 100,000-character question took 36–215 s before the cap (issue 19).
MAX_QUESTION_CHARS = 1000


def terminal_safe(text: str, *, keep_newlines: bool = True) -> str:
    """`text` with every control character that a terminal would act on removed.

    Tabs and (unless `keep_newlines` is false) newlines stay; a carriage return goes, since it
    lets later text overwrite earlier text on the same line."""
    return (_UNSAFE if keep_newlines else _UNSAFE_LINE).sub("", text)


def printable_path(path: str | bytes) -> str:
    """A file name fit for a warning line: undecodable bytes as \\xNN escapes, controls removed."""
    if isinstance(path, bytes):
        text = path.decode("utf-8", "backslashreplace")
    else:
        text = path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace") \
            if _SURROGATE.search(path) else path
    return terminal_safe(text, keep_newlines=False)


@dataclass(frozen=True)
class CleanQuestion:
    text: str
    replaced: int  # invalid code points replaced by U+FFFD


def clean_question(question: str, max_chars: int = MAX_QUESTION_CHARS) -> CleanQuestion:
    """The question with invalid Unicode replaced; QuestionRejected when it is too long."""
    if not isinstance(question, str):
        raise QuestionRejected(f"a question must be text, not {type(question).__name__}")
    if len(question) > max_chars:
        raise QuestionRejected(f"the question has {len(question):,} characters; the limit is {max_chars:,}: "
                               "ask something shorter")
    text, replaced = _SURROGATE.subn("\ufffd", question)
    return CleanQuestion(text, replaced)


# In JSON text json.dumps leaves C1 controls, bidi overrides, line/paragraph separators and lone
# surrogates raw (ensure_ascii=False): escaped here, which is still the same JSON value.
_JSON_RAW = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def json_line(value: object) -> str:
    """`value` as one line of JSON, readable Chinese kept, every control character escaped."""
    return _JSON_RAW.sub(lambda found: f"\\u{ord(found.group()):04x}", json.dumps(value, ensure_ascii=False))


def terminal_safe_result(result):  # a retrieval.records.SearchResult (text sits below records: duck-typed)
    """The result with every hit's text, title, date and URL made safe for a terminal."""
    def clean(value):
        return terminal_safe(value) if isinstance(value, str) else value

    hits = tuple(replace(hit, text=clean(hit.text), title=clean(hit.title), date=clean(hit.date), url=clean(hit.url))
                 for hit in result.hits)
    return replace(result, query=clean(result.query), hits=hits)
