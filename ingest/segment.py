"""Chinese-aware segmentation: loaded text -> paragraphs with heading paths, kinds, ids and spans.

Pure functions, no I/O. Handles the quirks of real reports:
- paragraphs separated by single newlines (Word, plain text) or blank lines (Markdown);
- headings in Markdown (`#`) and Chinese numbering (一、 （一） 1. （1） 第X章/部分);
- a paragraph broken mid-sentence across two lines ("...带" / "领各部门...") is joined again;
- photo captions and bylines are kept but marked, so they do not crowd out content;
- ASCII and full-width punctuation count alike (",:?" appear beside "。" in the sample report).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.records import Kind, LoadedDocument, Paragraph, Passage

# Bumped whenever segmentation changes what it cuts: the next ingest reads every file again
# (vectors of unchanged text are kept). "2": unnumbered section titles are headings.
SEGMENTER_VERSION = "2"

# Sentence-final punctuation, full-width and ASCII. Closing quotes/brackets after them also end.
SENTENCE_END = "。！？；!?;…"
_CLOSERS = "”’\"'」』）)》】"

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_CN_NUM = "一二三四五六七八九十百零〇两"
# (pattern, level). Levels nest: 第X章/部分 > 一、 > （一） > 1. > （1）.
_CN_HEADINGS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(rf"^第[{_CN_NUM}\d]+[章部分篇编卷]"), 1),
    (re.compile(rf"^第[{_CN_NUM}\d]+节"), 2),
    (re.compile(rf"^[{_CN_NUM}]+[、.．]"), 2),
    (re.compile(rf"^[（(][{_CN_NUM}]+[）)]"), 3),
    (re.compile(r"^\d{1,2}[.．、](?!\d)"), 4),
    (re.compile(r"^[（(]\d{1,2}[）)]"), 5),
)
# Reports also title their main parts without a number ("2024年工作回顾", "2025年工作安排建议"):
# a short line that is nothing but such a section title is a heading too.
_SECTION_TITLE = re.compile(
    r"^(?:(?:19|20)\d{2}年|今年|明年|下一步)?[\u4e00-\u9fff“”、]{0,10}?"
    r"(?:工作回顾|回顾|工作安排(?:建议)?|总体部署|总体要求|目标任务|重点工作|重点任务|工作任务|工作建议|"
    r"工作打算|工作思路|名词解释)$"
)
# A Chinese-numbered heading is short and is a title, not a sentence: numbered paragraphs of
# prose ("1.由于乡里大辅先生因故去世，……") must stay paragraphs.
_MAX_HEADING_CHARS = 60
_BYLINE = re.compile(
    r"^[（(]?\s*(文|图|摄影|摄|记者|通讯员|来源|编辑|责编|责任编辑|审核|校对|供稿|撰稿)"
    r"\s*[/／:：|｜]"
)
_CAPTION_MAX_CHARS = 24
# A "paragraph" longer than this (a whole file on one line, a table flattened into text) is cut
# at sentence ends into pieces: a citation has to be something a reader can check at a glance.
MAX_PARAGRAPH_CHARS = 2000
_TITLE_END = re.compile(r"(报告|总结|通知|意见|方案|办法|规定|讲话|答卷|纪要|决定|情况)$")


@dataclass(frozen=True)
class _Line:
    text: str
    start: int
    end: int
    blank_before: bool


def doc_id_for(relative_path: str) -> str:
    """The document id: its path inside the knowledge base without the suffix, '/'-separated.
    Depends on nothing but the path, so other documents never change it."""
    path = relative_path.replace("\\", "/")
    stem, dot, _suffix = path.rpartition(".")
    return stem if dot and stem and "/" not in _suffix else path


def heading_of(line: str) -> tuple[int, str] | None:
    """(level, title) when the line is a heading, else None."""
    m = _MD_HEADING.match(line)
    if m:
        return len(m.group(1)), m.group(2).strip()
    # Numbered prose ("1.由于……，新设支部3个。") ends like a sentence; a heading does not.
    if len(line) > _MAX_HEADING_CHARS or _has_inner_sentence_end(line) or ends_sentence(line):
        return None
    for pattern, level in _CN_HEADINGS:
        if pattern.match(line):
            return level, line.strip()
    if len(line) <= 20 and _SECTION_TITLE.match(line.strip()):
        return 2, line.strip()
    return None


def _has_inner_sentence_end(line: str) -> bool:
    body = line.rstrip(SENTENCE_END + _CLOSERS + " ")
    return any(ch in SENTENCE_END for ch in body)


def ends_sentence(text: str) -> bool:
    stripped = text.rstrip().rstrip(_CLOSERS)
    return bool(stripped) and (stripped[-1] in SENTENCE_END or stripped[-1] in ":：")


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def is_broken_continuation(previous: str, following: str) -> bool:
    """True when `following` continues a sentence that `previous` broke off mid-word.

    Only long content lines qualify: headings and captions also lack final punctuation, but
    they are short. The next line must start with a CJK character (not a heading, quote or
    list marker)."""
    prev = previous.rstrip()
    if len(prev) < 30 or ends_sentence(prev) or heading_of(prev) or _BYLINE.match(prev):
        return False
    if _TITLE_END.search(prev):  # a long title line: "……关于2021年度基层党建工作情况的报告"
        return False
    nxt = following.lstrip()
    if not nxt or heading_of(nxt) or _BYLINE.match(nxt):
        return False
    return _is_cjk(prev[-1]) and _is_cjk(nxt[0])


def classify(text: str, blank_before: bool, blank_after: bool) -> Kind:
    """Body, caption or byline. A caption is a short single phrase standing alone between
    blank lines (photo captions in the sample: "公开遴选组工干部。")."""
    if _BYLINE.match(text):
        return Kind.BYLINE
    core = text.rstrip("。.")
    if (
        len(core) <= _CAPTION_MAX_CHARS
        and blank_before
        and blank_after
        and not any(ch in core for ch in '，,：:；;？?！!“”"')
        and not any(ch.isdigit() for ch in core)  # "新建党员活动室12个。" is a fact, not a caption
    ):
        return Kind.CAPTION
    return Kind.BODY


def _split_lines(text: str) -> list[_Line]:
    lines: list[_Line] = []
    pos = 0
    blank = True
    for raw in text.split("\n"):
        stripped = raw.strip()
        if stripped:
            lead = len(raw) - len(raw.lstrip())
            start = pos + lead
            lines.append(_Line(stripped, start, start + len(stripped), blank))
            blank = False
        else:
            blank = True
        pos += len(raw) + 1
    return lines


@dataclass
class _Block:
    text: str
    start: int
    end: int
    blank_before: bool
    blank_after: bool = True


def _blocks(doc: LoadedDocument) -> list[_Block]:
    """Group lines into paragraph blocks: every line in line-based formats, blank-line-separated
    runs in Markdown; then re-join paragraphs broken mid-sentence."""
    lines = _split_lines(doc.text)
    blocks: list[_Block] = []
    for i, line in enumerate(lines):
        after = i + 1 >= len(lines) or lines[i + 1].blank_before
        joinable = blocks and not line.blank_before and not doc.line_breaks_are_paragraphs
        if joinable and not heading_of(line.text) and not heading_of(blocks[-1].text):
            last = blocks[-1]
            last.text = _join(last.text, line.text)
            last.end, last.blank_after = line.end, after
            continue
        blocks.append(_Block(line.text, line.start, line.end, line.blank_before, after))
    # Only plain text and PDF lose paragraph structure to line breaks; in Word, HTML and
    # Markdown a paragraph boundary is real even where the sentence looks unfinished.
    return _repair_breaks(blocks) if doc.format in ("txt", "pdf") else blocks


def _join(left: str, right: str) -> str:
    if left and right and left[-1].isascii() and right[0].isascii():
        return f"{left} {right}"
    return left + right


def _repair_breaks(blocks: list[_Block]) -> list[_Block]:
    out: list[_Block] = []
    for block in blocks:
        if out and is_broken_continuation(out[-1].text, block.text):
            prev = out[-1]
            prev.text = _join(prev.text, block.text)
            prev.end, prev.blank_after = block.end, block.blank_after
        else:
            out.append(block)
    return out


def segment(doc: LoadedDocument, doc_id: str, title: str) -> list[Paragraph]:
    """Cut a loaded document into numbered paragraphs carrying their heading paths.

    Headings are not paragraphs themselves; they become the heading path of what follows.
    For .jsonl passage files every passage is one paragraph and keeps its own id."""
    if doc.passages is not None:
        return _passage_paragraphs(doc.passages, doc_id, title)
    paragraphs: list[Paragraph] = []
    stack: list[tuple[int, str]] = []
    for block in _blocks(doc):
        head = heading_of(block.text)
        if head is not None:
            level, name = head
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, name))
            continue
        kind = classify(block.text, block.blank_before, block.blank_after)
        for offset, piece in split_long(block.text):
            number = len(paragraphs) + 1
            start = min(block.start + offset, block.end)
            paragraphs.append(
                Paragraph(
                    paragraph_id=f"{doc_id}#{number}",
                    doc_id=doc_id,
                    doc_title=title,
                    number=number,
                    text=piece,
                    heading_path=tuple(name for _, name in stack),
                    kind=kind,
                    span=(start, min(start + len(piece), block.end)),
                )
            )
    return paragraphs


def _passage_paragraphs(passages: Sequence[Passage], doc_id: str, title: str) -> list[Paragraph]:
    """One paragraph per passage, keeping its id; an over-long passage is cut like any paragraph,
    its later pieces numbered "<id>~2", "<id>~3"."""
    out: list[Paragraph] = []
    for p in passages:
        text = p.text.strip()
        for k, (offset, piece) in enumerate(split_long(text), start=1):
            out.append(
                Paragraph(
                    paragraph_id=p.id if k == 1 else f"{p.id}~{k}",
                    doc_id=doc_id,
                    doc_title=title,
                    number=len(out) + 1,
                    text=piece,
                    heading_path=(p.title,) if p.title else (),
                    span=(offset, offset + len(piece)),
                )
            )
    return out


def split_long(text: str, limit: int = MAX_PARAGRAPH_CHARS) -> list[tuple[int, str]]:
    """(offset, piece) of `text` in pieces of at most `limit` characters, cut after the last
    sentence end that fits (or hard at the limit when a piece has none)."""
    pieces = []
    start = 0
    while len(text) - start > limit:
        window = text[start : start + limit]
        cut = max(window.rfind(ch) for ch in SENTENCE_END) + 1
        while 0 < cut < len(window) and window[cut] in _CLOSERS:
            cut += 1  # keep a closing quote with its sentence
        if cut <= limit // 4:
            cut = limit
        pieces.append((start, text[start : start + cut]))
        start += cut
    pieces.append((start, text[start:]))
    return pieces
