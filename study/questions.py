"""Quiz questions drawn from indexed paragraphs, deterministically and without a model.

Five kinds, each built from one paragraph and answerable from it alone (this module makes all
but `choice`; `study.bank.generate` puts them together with their multiple-choice forms):

- `number`: a figure with its unit, asked about in the words of its own clause
  ("2020年，新建党群服务中心多少个？" -> "12个");
- `exam`: a 考题内容 paragraph and the 答题要点 paragraph after it;
- `cloze`: a quoted fixed phrase or a book title blanked out of its clause
  ("按照市委“____”要求…" -> "十破十立");
- `points`: a paragraph that enumerates ("……把握好三点。一是……二是……三是……", an answer key
  written as points, a "……是：……；……；……" list), asked as "请列举", graded by the points named;
- `choice`: the same facts as multiple choice (`study.choices`).

Every question keeps its paragraph id and the answer's span in the paragraph text, so the answer
can be shown (and tested) in place. Candidates that would read badly — a pronoun without its
antecedent, an answer given away by the question, the same question with two answers — are
dropped, not shown.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from ingest.records import Aspect, Kind, Paragraph
from rag.figures.numbers import figures, find_numbers
from rag.prose import statements as st

NUMBER, EXAM, CLOZE, CHOICE, POINTS = "number", "exam", "cloze", "choice", "points"
TYPE_LABELS = {NUMBER: "数字题", EXAM: "考题要点", CLOZE: "填空题", CHOICE: "选择题", POINTS: "列举要点"}
POINT_SEPARATOR = "\n"  # a `points` question's answer: its points, one a line
BLANK = "____"

_CLAUSE_END = "，,；;：:。！？!?"
_SENTENCE_END = "。！？!?"
# Units that are dates rather than counts ("2021年", "6月"): asked as dates elsewhere, not here.
_DATE_UNITS = {"年", "月"}
_TIME_ONLY = re.compile(
    r"^(?:今年|去年|明年|\d{4}年)?(?:\d{1,2}月)?(?:\d{1,2}日)?(?:上旬|中旬|下旬|初|底|以来|一大早)?$"
)
_CONNECTIVE = re.compile(
    r"^(?:同时|此外|另外|其中|并且|而且|而是|但是|因此|所以|从而|以及|并|还|也|而|但)(?=[^\s])"
)
# A question must not lean on text outside it: no pronoun or "the said ..." reference.
_DEPENDENT = re.compile(r"^(?:它|其|他|她|该|此|这|那|上述|以上|前述)|它们|他们|她们|(?<!应)该(?![说县区市])")
_YEAR = re.compile(r"((?:19|20)\d\d)年")
# Quoted phrases and titles short enough to type from memory.
_QUOTED = re.compile(r"“([^“”]{2,16})”|《([^《》]{2,16})》")
_EXAM_QUESTION = re.compile(r"^\s*考题(?:内容)?\s*[:：]\s*(?P<text>.+?)\s*$")
_EXAM_POINT = re.compile(r"^\s*答题要点\s*[:：]\s*(?P<text>.+?)[。.]?\s*$")
_MIN_CONTEXT = 8  # Chinese characters a question needs besides its blank / 多少
_RANGE = "至到～~—-"
_LIST_BEFORE = re.compile(r"[》”][、和与及]?$")
_LIST_AFTER = re.compile(r"[、和与及]?[《“]")
_OPENERS, _CLOSERS = "“《〈（(", "”》〉）)"
_MONTH_FIRST = re.compile(r"\d{1,2}月")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_ASCII_PUNCT = str.maketrans({",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"})


@dataclass(frozen=True)
class Question:
    id: str  # stable across re-ingests while the paragraph text is unchanged
    type: str
    question: str
    answer: str  # as written in the source paragraph
    choices: tuple[str, ...]
    paragraph_id: str
    doc_id: str
    doc_title: str
    section: str  # heading path of the paragraph, "" before the first heading
    source_text: str
    # Where `answer` stands in `source_text`; for a `points` question, the whole list (its answer
    # is the points' opening words, one a line).
    answer_span: tuple[int, int]
    fact: str  # the same fact asked as a free question and as a choice shares this key

    @property
    def section_label(self) -> str:
        return section_label(self.section)

    def export(self) -> dict[str, object]:
        """The question-bank line written by `kb quiz --export`."""
        return {
            "id": self.id,
            "type": self.type,
            "question": self.question,
            "answer": self.answer,
            "choices": list(self.choices),
            "paragraph_id": self.paragraph_id,
            "source_text": self.source_text,
        }


def section_label(section: str) -> str:
    """A heading path's last heading ("政治建设卷"), or what stands before the first heading."""
    return section.split(" > ")[-1] if section else "（导言）"


