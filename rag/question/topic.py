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

# How a prose question asks, not what it is about: these phrases are taken out where they stand
# on the question's word boundaries (jieba's), not from inside a word.
_ASKING = re.compile(
    r"请问|具体|主要|分别|有哪些|哪些|哪[几一二两三四五六七八九十]+(?:个|项|条|点|类|大|种)?|几个|几大|几项|"
    r"什么|怎样|怎么样?|怎么|如何|为什么|为何|为啥|是否|今年|去年|明年|当年|"
    r"方面|部分|措施|举措|做法|"
    r"做了|做好|采取了?|开展了?|提出了?|部署了?|作了|进行了?|取得了?|包括|包含|分为|涉及|是指|指的是|"
    # How a question refers to what a report says: "报告里说的", "提到的".
    r"报告|说|讲|提到|谈到|指出"
)
# Words of these kinds name no topic (jieba's tags): pronouns ("这份"), prepositions ("给"),
# conjunctions (a "和" between two topics is kept by topic_span), particles, numerals, measure
# words, directions ("上", "里"), interjections, punctuation. Not adverbs: jieba tags rare words
# so ("非公").
_FUNCTION = ("r", "p", "c", "u", "y", "e", "o", "m", "q", "f", "x", "w")
# Words that say which kind of answer is wanted rather than what about ("目标", "工作"), and
# 建设, which names an area as an activity ("队伍建设" is the area 队伍; a section on it is
# rarely titled with the word).
_GENERIC = frozenset(
    {"工作", "目标", "任务", "要求", "重点", "问题", "办法", "方式", "途径", "内容", "情况", "建设"}
)
# A quoted term or a title is a name, whatever its words: “三下乡”, 《……条例》.
_QUOTED = re.compile(r"“[^”]{1,30}”|《[^》]{1,40}》")
_YEARLIKE = re.compile(r"^\d+$|^[〇○零一二三四五六七八九]{4}$")


def content_mask(question: str) -> list[bool]:
    """For each character of the question, whether it belongs to a word that names what the
    question is about: not an asking phrase standing as whole words, not a function word, not a
    year or number."""
    import jieba.posseg

    tokens = [(str(t.word), str(t.flag)) for t in jieba.posseg.cut(question)]
    starts, ends, pos = set(), set(), 0
    for word, _flag in tokens:
        starts.add(pos)
        pos += len(word)
        ends.add(pos)
    mask = [True] * len(question)
    for m in _ASKING.finditer(question):
        # jieba may glue a character onto an asking phrase ("党建有|哪些"): a phrase of two or more
        # characters needs one of its ends on a word boundary, a single character both.
        aligned = m.start() in starts and m.end() in ends
        if aligned or (m.end() - m.start() > 1 and (m.start() in starts or m.end() in ends)):
            mask[m.start() : m.end()] = [False] * (m.end() - m.start())
    pos = 0
    for word, flag in tokens:
        start, pos = pos, pos + len(word)
        function = flag.startswith(_FUNCTION) and not flag.startswith(("vn", "nr", "ns", "nt", "nz"))
        if not word.strip() or word in STOP_WORDS or function or _YEARLIKE.match(word):
            mask[start:pos] = [False] * (pos - start)
    for m in _QUOTED.finditer(question):
        mask[m.start() + 1 : m.end() - 1] = [True] * (m.end() - m.start() - 2)
    return mask


def topic_of(focus: Focus) -> str:
    """The question's topic: its text (without the constraints filters enforce) without how it
    asks, content words in runs separated by spaces ("2031年某县给小微企业减负有哪些办法" ->
    "某县 小微企业减负")."""
    text = focus.terms
    mask = content_mask(text)
    kept = "".join(ch if keep else " " for ch, keep in zip(text, mask, strict=True))
    return re.sub(r"\s+", " ", kept).strip()


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


_JOINERS = ("的", "和", "与", "及", "、")  # one topic: "教育和医疗", "村的集体经济"


def topic_span(question: str, constraints: Sequence[tuple[int, int]] = ()) -> tuple[int, int] | None:
    """Where a prose question names its topic: the longest run of content (joined across
    "的、和、与、及"), outside how it asks and outside `constraints` (its years, place, report):
    "2031年某市政府工作报告在人才引进方面提出了哪些措施?" -> the span of "人才引进"."""
    content = content_mask(question)
    for start, end in constraints:
        content[start:end] = [False] * (end - start)
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
