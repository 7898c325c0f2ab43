"""Real pages of each family met in the large corpus (tests/data/pages, copied unchanged): the title
and source URL the page states (as its MANIFEST.tsv row records them) and its body text; and three
real columns of one outlet closing on the same bio, which the corpus check drops as boilerplate."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.ingest.articles import parse_page, read_article_file
from retrieval.ingest.metadata import clean_title, first_link_url, header_source_url
from retrieval.tools.corpus_check import read_corpus

PAGES = Path(__file__).parent / "data" / "pages"
COLUMNS = Path(__file__).parent / "data" / "columns"

# file → (title, source URL) as the large corpus's MANIFEST.tsv states them, and a body sentence
FAMILIES = {
    # a Jekyll post whose HTML body is a WordPress <article class="… tag-social-engineering …">
    # with Medium-style <p class="graf …"> paragraphs: read as empty before (issue 16)
    "wordpress_medium_post.md": (
        "小心社交媒体上的所有小测试和问答游戏 - iYouPort",
        "https://www.iyouport.org/%e5%b0%8f%e5%bf%83%e7%a4%be%e4%ba%a4%e5%aa%92%e4%bd%93%e4%b8%8a%e7%9a%84"
        "%e6%89%80%e6%9c%89%e5%b0%8f%e6%b5%8b%e8%af%95%e5%92%8c%e9%97%ae%e7%ad%94%e6%b8%b8%e6%88%8f/",
        "这种窥视手段其实是社交工程学的一个惯用伎俩（social engineering）"),
    # a Drupal node marked "node-promoted" around the whole article
    "drupal_promoted_node.md": (
        "网络身份证在寻求商业模式", "https://pao-pao.net/article/402",
        "大陆近期曝光的国安部副部长马健勾结商贾"),
    # an archive post whose provenance line strikes out the deleted original's link
    "archive_struck_source.md": (
        "民谣歌手纷纷完成了社会主义改造", "https://mp.weixin.qq.com/s/7jCquEKEUGcoLqx1dMbS9g",
        "逃跑计划改得很顺利:长征乐队。"),
    # the source as a markdown autolink <https://…> (which once swallowed the page as an HTML tag)
    "archive_autolink_source.md": (
        "我被中大校长约谈过，他说不要给我送什么公开信|#univtoo", "https://hackmd.io/s/SyS3e3bpz",
        "2016年5月底，在中山大学开了三十年修车铺的钟师傅突然收到学校总务处发出的一份拆迁通知"),
    # the source line is the body's first line, with no rule under it
    "archive_first_line_source.md": (
        "专访邓宇昊：我为什么要求北大信息公开？", "http://mp.weixin.qq.com/s/45iSZS2eIq90n85xfwEiRQ",
        "公众号“深约一丈”运营者李一鸣与邓同学取得联系"),
    # a GNews mirror whose body opens with "[图片来源](…)": the page's source is its 轉載自 line
    "gnews_body_link.md": (
        "3/19/2024 银河快讯：自民党将在 4 月一次性处分 80 名党员；内阁官房长官表示，下一代战斗机 "
        "'一旦被用于侵略行为，将受到严格处理'", "https://gnews.org/articles/2406851",
        "1．自民党将在 4 月一次性处分 80 名党员"),
    # a headline written with HTML entities (&#8230;&#8230;)
    "gnews_entity_title.md": (
        "在清零政策下崩塌……", "https://gnews.org/zh-hans/2524743/",
        "因此，目前唯一的救赎就是把中南坑填平"),
    # front matter that keeps the title's quotes as text: title: \"…\"
    "quoted_front_matter_title.md": (
        "地緣大博弈：格陵蘭島成美國戰略閉環關鍵，中俄被加速邊緣化", "https://www.youtube.com/watch?v=a7rx6PiXvLM",
        "老鄉好，今天我們來談一談格陵蘭島的問題。"),
}


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_a_real_page_of_each_family_gives_its_title_source_and_text(name):
    title, url, sentence = FAMILIES[name]
    outcome = read_article_file(PAGES / name, name)
    assert outcome.article is not None, outcome.skipped_reason
    article = outcome.article
    assert article.title == title
    assert article.url == url
    assert any(sentence in paragraph for paragraph in article.paragraphs)
    assert not any("](" in paragraph or "~~" in paragraph for paragraph in article.paragraphs)


def test_the_columnists_bio_under_three_columns_is_dropped_as_boilerplate():
    bio = "資深新聞工作者、浸會傳理人。自80年代起專責報道和分析香港政治與政策"
    for path in COLUMNS.iterdir():  # each page ends on it as read
        assert bio in read_article_file(path).article.paragraphs[-1]
    report = read_corpus(COLUMNS)
    assert report.furniture == 1 and report.furniture_dropped == 3
    assert not report.shared_passages()
    for article in report.articles.values():
        assert not any(bio in paragraph for paragraph in article.paragraphs)
        assert len(article.paragraphs) >= 6  # the columns themselves stay


# ---------------------------------------------------------------------------------------------
# title and link cleaning


@pytest.mark.parametrize(("raw", "clean"), [
    ("在清零政策下崩塌&#8230;&#8230;", "在清零政策下崩塌……"),
    ("资中筠：1900 &amp; 2020 庚子年的忧思", "资中筠：1900 & 2020 庚子年的忧思"),
    ('\\"地緣大博弈\\"', "地緣大博弈"),
    ('"美国将 28 家中国实体列入出口黑名单"', "美国将 28 家中国实体列入出口黑名单"),
    ('"反骨" 与 "正骨"', '"反骨" 与 "正骨"'),  # quotes inside the title are the title's own
    ("國際滅共前線｜美官員電郵\n遭中共入侵", "國際滅共前線｜美官員電郵 遭中共入侵"),
])
def test_titles_are_decoded_and_unwrapped(raw, clean):
    assert clean_title(raw) == clean


@pytest.mark.parametrize(("text", "url"), [
    ("原文来自：~~[标题](https://m.sohu.com/a/1/?from=timeline)~~", "https://m.sohu.com/a/1/?from=timeline"),
    ("~~[标题](\nhttps://m.sohu.com/a/2)~~", "https://m.sohu.com/a/2"),
    ("[标题](https://cn.nytimes.com/china/1/)，微信文章已 ~~[被删](https://mp.weixin.qq.com/s/x)~~",
     "https://cn.nytimes.com/china/1/"),
    ("原文来自「事实杂货铺」：~~<http://206.189.252.32:8083/a.html>~~", "http://206.189.252.32:8083/a.html"),
    ("原文地址 ~~https://www.meipian.cn/1b1zuhys~~", "https://www.meipian.cn/1b1zuhys"),
    ("![](https://i.loli.net/a.jpg) 来自 [公号](https://mp.weixin.qq.com/s/y)", "https://mp.weixin.qq.com/s/y"),
    ("没有链接", None),
])
def test_link_targets_come_without_markdown_debris(text, url):
    assert first_link_url(text) == url


def test_the_provenance_block_prefers_a_labelled_link_and_skips_a_mirror_nav_bar():
    labelled = ("> 本文由 [简悦 SimpRead](http://ksria.com/simpread/) 转码\n>\n> 原文来自微信 ~~[土逗公社]~~\n>\n"
                "> 网站地址 <http://tootopia.me/article/10572>\n\n---\n\n正文。\n")
    assert header_source_url(labelled) == "http://tootopia.me/article/10572"
    nav_bar = "###  [:house:返回首頁](https://github.com/ourhimalayas/txt)\n---\n\n## 标题\n"
    assert header_source_url(nav_bar) is None
    assert header_source_url("正文第一段，[参考](https://example.com/ref)。\n\n正文第二段。\n") is None


def test_a_page_that_states_no_source_has_none():
    page = "---\ntitle: 无来源的文章\ndate: 2020-01-01\n---\n\n这是一篇没有注明出处的文章，正文只有这一段文字而已。\n"
    assert parse_page(page, "x.md").url is None


def test_reading_in_two_processes_gives_the_same_outcomes_in_the_same_order():
    from retrieval.ingest.walker import read_files, read_workers

    items = [(path, path.name) for path in sorted(PAGES.iterdir())] + [(PAGES / "missing.md", "missing.md")]
    alone = list(read_files(items, workers=1))
    assert list(read_files(items, workers=2)) == alone
    assert [outcome.path for outcome in alone] == [name for _, name in items]
    assert alone[-1].article is None and "cannot read" in alone[-1].skipped_reason
    assert read_workers(10) == 1 and read_workers(10, wanted=2) <= 2
