"""Which lines of a page body are content: link lists, rules, credits, promos, captions, copyright
and timestamp lines removed."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

from retrieval.ingest.dates import MONTH_NAME, normalize_date
from retrieval.ingest.html_lines import (
    CJK,
    LINK_END,
    LINK_START,
    MD_EMPHASIS,
    MD_IMAGE,
    MD_RULE,
    clean_inline,
    html_body_lines,
    link_density,
    markdown_to_marked,
)
from retrieval.ingest.metadata import URL

# Lines that mirrors and outlets wrap around every article: credits, share prompts, list headers.
_BOILERPLATE = re.compile(
    r"^(责任编辑|責任編輯|责编|責編|网编|網編|编辑推荐|編輯推薦|相关新闻|相關新聞|热门新闻|熱門新聞|相关文章|相關文章|"
    r"延伸阅读|延伸閱讀|推荐阅读|推薦閱讀|手机上长按|手機上長按|原文地址|原文链接|原文鏈接|本文转自|本文轉自|"
    r"下载.{0,12}翻墙|下載.{0,12}翻牆|分享本文|分享到|网站代理|網站代理|点击|點擊|订阅|訂閱|版权所有|版權所有|"
    r"返回|上一篇|下一篇|更多|图片来源|圖片來源|图片|圖片|来源：|來源：|转载自|轉載自)"
)


_CREDIT_LINE = re.compile(r"(责编|責編|网编|網編|责任编辑|責任編輯)[：:]|转载自|轉載自|编辑发表|編輯發表")


# Staff credits opening or closing a post: "撰稿：…", "翻译/整理：…", "校对/审核 – …", "编辑&发布：…".
_STAFF_ROLE = (r"撰稿|撰文|作者|翻译|翻譯|整理|编译|編譯|配音|音频|音頻|视频|視頻|发布|發布|发稿|發稿|"
               r"校对|校對|审核|審核|审校|審校|编辑|編輯|上传|上傳|排版|制作|製作|选材|選材|素材|采编|採編|By|文")


_STAFF_CREDIT = re.compile(rf"^[【\[（(]?(?:(?:{_STAFF_ROLE})\s*[/&、／|｜]?\s*){{1,3}}[】\]）)]?\s*[：:–—-]")


_STAFF_CREDIT_MAX_CHARS = 40


_COPYRIGHT = re.compile(r"^(©|\(c\)|copyright\b)|版权声明|版權聲明|仅代表作者|僅代表作者|"
                        r"未经许可，不得转载|未經許可，不得轉載", re.I)


# A line that is only a date or time stamp: it dates the page, it is no passage.
_TIMESTAMP_LEFTOVER = re.compile(  # words first: "T" must not eat the T of "Tue"
    rf"\b(mon|tue|wed|thu|fri|sat|sun)[a-z]*\b|\b({MONTH_NAME})\b|\b(gmt|utc|am|pm)\b|"
    r"(?<=\d)[tz](?=\d|$)|[\d\s:/.,\-–年月日号號時时分秒]", re.I)


# Lines that are a widget's label, whole: an ad slot, a tag list header.
_LABEL_LINES = frozenset(("广告", "廣告", "advertisement", "sponsored", "tagged", "tags", "标签", "標籤"))


# Appeals and notices that outlets wrap around every article: subscribe, pay, disclaimers. Matched
# anywhere in a *short* line only, so an article that reports on, say, a paywall keeps its sentences.
_PROMO_LINE = re.compile(
    r"订户|訂戶|付费会员|付費會員|小额支持|小額支持|阅读余下全文|閱讀餘下全文|畅读全站|暢讀全站|"
    r"免责声明|免責聲明|不承担任何法律|不承擔任何法律|支持我们的工作|支持我們的工作|获取更多RSS|獲取更多RSS|"
    r"长按识别|長按識別|扫码关注|掃碼關注|关注我们|關注我們|防失联|防失聯|欢迎点击|歡迎點擊"
)


_PROMO_MAX_CHARS = 120


_MD_IMAGE_ALT = re.compile(r"!\[([^\[\]]{0,500})\]\([^)\s]{0,2000}")


_CAPTION_MARK = re.compile(r"^[（(\[【]?(图片说明|圖片說明|图说|圖說|图注|圖註|图片|圖片|图|圖)[）)\]】]?[：:]|"
                           r"^[（(\[【](图片说明|圖片說明|图说|圖說|图注|圖註)[）)\]】]")


_MD_ITALIC_LINE = re.compile(r"^\s*(\*[^*\s][^*]*\*|_[^_\s][^_]*_)\s*$")


def _is_caption(raw: str, image_alt: str | None) -> bool:
    """A markdown image's caption: an italic line right under it, or a line repeating its alt text."""
    if image_alt is None:
        return False
    if _MD_ITALIC_LINE.match(raw):
        return True
    plain = clean_inline(MD_EMPHASIS.sub("", raw))
    return bool(image_alt.strip()) and plain == clean_inline(image_alt)


