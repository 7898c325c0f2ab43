"""The English→Chinese dictionary bridge, on a tiny hand-made CC-CEDICT."""

from __future__ import annotations

import pytest

from retrieval.crosslingual.bridge import (
    Bridge,
    BridgeError,
    english_words,
    sense_key,
)
from retrieval.crosslingual.cedict import parse_cedict_line
from retrieval.crosslingual.lemmas import english_variants

TINY_CEDICT = """\
# CC-CEDICT (tiny)
稀土 稀土 [xi1 tu3] /rare earth (chemistry)/
稀有 稀有 [xi1 you3] /rare/uncommon/
土 土 [tu3] /earth/dust/
磁鐵 磁铁 [ci2 tie3] /magnet/
出口 出口 [chu1 kou3] /an exit/CL:個|个[ge4]/to export/
美國 美国 [Mei3 guo2] /United States; USA; US/
我們 我们 [wo3 men5] /we; us; ourselves/
行政命令 行政命令 [xing2 zheng4 ming4 ling4] /executive order/
行政 行政 [xing2 zheng4] /administrative; executive/
命令 命令 [ming4 ling4] /order; command/
特朗普 特朗普 [Te4 lang3 pu3] /Donald Trump (1946–), American businessman/
不是一行 broken line without brackets
"""


@pytest.fixture(scope="module")
def bridge() -> Bridge:
    return Bridge.from_lines(TINY_CEDICT.splitlines())


def test_parse_line_gives_simplified_headword_and_senses():
    assert parse_cedict_line("磁鐵 磁铁 [ci2 tie3] /magnet/") == ("磁铁", ["magnet"])
    assert parse_cedict_line("# comment") is None
    assert parse_cedict_line("garbage") is None


def test_sense_keys_drop_fillers_and_notes():
    assert sense_key("to export") == "export"
    assert sense_key("rare earth (chemistry)") == "rare earth"
    assert sense_key("CL:個|个[ge4]") is None
    assert sense_key("US") == "US"  # acronyms keep their capitals


def test_phrases_win_over_their_words(bridge):
    words = english_words("How many rare earth magnets?")
    phrases = bridge.translate(words.words, words.acronyms)
    assert [(p.english, p.chinese) for p in phrases] == [("rare earth", ("稀土",)), ("magnets", ("磁铁",))]


def test_inflected_words_find_their_plain_form(bridge):
    assert "magnet" in english_variants("magnets")
    assert bridge.lookup(["exports"]) == ("出口",)


def test_acronym_us_is_the_country_not_the_pronoun(bridge):
    words = english_words("exports to the US")
    phrases = bridge.translate(words.words, words.acronyms)
    assert ("US", ("美国",)) in [(p.english, p.chinese) for p in phrases]
    lower = english_words("tell us")
    assert bridge.translate(lower.words, lower.acronyms) == []  # "us" the stopword is not looked up


def test_a_phrase_the_corpus_does_not_use_gives_way_to_its_words(bridge):
    words = english_words("executive order").words
    assert [p.chinese for p in bridge.translate(words)] == [("行政命令",)]
    in_corpus = {"行政", "命令"}
    narrowed = bridge.translate(words, keep=lambda found: tuple(w for w in found if w in in_corpus))
    assert [p.chinese for p in narrowed] == [("行政",), ("命令",)]


def test_a_full_name_sense_also_answers_to_the_surname(bridge):
    assert bridge.lookup(["trump"]) == ("特朗普",)
    assert bridge.lookup(["donald", "trump"]) == ("特朗普",)


def test_a_surname_after_another_given_name_is_someone_else():
    bridge = Bridge.from_lines(["林鄭 林郑 [Lin2 Zheng4] /Carrie Lam (1957-), chief executive of Hong Kong/",
                                "周星馳 周星驰 [Zhou1 Xing1 chi2] /Stephen Chow (1962-), Hong Kong actor/",
                                "圖靈 图灵 [Tu2 ling2] /Alan Turing (1912-1954), English mathematician/"])
    assert bridge.lookup(["lam"]) == ("林郑",) and bridge.is_surname("Lam")
    assert bridge.people_named("lam", "Paul") == ()
    assert bridge.people_named("Lam", "Carrie") == ("林郑",)
    assert bridge.people_named("chow", "Agnes") == ()
    assert bridge.lookup(["AT"], loose=True) == ()  # a person's initials are no acronym of theirs


