"""Plain forms of English words: the regular ones by their endings (magnets → magnet, dependence →
depend), the irregular ones (children → child, won → win) from lemminflect's dictionary, prepared
once into a lookup table (retrieval.derived): lemminflect reads its whole gzipped CSV on first use,
0.3 s of CPU in every process that asks one question."""

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


@lru_cache(maxsize=65536)
def english_variants(word: str) -> tuple[str, ...]:
    """The word and the plain forms it may be an inflection of (magnets → magnet, refining → refine,
    children → child, won → win)."""
    variants = [word]
    if not word.isalpha():
        return tuple(variants)
    # Irregular forms from lemminflect's dictionary (plain CSV data in the package).
    variants += irregular_lemmas(word)
    if len(word) <= 3:
        return tuple(dict.fromkeys(variants))
    if word.endswith("ies"):
        variants.append(word[:-3] + "y")
    elif word.endswith("es"):
        variants += [word[:-2], word[:-1]]
    elif word.endswith("s") and not word.endswith("ss"):
        variants.append(word[:-1])
    if word.endswith("ed"):
        variants += [word[:-2], word[:-1]]
        if len(word) > 5 and word[-3] == word[-4]:
            variants.append(word[:-3])  # stopped → stop
    if word.endswith("ing"):
        variants += [word[:-3], word[:-3] + "e"]
        if len(word) > 6 and word[-4] == word[-5]:
            variants.append(word[:-4])
    if word.endswith("ly"):
        variants.append(word[:-2])
    # Derivations the dictionary glosses by their base: dependence → depend, reliance → rely,
    # the people-or-language adjectives of places: Chinese → China, Japanese → Japan, Russian → Russia,
    # Ukrainian → Ukraine; and the nouns of verbs CC-CEDICT glosses only as verbs ("to violate", "to
    # extradite", "to produce", "to evade"), and -men plurals lemminflect lacks (congressmen).
    for suffix, replacements in (("ence", ("",)), ("ance", ("",)), ("ese", ("a", "")), ("ian", ("ia", "a", "e")),
                                 ("an", ("a",)), ("ation", ("ate",)), ("ition", ("ite",)), ("uction", ("uce",)),
                                 ("sion", ("de",)), ("men", ("man",))):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            variants += [word[: -len(suffix)] + replacement for replacement in replacements]
    if word.endswith("est") or word.endswith("er"):
        cut = word[:-3] if word.endswith("est") else word[:-2]
        variants += [cut, cut + "e"] + ([cut[:-1]] if len(cut) > 2 and cut[-1] == cut[-2] else [])
    variants += [american for variant in variants for american in american_spellings(variant)]
    return tuple(dict.fromkeys([*variants, *base_words(word)]))


# British spellings → the American ones CC-CEDICT glosses with (aluminium → aluminum, defence →
# defense, organisation → organization, labour → labor, centre → center, programme → program).
_BRITISH_ENDINGS = (("isation", "ization"), ("ise", "ize"), ("ised", "ized"), ("ising", "izing"), ("yse", "yze"),
                    ("our", "or"), ("tre", "ter"), ("fence", "fense"), ("cence", "cense"), ("ogue", "og"),
                    ("mme", "m"), ("inium", "inum"), ("elled", "eled"), ("elling", "eling"))


def american_spellings(word: str) -> list[str]:
    """The word spelt the American way, where it has a British ending ("four" and "hour" have
    none: an -our word is six letters or more)."""
    return [word[: -len(ending)] + american for ending, american in _BRITISH_ENDINGS
            if word.endswith(ending) and len(word) - len(ending) >= 2 and (ending != "our" or len(word) >= 6)]


def base_words(word: str) -> tuple[str, ...]:
    """The word a derived one is made from, for a word the dictionary lacks: the verb of a "-ment"
    noun (enforcement → enforce), the noun of an "-al" adjective (congressional → congress,
    presidential → president, constitutional → constitution). A word the dictionary has is not read
    as its base too: department is no "depart" (离开)."""
    found = []
    if word.endswith("ment") and len(word) - 4 >= 3:
        found.append(word[:-4])
    if word.endswith("ional") and len(word) - 5 >= 4:
        found.append(word[:-5])  # congressional → congress
    if word.endswith("ntial"):
        found.append(word[:-4] + "t")  # presidential → president
    if word.endswith("al") and len(word) - 2 >= 4:
        found.append(word[:-2])  # constitutional → constitution
    if word.endswith("ator") and len(word) - 4 >= 3:
        found.append(word[:-2] + "e")  # negotiator → negotiate, regulator → regulate
    if word.endswith("ian") and len(word) - 3 >= 3:
        found += [word[:-3], word[:-3] + "y"]  # Iranian → Iran, Italian → Italy
    return tuple(found)


def countries_of_demonym(headwords: list[str]) -> list[str]:
    """A people's or language's word also names its country: CC-CEDICT glosses "Thai", "German",
    "Dutch" only by the language or people (泰语, 德语, 荷兰语, 瑞士人), while the news writes the country
    (泰国, 德国, 荷兰, 瑞士): the stem and the stem + 国, for the caller to keep those the corpus has."""
    stems = [headword[:-1] for headword in headwords if len(headword) >= 2 and headword[-1] in "语文人话"]
    return [form for stem in stems for form in (f"{stem}国", stem) if len(form) >= 2]
