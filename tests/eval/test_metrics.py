"""Metric functions: exact values on small hand-made cases."""

from __future__ import annotations

import pytest

from eval import metrics
from eval.datasets import QAItem
from eval.report import score_item, summarize


def test_answer_matching_rules() -> None:
    assert metrics.normalize_answer("４０８２２ 人次") == "40822人次"
    assert metrics.answer_correct("香港6.4%，澳门18%", ["6.4%", "18%"], [["6.4%"], ["18%"]], "all_groups")
    assert not metrics.answer_correct("香港6.4%", ["6.4%", "18%"], [["6.4%"], ["18%"]], "all_groups")
    assert metrics.answer_correct("起点是 南 宁", ["南宁"], [["南宁"]], "any")
    assert not metrics.answer_correct("", ["南宁"], [["南宁"]], "any")
    assert not metrics.answer_correct("任何内容", ["  "], [["  "]], "any")


def test_ranking_metrics() -> None:
    ranked = ["a", "b", "c", "d"]
    assert metrics.hit_at(ranked, {"c"}, 1) == 0.0
    assert metrics.hit_at(ranked, {"c"}, 5) == 1.0
    assert metrics.reciprocal_rank(ranked, {"c", "d"}) == pytest.approx(1 / 3)
    assert metrics.reciprocal_rank(ranked, {"z"}) == 0.0
    assert metrics.recall_at(ranked, {"a", "d", "z", "y"}, 2) == 0.25


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 11)]
    assert metrics.percentile(values, 50) == 5.0
    assert metrics.percentile(values, 95) == 10.0
    assert metrics.percentile([], 50) == 0.0


def test_citation_metrics() -> None:
    cited = {"p1": "首趟班列从南宁出发。", "p2": "无关的段落。", "g": "金标段落，措辞不同。"}
    assert metrics.citation_precision(cited, {"g"}, ["南宁"]) == pytest.approx(2 / 3)
    assert metrics.citation_precision({}, {"g"}, ["南宁"]) == 0.0
    groups = [["6.4%"], ["18%"]]
    assert metrics.citation_recall({"a": "香港增长6.4%"}, groups) == 0.5
    assert metrics.citation_recall({"a": "香港增长6.4%", "b": "澳门增长18%"}, groups) == 1.0


def test_numbers_must_occur_in_cited_paragraphs() -> None:
    cited = ["2021年培训各级各类党员干部40822人次，增长87%。"]
    assert metrics.figures_in("40822人次。依据：……[1]") == ["40822人次"]
    assert metrics.numbers_supported("40822人次[1]，增长87%[1]", cited)
    assert not metrics.numbers_supported("增长85%[1]", cited)  # 87% silently became 85%
    assert not metrics.numbers_supported("2022年培训40822人次[1]", cited)  # 2021 became 2022
    assert metrics.numbers_supported("没有数字的回答[1]", cited)


def _result(answer: str, refused: bool, cited: list[tuple[str, str]], ranked: list[str]) -> dict:  # type: ignore[type-arg]
    return {
        "answer": answer,
        "refused": refused,
        "citations": [{"paragraph_id": p, "text": t} for p, t in cited],
        "retrieved": [{"paragraph_id": p, "score": 1.0} for p in ranked],
        "latency_ms": 10.0,
    }


def test_score_and_summarize_answerable_and_unanswerable() -> None:
    q1 = QAItem("1", "培训多少人次?", ["40822人次"], [["40822人次"]], "any", frozenset({"p9"}), "numeric")
    q2 = QAItem("2", "预算多少?", [], [], "any", frozenset(), "unanswerable")
    s1 = score_item(q1, _result("40822人次[1]", False, [("p9", "培训40822人次")], ["p9", "p1"]))
    s1["refused_without_gold"] = 1.0
    s2 = score_item(q2, _result("知识库中没有找到……", True, [], ["p1"]))
    assert (s1["hit@1"], s1["correct"], s1["citation_precision"], s1["numbers_supported"]) == (
        1.0,
        1.0,
        1.0,
        1.0,
    )
    assert "hit@1" not in s2
    summary = summarize([q1, q2], [s1, s2])
    assert summary["answer_accuracy"] == 1.0
    assert summary["wrongly_refused"] == 0.0
    assert summary["refused_when_gold_removed"] == 1.0
    assert summary["refused_unanswerable"] == 1.0
    assert summary["median_answer_chars"] == len("40822人次[1]")
    assert summary["questions"] == 2.0


