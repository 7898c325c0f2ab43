"""The bilingual static model's build, on a tiny dictionary with a tiny teacher."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sentence_transformers import SentenceTransformer

from retrieval.models.embedding import Embedder
from retrieval.models.static_model import (
    BUILD_INFO_FILE,
    BuildOptions,
    build_static_model,
    english_vocabulary,
    make_tokenizer,
    read_dictionary,
)

TINY_CEDICT = """\
稀土 稀土 [xi1 tu3] /rare earth (chemistry)/
磁鐵 磁铁 [ci2 tie3] /magnet/
出口 出口 [chu1 kou3] /an exit/CL:個|个[ge4]/to export/
美國 美国 [Mei3 guo2] /United States; USA; US/
投資 投资 [tou2 zi1] /investment/to invest/
的 的 [de5] /of; possessive particle/
土 土 [tu3] /earth/dust/
""".splitlines()


@pytest.fixture(scope="module")
def static_model(tmp_path_factory, tiny_model):
    teacher = SentenceTransformer(tiny_model, device="cpu")
    directory = tmp_path_factory.mktemp("static") / "tiny-static"
    report = build_static_model(
        teacher, read_dictionary(TINY_CEDICT), directory, name="tiny-static",
        word_frequency={"的": 1000, "稀土": 5, "磁铁": 3, "出口": 8, "美国": 9, "投资": 4},
        options=BuildOptions(dim=8, gloss_sentences=2),
        teacher_vocab=["magnet", "export", "investment", "invest", "rare", "earth", "united", "states", "exit"])
    return directory, report


def test_dictionary_glosses_are_cleaned():
    words = {w.simplified: w for w in read_dictionary(TINY_CEDICT)}
    assert words["出口"].gloss == "an exit; to export"  # the classifier note is dropped
    assert words["磁铁"].traditional == "磁鐵"


def test_english_vocabulary_is_whole_words():
    assert english_vocabulary(["magnet", "##ing", "[CLS]", "a"], ["to invest; investment", "invest"]) == [
        "invest", "magnet"]


def test_tokenizer_segments_chinese_with_the_longest_dictionary_words():
    tokenizer = make_tokenizer(["[UNK]", "稀土", "稀", "土", "磁铁", "2020", "年", "rare"])
    assert tokenizer.encode("稀土磁铁", add_special_tokens=False).tokens == ["稀土", "磁铁"]
    assert tokenizer.encode("Rare 2020年", add_special_tokens=False).tokens == ["rare", "2020", "年"]


def test_built_model_loads_like_any_sentence_transformers_model(static_model):
    directory, report = static_model
    assert (directory / "model.safetensors").is_file()
    info = json.loads((directory / BUILD_INFO_FILE).read_text(encoding="utf-8"))
    assert info["name"] == "tiny-static" and info["report"]["dim"] == 8
    embedder = Embedder(str(directory))
    assert embedder.dim == report.dim == 8


def test_chinese_words_land_on_their_english_glosses(static_model):
    directory, _ = static_model
    embedder = Embedder(str(directory))
    vectors = embedder.encode(["磁铁", "magnet", "export", "磁鐵", "出口"])
    magnet_zh, magnet_en, export_en, magnet_trad, export_zh = vectors
    assert magnet_zh @ magnet_en > 0.99  # the gloss is the single word "magnet"
    assert magnet_zh @ magnet_en > magnet_zh @ export_en
    assert np.allclose(magnet_trad, magnet_zh)  # Traditional forms share the Simplified vector
    assert export_zh @ export_en > export_zh @ magnet_en


def test_unknown_character_does_not_blank_its_neighbours(static_model):
    directory, _ = static_model
    embedder = Embedder(str(directory))
    plain, with_unknown = embedder.encode(["磁铁", "磁铁龘"])
    assert plain @ with_unknown > 0.99


def test_the_build_records_what_its_files_hold(static_model, tmp_path):
    from retrieval.models.registry import model_fingerprint

    directory, _ = static_model
    info = json.loads((directory / BUILD_INFO_FILE).read_text())
    assert model_fingerprint(directory) == info["files_sha1"]
    # a copy without the record is hashed to the same fingerprint; rebuilt vectors give another
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(directory, copy)
    (copy / BUILD_INFO_FILE).unlink()
    assert model_fingerprint(copy) == info["files_sha1"]
    weights = copy / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-4] ^= 0xFF  # one bit pattern of the last vector changed
    weights.write_bytes(bytes(data))
    assert model_fingerprint(copy) != info["files_sha1"]
