"""The bot's pure parts: rendering, language choice, throttle, token redaction, the stand-in's HTML check."""

from __future__ import annotations

import html
import logging
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.i18n import MESSAGES, detect_language, is_greeting, text
from bot.redact import REDACTED, install_redaction
from bot.render import (
    TELEGRAM_MAX_CHARS,
    cut_at_sentence,
    in_article_order,
    render_page,
    source_link,
    telegram_length,
)
from bot.testing.standin import TelegramHTMLError, parse_telegram_html
from bot.throttle import Limit, Throttle, Verdict
from retrieval.records import Hit


def _hit(text_: str, title: str = "标题", url: str | None = "https://www.example.com/a?x=1&y=2",
         terms: tuple[str, ...] = (), date: str | None = "2025-10-09", coverage: float = 0.0,
         article: str = "a") -> Hit:
    return Hit(passage_id="p", article_id=article, text=text_, title=title, date=date, url=url, score=1.0,
               matched_terms=terms, coverage=coverage)


# -- rendering ------------------------------------------------------------------------------------------


def test_cut_at_sentence_keeps_whole_sentences_and_marks_the_cut():
    passage = "第一句话在这里。" * 20 + "最后一句没有结束"
    cut = cut_at_sentence(passage, 50)
    assert cut.endswith("。…") and len(cut) <= 50
    assert passage.startswith(cut[:-1])
    assert cut_at_sentence("短句。", 50) == "短句。"


def test_cut_at_sentence_hard_cuts_a_single_endless_sentence():
    cut = cut_at_sentence("没" * 500, 100)
    assert len(cut) == 100 and cut.endswith("…")


def test_english_sentences_end_at_a_full_stop_followed_by_space_not_inside_numbers():
    cut = cut_at_sentence("Prices rose 3.5 percent in May. " + "More words follow here. " * 10, 60)
    assert cut == "Prices rose 3.5 percent in May. More words follow here.…"


def test_passage_markup_title_and_url_are_escaped_and_terms_marked():
    hit = _hit('稀土 <a href="http://evil">x</a> & <b>粗</b>', title="<i>t</i> & co", terms=("稀土",))
    page = render_page([hit], 0, 3, "zh-Hans")
    parsed = parse_telegram_html(page)
    assert '稀土 <a href="http://evil">x</a> & <b>粗</b>' in parsed.text
    assert "<i>t</i> & co" in parsed.bold and "稀土" in parsed.bold
    assert parsed.links == (("https://www.example.com/a?x=1&y=2", "example.com"),)


@pytest.mark.parametrize("url", [None, "", "javascript:alert(1)", "ftp://x/y", "file:///etc/passwd", "https://"])
def test_only_web_urls_become_links(url):
    assert "<a" not in source_link(url, "en") and source_link(url, "en") == html.escape(text("en", "no_link"))


_PIECES = [*"<>&\"'/ab中文。.!? \n", "<a href=", "&amp;", "😀", "稀土", "\U00020000"]
_nasty = st.lists(st.sampled_from(_PIECES), max_size=1500).map("".join)


