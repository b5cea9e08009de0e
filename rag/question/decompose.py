"""Split a question that joins two facts into one question per fact.

"2023年甲市和乙市的地区生产总值增速" asks two things; a single retrieval finds paragraphs about one
of them. Each part ("2023年甲市的地区生产总值增速", "2023年乙市的地区生产总值增速") is retrieved and
answered on its own, and the answers are joined. Pure: jieba words, no model.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import jieba

_CONJUNCTIONS = frozenset({"和", "与", "及", "以及", "、", "跟", "同"})
_MAX_PARTS = 4
_QUESTION_WORDS = frozenset({"多少", "几", "哪些", "哪个", "什么", "谁", "何时", "如何", "怎样", "怎么"})
# Words that a conjunction joins inside a fixed name or phrase, not two questions
# ("中国共产党与人民", "党员和群众" in a report's wording are asked about together).
_JOINED_WHOLE = re.compile(r"分别|各是|各有|各为|各自")
# Items that are the terms of one relation, said later in the same clause: "研发经费支出与国内
# 生产总值之比" is one figure, a ratio; "城镇和农村之间的差距", "A和B相比" one comparison.
_RELATION = re.compile(r"^[^，,。？?；;]*?(?:之比|之间|之差|之和|比值|差距|相比|的关系)")


def asks_each(question: str) -> bool:
    """Whether a question asks about each of the items it joins ("……和……今年各有什么进展?"):
    only then is a question asking for points split (else "在修路、架桥上" is one topic)."""
    return bool(_JOINED_WHOLE.search(question))


def split_question(question: str, written: Callable[[str], bool] = lambda _w: False) -> list[str]:
    """The parts of a question joining two or more items with 和/与/及/、; [question] otherwise.

    Only the words right beside the conjunction are swapped, which is what makes a part
    read naturally: "城区和郊区的绿化面积" -> "城区的绿化面积",
    "郊区的绿化面积". "分别" is dropped from the parts. Items joined as the knowledge base
    itself writes them (`written`: "孤寡和独居老人", one group a report counts) are one
    name, unless the question asks about each or they are places or times."""
    tokens = _tokens(question)
    positions = [i for i, t in enumerate(tokens) if t in _CONJUNCTIONS and 0 < i < len(tokens) - 1]
    if not positions:
        return [question]
    # Items joined in one run: A、B和C -> [A, B, C], replaced one at a time.
    first = last = positions[0]
    for pos in positions[1:]:
        if pos - last != 2:
            break
        last = pos
    if tokens[first + 1] in _QUESTION_WORDS:
        # Two questions joined, not two items: "派了几支工作队和多少名第一书记" ->
        # "派了几支工作队", "多少名第一书记".
        return ["".join(tokens[:first]), "".join(tokens[first + 1 :])]
    items = [tokens[i - 1] for i in range(first, last + 1, 2)]
    after = last + 2
    right = tokens[last + 1]
    # jieba splits some names off a single character: keep them whole.
    if len(right) == 1 and after < len(tokens) and _is_word(tokens[after]):
        right += tokens[after]
        after += 1
    items.append(right)
    if len(items) > _MAX_PARTS or not all(_is_word(t) for t in items):
        return [question]
    prefix, suffix = tokens[: first - 1], tokens[after:]
    if _RELATION.match("".join(suffix)) or _actions_of_one_thing(items, suffix):
        return [question]
    if (
        not asks_each(question)
        and not _places_or_times(items)
        and written("".join(tokens[first - 1 : after]))
    ):
        return [question]
    parts = [_JOINED_WHOLE.sub("", "".join([*prefix, item, *suffix])) for item in items]
    return list(dict.fromkeys(parts)) if len(set(parts)) > 1 else [question]


_DATE_UNIT = re.compile(r"^(年|月|日|号|季度|年度)$")


def _actions_of_one_thing(items: list[str], suffix: list[str]) -> bool:
    """ "新建、翻修的城市绿道": verbs joined before 的 name one thing done to, counted once."""
    import jieba.posseg

    flags = [str(t.flag) for item in items for t in jieba.posseg.cut(item)]
    # (jieba tags some verbs as place names, "新建": a verb among them decides, a noun forbids.)
    verbs = any(f.startswith("v") for f in flags) and not any(f in ("n", "s", "nr", "nz") for f in flags)
    return bool(suffix) and suffix[0] == "的" and verbs


def _places_or_times(items: list[str]) -> bool:
    """Items of which one is a place or holds a digit ("2031年", "甲市"): each is its own question."""
    import jieba.posseg

    return any(
        re.search(r"\d", item)
        or any(str(t.flag).startswith(("ns", "t", "m")) for t in jieba.posseg.cut(item))
        for item in items
    )


def _tokens(question: str) -> list[str]:
    """jieba words, with a number and its date unit kept together ("2022" + "年")."""
    out: list[str] = []
    for token in jieba.lcut(question):
        if out and out[-1].isdigit() and _DATE_UNIT.match(token):
            out[-1] += token
        else:
            out.append(token)
    return out


def _is_word(token: str) -> bool:
    return bool(token.strip()) and not re.fullmatch(r"[\W_]+", token)
