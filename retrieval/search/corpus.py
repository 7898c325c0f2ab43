"""What query analysis needs to know about the whole corpus, built once per loaded index."""

from __future__ import annotations

from functools import cache

from retrieval.crosslingual.bridge import load_bridge
from retrieval.crosslingual.names import NameMatcher, load_transliteration_characters, merged_readings
from retrieval.crosslingual.neighbours import TokenNeighbours
from retrieval.store.protocol import IndexReader


class CorpusView:
    """Built from what the index stored when it was written (names evidence), not from every
    passage's text: nothing here grows with the corpus's text. Shared by every Searcher over the
    same index (the ablation runs many configurations over one)."""

    def __init__(self, index: IndexReader, with_names: bool):
        # None: not looked for yet; False: the model has no token vectors (not a static model)
        self.neighbours: TokenNeighbours | bool | None = None
        self.names: NameMatcher | None = None
        self.pinyin: dict[str, tuple[str, ...]] = {}
        if with_names:
            evidence = index.name_evidence()
            # a word CC-CEDICT glosses ("group", "materials") is no surname standing for a whole name;
            # asked of each gloss's words by three readings of the same glosses, so looked up once
            bridge = load_bridge()
            self.names = NameMatcher.from_evidence(
                evidence, is_common_word=cache(lambda word: bool(bridge.lookup([word.lower()]))),
                is_ordinary_word=lambda word: bridge.knows(word.lower()) and not bridge.is_proper_name(word),
                transliteration_chars=load_transliteration_characters())
            self.pinyin = merged_readings(evidence)
