"""Paragraphs that lean on the one before them for what they are about.

News writing splits one statement over paragraphs: "7月稀土磁铁出口总量达5,577吨。" and then
"其中，对美出口619吨……" — the second answers "how many tons of rare-earth magnets went to the US in
July?" but says neither 稀土, 磁铁 nor 7月 itself. Whether a paragraph opens with such a connective
or pronoun is decided here, when its segment is written (leaning.npy); the search side lets it
inherit its predecessor's question terms (retrieval.search.context).
"""

from __future__ import annotations

from retrieval.text import normalize

# Openers that point back: "among them", "besides", "at the same time", "in response", "for this",
# "therefore", "however", "before that", "after that", and pronoun / demonstrative subjects.
LEANING_OPENERS = ("其中", "此外", "另外", "同时", "对此", "为此", "因此", "然而", "不过", "但是", "而且",
                   "此前", "随后", "该", "这", "此", "他", "她", "它", "其")
_OPENING_PUNCTUATION = " \u3000“\"「『（("


def leans_on_previous(text: str) -> bool:
    """The paragraph opens with a word that refers back to what came before it."""
    opening = normalize(text.lstrip(_OPENING_PUNCTUATION)[:4])
    return opening.startswith(LEANING_OPENERS)
