"""Figures listed "respectively" (分别): each belongs to the item in its position."""

from __future__ import annotations

import pytest

from rag.figures.numbers import find_numbers
from rag.figures.respective import as_item, other_item, own_item

SENTENCE = "全区城乡居民人均可支配收入分别达4.5万元和2.1万元，一般公共预算收入、税收收入分别增长5.2%和3.1%。"


def _others(question: str, sentence: str = SENTENCE) -> list[str]:
    return [m.text for m in find_numbers(sentence) if other_item(question, sentence, m)]


@pytest.mark.parametrize(
    ("question", "not_its"),
    [
        ("农村居民人均可支配收入是多少", ["4.5万元"]),  # a part of the contraction 城乡
        ("城镇居民收入有多少", ["2.1万元"]),
        ("农民人均收入多少", ["4.5万元"]),  # the everyday word for the rural part
        ("税收收入增长多少", ["5.2%"]),  # listed with 、: the shared 收入 tells nothing apart
        ("一般公共预算收入增长多少", ["3.1%"]),
        ("城乡居民人均可支配收入分别是多少", []),  # both asked
        ("居民收入是多少", []),  # no item named
    ],
)
def test_a_figure_listed_for_another_item_is_no_answer(question: str, not_its: list[str]) -> None:
    assert _others(question) == not_its


def test_items_and_figures_that_do_not_pair_decide_nothing() -> None:
    # Three items, two figures: which figure is whose cannot be told.
    assert _others("税收收入增长多少", "财政收入、税收收入和非税收入分别增长5%和3%") == []
    # No 分别: figures stand beside their own names.
    assert _others("农村居民收入多少", "城镇居民收入4.5万元，农村居民收入2.1万元") == []


def test_a_contraction_is_read_as_the_item_asked() -> None:
    assert as_item("城乡居民人均可支配收入", "农村居民人均可支配收入") == "农村居民人均可支配收入"
    assert as_item("城乡居民人均可支配收入", "城镇居民收入") == "城镇居民人均可支配收入"
    assert as_item("进出口分别增长5%和2%", "出口增长多少") == "出口分别增长5%和2%"
    assert as_item("城乡居民人均可支配收入", "居民收入") == "城乡居民人均可支配收入"


def test_a_figure_listed_for_the_item_asked_is_its_own() -> None:
    rural = [m.text for m in find_numbers(SENTENCE) if own_item("农村居民收入多少", SENTENCE, m)]
    assert rural == ["2.1万元"]
    assert not any(own_item("居民收入多少", SENTENCE, m) for m in find_numbers(SENTENCE))