def test_a_chinese_name_in_chinese_order_is_found_whole_not_by_its_given_name():
    bridge = Bridge.from_lines(["胡適 胡适 [Hu2 Shi4] /Hu Shi (1891-1962), proponent of writing in colloquial Chinese/",
                                "習近平 习近平 [Xi2 Jin4 ping2] /Xi Jinping (1953-), PRC president/",
                                "特朗普 特朗普 [Te4 lang3 pu3] /Donald Trump (1946-), US president/"])
    assert bridge.lookup(["hu", "shi"]) == ("胡适",) and bridge.lookup(["xi", "jinping"]) == ("习近平",)
    # the Shi of Shi Yinhong (时殷弘) is no 胡适: "Shi" is Hu Shi's given name, not his surname
    assert bridge.lookup(["shi"]) == () and bridge.lookup(["jinping"]) == ()
    assert not bridge.is_surname("Shi") and bridge.is_surname("Hu") and bridge.is_surname("Xi")
    assert bridge.people_named("xi", "Jinping") == ("习近平",)
    # a foreigner's name, in the dictionary's English order, still answers to the surname alone
    assert bridge.lookup(["trump"]) == ("特朗普",) and bridge.is_surname("Trump")


def test_a_ment_noun_is_read_as_its_verb_only_where_the_dictionary_lacks_it():
    bridge = Bridge.from_lines(["離開 离开 [li2 kai1] /to depart; to leave/", "部門 部门 [bu4 men2] /department/",
                                "執行 执行 [zhi2 xing2] /to enforce/"])
    assert bridge.lookup(["department"]) == ("部门",)  # not 离开
    assert bridge.lookup(["enforcement"]) == ("执行",)


def test_an_al_adjective_the_dictionary_lacks_is_read_as_its_noun():
    bridge = Bridge.from_lines(["國會 国会 [Guo2 hui4] /Congress (US)/", "總統 总统 [zong3 tong3] /president/",
                                "全國性 全国性 [quan2 guo2 xing4] /national/", "民族 民族 [min2 zu2] /nation/"])
    assert bridge.lookup(["congressional"]) == ("国会",)
    assert bridge.lookup(["presidential"]) == ("总统",)
    assert bridge.lookup(["national"]) == ("全国性",)  # it has its own sense: not 民族 too


def test_a_place_is_also_found_without_its_kind_and_a_list_of_places_is_no_one_of_them():
    bridge = Bridge.from_lines(["北京 北京 [Bei3 jing1] /Beijing municipality, capital of the People's Republic/",
                                "北上廣 北上广 [Bei3 Shang4 Guang3] /Beijing, Shanghai and Guangzhou/",
                                "三台 三台 [San1 tai2] /Santai county in Mianyang, north Sichuan/"])
    assert bridge.lookup(["beijing"]) == ("北京",)
    assert bridge.lookup(["santai"]) == ("三台",)


def test_unreadable_dictionary_is_named(tmp_path):
    with pytest.raises(BridgeError, match=r"missing\.txt"):
        Bridge.from_file(tmp_path / "missing.txt")


def test_late_senses_of_single_characters_are_not_trusted():
    bridge = Bridge.from_lines(["本 本 [ben3] /root/origin/capital/", "家 家 [jia1] /home/family/",
                                "首都 首都 [shou3 du1] /capital (city)/", "資本 资本 [zi1 ben3] /capital (economics)/"])
    assert bridge.lookup(["home"]) == ("家",)
    assert set(bridge.lookup(["capital"])) == {"首都", "资本"}  # not 本, whose third sense it is


def test_derived_words_find_their_base():
    assert "depend" in english_variants("dependence")
    assert "invest" in english_variants("investment")
    assert "china" in english_variants("chinese")
    assert "russia" in english_variants("russian")
    # nouns of verbs CC-CEDICT glosses only as verbs, and a -men plural
    assert {"violate", "extradite", "produce", "evade", "congressman"} <= {
        v for word in ("violation", "extradition", "production", "evasion", "congressmen")
        for v in english_variants(word)}
    bridge = Bridge.from_lines(["引渡 引渡 [yin3 du4] /to extradite/"])
    assert bridge.lookup(["extradition"]) == ("引渡",)


LOOSE_CEDICT = [
    "依賴 依赖 [yi1 lai4] /to depend on/to be dependent on/",
    "依屬 依属 [yi1 shu3] /dependence/",
    "打破 打破 [da3 po4] /to break/to smash/",
    "擺脫 摆脱 [bai3 tuo1] /to break away from/to cast off/to get rid of/to break with/to free oneself from/",
]


