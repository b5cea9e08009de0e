"""Words of the same meaning from the bundled thesaurus (同义词词林), read into an indicator's name."""

from __future__ import annotations

from rag.question.thesaurus import as_named_in, synonyms


def test_a_small_synonym_group_is_read_both_ways() -> None:
    assert "医师" in synonyms("医生") and "医生" in synonyms("医师")
    assert "高校" in synonyms("高等学校")
    # Statistics' words for a share are one measure.
    assert {"比率", "比重", "占比"} <= synonyms("比例")


def test_only_groups_of_synonyms_and_of_few_words_are_read() -> None:
    # 人民 stands only in large groups ("人 士 人物 …"): a field, not one meaning.
    assert synonyms("人民") == frozenset()
    # Single characters are never read as synonyms of a word.
    assert all(len(s) >= 2 for s in synonyms("医生") | synonyms("比例"))
    assert synonyms("不是一个词") == frozenset()


def test_a_word_the_text_writes_as_a_synonym_is_read_as_written() -> None:
    text = "每万人拥有全科医师3.5名"
    assert as_named_in("每万人拥有全科医生", text) == "每万人拥有全科医师"
    # A word the text writes itself stays, and one with no synonym in the text too.
    assert as_named_in("全科医师", text) == "全科医师"
    assert as_named_in("高速铁路营业里程", "高速公路营业里程达到8000公里") == "高速铁路营业里程"


def test_a_measure_word_is_not_said_by_its_synonym_as_a_subject() -> None:
    from rag.question.thesaurus import with_synonyms_of

    # 比重 asked, 比例 written: the share may be of another thing, which the subject words decide.
    assert with_synonyms_of(["服务业", "比重"], {"教育", "比例"}) == {"教育", "比例"}
    assert with_synonyms_of(["医生"], {"医师"}) == {"医师", "医生"}


def test_the_countryside_named_both_ways_is_one_area() -> None:
    assert synonyms("乡村") == {"农村"} and synonyms("农村") == {"乡村"}
    assert as_named_in("乡村道路里程", "全年硬化农村道路5千公里") == "农村道路里程"
