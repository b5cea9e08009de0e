"""Follow-up questions ("那示范村呢?", "他们去了哪个村?") rewritten into stand-alone questions.

Retrieval sees one question at a time, so a follow-up must carry its context: with an LLM
configured it rewrites the question (rag.generation.prompt.REWRITE_SYSTEM); without one, or when
it fails, rules carry over the previous question's topic:

- "那示范点呢?" after "建成了多少个试点?" -> "建成了多少个示范点?" (the new term takes the
  place of the old one it resembles: same last character(s));
- "志愿者呢" after "选派了多少名指导员?" -> "选派了多少名志愿者?" (the thing
  counted is swapped);
- "他们分别是什么职务?" after "3月2日谁到东风村调研了?" -> "3月2日到东风村调研的人分别是
  什么职务?" (the pronoun becomes the previous question's topic);
- "具体是怎么做的?" after "在乡村治理方面有哪些举措?" -> "关于乡村治理，具体是怎么做的?" (a list
  question naming no area asks about the conversation's).

A question without these marks is searched as asked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import jieba.posseg

from ingest.scope import years_in
from rag.figures.numbers import UNITS
from rag.generation.llm import ChatModel, LLMError, complete
from rag.generation.prompt import Turn, rewrite_messages
from rag.question.constraints import find_places, read_question
from rag.question.kind import prose_kind
from rag.question.topic import topic_span

# Words that point back into the conversation, matched as jieba words (so 其他/尤其/应该/因此
# never match) and replaced where jieba found them.
PERSONAL = ("他们俩", "她们俩", "他们", "她们", "他俩", "她俩", "两人", "二人", "他", "她")
_LEAD = re.compile(r"^(?:那么|那|还有|另外|再问一下|再问)[，,\s]*")
_TAIL = re.compile(r"(?P<how>的情况|情况|怎么样|又如何|如何|呢)*[?？。!！\s]*$")
_HOW_TAIL = re.compile(r"(?:怎么样|如何)(?:呢)?[?？。!！\s]*$")
_QUESTION_WORD = re.compile(r"多少|几|什么|哪|谁|如何|怎么|怎样|是否|吗|有没有|没有|是不是|何")
# Determiners point back only before a noun ("该项目", "这项工作"); "该如何" is "should".
_DETERMINERS = {"这些", "那些", "这个", "那个", "这项", "那项", "该项", "上述", "该", "此", "这"}
_COUNTED = re.compile(rf"(?:多少|几)\s*(?:{UNITS})?(?P<np>[^?？，,。；;！!]+?)\s*[?？。]*$")
_HOW = re.compile(r"^(?:请问)?(?:如何|怎样|怎么样?)(?P<x>.+?)[?？。]*$")
_WHAT = re.compile(r"^(?:请问)?(?P<x>.+?)(?:是什么|有哪些|有什么|是哪些|包括哪些)[?？。]*$")
_PUNCT = "?？。!！，,；; "
_COUNT_WITH_UNIT = re.compile(rf"(?:多少|几)\s*(?:{UNITS})?")


def _cjk_len(text: str) -> int:
    return sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")


def _pronoun(question: str) -> tuple[str, int]:
    """The word pointing back into the conversation and where it stands, or ("", -1)."""
    # jieba splits off 俩, and glues 那项/这些 to what follows ("那项工作" -> 那 + 项工作).
    for pronoun in (
        "他们俩",
        "她们俩",
        "他俩",
        "她俩",
        "这些",
        "那些",
        "这个",
        "那个",
        "这项",
        "那项",
        "该项",
        "上述",
    ):
        if pronoun in question:
            return pronoun, question.index(pronoun)
    tokens = list(jieba.posseg.cut(question))
    at = 0
    for i, token in enumerate(tokens):
        word = str(token.word)
        following = tokens[i + 1].flag if i + 1 < len(tokens) else ""
        if word in PERSONAL or word == "其中" or (word in ("它", "它们", "其") and token.flag == "r"):
            return word, at
        # A determiner points back before a noun, a number or the end ("该项目", "这5个村呢",
        # "这些呢"), not before a verb, adverb or pronoun ("该如何" = "should … how").
        points_back = not following or following.startswith(("n", "vn", "m", "q", "y", "x"))
        if word == "上述" or (word in _DETERMINERS and token.flag == "r" and points_back):
            return word, at
        at += len(word)
    return "", -1


def _noun_after(question: str, at: int) -> bool:
    rest = question[at:]
    first = next(iter(jieba.posseg.cut(rest)), None) if rest else None
    return first is not None and str(first.flag).startswith(("n", "vn"))


def is_followup(question: str) -> bool:
    """Does the question lean on an earlier turn (a pronoun, "那……呢", or only a few words)?"""
    q = question.strip()
    if _pronoun(q)[0]:
        return True
    if _LEAD.match(q) or _names_no_area(q):
        return True
    return q.rstrip(_PUNCT).endswith("呢") or _cjk_len(q) <= 4


def _names_no_area(question: str) -> bool:
    """A list question that names no area ("具体是怎么做的?", "还有哪些措施?") asks about the
    area the conversation is on; one that names a report ("十八大报告包括哪几章?") is
    about that report."""
    if prose_kind(question) is None or topic_span(question) is not None:
        return False
    return read_question(question).report is None


def topic_of(question: str) -> str:
    """What a question is about, as a noun phrase to stand in for a pronoun."""
    q = question.strip().rstrip(_PUNCT)
    if "谁" in q:
        return re.sub(r"[了呢吗]+$", "", q.replace("谁", "", 1)) + "的人"
    for pattern, group in ((_COUNTED, "np"), (_HOW, "x"), (_WHAT, "x")):
        m = pattern.search(q)
        if m and _cjk_len(m.group(group)) >= 2:
            return m.group(group).strip()
    # "新开工多少套" -> "新开工": the question word goes with the unit it counts in.
    return _QUESTION_WORD.sub("", _COUNT_WITH_UNIT.sub("", q)).strip() or q


def _swap_similar(prev: str, new: str) -> str | None:
    """Put `new` in place of the term of `prev` that ends like it ("规范村" for "示范村")."""
    tokens = [(w.word, w.flag) for w in jieba.posseg.cut(prev)]
    starts, pos = [], 0
    for word, _flag in tokens:
        starts.append(pos)
        pos += len(word)
    best: tuple[int, int, int] | None = None  # (suffix length, token index, end)
    for i, (word, _flag) in enumerate(tokens):
        end = starts[i] + len(word)
        for length in range(min(len(new), end), 0, -1):
            if prev[end - length : end] == new[-length:]:
                if best is None or length > best[0]:
                    best = (length, i, end)
                break
    if best is None:
        return None
    length, i, end = best
    if length == 1 and not new[0].isdigit() and i + 1 < len(tokens) and tokens[i + 1][1].startswith("n"):
        return None  # "村" of "村社区": the old term goes on, so it is not the one to replace
    first = i
    while first > 0 and starts[first] > end - length:  # the suffix began in an earlier token
        first -= 1
    # Take in the modifiers before it (规范|村, 2021|年) so the whole old term is replaced.
    kind = "m" if new[0].isdigit() else "n"
    while first > 0 and tokens[first - 1][1].startswith(kind) and end - starts[first - 1] <= len(new) + 2:
        first -= 1
    start = starts[first]
    if len(tokens[i][0]) == 1 and length == 1 and tokens[i][1] in ("x", "uj", "ul"):
        return None
    return prev[:start] + new + prev[end:]


_PART_WORDS = re.compile(r"(?:方面|领域)$")
_AREA_BEFORE = re.compile(r"(?:在|关于|对于|围绕)$")
# What follows a list question's area when the area is its subject: "社区治理有哪些举措?".
_ASKED_AFTER = re.compile(r"^(?:的)?(?:方面|领域)?[，,]?(?:都|主要|还)?(?:有哪些|有什么|包括|有何|采取|做了)")


def _swap_topic(prev: str, new: str) -> str | None:
    """After a question asking for a list of points about an area ("……在人才引进方面提出了哪些
    措施?", "社区治理有哪些举措?"), "那医疗保障呢?" asks the same about another area: the new one
    takes the old one's place. Only an area either question names as one: "党员呢" after "如何
    提升服务水平?", or "那社区呢?" after "哪些村获得了表彰?", is no area of it."""
    if prose_kind(prev) is None:
        return None
    asked = read_question(prev)
    span = topic_span(prev, [(s, e) for _kind, s, e in asked.spans])
    core = new.strip()
    topic = _PART_WORDS.sub("", core)
    if span is None or _cjk_len(topic) < 2:
        return None
    framed = bool(_AREA_BEFORE.search(prev[: span[0]]) or _ASKED_AFTER.match(prev[span[1] :]))
    if not (framed or topic != core):
        return None
    return prev[: span[0]] + topic + prev[span[1] :]


def _swap_counted(prev: str, new: str) -> str | None:
    m = _COUNTED.search(prev.strip())
    if not m or _cjk_len(m.group("np")) < 2:
        return None
    return prev.strip()[: m.start("np")] + new + prev.strip()[m.end("np") :]


def _finish(question: str) -> str:
    question = question.strip()
    return question if question.endswith(("?", "？")) else question + "?"


def rule_rewrite(question: str, history: Sequence[Turn]) -> str:
    """The stand-alone form of `question` after `history`, by rule (see the module doc)."""
    q = question.strip()
    if not history or not is_followup(q):
        return q
    prev = history[-1].question.strip()
    prev, q = _carry_places_and_years(prev, q)
    if not _TAIL.sub("", _LEAD.sub("", q)):
        return prev  # "四川省呢?": the previous question about the new place or year
    pronoun, at = _pronoun(q)
    if not pronoun and _names_no_area(q):
        constraints, area = _area_of(prev)
        if area:
            return _finish(f"{constraints}关于{area}，{_THEN.sub('', q).rstrip(_PUNCT)}")
    if pronoun in _DETERMINERS and not _noun_after(q, at + len(pronoun)):
        core = _TAIL.sub("", _LEAD.sub("", q))
        # "这些呢?" asks the previous question again; "这5个村呢?" keeps its words plus the topic.
        return prev if core == pronoun else _finish(f"{core}（{topic_of(prev)}）")
    if pronoun:
        topic = topic_of(prev)
        # "其中" stays: the reports say it too ("……700万套以上，其中各类棚户区470万套以上").
        replacement = topic + "，其中" if pronoun == "其中" else topic
        rewritten = q[:at] + replacement + q[at + len(pronoun) :]
        # "这些人" after a 谁 question: "……报到的人人" -> "……报到的人"
        return _LEAD.sub("", rewritten).replace("的人人", "的人")
    asks_how = bool(_HOW_TAIL.search(q))
    core = _TAIL.sub("", _LEAD.sub("", q))
    if not core:
        return prev
    if _QUESTION_WORD.search(core):
        # "那参加培训的青年干部有多少?" asks in full; "有何成效?" needs the topic.
        content = _QUESTION_WORD.sub("", core).replace("有", "").replace("是", "")
        return _finish(core if _cjk_len(content) > 2 else topic_of(prev) + core)
    swapped = _swap_topic(prev, core)
    if swapped:
        return swapped
    swapped = _swap_similar(prev, core)
    if swapped:
        return swapped
    if asks_how:  # "效果如何?": how the previous topic went
        return _finish(f"{topic_of(prev)}的{core}如何")
    swapped = _swap_counted(prev, core)
    if swapped:
        return swapped
    if _cjk_len(core) >= 4:
        return _finish(core + "是什么")
    return _finish(f"{core}（{topic_of(prev)}）")


# "那" opens a follow-up; "还有" is part of what it asks ("还有哪些措施?" asks for more).
_THEN = re.compile(r"^(?:那么|那)[，,\s]*")


def _area_of(question: str) -> tuple[str, str]:
    """The years, place and report a question names, as written, and the area it is about
    ("" when none): "2031年某市政府工作报告在乡村治理方面……" -> ("2031年某市政府工作报告", "乡村治理")."""
    asked = read_question(question)
    spans = sorted((s, e) for _kind, s, e in asked.spans)
    span = topic_span(question, spans)
    named = "".join(question[s:e] for s, e in spans)
    return named, question[span[0] : span[1]] if span else ""


def _carry_places_and_years(prev: str, q: str) -> tuple[str, str]:
    """A follow-up naming another place or year ("那江西省的粮食产量呢?", "2031年的呢?") asks
    the previous question about it: the place or year takes the old one's place in the previous
    question and leaves the follow-up."""
    for find in (_places, _years):
        new, old = find(q), find(prev)
        if new and old and new[0][0] != old[0][0]:
            _name, start, end = old[0]
            prev = prev[:start] + q[new[0][1] : new[0][2]] + prev[end:]
            q = (q[: new[0][1]] + q[new[0][2] :]).strip("的，, ")
    return prev, q


def _places(text: str) -> list[tuple[str, int, int]]:
    return find_places(text)


def _years(text: str) -> list[tuple[str, int, int]]:
    return [(str(y), s, e) for y, s, e in years_in(text)]


def llm_rewrite(model: ChatModel, question: str, history: Sequence[Turn]) -> str:
    """The model's stand-alone question; raises LLMError when it gives none usable."""
    text = complete(model, rewrite_messages(question, history), max_tokens=96).strip()
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    line = re.sub(r"^(?:改写后的问题|问题)[:：]\s*", "", line).strip("“”\"' ")
    # A rewrite must still be a question: small models sometimes answer it or make a statement
    # ("这些推文是关于綦江微党建的。").
    asks = line.endswith(("?", "？")) or bool(_QUESTION_WORD.search(line))
    if not line or len(line) > 3 * len(question) + 60 or "[" in line or not asks:
        raise LLMError("改写结果不可用", unavailable=False)
    return line


@dataclass(frozen=True)
class Rewrite:
    question: str  # the question to search
    error: LLMError | None = None  # why the model's rewrite was not used, if it was asked


def rewrite(question: str, history: Sequence[Turn], model: ChatModel | None = None) -> Rewrite:
    """The question to search: rewritten when it is a follow-up, else as asked."""
    q = question.strip()
    if not history or not is_followup(q):
        return Rewrite(q)
    error = None
    if model is not None:
        try:
            rewritten = llm_rewrite(model, q, history)
        except LLMError as exc:
            rewritten, error = "", exc  # the rules below still give a usable question
        except Exception as exc:  # a client-library failure must not cost the user the answer
            rewritten, error = "", LLMError(type(exc).__name__)
        # Handing back the follow-up unchanged means the model did not resolve it (small local
        # models often do that); the rules then carry the topic over.
        if rewritten and _bare(rewritten) != _bare(q):
            return Rewrite(rewritten)
    return Rewrite(rule_rewrite(q, history), error)


def _bare(text: str) -> str:
    return text.strip().rstrip(_PUNCT)