def is_promo_line(text: str) -> bool:
    """Subscription appeals, paywall notices, disclaimers, 'follow us' lines (short lines only)."""
    return len(text) <= _PROMO_MAX_CHARS and bool(_PROMO_LINE.search(text))


def content_lines(body: str | BeautifulSoup) -> list[str]:
    """The body's lines that are content: link lists, nav bars, rules, credits, promos, captions removed."""
    lines: list[str] = []
    image_alt: str | None = None  # alt text of an image standing alone on the previous line
    for raw in html_body_lines(body):
        if MD_RULE.match(raw) or not raw.strip():
            continue
        after_image, image_alt = image_alt, None
        images = _MD_IMAGE_ALT.findall(raw)
        if images and not MD_IMAGE.sub("", raw).strip(" -*+\t"):
            image_alt = images[-1]
            continue
        if _is_caption(raw, after_image):
            continue
        if images and _CAPTION_MARK.match(clean_inline(MD_IMAGE.sub("", raw))):
            continue  # "![](…)（图片说明）…": an image with its caption on one line
        marked = markdown_to_marked(raw)
        if link_density(marked) > 0.5:
            continue
        text = clean_inline(marked.replace(LINK_START, "").replace(LINK_END, ""))
        if not text or not re.search(rf"[\w{CJK}]", text):
            continue
        if _BOILERPLATE.match(text) or (_CREDIT_LINE.search(text) and len(text) < 80) or is_promo_line(text):
            continue
        if is_staff_credit(text) or (_COPYRIGHT.search(text) and len(text) <= _PROMO_MAX_CHARS):
            continue
        if text.lower().rstrip(":：") in _LABEL_LINES:
            continue
        if URL.fullmatch(text):  # a bare link: share or QR-code targets
            continue
        lines.append(text)
    # "参考链接：" with its links gone: a label with nothing left under it.
    while lines and lines[-1].endswith((":", "：")) and len(lines[-1]) <= 20:
        lines.pop()
    return lines


def is_staff_credit(text: str) -> bool:
    return len(text) <= _STAFF_CREDIT_MAX_CHARS and bool(_STAFF_CREDIT.match(text))


# A page's publication stamp with its label: "Published 2021年11月30日 2021年12月22日" (one mirror
# format prints it under every article: 177 such passages at heldout + large, matched as answers to
# questions naming a month), "更新时间：…"; and a forum's byline "卿子衿在星期四, 01/29/2015 - 12:33 提交".
_STAMP_LABEL = re.compile(r"^(?:(?:first |last )?(?:published|updated|posted)(?: on)?|"
                          r"(?:发布|發布|發佈|发表|發表|更新|刊登)(?:时间|時間|日期|于|於)?)\s*[:：]?\s*", re.I)
_SUBMITTED = re.compile(r"^[^，。,.!?！？]{1,30}?\s*在\s*(?P<stamp>.{6,40}?\d{1,2}:\d{2})\s*提交$")
_WEEKDAY = re.compile(r"(?:星期|礼拜|禮拜|週|周)[一二三四五六日天]\s*[,，]?\s*")


def is_timestamp_line(text: str) -> bool:
    """'2020-07-22T07:14:19', 'Tue, 28 Jul 2020 07:53:49 GMT', '30/07/2020 - 02:19', '2020年 7月 16日',
    'Published 2021年11月30日 2021年12月22日', 'X在星期四, 01/29/2015 - 12:33 提交'."""
    if len(text) > 60:
        return False
    submitted = _SUBMITTED.match(text)
    if submitted:
        text = submitted["stamp"]
    text = _WEEKDAY.sub(" ", _STAMP_LABEL.sub("", text, count=1)).strip()
    return bool(text) and normalize_date(text) is not None and not _TIMESTAMP_LEFTOVER.sub("", text)
