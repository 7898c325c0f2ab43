"""The README's promises that code can check: the first-screen commands and the example article page."""

from __future__ import annotations

import re
from pathlib import Path

from retrieval.ingest.articles import read_article_file
from retrieval.ingest.chunking import chunk_article

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_two_first_screen_commands_come_first():
    commands = re.findall(r"```bash\n(.+?)\n```", README)
    assert commands[:2] == [
        'bash scripts/setup.sh && .venv/bin/python scripts/query.py "贝森特说的12到24个月是什么意思？"',
        "bash scripts/setup.sh && .venv/bin/python -m pytest",
    ]


def test_the_example_article_page_reads_as_the_readme_says(tmp_path):
    page = re.search(r"<!-- example-page -->\n```markdown\n(.+?)```\n<!-- /example-page -->", README, re.S).group(1)
    path = tmp_path / "2025-10-09-rare-earth-controls.md"
    path.write_text(page, encoding="utf-8")
    outcome = read_article_file(path)
    article = outcome.article
    assert article is not None, outcome
    assert article.title == "商务部公布稀土相关技术出口管制措施" and article.date == "2025-10-09"
    assert article.url == "https://www.example-news.com/2025/10/09/rare-earth-controls.html"
    assert len(article.paragraphs) == 2 and not any("责任编辑" in p for p in article.paragraphs)
    assert len(chunk_article(article)) == 2  # each paragraph one passage
