"""Who delivered a report, and on which day: read from its byline.

A report delivered at a meeting opens with a byline under its title: "——2031年1月8日在某市第九届
人民代表大会第二次会议上 市长 张某某". Questions about the report itself ("这份报告是
谁作的?", "是哪一天在大会上作的?") are answered from there, not from its body, which never
says it; a byline without the day or the name leaves the question to the usual answerer (and
its refusal).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from ingest.paragraph_store import of_document
from ingest.records import Kind, Paragraph
from rag.answer_types import Answer, citation_for
from rag.figures.numbers import find_dates
from rag.question.asked_type import AskedType, names_a_day

# The question is about delivering the report, not about something the report tells.
_ABOUT_DELIVERY = re.compile(r"作的|做的|报告人|作报告|做报告|讲话人|(?:会|大会|会议)上")
# A byline: the meeting the report was delivered at.
_BYLINE = re.compile(r"在[^。；]{2,40}(?:会议|大会|全会)上")
# The speaker, after the office they held ("市长　张某某", "区长 王某").
_SPEAKER = re.compile(
    r"(?:总理|副总理|省长|主席|书记|市长|区长|县长|部长|主任)[\s\u3000]*"
    r"(?P<name>[\u4e00-\u9fff]{2,3}?)(?=[\s\u3000]|各位|同志|作|$)"
)
# Only the opening paragraphs, before the first heading, carry the byline.
_FRONT = 8


# Who wrote it: a byline line of its own ("文/记者 金玉华", "撰稿：…") anywhere in the text.
_AUTHOR_ROLES = ("记者", "作者", "编辑", "撰稿")
_AUTHOR = re.compile(
    r"(?:文|图|记者|作者|编辑|撰稿|通讯员)[\s\u3000]*[/／:：]?[\s\u3000]*(?:记者|通讯员)?[\s\u3000]*"
    r"(?P<name>[\u4e00-\u9fff]{2,3})(?=[\s\u3000]|$)"
)


def asks_about_delivery(question: str, role: str = "") -> bool:
    """The question is about the report itself: who delivered or wrote it, or when."""
    return bool(_ABOUT_DELIVERY.search(question)) or role in _AUTHOR_ROLES


def byline_answer(
    question: str,
    kind: AskedType,
    docs: Sequence[str],
    paragraphs: Mapping[str, Paragraph],
    role: str = "",
) -> Answer | None:
    """The speaker or the day from the byline of the one report asked about; None when that
    report has no byline saying it."""
    if len(docs) != 1:
        return None
    ordered = of_document(paragraphs, docs[0])
    front = [p for p in ordered if not p.heading_path][:_FRONT]
    if kind is AskedType.PERSON and role in _AUTHOR_ROLES:
        found = _author([p for p in ordered if p.kind is Kind.BYLINE])
    elif kind is AskedType.PERSON:
        found = _speaker(front)
    else:
        found = _day(front) if kind is AskedType.DAY else None
    if found is None:
        return None
    lead, para = found
    sentence = para.text.strip()
    title = para.meta.title if para.meta else para.doc_title
    start = para.text.find(sentence)
    citation = citation_for(1, para, sentence, (start, start + len(sentence)))
    text = f"{lead}。依据：据《{title}》：{sentence}[1]"
    return Answer(question, text, False, [citation], [(para.paragraph_id, 1.0)], confidence=1.0, lead=lead)


# A name on a line of its own, its characters spaced out ("习　近　平") as bylines print it.
_NAME_LINE = re.compile(r"[\u4e00-\u9fff](?:[\s\u3000]*[\u4e00-\u9fff]){1,3}")


def _meeting(front: Sequence[Paragraph]) -> int:
    """Where the byline's meeting line is among the opening paragraphs (-1: none)."""
    return next((i for i, p in enumerate(front) if _BYLINE.search(p.text)), -1)


def _speaker(front: Sequence[Paragraph]) -> tuple[str, Paragraph] | None:
    for para in front:
        m = _SPEAKER.search(para.text)
        if m:
            return m.group("name"), para
    at = _meeting(front)
    for para in front[at + 1 : at + 4] if at >= 0 else ():
        if _NAME_LINE.fullmatch(para.text.strip()):
            return re.sub(r"[\s\u3000]", "", para.text), para
    return None


def _author(bylines: Sequence[Paragraph]) -> tuple[str, Paragraph] | None:
    for para in bylines:
        m = _AUTHOR.search(para.text.strip())
        if m:
            return m.group("name"), para
    return None


def _day(front: Sequence[Paragraph]) -> tuple[str, Paragraph] | None:
    """The day on the meeting line, or on a line of its own right after it ("（2017年10月18日）")."""
    at = _meeting(front)
    for para in front[at : at + 3] if at >= 0 else ():
        days = [d for d in find_dates(para.text) if names_a_day(d)]
        if days:
            return max(days, key=len), para
    return None
