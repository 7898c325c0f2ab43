"""Boilerplate by evidence: paragraphs many articles of one source repeat are dropped, in a full
build and in incremental ones (a later article repeating a known bio; a bio that only becomes
boilerplate when a later article repeats it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval.ingest.boilerplate import (
    Furniture,
    find_furniture,
    paragraph_key,
    source_of,
    strip_furniture,
)
from retrieval.models.embedding import load_embedder
from retrieval.records import Article
from retrieval.store.local.build import build_index
from retrieval.store.local.delta import CompactionPolicy
from retrieval.store.local.reader import load_index
from retrieval.store.local.versions import live_version_dir

BIO = "【王永平／不平則鳴】1948年生於香港。香港大學主修經濟，1969年畢業後短暫任職商界。1973年加入政府。"
BODIES = [
    "立法會昨日三讀通過修訂條例，政府表示新規定將於明年一月起生效，影響全港約三萬名從業員。",
    "財政司司長在網誌指出，本港經濟首季按年增長百分之二點七，出口表現仍然受外圍因素拖累。",
    "天文台預測未來一星期天氣炎熱，市民應多喝水，避免長時間在戶外工作，並留意中暑徵狀。",
    "運輸署宣布多條巴士路線將於下月重組，部分班次會減少，乘客可改乘港鐵或其他接駁路線。",
]
DELTAS = CompactionPolicy(max_delta_share=100.0, max_deltas=8)


def article(number: int, paragraphs: tuple[str, ...], url: str | None = None) -> Article:
    url = url if url is not None else f"https://www.hkcnews.com/article/{number}"
    return Article(id=f"a{number}", title=f"標題{number}", date=None, url=url, paragraphs=paragraphs,
                   source_path=f"{number}.md")


def test_source_is_the_registered_domain_of_the_source_url():
    assert source_of("https://www.hkcnews.com/article/1") == "hkcnews.com"
    assert source_of("https://hulitw.medium.com/x") == source_of("https://medium.com/@hulitw/y") == "medium.com"
    assert source_of("http://news.bbc.co.uk/a") == "bbc.co.uk"
    assert source_of("http://206.189.252.32:8083/x.html") == "206.189.252.32"
    assert source_of(None) == source_of("") == source_of("not a url") == ""


def test_a_paragraph_in_three_articles_of_one_source_is_furniture_and_is_dropped():
    articles = [article(i, (BODIES[i], BIO)) for i in range(3)]
    furniture = find_furniture(articles)
    assert furniture.holds("hkcnews.com", paragraph_key(BIO))
    assert not any(furniture.holds("hkcnews.com", paragraph_key(body)) for body in BODIES)
    cleaned, dropped = strip_furniture(articles[0], furniture)
    assert cleaned.paragraphs == (BODIES[0],) and dropped == 1
    # the same bio in an article of another source is that source's content
    assert strip_furniture(article(9, (BODIES[3], BIO), "https://example.org/1"), furniture)[1] == 0


def test_two_articles_three_sources_or_a_short_line_are_not_evidence_enough():
    assert not find_furniture([article(i, (BODIES[i], BIO)) for i in range(2)])
    urls = ["https://a.org/1", "https://b.org/1", "https://c.org/1"]
    assert not find_furniture([article(i, (BODIES[i], BIO), urls[i]) for i in range(3)])
    assert not find_furniture([article(i, (BODIES[i], "结语")) for i in range(4)])  # too short to tell
    # a page repeating the bio twice is still one article
    assert not find_furniture([article(0, (BIO, BODIES[0], BIO)), article(1, (BODIES[1], BIO))])


def test_an_article_that_is_all_furniture_keeps_its_headline():
    furniture = find_furniture([article(i, (BODIES[i], BIO)) for i in range(3)])
    cleaned, dropped = strip_furniture(article(7, (BIO,)), furniture)
    assert cleaned.paragraphs == ("標題7",) and dropped == 1


def test_furniture_round_trips_through_json_and_rejects_malformed_values():
    furniture = find_furniture([article(i, (BODIES[i], BIO)) for i in range(3)])
    assert Furniture.from_json(json.loads(json.dumps(furniture.to_json()))) == furniture
    assert Furniture.from_json(None) == Furniture()
    with pytest.raises(ValueError, match=r"manifest\.json: expected a list"):
        Furniture.from_json([["only-one"]], "manifest.json")


# ---------------------------------------------------------------------------------------------
# in the index


def page(number: int, *paragraphs: str) -> str:
    return (f"---\ntitle: 專欄文章{number}\ndate: 2024-01-0{number % 9 + 1}\n"
            f"from: https://www.hkcnews.com/article/{number}\n---\n\n" + "\n\n".join(paragraphs) + "\n")


def build(articles: Path, index_dir: Path, model: str):
    return build_index([articles], index_dir, load_embedder(model), show_progress=False, compaction=DELTAS)


def stored_texts(index_dir: Path) -> list[str]:
    index = load_index(index_dir)
    try:
        return [p.text for p in index.passages(list(range(index.num_passages)))]
    finally:
        index.close()


def known_furniture(index_dir: Path) -> Furniture:
    manifest = json.loads((live_version_dir(index_dir) / "manifest.json").read_text(encoding="utf-8"))
    return Furniture.from_json(manifest["furniture"])


def test_a_full_build_drops_the_bio_and_says_so(tmp_path, tiny_model):
    articles = tmp_path / "articles"
    articles.mkdir()
    for i in range(3):
        (articles / f"{i}.md").write_text(page(i, BODIES[i], BIO), encoding="utf-8")
    report = build(articles, tmp_path / "index", tiny_model)
    texts = stored_texts(tmp_path / "index")
    assert BIO not in texts and set(BODIES[:3]) <= set(texts)
    assert report.furniture_dropped == 3 and report.furniture == 1
    assert "boilerplate: 3 paragraphs dropped (1 known)" in report.summary()


def test_an_article_added_later_that_repeats_a_known_bio_is_cleaned(tmp_path, tiny_model):
    articles = tmp_path / "articles"
    articles.mkdir()
    for i in range(3):
        (articles / f"{i}.md").write_text(page(i, BODIES[i], BIO), encoding="utf-8")
    build(articles, tmp_path / "index", tiny_model)
    (articles / "3.md").write_text(page(3, BODIES[3], BIO), encoding="utf-8")
    report = build(articles, tmp_path / "index", tiny_model)
    assert report.written == "delta" and report.articles_read == 1
    assert report.furniture_dropped == 1
    texts = stored_texts(tmp_path / "index")
    assert BIO not in texts and BODIES[3] in texts
    assert known_furniture(tmp_path / "index").holds("hkcnews.com", paragraph_key(BIO))


def test_a_bio_that_becomes_boilerplate_in_a_delta_leaves_the_older_articles_too(tmp_path, tiny_model):
    articles = tmp_path / "articles"
    articles.mkdir()
    for i in range(2):
        (articles / f"{i}.md").write_text(page(i, BODIES[i], BIO), encoding="utf-8")
    build(articles, tmp_path / "index", tiny_model)
    assert BIO in stored_texts(tmp_path / "index")  # two articles are not evidence enough
    (articles / "2.md").write_text(page(2, BODIES[2], BIO), encoding="utf-8")
    report = build(articles, tmp_path / "index", tiny_model)
    assert report.written == "delta" and report.articles_read == 1
    texts = stored_texts(tmp_path / "index")
    assert BIO not in texts and set(BODIES[:3]) <= set(texts)
    # and a full rebuild of the same files agrees
    build_index([articles], tmp_path / "full", load_embedder(tiny_model), full=True, show_progress=False)
    assert sorted(stored_texts(tmp_path / "full")) == sorted(texts)