@settings(max_examples=60, deadline=None)
@given(texts=st.lists(_nasty, min_size=1, max_size=5), title=_nasty, url=_nasty, page=st.integers(0, 1))
def test_any_page_is_valid_telegram_html_within_the_length_limit(texts, title, url, page):
    hits = [_hit(t or "x", title=title or "t", url="https://example.com/" + url, terms=("稀土", "a"))
            for t in texts]
    page = min(page, (len(hits) - 1) // 3)
    message = render_page(hits, page, 3, "en")
    parsed = parse_telegram_html(message)  # raises on anything Telegram would refuse
    assert telegram_length(message) <= TELEGRAM_MAX_CHARS
    shown_count = min(len(hits), page * 3 + 3) - page * 3
    assert parsed.text.count("▪ ") >= shown_count  # every shown passage, whatever the passages contain
    assert all(href.startswith("https://example.com/") for href, _ in parsed.links)  # no injected links


def test_a_page_shows_each_articles_title_date_and_link_once_then_its_passages():
    hits = [_hit("甲文第一段。", title="甲文", url="https://a.example/1", article="A"),
            _hit("乙文一段。", title="乙文", url=None, article="B"),
            _hit("甲文第二段。", title="甲文", url="https://a.example/1", article="A")]
    ordered = in_article_order(hits)
    assert [hit.text for hit in ordered] == ["甲文第一段。", "甲文第二段。", "乙文一段。"]
    parsed = parse_telegram_html(render_page(ordered, 0, 3, "zh-Hant"))
    assert parsed.bold == ("甲文", "乙文")
    assert parsed.links == (("https://a.example/1", "a.example"),)
    assert parsed.text.count("2025-10-09") == 2
    assert parsed.text.index("甲文第一段") < parsed.text.index("甲文第二段") < parsed.text.index("乙文")
    assert text("zh-Hant", "no_link") in parsed.text  # the article without a URL says so


def test_bold_goes_to_the_answer_not_to_every_matched_term():
    passage = ("中国稀土磁铁7月出口量为5,577吨，比6月增长。稀土磁铁出口中，对美出口619吨。"
               "稀土出口管制与稀土价格、稀土磁铁、出口许可都有关系，稀土稀土稀土。")
    terms = ("稀土", "磁铁", "出口", "7月", "稀土磁铁", "出口量")
    hit = _hit(passage, title="稀土磁铁出口", terms=terms)
    asked = parse_telegram_html(render_page([hit], 0, 3, "zh-Hans", "7月中国稀土磁铁出口了多少吨？"))
    assert asked.bold == ("稀土磁铁出口", "5,577吨", "619吨")  # the title, then the tonnages asked for
    plain = parse_telegram_html(render_page([hit], 0, 3, "zh-Hans", "稀土磁铁出口有什么变化"))
    passage_bold = plain.bold[1:]
    assert 1 <= len(passage_bold) <= 3 and len(set(passage_bold)) == len(passage_bold)
    assert "稀土磁铁" in passage_bold and "稀土" not in passage_bold  # the most specific terms, once each


def test_results_footer_counts_the_shown_passages():
    hits = [_hit(f"段落{i}。") for i in range(7)]
    assert parse_telegram_html(render_page(hits, 2, 3, "en")).text.endswith("Passages 7–7 of 7")
    with pytest.raises(ValueError, match="page 3"):
        render_page(hits, 3, 3, "en")


# -- language -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("message", "code", "expected"), [
    ("贝森特说的12到24个月是什么意思？", "en", "zh-Hans"),
    ("貝森特說的12到24個月是什麼意思？", "en", "zh-Hant"),
    ("What is Bessent's timeline?", "zh-hans", "en"),
    (None, "zh-hans", "zh-Hans"),
    (None, "zh-TW", "zh-Hant"),
    ("12 24", "zh", "zh-Hans"),
    (None, None, "en"),
    (None, "de", "en"),
])
def test_language_comes_from_the_message_then_the_users_setting(message, code, expected):
    assert detect_language(message, code) == expected


def test_every_language_has_every_text_and_valid_html():
    assert MESSAGES["zh-Hans"].keys() == MESSAGES["en"].keys() == MESSAGES["zh-Hant"].keys()
    for language, texts in MESSAGES.items():
        for key in texts:
            rendered = text(language, key, articles=1, passages=2, built_at="d", model="m", first=1, last=3,
                            total=9, limit=500, seconds=3, since="s", uptime="u", questions=1, users=1,
                            answered=1, no_answer=0, greetings=0, languages="en 1", p50=1, p95=2, samples=1,
                            throttled=0, refused=0, errors=0, version="v")
            parse_telegram_html(rendered)
    assert text("zh-Hant", "no_answer") != text("zh-Hans", "no_answer")


def test_traditional_texts_are_written_as_taiwan_and_hong_kong_readers_write():
    """Hand-written, not OpenCC's generic s2t: 群組裡 and 連結, never 羣組裏 or 鏈接; and really Traditional."""
    from opencc import OpenCC

    hant = "".join(MESSAGES["zh-Hant"].values())
    assert "群組裡" in hant and "連結" in hant
    for generic in ("羣", "裏", "鏈接", "賬號", "信息", "默認", "鏈"):
        assert generic not in hant, generic
    simplified_only = OpenCC("t2s").convert(hant)
    assert simplified_only != hant
    generic_hant = {key: OpenCC("s2t").convert(value) for key, value in MESSAGES["zh-Hans"].items()}
    assert sum(generic_hant[key] != value for key, value in MESSAGES["zh-Hant"].items()) >= 10  # not derived
    for key, value in MESSAGES["zh-Hant"].items():  # same placeholders as the other languages
        assert sorted(re.findall(r"{(\w+)}", value)) == sorted(re.findall(r"{(\w+)}", MESSAGES["en"][key])), key


@pytest.mark.parametrize(("message", "greets"), [
    ("hi", True), ("Hello!", True), ("你好", True), ("您好！", True), ("hello 👋", True), ("HEY", True),
    ("你好，稀土出口管制何时生效？", False), ("hi, what did Bessent say?", False), ("History of rare earths", False),
    ("", False),
])
def test_a_message_that_only_greets_is_a_greeting(message, greets):
    assert is_greeting(message) is greets


@pytest.mark.parametrize(("message", "code", "expected"), [
    ("你好", "zh-TW", "zh-Hant"), ("你好", "zh-hk", "zh-Hant"), ("你好", "zh-CN", "zh-Hans"), ("你好", "en", "zh-Hans"),
    ("中国", "zh-TW", "zh-Hans"),  # 国 is Simplified whatever the setting
])
def test_characters_both_scripts_share_take_the_script_from_the_users_setting(message, code, expected):
    assert detect_language(message, code) == expected


