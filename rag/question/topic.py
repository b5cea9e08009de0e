"""A prose question's topic: the question without the words of how it asks ("有哪些措施",
"怎样", "方面") and the constraints the filters enforce, read as the words and character pairs a
part of a report is matched with; and where in the question the topic stands (a follow-up "那
……呢?" puts its own there)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.terms import STOP_WORDS, bigrams, words
from rag.question.focus import Focus, TermWeights, term_coverage
from rag.question.glossary import expand

# How a prose question asks, not what it is about: these phrases, and the function words jieba
# finds, are taken out before its topic is read.
_ASKING = re.compile(
    r"请问|具体|主要|分别|有哪些|哪些|哪[几一二两三四五六七八九十]+(?:个|项|条|点|类|张|大|种)?|几个|几大|几项|"
    r"什么|怎样|怎么样?|怎么|如何|为什么|为何|为啥|是否|今年|去年|明年|当年|这块|这方面|这份|这篇|该|本|此|"
    r"方面|部分|措施|举措|做法|办法|途径|方式|内容|情况|"
    r"做了|做好|采取了?|开展了?|提出了?|部署了?|作了|进行了?|取得了?|包括|包含|分为|涉及|是指|指的是|"
    r"报告(?:里|中|上)?|提到的?|讲的|说的?|[?？!！。，,、：:；;\s]"
)
# Single-character words jieba leaves that say how, not what ("都有哪些", "要", "给企业").
_ASKING_TOKENS = frozenset("都要指给说讲里上中下还又再让使由向跟同")
# Words that say which kind of answer is wanted rather than what about ("目标", "工作").
_GENERIC = frozenset({"工作", "目标", "任务", "要求", "重点", "问题"})


def topic_of(focus: Focus) -> str:
    """The question's topic: its text (without the constraints filters enforce) without how it
    asks, content words in runs separated by spaces ("2031年给企业减税都有哪些招" -> "企业减税
    招")."""
    import jieba

    text = _ASKING.sub(" ", focus.terms)
    tokens = jieba.lcut(text)
    kept = [t if t.strip() and t not in STOP_WORDS and t not in _ASKING_TOKENS else " " for t in tokens]
    return re.sub(r"\s+", " ", "".join(kept)).strip()


def topic_terms(focus: Focus, weights: TermWeights) -> list[str]:
    """What a part of a report is matched with: the topic's words and character pairs (no pair
    across two runs; none the index never holds: "伍建" of "队伍建设" matches nothing and would
    only weigh most), acronyms the reports never write read as their Chinese names."""
    text = expand(topic_of(focus), weights.occurs)
    found = [w for w in words(text) if len(w) > 1 and w not in _GENERIC]
    pairs = [b for b in bigrams(text) if weights.occurs(b)]
    return list(dict.fromkeys(found + pairs))


def coverage(text: str, terms: Sequence[str], weights: TermWeights) -> float:
    """The idf-weighted share of `terms` found in `text` (0 without terms)."""
    return term_coverage(terms, weights, set(words(text) + bigrams(text))) if terms else 0.0


_JOINERS = ("的", "和", "与", "及", "、")  # one topic: "非公领域和社会组织党建", "党的基层组织建设"
_YEARLIKE = re.compile(r"^\d+$|^[〇○零一二三四五六七八九]{4}$")


def topic_span(question: str, constraints: Sequence[tuple[int, int]] = ()) -> tuple[int, int] | None:
    """Where a prose question names its topic: the longest run of content (joined across
    "的、和、与、及"), outside how it asks and outside `constraints` (its years, place, report):
    "2031年某市政府工作报告在脱贫攻坚方面提出了哪些措施?" -> the span of "脱贫攻坚"."""
    import jieba

    content = [True] * len(question)
    for start, end in [*(m.span() for m in _ASKING.finditer(question)), *constraints]:
        content[start:end] = [False] * (end - start)
    pos = 0
    for token in jieba.lcut(question):
        start, pos = pos, pos + len(token)
        if not token.strip() or token in STOP_WORDS or token in _ASKING_TOKENS or _YEARLIKE.match(token):
            content[start:pos] = [False] * (pos - start)
    runs: list[list[int]] = []
    for i, keep in enumerate(content):
        if not keep:
            continue
        if runs and (runs[-1][1] == i or question[runs[-1][1] : i] in _JOINERS):
            runs[-1][1] = i + 1
        else:
            runs.append([i, i + 1])
    runs = [r for r in runs if r[1] - r[0] >= 2]
    if not runs:
        return None
    best = max(runs, key=lambda r: r[1] - r[0])
    return best[0], best[1]
