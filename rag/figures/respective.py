"""Figures stated "respectively" (分别): which listed item each figure belongs to.

Reports save words by listing several indicators and then their figures in the same order:
"城乡居民人均可支配收入分别达5.1万元和2.2万元", "一般公共预算收入、税收收入分别增长4%和3%",
"进出口分别增长5%和2%". The second figure there is the rural income, the tax revenue, the
exports: a question naming one item is answered by the figure in that item's position, and a
figure in another position is no answer to it, although every word of the question stands in
the clause. Items are the parts joined by 、/和/与/及 before 分别, or the parts of a
contraction (城乡 = 城镇 + 农村); the figures are those after 分别 in the same clause. When the
items and the figures cannot be paired one to one, or the question names no single item,
nothing is decided here.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from rag.figures.numbers import LIST_JOINERS, NumberMention, find_numbers, is_figure

_RESPECTIVELY = re.compile(r"分别|依次")
_CLAUSE_BREAK = re.compile(r"[,，;；。!！?？：:]")
_JOINS = re.compile(LIST_JOINERS)
# Contractions of several items into one word, each item with the words people use for it.
_CONTRACTIONS: dict[str, tuple[tuple[str, ...], ...]] = {
    "城乡": (("城镇", "城市", "城里"), ("农村", "乡村", "农民", "乡下")),
    "进出口": (("进口",), ("出口",)),
    "中西部": (("中部",), ("西部",)),
    "东中西部": (("东部",), ("中部",), ("西部",)),
    "一二三产业": (("第一产业", "一产"), ("第二产业", "二产"), ("第三产业", "三产")),
}
_CONTRACTION = re.compile("|".join(sorted(_CONTRACTIONS, key=len, reverse=True)))


def _clause(sentence: str, position: int) -> tuple[int, int]:
    start = max((m.end() for m in _CLAUSE_BREAK.finditer(sentence, 0, position)), default=0)
    end_m = _CLAUSE_BREAK.search(sentence, position)
    return start, end_m.start() if end_m else len(sentence)


def _items(listed: str) -> list[tuple[str, ...]]:
    """The items named before 分别, each as the words that name it."""
    contraction = _CONTRACTION.search(listed)
    if contraction:
        return list(_CONTRACTIONS[contraction.group(0)])
    parts = [p for p in _JOINS.split(listed) if p]
    if len(parts) < 2:
        return []
    # What the parts share names the indicator, not the item ("一般公共预算收入、税收收入").
    prefix = len(_common_prefix(parts))
    suffix = len(_common_prefix([p[::-1] for p in parts]))
    items = [p[prefix : len(p) - suffix] or p for p in parts]
    # Or only the last part says it ("科技企业、绿色信贷余额比年初增长率"): the item is its
    # first words, about as long as the others.
    longest = max(len(p) for p in items[:-1])
    if not suffix and len(items[-1]) > longest + 2:
        items[-1] = items[-1][: longest + 1]
    return [(p,) for p in items]


def _common_prefix(words: list[str]) -> str:
    shortest = min(words, key=len)
    for i, ch in enumerate(shortest):
        if any(w[i] != ch for w in words):
            return shortest[:i]
    return shortest


def _overlap(a: str, b: str) -> int:
    """The length of the longest run of characters `a` and `b` share."""
    return SequenceMatcher(None, a, b, autojunk=False).find_longest_match().size


def _named_item(question: str, items: list[tuple[str, ...]]) -> int | None:
    """The one item `question` names (a run of two characters or more), if exactly one."""
    scores = [max(_overlap(word, question) for word in words) for words in items]
    best = max(scores)
    if best < 2 or scores.count(best) > 1:
        return None
    return scores.index(best)


def _pairing(question: str, sentence: str, mention: NumberMention) -> tuple[int | None, int]:
    """(the item `question` names, the position of `mention`) in a "respectively" list; (None, -1)
    when `mention` stands in none or the pairing is not clear."""
    start, end = _clause(sentence, mention.start)
    clause = sentence[start:end]
    said = _RESPECTIVELY.search(clause)
    if not said or start + said.end() > mention.start:
        return None, -1
    if _CONTRACTION.search(question) and _CONTRACTION.search(clause[: said.start()]):
        return None, -1  # "城乡居民收入分别是多少": both are asked
    figures = [m.start for m in find_numbers(clause[said.end() :]) if is_figure(m)]
    position = mention.start - start - said.end()
    if len(figures) < 2 or position not in figures:
        return None, -1
    items = _items(clause[: said.start()])
    if len(items) != len(figures):
        return None, -1
    return _named_item(question, items), figures.index(position)


def other_item(question: str, sentence: str, mention: NumberMention) -> bool:
    """Whether `mention` is listed "respectively" for an item other than the one `question`
    names (see the module doc)."""
    asked, position = _pairing(question, sentence, mention)
    return asked is not None and asked != position


def own_item(question: str, sentence: str, mention: NumberMention) -> bool:
    """Whether `mention` is listed "respectively" for the very item `question` names: its
    indicator is named in full there, whatever other clauses share words with the question."""
    asked, position = _pairing(question, sentence, mention)
    return asked is not None and asked == position


def as_item(text: str, question: str) -> str:
    """`text` with a contraction read as the one item of it that `question` names:
    "城乡居民收入" -> "农村居民收入" for a question about 农村居民 (which
    figure of the two is the item's is decided by `other_item`)."""
    m = _CONTRACTION.search(text)
    if not m or _CONTRACTION.search(question):
        return text
    items = list(_CONTRACTIONS[m.group(0)])
    asked = _named_item(question, items)
    if asked is None:
        return text
    word = max(items[asked], key=lambda w: _overlap(w, question))
    return text[: m.start()] + word + text[m.end() :]
