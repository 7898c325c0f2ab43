"""The terminal answer: grouped by article, short links, marks only in a terminal, scores only on request."""

from __future__ import annotations

import re
from urllib.parse import quote

from retrieval.records import Hit, SearchResult
from retrieval.render import (
    NO_LINK_TEXT,
    TerminalStyle,
    answer_spans,
    group_by_article,
    key_spans,
    render_terminal,
    short_url,
)

SLUG = "美日澳推动本国稀土生产-摆脱对中共依赖-" * 6
LONG_URL = "https://www.example.com/gb/20/8/20/" + quote(SLUG) + ".html?utm_source=x#comments"
ANSI = re.compile(r"\x1b[\[\]]")
QUESTION = "7月中国稀土磁铁出口了多少吨？"


def _hit(text: str, article: str, title: str, url: str | None = LONG_URL, score: float = 1.4071,
         terms: tuple[str, ...] = ("稀土", "磁铁", "出口")) -> Hit:
    return Hit(passage_id=text[:4], article_id=article, text=text, title=title, date="2025-08-20", url=url,
               score=score, matched_terms=terms)


HITS = (
    _hit("中国稀土磁铁7月出口量为5,577吨，环比增长。", "A", "稀土磁铁出口回升"),
    _hit("其他新闻的一段。", "B", "另一篇报道", url=None, score=0.9),
    _hit("对美出口619吨。", "A", "稀土磁铁出口回升", score=0.8),
)
RESULT = SearchResult(QUESTION, True, HITS)


def test_hits_are_grouped_by_article_in_the_order_of_their_best_hit():
    groups = group_by_article(HITS)
    assert [(g.rank, [h.text for h in g.hits]) for g in groups] == [
        (1, [HITS[0].text, HITS[2].text]), (2, [HITS[1].text])]


def test_piped_output_names_each_article_once_with_no_marks_scores_or_escape_codes():
    out = render_terminal(RESULT, TerminalStyle.for_stream(False))
    assert out.count("稀土磁铁出口回升") == 1 and out.count("另一篇报道") == 1
    assert out.index("5,577吨") < out.index("619吨") < out.index("另一篇报道")  # the article's paragraphs together
    assert out.startswith("1. 稀土磁铁出口回升") and "\n2. 另一篇报道" in out
    assert not ANSI.search(out) and "[" not in out and "score" not in out
    assert "example.com/…/" in out and "%E" not in out and "utm_source" not in out
    assert f"2025-08-20 · {NO_LINK_TEXT}" in out  # an article without a URL says so, no empty link


def test_verbose_adds_scores_and_full_urls():
    out = render_terminal(RESULT, TerminalStyle.for_stream(False), verbose=True)
    assert "score 1.407" in out and "score 0.800" in out and LONG_URL in out


def test_a_terminal_marks_only_the_answer_and_links_the_short_text_to_the_full_url():
    style = TerminalStyle.for_stream(True, environ={"TERM": "xterm-256color"})
    out = render_terminal(RESULT, style)
    assert f"{style.mark}5,577吨{style.reset}" in out and f"{style.mark}619吨{style.reset}" in out
    assert f"{style.mark}稀土" not in out  # the matched words are not all lit up
    assert f"\x1b]8;;{LONG_URL}\x1b\\" in out  # OSC 8 hyperlink: the short text opens the full URL


def test_no_color_and_dumb_terminals_get_plain_text():
    for environ in ({"NO_COLOR": "1", "TERM": "xterm"}, {"TERM": "dumb"}):
        assert not ANSI.search(render_terminal(RESULT, TerminalStyle.for_stream(True, environ=environ)))


def test_short_url_decodes_and_cuts_the_middle_of_long_paths():
    short = short_url(LONG_URL)
    assert len(short) <= 60 and short.startswith("example.com/…/") and short.endswith(".html")
    assert "稀土" in short
    assert short_url("https://www.rfa.org/mandarin/a.html?x=1") == "rfa.org/mandarin/a.html"


def test_answer_spans_find_what_the_question_asks_for_even_across_spaces_and_scripts():
    text = "出口量為 5,577 噸，對美出口619噸。"
    spans = answer_spans(QUESTION, text)
    assert [text[s:e] for s, e in spans] == ["5,577 噸", "619噸"]
    assert answer_spans("稀土是什么？", text) == []


def test_a_range_is_marked_whole():
    text = "重稀土储量中，中国占 45-50%，越南占 15-20%。工厂月均产能在 1200-1500 吨，贝森特说需要12到24个月。"
    assert [text[s:e] for s, e in answer_spans("中国占全球重稀土储量的多少？", text)] == ["45-50%", "15-20%"]
    assert [text[s:e] for s, e in answer_spans("月均产能多少吨？", text)] == ["1200-1500 吨"]
    assert [text[s:e] for s, e in answer_spans("需要多久？", text)] == ["12到24个月"]


def test_without_an_answer_span_the_most_specific_terms_are_marked_once_each():
    text = "稀土磁铁出口，稀土磁铁，稀土，出口。"
    spans = key_spans("稀土磁铁的情况", text, ("稀土", "稀土磁铁", "出口"))
    assert [text[s:e] for s, e in spans] == ["稀土磁铁", "出口"]


def test_no_answer_is_said_plainly():
    assert "No passage" in render_terminal(SearchResult("x", False, ()))
