"""Prepared tables: built once per fingerprint, read like the dicts they replace, and the same
answers as deriving them from the source files in the process."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import jieba
import pytest

from retrieval.derived import PreparedTable, fingerprint, open_prepared, write_table

ROOT = Path(__file__).resolve().parents[1]


def _prepare_counting(calls: list[int]):
    def prepare(connection: sqlite3.Connection) -> None:
        calls.append(1)
        write_table(connection, "t", [("a", 1), ("b", 2)], "INTEGER")
    return prepare


def test_tables_are_prepared_once_per_fingerprint(tmp_path):
    calls: list[int] = []
    source = tmp_path / "source.txt"
    source.write_text("one")
    first = fingerprint(data_files=[source], versions=["lib 1"])
    open_prepared("demo", first, _prepare_counting(calls), tmp_path / "cache")
    open_prepared("demo", first, _prepare_counting(calls), tmp_path / "cache")
    assert len(calls) == 1
    source.write_text("changed")  # another size: another fingerprint
    assert fingerprint(data_files=[source], versions=["lib 1"]) != first
    assert fingerprint(data_files=[source], versions=["lib 2"]) != fingerprint(data_files=[source], versions=["lib 1"])
    connection = open_prepared("demo", fingerprint(data_files=[source]), _prepare_counting(calls), tmp_path / "cache")
    assert len(calls) == 2 and dict(PreparedTable(connection, "t")) == {"a": 1, "b": 2}
    with pytest.raises(sqlite3.OperationalError):  # a reader cannot change a prepared file
        connection.execute("INSERT INTO t VALUES ('c', 3)")


def test_an_unwritable_cache_prepares_in_memory(tmp_path):
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    connection = open_prepared("demo", "k", _prepare_counting([]), blocked / "cache")
    assert PreparedTable(connection, "t")["b"] == 2


def test_a_prepared_table_reads_like_a_dict_and_reads_everything_after_many_lookups(tmp_path):
    connection = open_prepared("demo", "k", _prepare_counting([]), tmp_path)
    handed: list[dict] = []
    table = PreparedTable(connection, "t", decode=lambda v: v * 10, on_whole=handed.append, preload_after=4)
    assert table and not handed  # truth without reading everything
    assert table["a"] == 10 and table.get("zz") is None and "b" in table and "zz" not in table
    assert not handed
    table["new"] = 7  # jieba's add_word writes; kept in memory
    assert table.get("new") == 7 and table.get("a") == 10  # more lookups than preload_after
    assert handed == [{"a": 10, "b": 20, "new": 7}] and len(table) == 3
    with pytest.raises(KeyError):
        table["zz"]


def test_jieba_from_prepared_tables_cuts_and_tags_as_from_its_dictionary_file():
    from retrieval.text.tokenize import init_jieba, part_of_speech_tagger

    texts = [json.loads(line)["query"] for line in (ROOT / "eval" / "heldout_probes.jsonl").read_text(
        encoding="utf-8").splitlines() if line.strip()][:40]
    texts += [path.read_text(encoding="utf-8")[:2000] for path in sorted((ROOT / "seeds").iterdir())]
    reference = jieba.Tokenizer()
    with reference.get_dict_file() as dict_file:
        reference.FREQ, reference.total = reference.gen_pfdict(dict_file)
    reference.initialized = True
    init_jieba()
    assert [list(jieba.dt.cut_for_search(t)) for t in texts] == [list(reference.cut_for_search(t)) for t in texts]
    tagged = [(w.word, w.flag) for w in part_of_speech_tagger().cut("商务部部长王文涛会见了美国财政部长贝森特")]
    assert ("王文涛", "nr") in tagged and ("商务部", "nt") in tagged


def test_bridge_and_lemmas_from_prepared_tables_match_the_dictionary():
    from lemminflect import getAllLemmas

    from retrieval.crosslingual.bridge import Bridge, cedict_path, load_bridge
    from retrieval.crosslingual.lemmas import irregular_lemmas
    from retrieval.crosslingual.names import load_transliteration_characters, transliteration_characters

    prepared, direct = load_bridge(), Bridge.from_file(cedict_path())
    phrases = [["rare", "earth"], ["children"], ["export", "controls"], ["UN"], ["law"], ["tariffs"], ["xyzzy"]]
    for words in phrases:
        for loose in (False, True):
            assert prepared.lookup(words, loose) == direct.lookup(words, loose)
    assert prepared.kinds_of("law", "法") == direct.kinds_of("law", "法") != ()
    assert prepared.lookup(["magnets"]) != ()
    for word in ("children", "won", "went", "mice", "better", "table", "xyzzy"):
        assert irregular_lemmas(word) == [lemma for lemmas in getAllLemmas(word).values() for lemma in lemmas]
    with cedict_path().open(encoding="utf-8") as handle:
        assert load_transliteration_characters() == transliteration_characters(handle)
