"""English names → the corpus's Chinese forms: stated glosses and sound-alike transliterations."""

from __future__ import annotations

from retrieval.crosslingual.names import (
    NameEvidence,
    NameMatcher,
    chinese_person_names,
    chinese_side,
    glossed_names,
    sound_similarity,
    transliteration_characters,
)

TEXTS = [
    "美国贸易代表格里尔（Jamieson Greer）周日接受采访时说，谈判仍在继续。",
    "共和党参议员克鲁兹(Ted Cruz)表示支持。",
    "莱纳斯和美国蓝线集团(Blue Line)签署谅解备忘录。",
    "财长贝森特说，中共的筹码最多只能持续12到24个月。",
]


def test_glossed_pairs_take_the_transliterated_end_of_the_chinese_run():
    names = glossed_names(TEXTS)
    assert names["jamieson greer"] == ("格里尔",)
    assert names["greer"] == ("格里尔",)  # the surname alone, as questions often say
    assert names["ted cruz"] == ("克鲁兹",)


def test_a_gloss_with_a_note_after_a_colon_is_a_gloss():
    names = glossed_names(["帕特·基辛格（Pat Gelsinger: 英特尔CEO）在电话会议上解释了原因。",
                           "美国众议员罗·康纳（Ro Khanna：加州民主党人）表示反对。"])
    assert names["pat gelsinger"] == names["gelsinger"] == ("帕特·基辛格",)
    assert names["ro khanna"][0].endswith("康纳")  # the fullwidth colon too
    assert glossed_names(["他说（见下文：第三段）很重要。"]) == {}  # no English before the colon


def test_an_ordinary_last_word_does_not_stand_for_the_whole_name():
    texts = [*TEXTS, "德国采埃孚集团（ZF Group）宣布裁员。"]
    names = glossed_names(texts, is_common_word=lambda word: word.lower() in {"group", "line"})
    assert names["zf group"] == ("采埃孚集团",)
    assert "group" not in names
    assert names["greer"] == ("格里尔",)  # a surname is no dictionary word: still there
    assert "group" in glossed_names(texts)  # without the check it would be


def test_a_translated_gloss_keeps_its_category_word():
    assert chinese_side("莱纳斯和美国蓝线集团", "Blue Line") == "蓝线集团"
    assert chinese_side("国际刑事法院", "International Criminal Court") == "国际刑事法院"  # not the bare 法院
    # the end that holds the dictionary's translations of the gloss's words, not its last word alone
    assert chinese_side("根据美国的实体清单", "Entity List") == "实体清单"
    assert chinese_side("美国的出口管制", "Export Controls") == "出口管制"


def test_sound_similarity_prefers_the_real_transliteration():
    assert sound_similarity("Bessent", "贝森特") > 0.9
    assert sound_similarity("Bessent", "财长") == 0.0
    assert sound_similarity("Greer", "格里尔") > sound_similarity("Greer", "贝森特")


def test_unglossed_name_is_found_by_sound_in_the_corpus():
    chars = frozenset("贝森特格里尔克鲁兹")
    matcher = NameMatcher.from_texts(TEXTS, chars)
    assert "贝森特" in matcher.sounds_like("Bessent")
    assert matcher.sounds_like("the") == ()  # stopwords and short words are never names
    assert matcher.sounds_like("Zzzzzz") == ()


def test_a_name_is_heard_in_one_transliterated_word_not_across_two_names():
    chars = frozenset("乔尔奥格里卡爱丽斯兰克伦茨施林")
    texts = ["经济学家乔尔·奥尔说。", "贸易代表格里尔表示。", "歌手卡尔爱丽演唱。", "前东德领导人克伦茨，和施林克。"]
    matcher = NameMatcher.from_texts(texts, chars)
    # 乔尔·奥尔 sounds like "greer" by its coarse classes only across the separator; 格里尔 and
    # 卡尔爱丽 tie on them, and the closer spelling (ge-li-er) comes first
    assert matcher.sounds_like("Greer", limit=1) == ("格里尔",)
    assert all("·" not in run for run in matcher.sounds_like("Greer", limit=5))
    assert matcher.sounds_like("Krenz", limit=1) == ("克伦茨",)


def test_given_names_are_read_from_the_corpus_glosses_of_people():
    matcher = NameMatcher.from_texts(["副部长唐·格雷夫斯（Don Graves）说。", "经济学家保罗·罗默（Paul Romer）。",
                                      "香港（Hong Kong）的苹果公司（Apple Inc）。", "ASML·荷兰（ASML Holland）"],
                                     frozenset("唐格雷夫斯保罗默"))
    assert matcher.given_name_words == frozenset({"don", "paul"})


def test_transliteration_characters_come_from_foreign_name_entries():
    lines = ["唐納·川普 唐纳·川普 [Tang2 na4 · Chuan1 pu3] /Donald Trump/",
             "拜登 拜登 [Bai4 deng1] /Biden (name)/",
             "稀土 稀土 [xi1 tu3] /rare earth/"]
    chars = transliteration_characters(lines, min_count=1)
    assert {"唐", "纳", "川", "普", "拜", "登"} <= chars
    assert "稀" not in chars


