from __future__ import annotations

import pytest

from rag.question.spoken_time import full_years, term_as_written

YEARS = range(2030, 2036)  # the reports' own years


@pytest.mark.parametrize(
    ("question", "read"),
    [
        ("31年和32年的粮食产量各是多少？", "2031年和2032年的粮食产量各是多少？"),
        ("’33年GDP增长多少", "2033年GDP增长多少"),
        ("35年底常住人口有多少？", "2035年底常住人口有多少？"),
        ("29年的粮食产量", "2029年的粮食产量"),  # reviewed by the 2030 report
    ],
)
def test_a_two_digit_year_the_reports_cover_is_read_in_full(question: str, read: str) -> None:
    assert full_years(question, YEARS) == read


@pytest.mark.parametrize(
    "question",
    [
        "近31年来增长多少？",
        "用了31年建成",
        "31年来累计多少？",
        "在32年里",
        "第31年",
        "连续33年增长",
        "10年GDP多少？",
    ],
)
def test_a_duration_or_a_year_no_report_covers_stays(question: str) -> None:
    # "10年": 2010 is covered by no report here, so it is ten years.
    assert full_years(question, YEARS) == question


def test_four_digit_years_are_untouched() -> None:
    assert full_years("2031年和2032年", YEARS) == "2031年和2032年"


def test_a_governments_term_is_the_five_years_its_closing_report_reviews() -> None:
    assert term_as_written("上届政府这五年间财政收入一共增加了多少？") == "过去五年财政收入一共增加了多少？"
    assert term_as_written("本届政府任期内累计减税多少？") == "过去五年累计减税多少？"
    assert term_as_written("市政府今年的目标") == "市政府今年的目标"


def test_a_year_said_with_two_chinese_numerals() -> None:
    assert full_years("三一年粮食产量多少？", YEARS) == "2031年粮食产量多少？"
    assert full_years("三〇年和三二年", YEARS) == "2030年和2032年"
    # Two numerals in a row also count loosely ("三四年": three or four years), or a duration.
    assert full_years("过了三四年", YEARS) == "过了三四年"
    assert full_years("用了三三年", YEARS) == "用了三三年"
    assert full_years("十三年来", YEARS) == "十三年来"


def test_the_first_year_of_a_range_said_once_with_nian() -> None:
    assert full_years("31到34年每年的粮食产量各是多少？", YEARS) == "2031到2034年每年的粮食产量各是多少？"
    assert full_years("三一至三三年", YEARS) == "2031至2033年"
    # A range's first year must come before its last, and be one the reports cover.
    assert full_years("35到33年", YEARS) == "35到2033年"
    assert full_years("10到33年", YEARS) == "10到2033年"


def test_a_year_compared_with_a_year_whatever_follows_it() -> None:
    assert full_years("32年比31年多建了多少？", YEARS) == "2032年比2031年多建了多少？"
    # Without a year before it, "31年多" is more than 31 years.
    assert full_years("用了31年多", YEARS) == "用了31年多"


def test_years_listed_with_nian_said_once() -> None:
    assert full_years("31、32、33这几年绿道各是多少？", YEARS) == "2031年、2032年、2033年这几年绿道各是多少？"
    assert full_years("31、32和33年的粮食产量", YEARS) == "2031年、2032年和2033年的粮食产量"
    # Counts of years, and numbers no report's year is, stay as written.
    assert full_years("近31、32这几年", YEARS) == "近31、32这几年"
    assert full_years("10、11这几年", YEARS) == "10、11这几年"
