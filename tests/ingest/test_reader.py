"""The reader on the page formats real archives use: metadata, boilerplate, captions, dates, encodings."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from support.paths import SHARED

from retrieval.ingest.articles import (
    ArticleReadError,
    decode_page,
    normalize_date,
    parse_page,
    read_article_file,
    strip_html_comments,
    trim_url,
)
from retrieval.ingest.chunking import chunk_article
from retrieval.tools.corpus_check import (
    ManifestError,
    compare_with_manifest,
    format_report,
    read_corpus,
    read_manifest,
)

BODY = "稀土出口管制的消息传出后，多家企业表示将调整供应链，以降低对单一来源的依赖。"
BODY2 = "分析人士指出，这一政策短期内会推高价格，但长期影响仍取决于其他国家的产能建设进度。"

GNEWS_PAGE = f"""###  [:house:返回](README.md)
---


## 多少稀土元素被[[zh:中共]]控制？
`12/12/2023 5:45 AM UTC 喜马拉雅农场新西兰站` [轉載自GNews](https://gnews.org/articles/2099046)

撰稿：小号手

{BODY}

如今，[[zh:中共]]可以说是掌控了全球稀土元素的生产，[[zh:智能手机]]和电动汽车都离不开它们。

![](https://assets.gnews.org/image.png)

图片来源：路透社

{BODY2}

编辑发表： Shuizhuyu

免责声明：本文内容仅代表作者个人观点，平台不承担任何法律风险。

参考链接：

- [ROL Foundation](https://rolfoundation.org/)
- [Terms of use](https://gnews.org/terms-of-use-3/)
"""

MINGHUI_PAGE = f"""### 某地国保大队长参与迫害遭恶报
------------------------

#### [首页](https://github.com/gfw-breaker/banned-news1/blob/master/README.md) &nbsp;|&nbsp; [翻墙教程](https://github.com/gfw-breaker/guides/wiki)

<div class="ar_articleContent">
 【明慧网二零二零年十二月三日】（
 <ok href="http://www.minghui.org/mh/glossary.html#2">
  明慧网
 </ok>
 通讯员辽宁报道）{BODY}
 <p>
  {BODY2}
 </p>
</div>

<hr/>
手机上长按并复制下列链接或二维码分享本文章：<br/>
https://github.com/gfw-breaker/mh-news/blob/master/pages/78/415660.md <br/>
原文地址（需翻墙访问）：http://www.minghui.org/mh/articles/2020/12/3/某地国保大队长参与迫害遭恶报（图）-415660.html
"""

HKCNEWS_PAGE = f"""---
title: "《衛報》： 五眼聯盟擬納入日本　凝聚稀土等生產設自貿區抗中"
date: "2020-07-29"
url: "https://web.archive.org/web/20211028185105/https://www.hkcnews.com/article/32407/x"
original_url: "https://www.hkcnews.com/article/32407/x"
---

# 《衛報》： 五眼聯盟擬納入日本　凝聚稀土等生產設自貿區抗中

<figure>
<img src="https://web.archive.org/im_/x.png" alt="">
<figcaption>英國《衛報》截圖。</figcaption>
</figure>

{BODY}

{BODY2}

---

請加入成為眾新聞的月費訂戶，長期支持我們的工作。所有訂戶都可以收到我們的「每周時事」通訊 。

---

![博客 | 眾新聞記者](https://web.archive.org/avatar.jpg)

**博客 | 眾新聞記者**
"""

LINK_HEADER_PAGE = (
    "<!--1594953918000-->\n"
    "[[國際] 美媒：美中交惡 貿易、科技受威脅](https://www.rti.org.tw/news/view/id/2073784)\n"
    "------\n\n"
    "<div><i>Mon, 29 Jun 2020 14:25:41 GMT</i></div><img src=\"https://images.example/x.jpg\" width=\"100%\">"
    "<div><small style=\"color: #999;\">位于布基纳法索的一处金矿（2020年2月11日）</small></div>"
    f"<p>{BODY}</p><p>{BODY2}<br/>翻译：纽约时报中文网 <br/>"
    "<a href=\"https://www.nytimes.com/x\">点击查看本文英文版。</a></p>"
    "<br><hr><div>获取更多RSS：<br><a href=\"https://feedx.net\">https://feedx.net</a></div>\n"
)

STRUCK_SOURCE_PAGE = f"""---

layout: post

title: 尘肺工人无法证明劳动关系，政府该负什么责任？

date: 2018-07-11

---

原文来自微信「新声8」：~~[尘肺工人无法证明劳动关系](https://mp.weixin.qq.com/s/mgwrsWYv76M)~~

---

{BODY}

![01.jpg](https://i.loli.net/2018/07/18/5b4ed0ac34b94.jpg)
*坐在信访大厅门外的湖南尘肺工友*

{BODY2}
"""


def test_gnews_mirror_title_source_byline_date_and_no_boilerplate():
    article = parse_page(GNEWS_PAGE, "gnews.md")
    assert article.title == "多少稀土元素被中共控制？"
    assert article.url == "https://gnews.org/articles/2099046"
    assert article.date == "2023-12-12"
    assert article.paragraphs == (
        BODY, "如今，中共可以说是掌控了全球稀土元素的生产，智能手机和电动汽车都离不开它们。", BODY2)


def test_minghui_mirror_takes_the_source_line_with_its_brackets_and_the_zh_numeral_dateline():
    article = parse_page(MINGHUI_PAGE, "mh.md")
    assert article.title == "某地国保大队长参与迫害遭恶报"
    assert article.url == ("http://www.minghui.org/mh/articles/2020/12/3/"
                           "某地国保大队长参与迫害遭恶报（图）-415660.html")
    assert article.date == "2020-12-03"
    # pretty-printed inline tags (the glossary's <ok>) do not break the sentence into lines
    assert article.paragraphs == (f"【明慧网二零二零年十二月三日】（明慧网通讯员辽宁报道）{BODY}", BODY2)
    assert not any("github" in line or "长按" in line or "首页" in line for line in article.paragraphs)


def test_hkcnews_front_matter_prefers_the_outlets_url_over_the_archive_wrapper():
    article = parse_page(HKCNEWS_PAGE, "hk.md")
    assert article.url == "https://www.hkcnews.com/article/32407/x"
    assert article.title == "《衛報》： 五眼聯盟擬納入日本　凝聚稀土等生產設自貿區抗中"
    assert article.date == "2020-07-29"
    # caption, subscription appeal, and the author box repeating its avatar's alt text are gone
    assert article.paragraphs == (BODY, BODY2)


def test_link_header_page_with_brackets_in_the_headline_rss_byline_and_small_print_caption():
    article = parse_page(LINK_HEADER_PAGE, "rss.md")
    assert article.title == "[國際] 美媒：美中交惡 貿易、科技受威脅"
    assert article.url == "https://www.rti.org.tw/news/view/id/2073784"
    assert article.date == "2020-06-29"  # the visible byline, not the caption's date nor the feed stamp
    assert article.paragraphs == (BODY, BODY2)


def test_details_blocks_keep_the_original_text_but_not_the_toggle_label():
    english = "Donald Trump and Xi Jinping agreed to delay export controls on rare earths."
    page = (f"---\ntitle: 中美稀土协议\nsource: https://www.youtube.com/watch?v=x\ndate: '2025-11-01'\n---\n"
            f"### 一次短暂的缓和\n\n{BODY}\n\n<details>\n<summary>View/Hide Original English</summary>\n"
            f"<p class=\"english-text\">{english}</p>\n</details>\n")
    article = parse_page(page, "talk.md")
    assert article.url == "https://www.youtube.com/watch?v=x"
    assert article.paragraphs == ("一次短暂的缓和", BODY, english)


def test_a_transcript_wrapped_every_few_words_inside_details_is_read_as_whole_paragraphs():
    # The markdown transcripts of the large corpus wrap their original English every few words;
    # read line by line, each wrap became a passage of its own ("the sole government in charge of").
    page = ("---\ntitle: 中共在加拿大的渗透\ndate: '2024-05-01'\n---\n"
            f"{BODY}\n\n<details>\n<summary>Original English</summary>\n\n"
            "**Host**: Let's start with a little\nhistory lesson here.\nWhat's the story there?\n\n"
            "**Guest**: It goes back to the\ntime when the PRC wanted\nrecognition.\n\n</details>\n\n"
            f"{BODY2}\n")
    article = parse_page(page, "talk.md")
    assert article.paragraphs == (
        BODY, "Host: Let's start with a little history lesson here. What's the story there?",
        "Guest: It goes back to the time when the PRC wanted recognition.", BODY2)


def test_feed_timestamp_comment_dates_a_page_that_states_nothing_else():
    page = f"<!--1593481282000-->\n[某标题](https://www.voachinese.com/a/x.html)\n------\n\n<p>{BODY}</p>\n"
    assert parse_page(page, "x.md").date == "2020-06-30"


def test_a_page_that_states_no_date_is_dated_by_the_month_of_its_latest_media_upload():
    # the real GNews mirror page names no date; its picture was uploaded in March 2022
    page = (Path(__file__).parent / "data" / "pages" / "gnews_entity_title.md").read_text(encoding="utf-8")
    assert parse_page(page, "g.md").date == "2022-03"
    # an old stock picture beside this month's: the latest upload bounds the publication
    body = (f"## 标题\n\n![](https://x.org/wp-content/uploads/2021/10/a.png)\n\n{BODY}\n\n"
            f"![](https://x.org/wp-content/uploads/2022/04/b.png)\n")
    assert parse_page(body, "x.md").date == "2022-04"
    # a date the page states wins over any upload
    assert parse_page("---\ndate: 2022-05-02\n---\n" + body, "x.md").date == "2022-05-02"
    assert parse_page(f"## 标题\n\n{BODY}\n", "x.md").date is None


def test_a_struck_source_link_in_the_provenance_block_is_the_source_and_captions_are_dropped():
    # The archive strikes the link out because the original was deleted; it is still the source
    # the page names (issue 16: 107 such pages in the large corpus).
    article = parse_page(STRUCK_SOURCE_PAGE, "t.md")
    assert article.url == "https://mp.weixin.qq.com/s/mgwrsWYv76M"
    assert article.date == "2018-07-11"
    assert article.paragraphs == ("原文来自微信「新声8」：尘肺工人无法证明劳动关系", BODY, BODY2)


def test_a_markdown_link_broken_over_two_lines_leaves_no_markup():
    page = f"# 标题\n\n来自微信 ~~[深约一丈](\nhttps://mp.weixin.qq.com/s/TpQ4)~~ ，说明文字\n\n{BODY}\n"
    assert parse_page(page, "x.md").paragraphs == ("来自微信深约一丈", "，说明文字", BODY)


def test_a_source_url_with_chinese_punctuation_in_its_path_is_kept_whole():
    url = "http://www.minghui.org/mh/articles/2020/12/16/吉林榆树市政法委、六一零对法轮功学员的迫害-416569.html"
    page = f"### 标题\n\n<div>\n{BODY}\n</div>\n\n原文地址（需翻墙访问）：{url}\n"
    assert parse_page(page, "x.md").url == url


def test_a_live_source_label_line_still_gives_the_source():
    page = f"# 标题\n\n{BODY}\n\n原文链接：[点此](https://example.com/news/1)\n"
    assert parse_page(page, "x.md").url == "https://example.com/news/1"


def test_a_stub_whose_body_is_only_its_headline_is_kept_with_the_headline_as_text():
    page = "---\ntitle: \"[外交雜聞]局勢敏感\"\nfrom: https://matters.news/x\n---\n<div>\n[外交雜聞]局勢敏感\n</div>\n"
    article = parse_page(page, "stub.md")
    assert article.paragraphs == ("[外交雜聞]局勢敏感",)
    assert article.url == "https://matters.news/x"


def test_a_page_of_only_navigation_is_refused_with_a_reason():
    page = "#### [首页](a.md) | [新闻](b.md) | [翻墙](c.md)\n\n- [ROL](https://rol.org/)\n"
    with pytest.raises(ArticleReadError, match="no article text"):
        parse_page(page, "nav.md")


@pytest.mark.parametrize("stamp", ["2020-07-14T01:17:29", "Tue, 14 Jul 2020 07:53:49 GMT", "14/07/2020 - 02:19",
                                   "Published 2020年7月14日 2020年7月20日", "更新时间：2020年7月14日",
                                   "卿子衿在星期二, 07/14/2020 - 12:33 提交"])
def test_timestamp_only_lines_date_the_page_but_are_no_passage(stamp):
    page = f"---\ntitle: t\n---\n<div><i>{stamp}</i></div><p>{BODY}</p><p>广告</p><p>{BODY2}</p>"
    article = parse_page(page, "x.md")
    assert article.date == "2020-07-14"
    assert article.paragraphs == (BODY, BODY2)


@pytest.mark.parametrize("line", ["他在2020年7月14日提交了辞呈", "发布会于2020年7月14日举行", "Published by Reuters"])
def test_a_sentence_with_a_date_and_a_publishing_word_stays_a_passage(line):
    page = f"---\ntitle: t\n---\n<p>{BODY}</p><p>{line}</p>"
    assert line in parse_page(page, "x.md").paragraphs


@pytest.mark.parametrize(("text", "expected"), [
    ("2020-07-28T09:44:35.000Z", "2020-07-28"),
    ("【大纪元2025年11月04日讯】", "2025-11-04"),
    ("【明慧网二零二零年十二月三日】", "2020-12-03"),
    ("二零一九年十月二十九日", "2019-10-29"),
    ("12/12/2023 5:45 AM UTC", "2023-12-12"),
    ("30/07/2020 - 02:19", "2020-07-30"),  # first number over 12: day first
    ("Mon, 29 Jun 2020 14:25:41 GMT", "2020-06-29"),
    ("June 29, 2020", "2020-06-29"),
    ("2020年 7月 16日", "2020-07-16"),
    ("0001-01-01", None),
    ("2020-02-30", None),
    ("电话 0431-1234-5678", None),
    ("", None),
])
def test_normalize_date(text, expected):
    assert normalize_date(text) == expected


def test_trim_url_drops_sentence_punctuation_and_unbalanced_closers_only():
    assert trim_url("https://a.org/x（图）-1.html") == "https://a.org/x（图）-1.html"
    assert trim_url("https://a.org/x）") == "https://a.org/x"
    assert trim_url("https://en.wikipedia.org/wiki/A_(b)") == "https://en.wikipedia.org/wiki/A_(b)"
    assert trim_url("https://a.org/x)。") == "https://a.org/x"


def test_strip_html_comments_handles_unclosed_comments():
    assert strip_html_comments("a<!-- x -->b<!-- y") == "ab"


# --- encodings -------------------------------------------------------------------------------

ZH_TRADITIONAL = "美國商務部宣布對稀土出口實施新的管制措施，業界擔心供應鏈受到衝擊。" * 3
ZH_SIMPLIFIED = "美国商务部宣布对稀土出口实施新的管制措施，业界担心供应链受到冲击。" * 3


@pytest.mark.parametrize(("title", "text", "encoding"), [
    ("标题", ZH_SIMPLIFIED, "utf-8"),
    ("标题", ZH_SIMPLIFIED, "utf-8-sig"),
    ("标题", ZH_SIMPLIFIED, "gb18030"),
    ("标题", ZH_SIMPLIFIED, "gbk"),
    ("標題", ZH_TRADITIONAL, "big5"),
], ids=["utf-8", "utf-8-bom", "gb18030", "gbk", "big5"])
def test_pages_in_common_chinese_encodings_read_correctly(tmp_path, title, text, encoding):
    path = tmp_path / "page.md"
    path.write_bytes(f"# {title}\n\n{text}\n".encode(encoding))
    outcome = read_article_file(path)
    assert outcome.article is not None, outcome.skipped_reason
    assert outcome.article.paragraphs == (text,)
    assert outcome.article.title == title


def test_undecodable_file_is_skipped_with_a_reason_naming_it(tmp_path):
    path = tmp_path / "broken.md"
    path.write_bytes(bytes(range(128, 256)) * 40)
    outcome = read_article_file(path)
    assert outcome.article is None
    assert outcome.skipped_reason
    assert outcome.path == str(path)


def test_decode_page_refuses_empty_and_binary():
    for data in (b"", b"  \n", b"\x00\x01\x02abc"):
        with pytest.raises(ArticleReadError, match=r"empty|binary"):
            decode_page(data, "x")


# --- corpus check ----------------------------------------------------------------------------


def _write_corpus(directory: Path) -> Path:
    directory.mkdir()
    (directory / "a.md").write_text(GNEWS_PAGE, encoding="utf-8")
    (directory / "b.md").write_text(HKCNEWS_PAGE, encoding="utf-8")
    # three sites quoting one statement word for word: not one source's boilerplate, so it stays
    # in all three, and the check lists it
    quote = "外交部发言人表示，中方坚决反对有关做法，将采取必要措施维护自身的正当权益。"
    for name, site in (("c.md", "a.org"), ("d.md", "b.org"), ("e.md", "c.org")):
        own = f"{name}独有的正文内容，说的是另一件完全不同的事情，长度足够单独成段。"
        (directory / name).write_text(f"# 标题{name}\n\n原文链接：https://{site}/1\n\n{own}\n\n{quote}\n",
                                      encoding="utf-8")
    manifest = directory / "MANIFEST.tsv"
    manifest.write_text(
        "file\ttitle\tsource_url\n"
        "a.md\t多少稀土元素被中共控制？\thttps://gnews.org/articles/2099046\n"
        "b.md\t错的标题\t\n"
        "c.md\t标题c.md\thttps://a.org/1\n", encoding="utf-8")
    return manifest


def test_corpus_check_lists_every_mismatch_and_repeated_passages(tmp_path):
    manifest_path = _write_corpus(tmp_path / "corpus")
    report = read_corpus(tmp_path / "corpus")
    manifest = read_manifest(manifest_path)
    mismatches = compare_with_manifest(report, manifest)
    assert {(m.file, m.field) for m in mismatches} == {("b.md", "title"), ("b.md", "url")}
    shared = report.shared_passages()
    assert len(shared) == 1 and shared[0].files == ("c.md", "d.md", "e.md")
    text, ok = format_report(report, manifest)
    assert not ok
    assert "title exact match: 2/3" in text and "TITLE b.md" in text and "URL b.md" in text
    assert "passage texts in ≥3 different articles: 1" in text
    assert "articles/s" in text and "passages/s" in text


def test_manifest_without_the_needed_columns_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "m.tsv"
    path.write_text("file\ttitle\n", encoding="utf-8")
    with pytest.raises(ManifestError, match=r"m\.tsv.*source_url"):
        read_manifest(path)


HELDOUT = SHARED / "corpus" / "heldout"


@pytest.mark.skipif(not (HELDOUT / "MANIFEST.tsv").is_file(), reason="shared heldout corpus not present")
def test_heldout_corpus_meets_the_bar():
    report = read_corpus(HELDOUT)
    manifest = read_manifest(HELDOUT / "MANIFEST.tsv")
    # The heldout manifest gives no source for its 12 Terminus archive posts, although each names
    # one in its provenance line ("原文来自「…」：~~[title](url)~~"); the large manifest gives it for
    # all 149 such posts, and issue 16 asks for it. Until the shared manifest says so, the URL
    # each page states (checked by eye) stands in for its empty cell.
    stated = read_manifest_urls(Path(__file__).parent / "data" / "heldout_manifest_urls.tsv")
    for file, url in stated.items():
        assert manifest[file].source_url in ("", url), f"{file}: the shared manifest now names a source"
        manifest[file] = replace(manifest[file], source_url=url)
    text, ok = format_report(report, manifest)
    assert ok, text
    assert all(chunk_article(article) for article in report.articles.values())


@pytest.mark.parametrize(("page", "page_format"), [
    (GNEWS_PAGE, "repost-mirror"),
    (MINGHUI_PAGE, "markdown-mirror"),
    (HKCNEWS_PAGE, "front-matter"),
    (LINK_HEADER_PAGE, "link-header"),
    (STRUCK_SOURCE_PAGE, "front-matter"),
])
def test_page_format_is_sniffed_from_the_content(page, page_format):
    assert parse_page(page, "x.txt").page_format == page_format


def test_corpus_report_breaks_date_coverage_down_by_sniffed_format(tmp_path):
    _write_corpus(tmp_path / "corpus")
    text, _ = format_report(read_corpus(tmp_path / "corpus"), None)
    assert "date coverage (ISO 8601): 2/5 = 40.0%" in text
    assert "  repost-mirror: 1 articles, 1 dated" in text and "  markdown-mirror: 3 articles, 0 dated" in text


def read_manifest_urls(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines()[1:]
    return dict(line.split("\t") for line in lines if line.strip())


def test_a_wordpress_posts_byline_dates_and_reading_time_are_no_paragraph():
    page = ("---\ntitle: \"稀土\"\ndate: 2018-02-25\n---\n<article><div class=\"entry-meta\"><span class=\"byline\">"
            "McCaffrey</span> Opinion , 中国故事 <time>2018年2月25日</time> <time>2019年6月25日</time>"
            f"<span>0 Minutes</span></div><div class=\"entry-content\"><p>{BODY}</p><p>{BODY2}</p></div></article>")
    article = parse_page(page, "wp.md")
    assert article.paragraphs == (BODY, BODY2)
