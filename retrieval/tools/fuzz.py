"""Property-based fuzzing (hypothesis) of the two places hostile text enters: the article reader and
the query side (cleaning, analysis, search). Prints what it tried and any failure; never imported by
serving code. Run by scripts/fuzz.py; its output goes into the benchmark notes.

Properties:
- reader: any bytes under any article suffix give an article or a skip reason, never an exception,
  and take bounded time;
- questions: any text (lone surrogates, controls, any plane) gives a SearchResult or
  QuestionRejected (too long), never another exception; JSON of the result encodes;
- analysis time grows linearly with the question's length up to the cap, for the shapes that
  were quadratic before (runs of spaces, digits, '$', repeated names).
"""

from __future__ import annotations

import json
import string
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retrieval.errors import QuestionRejected
from retrieval.ingest.articles import read_article_file
from retrieval.text.safe import MAX_QUESTION_CHARS

_SUFFIXES = (".md", ".html", ".txt")
_PIECES = ["稀土", "出口", "美国", "中国", "国防部", "12到24个月", "7月", "$400 million", "how many", "What",
           "Bessent", "贝森特", "<p>", "</p>", "<div>", "<!--", "-->", "---\ntitle: x\n---\n", "# ", "\n\n", "  ",
           "\t", "\x1b[2J", "\x00", "\ud800", "万", "亿", "二零一七年", "2024", "¥", "…", "、", "·", "\u202e"]


@dataclass
class FuzzReport:
    name: str
    examples: int = 0
    failures: list[str] = field(default_factory=list)
    slowest: tuple[float, int] = (0.0, 0)  # seconds, input length

    def note(self, seconds: float, length: int) -> None:
        self.examples += 1
        if seconds > self.slowest[0]:
            self.slowest = (seconds, length)

    def lines(self) -> list[str]:
        head = (f"{self.name}: {self.examples} examples, {len(self.failures)} failures, slowest "
                f"{self.slowest[0] * 1000:.1f} ms (length {self.slowest[1]:,})")
        return [head, *(f"  FAIL {failure}" for failure in self.failures[:10])]


def _mixed_text() -> st.SearchStrategy[str]:
    return st.one_of(st.text(max_size=300),
                     st.lists(st.sampled_from(_PIECES), max_size=60).map("".join),
                     st.lists(st.one_of(st.sampled_from(_PIECES), st.text(string.printable, max_size=8)),
                              max_size=80).map("".join))


def fuzz_reader(examples: int) -> FuzzReport:
    report = FuzzReport("reader (read_article_file over generated files)")
    with tempfile.TemporaryDirectory() as folder:
        @settings(max_examples=examples, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(st.one_of(st.binary(max_size=4000), _mixed_text().map(lambda t: t.encode("utf-8", "surrogatepass"))),
               st.sampled_from(_SUFFIXES))
        def check(data: bytes, suffix: str) -> None:
            path = Path(folder) / f"page{suffix}"
            path.write_bytes(data)
            started = time.perf_counter()
            try:
                outcome = read_article_file(path)
            except Exception as error:  # the property: never raises
                report.failures.append(f"{suffix} {data[:60]!r}: {type(error).__name__}: {error}")
                return
            report.note(time.perf_counter() - started, len(data))
            if outcome.article is None and not outcome.skipped_reason:
                report.failures.append(f"{suffix} {data[:60]!r}: neither an article nor a reason")

        check()
    return report


def fuzz_questions(search: Callable[[str], object], examples: int) -> FuzzReport:
    report = FuzzReport("questions (clean + analyse + search)")

    around_the_cap = st.integers(MAX_QUESTION_CHARS - 5, MAX_QUESTION_CHARS + 5).flatmap(
        lambda n: st.lists(st.sampled_from(_PIECES), min_size=n, max_size=n).map(lambda p: "".join(p)[:n]))

    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(st.one_of(_mixed_text(), around_the_cap))
    def check(question: str) -> None:
        started = time.perf_counter()
        try:
            result = search(question)
            json.dumps(result.to_json(), ensure_ascii=False).encode("utf-8")
        except QuestionRejected:
            pass
        except Exception as error:
            report.failures.append(f"{question[:60]!r}: {type(error).__name__}: {error}")
            return
        report.note(time.perf_counter() - started, len(question))

    check()
    return report


SHAPES = {
    "spaces": " ", "dollars": "$ ", "digits": "1234567890", "chinese": "稀土出口管制美国国防部投资",
    "english": "how many tons did China export ", "names": "Bessent 贝森特 ", "numbers": "12到24个月 $400 million ",
    "mixed": "7月中国稀土磁铁出口了多少吨？How much did the Pentagon invest? ",
}


def analysis_scaling(analyse: Callable[[str], object],
                     lengths: tuple[int, ...] = (1000, 2000, 4000, 8000)) -> list[str]:
    """Milliseconds (best of 3) to analyse each shape at each length, past the cap on purpose: linear
    means each doubling about doubles the time."""
    lines = []
    for unit in SHAPES.values():  # warm the tokenizer, dictionaries and caches
        analyse(unit * 3)
    for name, unit in SHAPES.items():
        times = []
        for length in lengths:
            question = (unit * (length // len(unit) + 1))[:length]
            best = float("inf")
            for attempt in range(3):
                started = time.perf_counter()
                analyse(question[:-1] + str(attempt))  # a new text each time: nothing cached
                best = min(best, time.perf_counter() - started)
            times.append(best)
        ratio = times[-1] / max(times[0], 1e-6)
        cells = "  ".join(f"{n:>5}: {t * 1000:7.1f} ms" for n, t in zip(lengths, times, strict=True))
        lines.append(f"  {name:8} {cells}   ×{ratio:.1f} for ×{lengths[-1] // lengths[0]} the length")
    return lines