def test_loose_senses_only_where_the_main_ones_are_not_in_the_corpus():
    bridge = Bridge.from_lines(LOOSE_CEDICT)
    words = english_words("break dependence").words
    everything = bridge.translate(words)
    assert [(p.english, p.chinese, p.loose) for p in everything] == [
        ("break", ("打破",), False), ("dependence", ("依属",), False)]
    corpus = {"依赖", "摆脱"}
    narrowed = bridge.translate(words, keep=lambda found: tuple(w for w in found if w in corpus))
    # "to depend on" and "to break with" (摆脱's fourth sense) read without their particles
    assert [(p.english, p.chinese, p.loose) for p in narrowed] == [
        ("break", ("摆脱",), True), ("dependence", ("依赖",), True)]


def test_an_acronym_is_looked_up_as_written_only():
    bridge = Bridge.from_lines(["不加 不加 [bu4 jia1] /un-/", "聯合國 联合国 [Lian2 he2 guo2] /United Nations; UN/"])
    assert bridge.lookup(["UN"]) == ("联合国",)
    assert bridge.lookup(["un"]) == ("不加",)
    assert bridge.lookup(["NATO"]) == ()


def test_adjectives_of_places_find_the_place():
    assert "ukraine" in english_variants("ukrainian")
    assert "canada" in english_variants("canadian")


KINDS_CEDICT = [
    "法 法 [fa3] /law/method/way/",
    "法案 法案 [fa3 an4] /bill/proposed law/",
    "戒嚴 戒严 [jie4 yan2] /to impose martial law/",
    "大砲 大炮 [da4 pao4] /big gun/cannon/one who talks big/",
]


def test_kinds_of_a_word_are_two_word_senses_built_on_its_character():
    bridge = Bridge.from_lines(KINDS_CEDICT)
    assert bridge.lookup(["law"]) == ("法",)
    assert bridge.kinds_of("law", "法") == ("法案",)  # "proposed law"; 戒严 is not built on 法
    assert bridge.kinds_of("laws", "法") == ("法案",)
    assert bridge.kinds_of("big", "大") == ()  # "one who talks big" is no kind of big


ACRONYM_CEDICT = [
    "世界衛生組織 世界卫生组织 [Shi4 jie4 Wei4 sheng1 Zu3 zhi1] /World Health Organization (WHO)/",
    "國民保健署 国民保健署 [Guo2 min2 Bao3 jian4 shu3] /National Health Service (UK)/",
    "北約 北约 [Bei3 Yue1] /North Atlantic Treaty Organization, NATO/",
    "聯合國 联合国 [Lian2 he2 guo2] /United Nations/",
    "金陵大學 金陵大学 [Jin1 ling2 Da4 xue2] /University of Nanking/",
    "中共 中共 [Zhong1 Gong4] /abbr. for 中國共產黨|中国共产党[Zhong1 guo2 Gong4 chan3 dang3], "
    "Chinese Communist Party/",
    "英國 英国 [Ying1 guo2] /United Kingdom/",
]


def test_acronyms_the_dictionary_spells_out_are_keys():
    bridge = Bridge.from_lines(ACRONYM_CEDICT)
    assert bridge.lookup(["WHO"]) == ("世界卫生组织",)
    assert bridge.lookup(["NATO"]) == ("北约",)
    assert bridge.lookup(["UK"]) == ()  # "(UK)" there says where, it is not the initials of the name
    # initials a name never gives itself are weaker, and collide: the corpus decides between them
    assert bridge.lookup(["UN"]) == ()
    assert bridge.lookup(["UN"], loose=True) == ("联合国", "金陵大学")
    assert [(p.chinese, p.loose) for p in bridge.translate(["UN"], frozenset({0}),
                                                          keep=lambda f: tuple(w for w in f if w == "联合国"))] \
        == [(("联合国",), True)]


def test_an_abbreviation_means_what_its_sense_says():
    bridge = Bridge.from_lines(ACRONYM_CEDICT)
    assert bridge.lookup(["chinese", "communist", "party"]) == ("中共",)
    assert bridge.lookup(["CCP"], loose=True) == ("中共",)


def test_irregular_forms_find_their_lemma():
    assert "child" in english_variants("children")
    assert "win" in english_variants("won")
    assert "buy" in english_variants("bought")


