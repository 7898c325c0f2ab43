"""Character classes and tables that several stages match with: one definition each."""

from __future__ import annotations

import re

# CJK Unified Ideographs with Extension A: what "a Chinese character" means everywhere here.
HAN = re.compile(r"[\u3400-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")
WHITESPACE = re.compile(r"\s+")

# English month names and abbreviations → month number: dates on pages and months in questions.
MONTHS = {name: number for number, names in enumerate(
    [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
     ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"),
     ("november", "nov"), ("december", "dec")], 1) for name in names}

# A year of the kind news is about, as a regular-expression piece (no anchors, no look-arounds).
YEAR_DIGITS = r"(?:19|20)\d\d"