def test_strict_accuracy_reads_the_lead_only() -> None:
    answers, groups = ["6.7%"], [["6.7%"]]
    lead_right = "6.7%。依据：国内生产总值达到74.4万亿元，增长6.7%[1]"
    lead_wrong = "6.9%。依据：国内生产总值增长6.9%，上年为6.7%[1]"
    assert metrics.answer_correct(lead_right, answers, groups, strict=True)
    assert not metrics.answer_correct(lead_wrong, answers, groups, strict=True)
    assert metrics.answer_correct(lead_wrong, answers, groups)  # the loose rule finds it further on
    # No lead: the whole answer, citation markers stripped ("[1]" never joins a figure).
    assert metrics.answer_correct("城镇调查失业率[1]", ["城镇调查失业率"], [["城镇调查失业率"]], strict=True)
    assert metrics.strict_text("1351万[2]。依据：……[2]") == "1351万。"
    assert metrics.strict_text("增长7.4%[1]") == "增长7.4%"


def test_strict_accuracy_never_matches_inside_a_longer_number() -> None:
    assert not metrics.occurs_as_whole("6.7%", "增长16.7%")
    assert not metrics.occurs_as_whole("6.7", "增长6.75%")
    assert not metrics.occurs_as_whole("100万", "扩招1100万人")
    assert not metrics.occurs_as_whole("八十万亿元", "一百八十万亿元")
    assert metrics.occurs_as_whole("6.7%", "增长6.7%，")
    assert metrics.occurs_as_whole("1,263亿美元", "使用外资1,263亿美元")
    assert metrics.occurs_as_whole("13%", "降至13%，16%降至")
    assert not metrics.answer_correct("16.7%", ["6.7%"], [["6.7%"]], strict=True)


def test_wilson_interval() -> None:
    lo, hi = metrics.wilson_interval(44, 55)
    assert (round(lo, 3), round(hi, 3)) == (0.676, 0.884)  # by hand: centre 0.7804, half 0.1041
    assert metrics.wilson_interval(0, 10)[0] == 0.0
    assert metrics.wilson_interval(10, 10)[1] == 1.0
    assert metrics.wilson_interval(0, 0) == (0.0, 1.0)


def test_summary_carries_intervals() -> None:
    items = [QAItem(str(i), "q", ["1"], [["1"]], "any", frozenset({"p"}), "t") for i in range(4)]
    scores = [
        {"answer_chars": 1, "latency_ms": 1.0, "refused": 0.0, "correct": float(i < 3), "correct_loose": 1.0}
        for i in range(4)
    ]
    summary = summarize(items, scores)
    assert summary["answer_accuracy"] == 0.75
    assert summary["answer_accuracy_loose"] == 1.0
    assert summary["answer_accuracy_ci"] == [round(x, 4) for x in metrics.wilson_interval(3, 4)]
    assert summary["answerable"] == 4.0


def test_the_provenance_of_an_answer_is_no_figure_to_support() -> None:
    cited = ["国内生产总值达到74.4万亿元，增长6.7%。"]
    answer = "6.7%。依据：据《2017年政府工作报告》（回顾2016年）：国内生产总值达到74.4万亿元，增长6.7%。[1]"
    assert metrics.numbers_supported(answer, cited)
    assert not metrics.numbers_supported(answer.replace("增长6.7%。[1]", "增长6.9%。[1]"), cited)


def _rows(**cells: str | None) -> list[dict[str, object]]:
    return [
        {
            "key": f"{k}年",
            "text": v or "—",
            "value": None if v is None else 1.0,
            "missing": None if v else "无",
        }
        for k, v in cells.items()
    ]


def test_table_cells_are_scored_one_by_one() -> None:
    gold: dict[str, list[str] | None] = {"2010": ["6.5%－7%", "6.5%-7%"], "2011": ["8%左右"], "2012": None}
    exact = metrics.table_scores(gold, _rows(**{"2010": "6.5%-7%", "2011": "8%左右", "2012": None}))
    assert exact == {
        "table_cells": 3.0,
        "table_cells_right": 3.0,
        "table_cells_right_loose": 3.0,
        "table_right": 1.0,
        "table_uncovered": 1.0,
        "table_filled_uncovered": 0.0,
    }
    # A qualifier lost is wrong strictly, right loosely; a figure for an uncovered year is wrong.
    guessed = metrics.table_scores(gold, _rows(**{"2010": "6.5%－7%", "2011": "8%", "2012": "9%"}))
    assert (guessed["table_cells_right"], guessed["table_cells_right_loose"]) == (1.0, 2.0)
    assert (guessed["table_right"], guessed["table_filled_uncovered"]) == (0.0, 1.0)
    # A row the answer lacks: wrong when the year is covered, right (nothing filled) when not.
    assert metrics.table_scores(gold, [])["table_cells_right"] == 1.0
    # Places: "四川省" and "四川" are one row.
    places = [{"key": "四川省", "text": "5.5%以上", "value": 5.5, "missing": None}]
    assert metrics.table_scores({"四川": ["5.5%以上"]}, places)["table_right"] == 1.0