def free_questions(paragraphs: Iterable[Paragraph]) -> list[Question]:
    """Every number, exam and cloze question the paragraphs yield, in document order,
    ambiguous ones removed (`study.bank.generate` adds their multiple-choice forms)."""
    ordered = sorted((p for p in paragraphs if p.kind == Kind.BODY), key=lambda p: (p.doc_id, p.number))
    candidates = [q for i, p in enumerate(ordered) for q in _from_paragraph(p, ordered[i + 1 : i + 2])]
    # The report's title and section are shown above every question: "答卷" in "…组工答卷" is no test.
    return _unambiguous([q for q in candidates if q.answer not in q.doc_title + q.section])


def _from_paragraph(paragraph: Paragraph, following: Sequence[Paragraph]) -> list[Question]:
    return [
        *_number_questions(paragraph),
        *_cloze_questions(paragraph),
        *_exam_questions(paragraph, following),
        *_points_questions(paragraph),
    ]


# ---- numbers ---------------------------------------------------------------------------------


def _number_questions(p: Paragraph) -> list[Question]:
    text = p.text
    quoted = [m.span() for m in _QUOTED.finditer(text)]
    out = []
    for mention in find_numbers(text):
        if not mention.unit or mention.unit in _DATE_UNITS:
            continue  # a bare number or a date ("2021年", "6月")
        if any(s <= mention.start < e for s, e in quoted):
            continue  # part of a name or slogan
        if text[mention.end : mention.end + 1] == "年" and mention.unit in ("周", "个月"):
            continue  # "100周年" is an anniversary, not a count of weeks
        if _ordinal_or_range(text, mention.start, mention.end):
            continue
        start, end = clause_bounds(text, mention.start, mention.end)
        before, after = text[start : mention.start], text[mention.end : end]
        asked = before + _how_many(mention.text, mention.unit) + after
        question = _with_context(text, start, asked)
        if question is None or _gives_away(question, mention.text):
            continue
        out.append(_make(p, NUMBER, _finish(question, p, "？", dated=True), mention.text, mention.start))
    return out


def _ordinal_or_range(text: str, start: int, end: int) -> bool:
    """ "第13届" is a rank and "4至5岁" a range: "第多少届", "4至多少岁" are no questions."""
    before, after = text[max(0, start - 2) : start], text[end : end + 2]
    return (
        before.endswith("第")
        or (len(before) == 2 and before[1] in _RANGE and before[0].isdigit())
        or (len(after) == 2 and after[0] in _RANGE and after[1].isdigit())
    )


def _how_many(written: str, unit: str) -> str:
    if unit in ("%", "％", "‰"):
        return "百分之多少"
    # The magnitude stays in the question ("多少万亿元"), after digits or Chinese numerals.
    magnitude = re.search(
        r"(?:\d\s*(万亿|亿|万|千)|[零〇○一二两三四五六七八九十百千](?:余|多)?(万亿|亿|万))" + re.escape(unit),
        written,
    )
    if magnitude:
        return "多少" + (magnitude.group(1) or magnitude.group(2)) + unit
    return "多少" + unit


def _gives_away(question: str, answer: str) -> bool:
    """Another figure in the question with the answer's value (e.g. the second "100%")."""
    values = {(f.value, f.percent) for f in figures(answer)}
    return bool(values & {(f.value, f.percent) for f in figures(question)})


# ---- cloze -----------------------------------------------------------------------------------


def _cloze_questions(p: Paragraph) -> list[Question]:
    text = p.text
    out = []
    for m in _QUOTED.finditer(text):
        term = m.group(1) or m.group(2)
        if not _is_term(term) or _in_list(text, m.start(), m.end()):
            continue
        start, end = clause_bounds(text, m.start(), m.end())
        # Short clauses ("按照市委“十破十立”要求") take the next clause along, for context.
        while (
            len(_CJK.findall(text[start:end])) - len(term) < 12
            and end < len(text)
            and text[end - 1] not in _SENTENCE_END
        ):
            end = clause_bounds(text, end, end)[1]
        inner_start, inner_end = m.start() + 1, m.end() - 1
        asked = text[start:inner_start] + BLANK + text[inner_end:end]
        question = _with_context(text, start, asked.rstrip(_CLAUSE_END))
        if question is None or term in question:
            continue
        out.append(_make(p, CLOZE, "填空：" + _finish(question, p, "。"), term, inner_start))
    return out