def test_chinese_names_spelled_in_pinyin():
    from retrieval.crosslingual.names import pinyin_index, pinyin_key

    index = pinyin_index(["马永茂", "华美", "稀土", "a1"])
    assert index[pinyin_key(["Ma", "Yongmao"])] == ("马永茂",)
    assert index[pinyin_key(["Huamei"])] == ("华美",)
    assert pinyin_key(["MP-1"]) is None


def test_a_transliterated_full_name_also_answers_by_its_surname():
    matcher = NameMatcher.from_texts(["前国务卿亨利·基辛格（Henry Kissinger）逝世。", "基辛格先后访问中国接近100次。"],
                                     frozenset())
    assert matcher.glossed_forms("Henry Kissinger") == ("亨利·基辛格", "基辛格")


def test_chinese_peoples_names_in_a_question():
    foreign = frozenset("科茨沃尔德贝森特")
    assert chinese_person_names("商务部长王文涛对稀土出口管制是怎么说的？", foreign) == ["王文涛"]
    assert chinese_person_names("贝森特说的12到24个月是什么意思？", foreign) == []  # a transliteration
    assert chinese_person_names("是谁把科茨沃尔德的家族农场打造成了有机农场品牌？", foreign) == []
    assert chinese_person_names("美国对中国电动车加征的关税是多少？", foreign) == []


def test_a_surname_glossed_only_in_a_full_name_is_not_someone_else_of_that_name():
    matcher = NameMatcher.from_texts(["美国贸易代表戴琪（Katherine Tai）说。"], frozenset())
    assert matcher.glossed_forms("Tai") == ("戴琪",)
    assert matcher.glossed_forms("Tai", given_name="Katherine") == ("戴琪",)
    assert matcher.glossed_forms("Tai", given_name="Benny") == ()  # Benny Tai is not 戴琪
    assert matcher.glossed_forms("Katherine Tai", given_name="Benny") == ("戴琪",)  # a whole name is itself


def test_hong_kong_names_in_their_cantonese_spelling():
    from retrieval.crosslingual.cantonese import key_of_chinese, key_of_english
    from retrieval.crosslingual.names import pinyin_index

    spelt = {"邵家臻": "Shiu Ka-chun", "大埔": "Tai Po", "戴耀廷": "Tai Yiu-ting", "周庭": "Chow Ting",
             "李家超": "Lee Ka-chiu", "屯门": "Tuen Mun", "曾荫权": "Tsang Yam-kuen", "吴霭仪": "Ng Oi-yee",
             "陈梓华": "Chan Tsz-wah"}
    for chinese, english in spelt.items():
        assert key_of_chinese(chinese) == key_of_english(english.split()), (chinese, english)
    assert key_of_english(["Shiu", "Ka-chun"]) != key_of_english(["Shiu", "Ka-chan"])
    assert key_of_english(["Tai"]) is None  # one syllable alone would meet too many words
    index = pinyin_index(["邵家臻", "稀土", "大埔", "逮捕", "底部"])
    assert index[key_of_english(["Shiu", "Ka-chun"])] == ("邵家臻",)
    assert index[key_of_english(["Tai", "Po"])] == ("大埔",)  # 逮捕 and 底部 read so too, but are no names
    assert index["shaojiazhen"] == ("邵家臻",)  # the pinyin reading stays


def test_an_acronym_gloss_that_spells_a_common_word_is_found_for_the_acronym_only():
    common = {"act", "group"}.__contains__
    matcher = NameMatcher.from_texts(["考生参加美国大学入学考试（ACT）。", "华为（HUAWEI）发布芯片。"], frozenset(),
                                     is_common_word=common)
    assert matcher.glossed_forms("ACT") == ("入学考试",)
    assert matcher.glossed_forms("Act") == ()  # the CHIPS Act is no entrance exam
    assert matcher.glossed_forms("Huawei") == ("华为",)  # a name written in capitals is still the name


def test_a_one_word_gloss_that_is_an_ordinary_word_is_left_to_the_dictionary():
    ordinary = {"house"}.__contains__
    matcher = NameMatcher.from_evidence(
        [NameEvidence.from_passages(texts, texts, (), frozenset())
         for texts in [["香港的独立屋（House）价格上涨。", "特斯拉（Tesla）在上海建厂。"]]],
        is_ordinary_word=lambda word: ordinary(word.lower()))
    assert matcher.glossed_forms("House") == ()  # the US House is no 独立屋
    assert matcher.glossed_forms("Tesla") == ("特斯拉",)


def test_a_hong_kong_spelling_meets_its_name_whether_its_stops_are_written_voiced_or_not():
    from retrieval.crosslingual.cantonese import key_of_chinese, key_of_english

    assert key_of_chinese("劉達邦") == key_of_english(["Lau", "Tat-bong"]) == key_of_english(["Lau", "Tat-pong"])
    assert key_of_english(["Lau", "Tat-bong"]) != key_of_english(["Lau", "Tat-mong"])
