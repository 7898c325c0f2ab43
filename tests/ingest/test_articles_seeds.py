"""Each of the seeds' three page formats reads into the right title, date, source URL and body."""


import pytest
from support.paths import SEEDS

from retrieval.ingest.articles import read_article_file


def read(name: str):
    outcome = read_article_file(SEEDS / name)
    assert outcome.skipped_reason is None, outcome.skipped_reason
    return outcome.article


def test_markdown_mirror_page_with_nav_links_and_source_line():
    article = read("000_aeb44d780e645d3e.txt")
    assert article.page_format == "markdown-mirror"
    assert article.title == "美日澳推动本国稀土生产 摆脱对中共依赖"
    assert article.date == "2020-08-25"
    assert article.url == "https://www.epochtimes.com/gb/20/8/25/n12356560.htm"
    body = "\n".join(article.paragraphs)
    assert "目前日本的稀有金属储备能保证60天的国内消费量" in body
    # words split across lines by an inline tag are joined back
    assert "大陆的稀土出口从今年4月份开始明显减少" in body
    for boilerplate in ("首页", "翻墙必看视频", "网站代理", "手机上长按", "原文地址", "责任编辑", "github.com"):
        assert boilerplate not in body, boilerplate
    # an image caption that is a sentence is kept as content
    assert "美国、日本和澳洲都正在积极摆脱对大陆稀土的依赖" in article.paragraphs[0]


@pytest.mark.parametrize(
    ("name", "title", "date", "url", "paragraph"),
    [
        ("001_dc4e218176add33e.txt", "分析：美需加速稀土自主化 减少对华依赖", "2025-10-16",
         "https://www.epochtimes.com/gb/25/10/16/n14617305.htm", "未来十年投入1.5兆美元资助关键矿业"),
        ("003_71779e45d1a2ccfc.txt", "袁斌：美国加速稀土供应去中国化 前景如何？", "2025-11-04",
         "https://www.epochtimes.com/gb/25/11/4/n14629249.htm", "新分离厂10–20年并非罕见"),
        ("004_e4235420dcd6cc06.txt", "中国7月稀土磁铁出口攀升 创六个月最高", "2025-08-20",
         "https://www.epochtimes.com/gb/25/8/20/n14577375.htm", "7月稀土磁铁出口总量达5,577吨"),
    ],
)
def test_html_table_mirror_pages(name, title, date, url, paragraph):
    article = read(name)
    assert article.page_format == "html-table-mirror"
    assert (article.title, article.date, article.url) == (title, date, url)
    body = "\n".join(article.paragraphs)
    assert paragraph in body
    for boilerplate in ("大纪元首页", "三退", "相关新闻", "热门新闻", "编辑推荐", "下载免费翻墙软件", "分享本文章",
                        "浏览原文", "责任编辑"):
        assert boilerplate not in body, boilerplate
    assert article.title not in article.paragraphs  # the headline is not repeated as a paragraph


def test_jekyll_front_matter_page():
    article = read("002_9011cc8408861f1e.txt")
    assert article.page_format == "front-matter"
    assert article.title == "美国欲重振关键矿物开发  意在打掉中国稀土牌？"
    assert article.date == "2020-10-06"
    assert article.url == "https://www.rfa.org/mandarin/yataibaodao/jingmao/hc-10062020114338.html"
    body = "\n".join(article.paragraphs)
    assert "中国的稀土储量占全球总储量的44%" in body
    # the related-article link list inside the body is not content
    assert "中国官媒威胁断供稀土 可能影响美军火商" not in body
    assert "layout: post" not in body


def test_every_seed_has_passages_and_a_source_link():
    from retrieval.ingest.chunking import chunk_article

    for path in sorted(SEEDS.iterdir()):
        article = read(path.name)
        assert article.url and article.url.startswith("https://")
        assert len(chunk_article(article)) >= 5


def test_captions_that_state_facts_are_kept_after_the_body_and_labels_are_dropped():
    rfa = read("002_9011cc8408861f1e.txt")
    assert rfa.paragraphs[-1] == "据统计，全球稀土总储量约为1.26亿吨，中国的稀土储量占全球总储量的44%。（法新社）"
    assert not any("图为稀土矿场" in p for p in read("001_dc4e218176add33e.txt").paragraphs)
    yuan = read("003_71779e45d1a2ccfc.txt")
    assert yuan.paragraphs[-1].startswith("2025年7月11日，拉马科资源公司")
    assert yuan.date == "2025-11-04"  # the caption's date is not the article's