def _in_list(text: str, start: int, end: int) -> bool:
    """One of several titles or phrases in a row (《甲》《乙》、《丙》): which one is missing is
    guesswork, not knowledge."""
    return bool(
        _LIST_BEFORE.search(text[max(0, start - 2) : start]) or _LIST_AFTER.match(text[end : end + 2])
    )


def _is_term(term: str) -> bool:
    """A fixed phrase, slogan or title, not a quoted speech."""
    return not re.search(r"[，,。；;！？!?：:]", term) and bool(_CJK.search(term))


# ---- 考题 / 答题要点 ---------------------------------------------------------------------------


def _exam_questions(p: Paragraph, following: Sequence[Paragraph]) -> list[Question]:
    asked = _EXAM_QUESTION.match(p.text)
    if not asked or not following or following[0].heading_path != p.heading_path:
        return []
    point = _EXAM_POINT.match(following[0].text)
    if not point:
        return []
    task = asked.group("text").translate(_ASCII_PUNCT)
    where = f"“{p.heading_path[-1]}”中，" if p.heading_path else ""
    question = f"{where}考题“{task}”的答题要点是什么？"
    return [_make(following[0], EXAM, question, point.group("text"), point.start("text"))]


# ---- 列举要点 --------------------------------------------------------------------------------

_MIN_POINTS, _MAX_POINTS = 2, 8
_POINT_HEAD = 30  # what names a point: its opening clause group
_OTHER_YEAR = re.compile(r"明年|去年|下一步|今后|未来")
_MAX_LEAD_IN = 50  # a longer lead-in makes a question no one reads to its end
_COLON_LIST = re.compile(r"[：:]")


def _points_questions(p: Paragraph) -> list[Question]:
    """A paragraph enumerating its points becomes "请列举：<its lead-in>（共n点）": the items of
    an enumeration written in it, or of a "……是：……；……；……" list, each named by its opening
    clause. Needs a lead-in that says what is listed."""
    text = p.text
    items = st.inline_items(text)
    if items:
        start = st.marker_start(text, items[0][0])
    else:
        found = _COLON_LIST.search(text)
        if found is None:
            return []
        items = _list_after(text, found.end())
        start = found.start()
    if not _MIN_POINTS <= len(items) <= _MAX_POINTS:
        return []
    intro = _lead_in(text, start)
    if intro is None:
        return []
    heads = [text[a:b] for a, b in (_head(text, item) for item in items)]
    if len(set(heads)) < len(heads) or any(len(_CJK.findall(h)) < 2 for h in heads):
        return []
    # The year the list belongs to up front ("今年" becomes it), unless the lead-in names another.
    asked = _finish(intro, p, "", dated=not _OTHER_YEAR.search(intro))
    question = f"请列举：{asked}（共{len(heads)}点）"
    answer = POINT_SEPARATOR.join(heads)
    q = _make(p, POINTS, question, answer, items[0][0])
    return [replace(q, answer_span=(items[0][0], items[-1][1]))]


def _head(text: str, item: tuple[int, int]) -> tuple[int, int]:
    """What names a point: its first sentence when short ("经济持续较快发展。……"), else its
    opening clauses."""
    found = st.sentences(text, *item)
    first = found[0] if found else item
    if first[1] - first[0] <= _POINT_HEAD:
        return first
    return st.clause_groups(text, first, limit=_POINT_HEAD)[0]


def _list_after(text: str, start: int) -> list[tuple[int, int]]:
    """The "；"-separated items of a list that follows a colon, up to its sentence end."""
    end = st.sentence_end(text, start)
    items = st.pieces(text, start, end, "；;。")
    return items if len(items) >= 3 and all(b - a <= 40 for a, b in items) else []


def _lead_in(text: str, start: int) -> str | None:
    """The sentence before a list, up to it ("……必须着力把握好三点", "今年的主要预期目标是"),
    standing alone; None when there is none, or it leans on text outside it."""
    sentence = text[:start].rstrip("。：: ，,")
    cut = max((sentence.rfind(ch) for ch in _SENTENCE_END), default=-1)
    intro = sentence[cut + 1 :].strip()
    if not 6 <= len(_CJK.findall(intro)) <= _MAX_LEAD_IN or _DEPENDENT.search(intro):
        return None
    return _CONNECTIVE.sub("", intro).lstrip("，,")


# ---- shared ----------------------------------------------------------------------------------


