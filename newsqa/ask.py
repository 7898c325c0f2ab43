"""Ask NewsQA a question from the command line.

    newsqa ask "贝森特说的12到24个月是什么意思？"
    newsqa ask --json "What is Bessent's 12–24 month timeline?"
    newsqa ask --questions questions.jsonl > answers.jsonl   # one JSON answer per line

With no index at the default location yet, one is built there from the configured article
directories (the shipped seeds by default) first; a missing --index DIR is an error.
In a batch, a line that cannot be asked (not JSON, no "query", too long) gets an answer object with
an "error" field and no hits, and the batch goes on; the exit status is then 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from newsqa import common
from retrieval.errors import QuestionRejected
from retrieval.questions import QuestionLine, read_questions_leniently
from retrieval.render import TerminalStyle, render_terminal
from retrieval.service import ensure_index, open_searcher
from retrieval.text.safe import clean_question, json_line, terminal_safe_result

SOME_LINES_FAILED = 1


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="newsqa ask", description="Find the news passages that answer a question.")
    parser.add_argument("query", nargs="?", help="the question (Simplified, Traditional Chinese or English)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.add_argument("--verbose", "-v", action="store_true",
                        help="with text output: each paragraph's score and full source URLs")
    parser.add_argument("--questions", type=Path, metavar="FILE.jsonl",
                        help="answer each line's \"query\"; print one --json object per line, in order")
    parser.add_argument("--top-k", type=int, default=None, help="passages to return (default 5)")
    parser.add_argument("--index", type=Path,
                        help="index directory (default: $NEWSQA_INDEX, else ./index in a checkout, "
                             "$NEWSQA_HOME/index or the user data folder)")
    args = parser.parse_args(argv)
    if (args.query is None) == (args.questions is None):
        parser.error("give either a question or --questions FILE.jsonl")
    if args.top_k is not None and args.top_k < 1:
        parser.error("--top-k must be at least 1")
    return args


def the_question(query: str) -> QuestionLine:
    cleaned = clean_question(query)  # QuestionRejected (too long): a user error, said plainly
    if cleaned.replaced:
        common.say(f"note: the question held {cleaned.replaced} invalid character(s) (not UTF-8?), "
                   "each replaced by U+FFFD")
    return QuestionLine(0, cleaned.text)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def answer() -> int:
        settings = common.settings(index=args.index)
        top_k = args.top_k or settings.top_k
        questions = read_questions_leniently(args.questions) if args.questions else [the_question(args.query)]
        ensure_index(settings, say=common.say)
        searcher = open_searcher(settings)
        status = 0
        for question in questions:
            result, error = None, question.error
            try:
                if question.text is not None:
                    result = searcher.search(question.text, top_k=top_k)
            except QuestionRejected as rejected:  # too long: this line only, the batch goes on
                if not args.questions:
                    raise
                error = f"{args.questions}:{question.line}: {rejected}"
            if result is None:
                print(json_line({"query": None, "answered": False, "hits": [], "error": error}), flush=True)
                status = SOME_LINES_FAILED
                continue
            if args.json or args.questions:
                print(json_line(result.to_json()), flush=True)
            else:
                print(render_terminal(terminal_safe_result(result), TerminalStyle.for_stream(sys.stdout.isatty()),
                                      verbose=args.verbose))
        return status

    return common.run(answer, also=(ValueError, OSError))

