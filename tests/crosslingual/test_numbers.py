"""Numbers, dates and units of English questions in the forms Chinese news writes them."""

from __future__ import annotations

from retrieval.crosslingual.numbers import chinese_amounts, counted_unit, number_phrases, years_in


def forms(question: str) -> set[str]:
    return {form for phrase in number_phrases(question) for form in phrase.chinese}


def test_ranges_of_months():
    assert {"12到24个月", "12–24个月"} <= forms("What is the 12–24 month timeline?")
    assert "12到24个月" in forms("within 12 to 24 months")


def test_months_by_name_only_where_they_are_dates():
    assert "7月" in forms("How much was exported in July?")
    assert "2020年7月" in forms("exports in July 2020")
    assert forms("It may rise") == set()  # "may" the verb is no month


def test_money_in_chinese_units():
    assert "4亿美元" in forms("How much: 400 million dollars?")
    assert "4亿美元" in forms("a $400 million investment")
    assert chinese_amounts(1.5e12)[:2] == ["1.5兆", "1.5万亿"]
    assert chinese_amounts(40000) == ["4万", "40000", "40,000"]


def test_thousands_separators_as_news_writes_them():
    assert {"5577吨", "5,577吨"} <= forms("Were 5,577 tons exported?")
    assert forms("in 2024") == {"2024年", "二〇二四年", "二零二四年", "二○二四年"}  # never 2,024


def test_years_in_digits_or_spelled_out():
    assert years_in("二零一七年三月十二日，山西省大同市矿区法院") == {"2017"}
    assert years_in("2020年和二〇〇八年") == {"2020", "2008"}
    assert years_in("将在二○二五年超越南韩") == {"2025"}  # a white circle for the zero (Liberty Times)
    assert years_in("一二三四五六七八年") == set()  # no run of four digits before 年 is no year


def test_percent_sign_is_a_unit():
    assert forms("a 25% tariff") == {"25%"}
    assert forms("25 percent") == {"25%"}


def test_numbers_inside_names_are_no_quantities():
    assert forms("children hit by COVID-19") == set()
    assert forms("How many F-35 jets?") == set()
    assert forms("at the G7 summit") == set()


def test_bare_years_and_units():
    assert "2020年" in forms("What happened in 2020?")
    assert "60天" in forms("enough for 60 days")
    assert "619吨" in forms("619 tons")


def test_spelled_out_numbers_before_a_unit():
    assert {"2年", "两年"} <= forms("within two years")
    assert forms("one of the biggest") == set()  # "one" without a unit is no quantity


def test_the_unit_a_question_counts_in():
    assert counted_unit("How many times did Kissinger visit China?").chinese == ("次",)
    assert counted_unit("how many tons were exported?").chinese == ("吨",)
    assert counted_unit("How many people were arrested?") is None  # any count, no unit


def test_a_decade_is_no_year():
    phrases = {p.english: p.chinese for p in number_phrases("Which 1930s program did the 2010s revive in 1997?")}
    assert phrases["1930s"] == ("1930年代", "30年代", "三十年代")  # 上世纪30年代 holds 30年代
    assert phrases["2010s"] == ("2010年代",)
    assert "1930" not in phrases and "1997" in phrases
    # the year rule demands only the years a question names: not 1930 for "the 1930s"
    assert years_in("Which 1930s program did they revive in 1997?") == {"1997"}
    assert years_in("1930年的大萧条") == {"1930"}
