"""Plain forms of irregular English words (children → child, won → win) from lemminflect's
dictionary, prepared once into a lookup table (retrieval.derived): lemminflect reads its whole
gzipped CSV on first use, 0.3 s of CPU in every process that asks one question."""

from __future__ import annotations

import sqlite3
from functools import lru_cache
from pathlib import Path

from retrieval.derived import PreparedTable, fingerprint, open_prepared, write_table


def _prepare(connection: sqlite3.Connection) -> None:
    from lemminflect import Lemmatizer, getAllLemmas

    lemmatizer = Lemmatizer()
    # every form lemminflect knows: its lookup dictionary and its overrides (both keyed lower-case)
    forms = set(lemmatizer._getLemmaDict()) | set(lemmatizer._getOverridesDict())
    rows = ((form, "\t".join(lemma for lemmas in getAllLemmas(form).values() for lemma in lemmas))
            for form in sorted(forms) if form == form.lower())
    write_table(connection, "lemmas", ((form, value) for form, value in rows if value), "TEXT")


@lru_cache(maxsize=1)
def _table() -> PreparedTable:
    # lemminflect located, not imported: importing it loads its Keras model code (gzip, lzma: 30 ms)
    from importlib.metadata import version
    from importlib.util import find_spec

    spec = find_spec("lemminflect")
    if spec is None or spec.origin is None:
        raise ImportError("the bridge needs the PyPI package 'lemminflect' (pip install lemminflect)")
    package = Path(spec.origin).parent
    key = fingerprint(data_files=sorted((package / "resources").glob("lemma_*")), code_files=[Path(__file__)],
                      versions=[f"lemminflect {version('lemminflect')}"])
    return PreparedTable(open_prepared("lemmas", key, _prepare), "lemmas", decode=lambda value: value.split("\t"))


def irregular_lemmas(word: str) -> list[str]:
    """What lemminflect's getAllLemmas(word) gives, flattened in its order (lower-case words)."""
    if word != word.lower():
        from lemminflect import getAllLemmas

        return [lemma for lemmas in getAllLemmas(word).values() for lemma in lemmas]
    return list(_table().get(word, ()))