def test_a_table_question_is_summarised_per_cell() -> None:
    item = QAItem("t1", "q", [], [], "any", frozenset(), "table", table={"2010": ["1%"], "2011": None})
    result = {
        "answer": "x",
        "refused": False,
        "latency_ms": 5.0,
        "table": _rows(**{"2010": "1%", "2011": None}),
    }
    scores = score_item(item, result)
    assert "correct" not in scores  # not scored as a single answer
    summary = summarize([item], [scores])
    assert summary["table_cell_accuracy"] == 1.0 and summary["table_accuracy"] == 1.0
    assert summary["table_missing_said"] == 1.0 and summary["table_filled_uncovered"] == 0.0
    assert "answer_accuracy" not in summary


def test_only_the_products_own_lead_is_left_out_of_the_figures_checked() -> None:
    lead = "据《2031年某市报告》（回顾2030年）“三、民生”部分，分为以下12个方面：\n1. 加强培训[1]"
    assert metrics.numbers_supported(lead, ["加强培训"])  # "2031", "2030", "12" are the product's
    # A figure between the title and a colon is the answer's own: it needs a source.
    own = "据《某报告》，全年新增就业120万人，主要做法是：加强培训[1]"
    assert not metrics.numbers_supported(own, ["加强培训"])


def test_key_points_are_counted_in_the_first_600_characters() -> None:
    answer = "据《某报告》：\n1. 深化干部“四级家访”[1]\n2. 开展家访6500余人次[1]"
    assert metrics.key_points_named(answer, ["四级家访", "6500余人次", "帮助解决困难"]) == [True, True, False]
    assert metrics.key_point_recall(answer, ["四级 家访", "帮助解决困难"]) == 0.5
    # Citation markers and spaces do not split a point; beyond 600 characters nothing counts.
    assert metrics.key_point_recall("规范[1]村 211个", ["规范村211个"]) == 1.0
    assert metrics.key_point_recall("甲" * 600 + "四级家访", ["四级家访"]) == 0.0
    assert metrics.key_point_recall("任何回答", []) == 0.0


def test_share_of_points_from_the_gold_document() -> None:
    ids = ["2017年政府工作报告#5", "2017年政府工作报告#9", "2018年政府工作报告#3", "kb/a#1"]
    assert metrics.share_from_document(ids, "2017年政府工作报告") == 0.5
    assert metrics.share_from_document(ids, "kb/a") == 0.25
    assert metrics.share_from_document([], "kb/a") == 0.0


def test_bootstrap_interval_brackets_the_mean_and_repeats() -> None:
    values = [1.0, 0.5, 0.75, 1.0, 0.0, 1.0, 0.8, 0.6]
    lo, hi = metrics.bootstrap_interval(values)
    assert lo < sum(values) / len(values) < hi
    assert (lo, hi) == metrics.bootstrap_interval(values)
    assert metrics.bootstrap_interval([0.7] * 5) == (pytest.approx(0.7), pytest.approx(0.7))


def test_a_prose_answer_is_scored_by_its_key_points() -> None:
    item = QAItem(
        "p",
        "怎样加强干部监督?",
        [],
        [],
        "any",
        frozenset({"r#2"}),
        "how",
        doc="r.txt",
        key_points=("四级家访", "八小时外", "容错纠错"),
    )
    result = {
        "answer": "据《r》：\n1. 深化干部“四级家访”[1]\n2. 强化干部“八小时外”监督[2]",
        "refused": False,
        "citations": [
            {"n": 1, "paragraph_id": "r#2", "text": ""},
            {"n": 2, "paragraph_id": "other#1", "text": ""},
        ],
        "points": [
            {"text": "深化干部“四级家访”", "citation": 1},
            {"text": "强化干部“八小时外”监督", "citation": 2},
        ],
        "retrieved": [{"paragraph_id": "r#2", "score": 1.0}],
        "latency_ms": 5.0,
    }
    scores = score_item(item, result)
    assert scores["key_point_recall"] == pytest.approx(2 / 3)
    assert scores["points_from_gold_doc"] == 0.5
    assert scores["hit@1"] == 1.0 and "correct" not in scores
    refused = score_item(item, {**result, "refused": True})
    assert refused["key_point_recall"] == 0.0 and "points_from_gold_doc" not in refused
    summary = summarize([item, item], [scores, refused])
    assert summary["key_point_recall"] == pytest.approx(1 / 3)
    assert summary["wrongly_refused"] == 0.5
    assert summary["key_point_recall_ci"][0] <= 1 / 3 <= summary["key_point_recall_ci"][1]