def test_a_compound_the_dictionary_lacks_is_read_as_its_parts():
    bridge = Bridge.from_lines(["民主 民主 [min2 zhu3] /democracy/", "補選 补选 [bu3 xuan3] /by-election/",
                                "純 纯 [chun2] /pure/"])
    words = english_words("Did the pro-democracy camp win the by-election?")
    found = {(p.english, p.start): p.chinese for p in bridge.translate(words.words, words.acronyms)}
    assert found[("democracy", 2)] == ("民主",)  # the part, at the compound's position
    assert found[("by-election", 6)] == ("补选",)  # a compound the dictionary has stays whole
    name = english_words("Shiu Ka-chun")
    assert bridge.translate(name.words, name.acronyms, capitalised=name.capitalised) == []  # a name is no compound


def test_a_compound_of_names_with_an_acronym_is_read_as_its_names():
    bridge = Bridge.from_lines(["美國 美国 [Mei3 guo2] /United States/USA/US/", "臺灣 台湾 [Tai2 wan1] /Taiwan/",
                                "卡 卡 [ka3] /card/", "純 纯 [chun2] /pure/"])
    words = english_words("the US-Taiwan initiative")
    found = {(p.english, p.start): p.chinese
             for p in bridge.translate(words.words, words.acronyms, capitalised=words.capitalised)}
    assert found == {("US", 1): ("美国",), ("taiwan", 1): ("台湾",)}
    # parts the dictionary knows but no acronym among them: a pinyin given name, not two words
    name = english_words("Ka-Chun")
    assert bridge.translate(name.words, name.acronyms, capitalised=name.capitalised) == []


def test_a_name_joined_to_a_participle_is_two_words():
    parsed = english_words("three Hong Kong-registered firms, a US-led plan, Shiu Ka-chun, a state-owned bank")
    assert parsed.words[1:4] == ["hong", "kong", "registered"]  # Hong Kong can be found whole
    assert parsed.words[6:8] == ["US", "led"] and 6 in parsed.acronyms
    assert "ka-chun" in parsed.words and "state-owned" in parsed.words  # a given name; no name at all


def test_an_acronym_before_its_expansion_or_abbreviating_a_long_name_is_a_key():
    bridge = Bridge.from_lines([
        "政協 政协 [Zheng4 Xie2] /CPPCC (Chinese People's Political Consultative Conference)/",
        "匯豐 汇丰 [Hui4 feng1] /Hong Kong and Shanghai Banking Corporation (HSBC)/",
        "某會 某会 [mou3 hui4] /Association of Southeast Nations (XYZ)/",
    ])
    assert bridge.lookup(["CPPCC"]) == ("政协",)
    assert bridge.lookup(["cppcc"]) == ()  # an acronym is looked up as written, so not lower-cased either
    # HSBC takes some of the name's initials (HKSBC) in order: an abbreviation all the same
    assert bridge.lookup(["HSBC"]) == ("汇丰",)
    assert bridge.lookup(["XYZ"]) == ()  # letters the name's initials do not hold abbreviate nothing


def test_archaic_dialect_and_slang_senses_are_no_translation():
    bridge = Bridge.from_lines([
        "郎 郎 [lang2] /(arch.) minister/official/",
        "公使 公使 [gong1 shi3] /minister/envoy/",
        "給予 给予 [ji3 yu3] /(literary) to give/to accord/",
        "靚仔 靓仔 [liang4 zai3] /(dialect) handsome young man/",
    ])
    assert bridge.lookup(["minister"]) == ("公使",)
    # news Chinese is written in the literary register: those senses are kept
    assert bridge.lookup(["give"]) == ("给予",)
    assert bridge.lookup(["handsome", "young", "man"]) == ()
    assert bridge.lookup(["handsome", "young", "man"], loose=True) == ("靓仔",)


def test_a_word_the_dictionary_glosses_only_in_the_plural_is_found():
    bridge = Bridge.from_lines(["制裁 制裁 [zhi4 cai2] /to punish/punishment/sanctions (incl. economic)/"])
    assert bridge.lookup(["sanction"]) == ("制裁",)
    assert bridge.lookup(["sanctions"]) == ("制裁",)


def test_common_headwords_are_the_ones_cc_cedict_never_writes_as_proper_nouns():
    bridge = Bridge.from_lines([
        "波及 波及 [bo1 ji2] /to spread to/to involve/to affect/",
        "深圳 深圳 [Shen1 zhen4] /see 深圳市[Shen1 zhen4 Shi4]/",  # a cross-reference, but a place
        "美的 美的 [Mei3 di4] /Midea (brand)/",
        "美的 美的 [mei3 de5] /beautiful/",  # also a word: it is still a name somewhere
    ])
    assert bridge.is_common_headword("波及")
    assert not bridge.is_common_headword("深圳") and not bridge.is_common_headword("美的")
    assert not bridge.is_common_headword("鹏芯微")  # unknown to the dictionary: no word of its