def clause_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause around text[start:end]: from after the previous clause mark to the next one
    (inclusive), never splitting a quotation or a bracket."""
    left = start
    while left > 0 and not (text[left - 1] in _CLAUSE_END and _balanced(text[left:start])):
        left -= 1
    right = end
    while right < len(text) and not (text[right] in _CLAUSE_END and _balanced(text[start:right])):
        right += 1
    return left, min(len(text), right + 1)


def _balanced(text: str) -> bool:
    """No quotation, title or bracket left open or closed in `text`."""
    depth = 0
    for ch in text:
        if ch in _OPENERS:
            depth += 1
        elif ch in _CLOSERS:
            depth -= 1
    return depth == 0


def _with_context(text: str, start: int, asked: str) -> str | None:
    """`asked` made standalone: a leading connective dropped, a preceding time ("11月，") or the
    clause a "其中" refers to put back; None when it still depends on text outside it."""
    asked = asked.strip().rstrip(_CLAUSE_END)
    previous = _previous_clause(text, start)
    if asked.startswith("其中") and previous:
        asked, start = previous + asked, start - len(previous)
    else:
        asked = _CONNECTIVE.sub("", asked).lstrip("，,")
        if previous and _TIME_ONLY.match(previous.strip().rstrip(_CLAUSE_END)):
            asked, start = previous + asked, start - len(previous)
    # Too short to stand alone ("高于候车室多少米"): the clauses before it, within its sentence.
    while _context_chars(asked) < _MIN_CONTEXT and (previous := _previous_clause(text, start)):
        asked, start = previous + asked, start - len(previous)
    asked = _CONNECTIVE.sub("", asked.strip().lstrip(_CLOSERS)).lstrip("，,")
    if _DEPENDENT.search(asked) or _context_chars(asked) < _MIN_CONTEXT:
        return None
    return asked


def _previous_clause(text: str, start: int) -> str:
    """The clause ending right before `start`, if the same sentence goes on there."""
    if start <= 0 or text[start - 1] in _SENTENCE_END:
        return ""
    return text[clause_bounds(text, start - 1, start - 1)[0] : start]


def _context_chars(asked: str) -> int:
    return len(_CJK.findall(asked.replace("多少", "").replace(BLANK, "")))


def _year_of(p: Paragraph) -> str:
    """The one year a paragraph speaks about (its time scope: the 2017 report's review is about
    2016), else its report's year from the title; "" when that is not one year (a five-year
    review is about none of them alone)."""
    about = {y for y, a in p.scope.years if a in (Aspect.RESULT, Aspect.TARGET)}
    if len(about) == 1:
        return str(about.pop())
    if p.scope.years:
        return ""
    years = set(_YEAR.findall(p.doc_title))
    return years.pop() if len(years) == 1 else ""


def _finish(asked: str, p: Paragraph, end: str, dated: bool = False) -> str:
    """Full-width punctuation; for figures (`dated`), the year they belong to up front where the
    clause has none: the same count is reported again next year with another value."""
    asked = asked.translate(_ASCII_PUNCT).rstrip(_CLAUSE_END)
    year = _year_of(p) if dated else ""
    if year and not _YEAR.search(asked):
        if "今年" in asked:
            asked = asked.replace("今年", f"{year}年", 1)
        else:
            joint = "" if _MONTH_FIRST.match(asked) else "，"
            asked = f"{year}年{joint}{asked}"
    return asked if asked.endswith(("……", "…")) else asked + end


def _make(p: Paragraph, kind: str, question: str, answer: str, at: int) -> Question:
    fact = f"{p.paragraph_id}|{at}|{answer}"
    return Question(
        id=question_id(kind, p.doc_id, question, answer),
        type=kind,
        question=question,
        answer=answer,
        choices=(),
        paragraph_id=p.paragraph_id,
        doc_id=p.doc_id,
        doc_title=p.doc_title,
        section=p.heading,
        source_text=p.text,
        answer_span=(at, at + len(answer)),
        fact=fact,
    )


def question_id(kind: str, doc_id: str, question: str, answer: str) -> str:
    """From the document, the question and the answer, not from the paragraph number, so that a
    paragraph inserted above does not turn a user's history into someone else's question."""
    return kind[0] + "-" + digest(doc_id, kind, question, answer)[:12]


def _unambiguous(questions: Sequence[Question]) -> list[Question]:
    """One question per wording; a wording that has two different answers is dropped."""
    answers: dict[tuple[str, str], set[str]] = defaultdict(set)
    for q in questions:
        answers[(q.doc_id, q.question)].add(plain(q.answer))
    seen: set[str] = set()
    out = []
    for q in questions:
        if len(answers[(q.doc_id, q.question)]) > 1 or q.id in seen:
            continue
        seen.add(q.id)
        out.append(q)
    return out


def plain(text: str) -> str:
    return re.sub(r"\W+", "", text)


def digest(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()
