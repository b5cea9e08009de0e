"""How a paragraph reads as points: statements, enumerations inside it, clause groups."""

from __future__ import annotations

from rag.prose import statements as st


def texts(text: str, spans: list[tuple[int, int]]) -> list[str]:
    return [text[a:b] for a, b in spans]


def test_an_enumeration_inside_a_paragraph_is_read_as_items_with_its_lead_in() -> None:
    text = "今年要抓好三件事。一是建好便民服务站；二是培训村干部300人次；三是整治河道。此外还要总结经验。"
    assert texts(text, st.inline_items(text)) == ["建好便民服务站", "培训村干部300人次", "整治河道"]
    assert texts(text, st.statements(text)) == [
        "今年要抓好三件事",
        "建好便民服务站",
        "培训村干部300人次",
        "整治河道",
        "此外还要总结经验",
    ]


def test_other_enumeration_styles_and_no_run_of_one() -> None:
    text = "做好工作要把握以下关系。一要处理好发展和安全的关系，二要处理好政府和市场的关系。"
    assert texts(text, st.inline_items(text)) == ["处理好发展和安全的关系", "处理好政府和市场的关系"]
    assert texts("第一，坚持学习。第二，坚持实践。", st.inline_items("第一，坚持学习。第二，坚持实践。")) == [
        "坚持学习",
        "坚持实践",
    ]
    # "一是" alone, or numbers out of order, is no enumeration.
    assert st.inline_items("一是加强领导。三是落实责任。") == []


def test_clauses_are_never_cut_inside_quotes_or_brackets() -> None:
    text = "厚植“岗位就是使命,责任就是命令”的情怀,建成规范村(社区,含居委会)21个"
    assert texts(text, st.pieces(text, 0, len(text), st.CLAUSE_MARKS)) == [
        "厚植“岗位就是使命,责任就是命令”的情怀",
        "建成规范村(社区,含居委会)21个",
    ]


def test_a_long_statement_becomes_clause_groups_short_clauses_and_series_joined() -> None:
    text = (
        "围绕推进乡村振兴,大力实施示范创建行动,建成规范村(社区)211个,其中示范村77个,"
        "把心思集中到“想干事”上,把能力展现在“会干事”上,把才华施展到“干成事”上,该负责人表示,不断开创新局面"
    )
    groups = texts(text, st.clause_groups(text, (0, len(text))))
    assert groups[0] == "围绕推进乡村振兴,大力实施示范创建行动"  # a short opening joins the next clause
    assert "把心思集中到“想干事”上,把能力展现在“会干事”上,把才华施展到“干成事”上" in groups  # one series
    assert all("表示" not in g for g in groups)  # who said it is no point
    assert all(len(g) <= st.MAX_POINT for g in groups)
    assert st.clause_groups("短句,没有必要拆分", (0, 9)) == [(0, 9)]


def test_labels_and_connectives_are_not_part_of_a_point() -> None:
    text = "答题要点:以务实举措提质增效。"
    assert text[slice(*st.without_label(text, (0, len(text) - 1)))] == "以务实举措提质增效"
    text = "此外,深化干部家访,开展家访6500余人次"
    assert text[slice(*st.without_label(text, (0, len(text))))] == "深化干部家访,开展家访6500余人次"


def test_an_item_marker_with_punctuation_after_it_is_not_part_of_the_item() -> None:
    text = "一是，加强组织领导；二是：压实工作责任。"
    assert texts(text, st.inline_items(text)) == ["加强组织领导", "压实工作责任"]
    assert st.marker_start(text, text.index("压实")) == text.index("二是")