def test_slurs_are_no_translation_and_a_people_answers_to_its_adjective_loosely():
    bridge = Bridge.from_lines([
        "臺巴子 台巴子 [Tai2 ba1 zi5] /(derog.) Taiwanese; person from Taiwan/",
        "臺灣人 台湾人 [Tai2 wan1 ren2] /Taiwanese person/Taiwanese/",
        "維吾爾族 维吾尔族 [Wei2 wu2 er3 zu2] /Uighur (Uyghur) ethnic group of Xinjiang/",
        "共和黨 共和党 [Gong4 he2 dang3] /Republican Party/",
        "裸官 裸官 [luo3 guan1] /a Communist Party official whose wife and children have left China/",
    ])
    assert bridge.lookup(["taiwanese"])[0] == "台湾人" and "台湾" in bridge.lookup(["taiwanese"])
    assert bridge.lookup(["person", "from", "taiwan"]) == ()  # the slur's other half went with it
    assert bridge.lookup(["uyghurs"], loose=True) == ("维吾尔族",)
    assert bridge.lookup(["uighur"], loose=True) == ("维吾尔族",)
    assert bridge.lookup(["republicans"], loose=True) == ("共和党",)
    assert bridge.lookup(["republicans"]) == ()  # only loosely: the phrase is the party, not the word
    assert bridge.lookup(["communist"], loose=True) == ()  # an official of the party is no people


def test_british_spellings_and_derived_words_find_the_dictionarys_word():
    bridge = Bridge.from_lines([
        "鋁 铝 [lu:3] /aluminum (chemistry)/",
        "防務 防务 [fang2 wu4] /defense/",
        "伊朗 伊朗 [Yi1 lang3] /Iran/",
        "談判 谈判 [tan2 pan4] /to negotiate/negotiation/talks/",
        "制裁 制裁 [zhi4 cai2] /to punish/punishment/sanctions (incl. economic sanctions)/",
    ])
    assert bridge.lookup(["aluminium"]) == ("铝",)
    assert bridge.lookup(["defence"]) == ("防务",)
    assert bridge.lookup(["iranian"]) == ("伊朗",)
    assert bridge.lookup(["negotiator"]) == ("谈判",)
    assert bridge.lookup(["sanctioned"]) == ("制裁",)
    assert bridge.lookup(["four"]) == ()  # no British -our word


def test_a_peoples_or_languages_word_also_names_its_country():
    bridge = Bridge.from_lines([
        "泰語 泰语 [Tai4 yu3] /Thai (language)/",
        "德語 德语 [De2 yu3] /German (language)/",
        "瑞士人 瑞士人 [Rui4 shi4 ren2] /Swiss person/Swiss/",
        "工人 工人 [gong1 ren2] /worker/",
        "管理人 管理人 [guan3 li3 ren2] /manager/",
    ])
    assert "泰国" in bridge.lookup(["thai"]) and "德国" in bridge.lookup(["german"])
    assert "瑞士" in bridge.lookup(["swiss"])
    # a common word's people form names no country: a manager is no 管理
    assert bridge.lookup(["worker"]) == ("工人",) and bridge.lookup(["manager"]) == ("管理人",)


def test_plural_acronyms_and_abbreviated_titles_are_read_as_their_words():
    parsed = english_words("Rep. Blaine Luetkemeyer and Gen. Milley on ICBMs and EVs; Gen Z")
    assert parsed.words[:3] == ["representative", "blaine", "luetkemeyer"]
    assert "general" in parsed.words and "ICBM" in parsed.words and "EV" in parsed.words
    assert {parsed.words.index("ICBM"), parsed.words.index("EV")} <= parsed.acronyms
    assert parsed.words[-2] == "gen"  # no full stop: "Gen Z" is no general


def test_a_taiwan_sense_is_also_found_in_the_mainlands_word():
    bridge = Bridge.from_lines([
        "晶片 晶片 [jing1 pian4] /(Tw) (computing) chip/",
        "伺服器 伺服器 [si4 fu2 qi4] /server (computer) (Tw)/",
        "程式 程式 [cheng2 shi4] /form/pattern/formula/(Tw) (computing) program/",
    ])
    assert bridge.lookup(["chip"]) == ("晶片", "芯片") and bridge.lookup(["server"]) == ("伺服器", "服务器")
    # only the Taiwan sense: a "pattern" is no 程序
    assert bridge.lookup(["pattern"]) == ("程式",) and "程序" in bridge.lookup(["program"], loose=True)