# -- throttle -------------------------------------------------------------------------------------------


def test_throttle_allows_a_burst_then_notifies_once_then_drops_until_refilled():
    now = [0.0]
    throttle = Throttle(clock=lambda: now[0])
    limit = Limit(burst=2, refill_seconds=5.0)
    verdicts = [throttle.check([("u", limit)]).verdict for _ in range(5)]
    assert verdicts == [Verdict.ALLOW, Verdict.ALLOW, Verdict.NOTIFY, Verdict.DROP, Verdict.DROP]
    assert throttle.check([("other", limit)]).verdict is Verdict.ALLOW
    now[0] = 4.9
    decision = throttle.check([("u", limit)])
    assert decision.verdict is Verdict.DROP and decision.retry_after == pytest.approx(0.1)
    now[0] = 5.0
    assert throttle.check([("u", limit)]).verdict is Verdict.ALLOW
    assert throttle.check([("u", limit)]).verdict is Verdict.NOTIFY  # a new flood gets a new notice


def test_throttle_spends_nothing_when_one_of_several_buckets_is_empty():
    throttle = Throttle(clock=lambda: 0.0)
    user, group = Limit(burst=3, refill_seconds=1.0), Limit(burst=1, refill_seconds=60.0)
    assert throttle.check([("u1", user), ("g", group)]).verdict is Verdict.ALLOW
    assert throttle.check([("u2", user), ("g", group)]).verdict is Verdict.NOTIFY
    assert [throttle.check([("u2", user)]).verdict for _ in range(3)] == [Verdict.ALLOW] * 3


def test_throttle_forgets_idle_senders_to_bound_memory():
    now = [0.0]
    throttle = Throttle(clock=lambda: now[0], max_keys=10)
    limit = Limit(burst=1, refill_seconds=1.0)
    for key in range(10):
        throttle.check([(key, limit)])
    now[0] = 100.0
    throttle.check([("new", limit)])
    assert len(throttle._buckets) == 1


def test_limit_rejects_nonsense():
    with pytest.raises(ValueError, match="burst"):
        Limit(burst=0, refill_seconds=1.0)


# -- redaction --------------------------------------------------------------------------------------------


def test_redaction_covers_messages_args_urlencoded_forms_and_tracebacks(caplog):
    token = "123:SECRET-token"
    uninstall = install_redaction(token)
    caplog.set_level(logging.DEBUG)
    log = logging.getLogger("some.library")
    try:
        log.info("POST https://api.example/bot%s/getMe", token)
        log.info("encoded %s", "bot123%3ASECRET-token/x")
        try:
            raise RuntimeError(f"failed for {token}")
        except RuntimeError:
            log.exception("boom")
    finally:
        uninstall()
    log.info("after %s", token)  # uninstalled: no longer redacted (proves the factory was really removed)
    formatter = logging.Formatter("%(message)s")
    lines = [formatter.format(record) for record in caplog.records]
    assert all(token not in line and "123%3ASECRET-token" not in line for line in lines[:3])
    assert REDACTED in lines[0] and REDACTED in lines[1] and "RuntimeError: failed for <redacted>" in lines[2]
    assert token in lines[3]


# -- the stand-in's HTML check ----------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["<script>x</script>", "<b>open", "a < b", "AT&T", "<b><i>x</b></i>", "   "])
def test_standin_refuses_html_that_telegram_refuses(bad):
    with pytest.raises(TelegramHTMLError):
        parse_telegram_html(bad)


def test_throttle_treats_time_running_backwards_as_no_time_passing():
    throttle = Throttle(clock=lambda: 0.0)
    limit = Limit(burst=1, refill_seconds=10.0)
    assert throttle.check([("u", limit)], now=100.0).verdict is Verdict.ALLOW
    assert throttle.check([("u", limit)], now=50.0).verdict is Verdict.NOTIFY  # an older message: no refill
    assert throttle.check([("u", limit)], now=110.0).verdict is Verdict.ALLOW


def test_weak_tail_is_trimmed_after_the_vouched_for_top_hits():
    from bot.searching import trim_weak_tail
    from retrieval.records import SearchResult

    coverages = [1.0, 0.5 / 7.5, 4.0 / 7.5, 0.5 / 7.5, 3.5 / 7.5, 2.0 / 7.5]
    hits = tuple(_hit(f"p{i}", coverage=c) for i, c in enumerate(coverages))
    trimmed = trim_weak_tail(SearchResult("q", True, hits), 0.35, keep=3)
    assert [hit.text for hit in trimmed.hits] == ["p0", "p1", "p2", "p4"]  # p1 stays: the top 3 are the Searcher's
    cross_lingual = SearchResult("q", True, tuple(_hit(f"e{i}") for i in range(6)))  # the measure cannot vouch
    assert trim_weak_tail(cross_lingual, 0.35, keep=3) == cross_lingual
