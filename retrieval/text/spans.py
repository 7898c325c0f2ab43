"""Where matched terms occur in a passage's original text (for marking them when shown)."""

from __future__ import annotations

from retrieval.text.normalize import fold_width, to_simplified


def _aligned_normal_form(text: str) -> str | None:
    """normalize() applied char by char, so that offsets in the result are offsets in `text`.

    None when some character does not map to exactly one character (then offsets would drift).
    """
    folded = []
    for ch in text:
        one = fold_width(ch)
        if len(one) != 1:
            return None
        folded.append(one)
    simplified = to_simplified("".join(folded)).lower()
    return simplified if len(simplified) == len(text) else None


def find_term_spans(text: str, terms: list[str] | tuple[str, ...]) -> list[tuple[int, int]]:
    """Where the (normalised) terms occur in the original text, as non-overlapping (start, end)."""
    if not terms:
        return []
    haystack = _aligned_normal_form(text)
    if haystack is None:
        haystack = text.lower()
    spans: list[tuple[int, int]] = []
    # A lone CJK character (月, 年) matches everywhere; marking it would only add noise.
    wanted = {t for t in terms if t and (len(t) > 1 or t.isascii())}
    for term in sorted(wanted, key=len, reverse=True):
        start = haystack.find(term)
        while start != -1:
            end = start + len(term)
            is_word_char = term[0].isascii() and term[0].isalnum()
            bounded = not is_word_char or (
                (start == 0 or not haystack[start - 1].isalnum() or not haystack[start - 1].isascii())
                and (end == len(haystack) or not haystack[end].isalnum() or not haystack[end].isascii()))
            if bounded and all(end <= s or start >= e for s, e in spans):
                spans.append((start, end))
            start = haystack.find(term, end)
    return sorted(spans)
