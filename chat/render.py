"""The chat's HTML: an answer with its `[n]` citation links, the sources panel with a card per
cited paragraph (the supporting sentence highlighted), and the styles of that markup.

All document and question text is HTML-escaped; the chat renders this markup only (no Markdown).
"""

from __future__ import annotations

import hashlib
import html

from chat.table_view import chart_svg, table_html
from rag.answer_types import Answer, Citation, Point
from rag.records import CITATION_MARKER

Past = list[tuple[str, str]]  # (question, sources section html), newest first

SOURCES_PLACEHOLDER = (
    '<div class="src-empty">提问后，这里会显示回答所依据的原文段落。'
    "点击回答中的角标（如 [1]）可定位并高亮对应段落。</div>"
)

# The page's load script (app.JS) adds these styles; its click handler opens the `#cite-…` links.
CHAT_CSS = """
#kb-sources { max-height: 640px; overflow-y: auto !important; }
.src-q { color: var(--body-text-color-subdued); margin-bottom: .5em; }
.src-title { font-weight: 600; margin: .2em 0 .6em; }
.src-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: .6em .8em;
  margin-bottom: .7em; transition: box-shadow .3s, background-color .3s; scroll-margin: 1em; }
.src-head { font-weight: 600; }
.src-n { color: var(--color-accent); margin-right: .3em; }
.src-meta { font-size: .85em; color: var(--body-text-color-subdued); margin: .2em 0 .4em; }
.src-text { line-height: 1.7; }
.src-text mark { background: #fde68a; color: inherit; padding: 0 .1em; border-radius: 2px; }
.src-text mark.mark-active { background: #f59e0b; box-shadow: 0 0 0 2px #f59e0b; }
ol.kb-points { margin: .3em 0 .2em 1.4em; padding: 0; }
ol.kb-points li { margin: .15em 0; line-height: 1.6; }
.src-card.cite-active { box-shadow: 0 0 0 3px var(--color-accent); background: rgba(253, 230, 138, .25); }
.src-old { margin-top: .8em; } .src-old > summary { cursor: pointer; color: var(--body-text-color-subdued); }
.src-empty { color: var(--body-text-color-subdued); padding: 1em 0; }
.src-doc { margin-bottom: .4em; }
.src-doc-head { font-size: .9em; font-weight: 600; color: var(--body-text-color-subdued);
  border-bottom: 1px solid var(--border-color-primary); margin: .6em 0 .5em; padding-bottom: .2em; }
.src-doc-n { font-weight: 400; }
a.cite { color: var(--color-accent) !important; font-weight: 600; text-decoration: none !important;
  cursor: pointer; padding: 0 .15em; border-radius: 4px; background: var(--color-accent-soft); }
a.cite:hover { text-decoration: underline !important; }
table.kb-table { border-collapse: collapse; margin: 6px 0; font-size: 14px; }
table.kb-table th, table.kb-table td { border: 1px solid #ddd; padding: 3px 10px; text-align: left; }
table.kb-table th { background: #f6f6f6; }
tr.kb-missing td { color: #888; }
.kb-kind { color: #888; font-size: 12px; }
svg.kb-chart { display: block; max-width: 100%; height: auto; margin-top: 6px; }
.kb-searched { font-size: .85em; color: var(--body-text-color-subdued); margin-bottom: .3em; }
.kb-notice { font-size: .85em; color: #b45309; margin-bottom: .3em; }
.kb-verified { font-size: .8em; color: #15803d; margin-top: .4em; }
.kb-unverified { font-size: .9em; border-left: 3px solid #dc2626; padding: .2em .6em; margin-top: .5em; }
.kb-unverified ul { margin: .2em 0 .4em 1.2em; }
span.unverified { background: rgba(220, 38, 38, .12); text-decoration: underline wavy #dc2626; }
"""


def esc(text: str) -> str:
    """`text` safe inside HTML, quotes included (it may land in an attribute)."""
    return html.escape(text, quote=True)


def esc_lines(text: str) -> str:
    """`text` escaped, its line breaks kept as <br>."""
    return "<br>".join(esc(line) for line in text.split("\n"))


def _uid(answer: Answer) -> str:
    return hashlib.sha1(f"{answer.question}\0{answer.text}".encode()).hexdigest()[:10]


def cite_anchor(uid: str, n: int) -> str:
    return f"cite-{uid}-{n}"


def mark_anchor(uid: str, n: int, start: int) -> str:
    """The id of one highlighted clause in source card `n` (a prose answer's point)."""
    return f"mark-{uid}-{n}-{start}"


def _linked(text: str, known: set[int], uid: str) -> str:
    """`text` escaped, each `[n]` of a known citation a link to its source card."""
    parts = CITATION_MARKER.split(text)  # text, n, text, n, ..., text
    for i in range(1, len(parts), 2):
        n = int(parts[i])
        link = f'<a href="#{cite_anchor(uid, n)}" class="cite" title="查看来源 {n}">[{n}]</a>'
        parts[i] = link if n in known else f"[{n}]"
    for i in range(0, len(parts), 2):
        parts[i] = esc_lines(parts[i])
    return "".join(parts)


def _marked_body(answer: Answer, known: set[int], uid: str) -> str:
    """The answer with each sentence that failed verification marked (and why, on hover)."""
    checks = answer.verification.sentences if answer.verification else ()
    out, pos = [], 0
    for check in checks:
        if check.ok:
            continue
        out.append(_linked(answer.text[pos : check.start], known, uid))
        why = esc("；".join(check.problems))
        sentence = _linked(answer.text[check.start : check.end], known, uid)
        out.append(f'<span class="unverified" title="{why}">⚠{sentence}</span>')
        pos = check.end
    out.append(_linked(answer.text[pos:], known, uid))
    return "".join(out)


def render_answer_html(answer: Answer, uid: str | None = None) -> str:
    """The answer for the chat: escaped text with `[n]` links, the question searched when a
    follow-up was rewritten; for a generated answer that it passed the check, or, when it did
    not, the model's text folded away below the extractive answer."""
    uid = uid or _uid(answer)
    known = {c.n for c in answer.citations}
    html_parts = []
    if answer.searched:
        html_parts.append(f'<div class="kb-searched">检索问题：{esc(answer.searched)}</div>')
    if answer.notice:
        html_parts.append(f'<div class="kb-notice">{esc(answer.notice)}</div>')
    if answer.table is not None and not answer.refused:
        html_parts.append(_table_body(answer, known, uid))
    elif answer.points and not answer.refused:
        html_parts.append(_points_body(answer, known, uid))
    else:
        html_parts.append(_marked_body(answer, known, uid))
    if answer.dropped:
        html_parts.append(_unverified_fold(answer))
    generated = answer.answerer != "extractive" and not answer.refused
    if generated and answer.verification is not None and answer.verification.ok:
        html_parts.append('<div class="kb-verified">✓ 引用与数字已逐句核对原文</div>')
    return "".join(html_parts)


def _unverified_fold(answer: Answer) -> str:
    """What a model wrote and the check rejected, with the reasons, folded away under 未通过核对:
    never the answer (that is the extractive one, or the model's checked points), but open to a
    reader who wants it."""
    if answer.answerer != "extractive":
        what = f"要点（未采用，{len(answer.dropped)} 条）"
    else:
        what = "内容（未采用，以上为原文摘录答案）"
    items = "".join(f"<li>{esc(d)}</li>" for d in answer.dropped)
    summary = f"<summary>⚠ 大模型写出、未通过核对的{what}</summary>"
    return f'<details class="kb-unverified">{summary}<ul>{items}</ul></details>'


def _point_link(point: Point, known: set[int], marked: set[tuple[int, int]], uid: str) -> str:
    """A point's `[n]`: links to the point's own clause in source card `n` (the page's click
    handler opens the card and highlights that clause), to the card when that clause is not
    marked there. The chat's sanitiser keeps `href` but drops data attributes: the href says it."""
    n = point.citation
    if n not in known:
        return f"[{n}]"
    has_mark = point.span is not None and (n, point.span[0]) in marked
    target = mark_anchor(uid, n, point.span[0]) if has_mark and point.span else cite_anchor(uid, n)
    return f'<a href="#{target}" class="cite" title="查看来源 {n}">[{n}]</a>'


def _points_body(answer: Answer, known: set[int], uid: str) -> str:
    """A prose answer: its lead line (whose report, which part; for "why" the reason), then
    the points as a numbered list, each with the link to its clause."""
    lead = answer.text.split("\n", 1)[0]
    marked = {(n, start) for n, spans in marked_spans(answer).items() for start, _end in spans}
    items = "".join(f"<li>{esc(p.text)}{_point_link(p, known, marked, uid)}</li>" for p in answer.points)
    return f'<div class="kb-lead">{_linked(lead, known, uid)}</div><ol class="kb-points">{items}</ol>'


def _table_body(answer: Answer, known: set[int], uid: str) -> str:
    """A figure per year: the summary line, the table with its citation links, the chart."""
    assert answer.table is not None
    table = answer.table
    head = answer.text.split("\n")[: -len(table.rows)]  # the summary, or a stated difference
    summary = _linked("\n".join(head), known, uid)

    def link(n: int) -> str:
        return _linked(f"[{n}]", known, uid)

    chart = chart_svg(table)
    return (
        (f'<div class="kb-summary">{summary}</div>' if summary else "")
        + table_html(table, link)
        + chart
        + ("" if chart else '<div class="kb-note">各行数值单位不同，未绘制图表。</div>')
    )


def _highlighted(citation: Citation, uid: str = "", spans: list[tuple[int, int]] | None = None) -> str:
    """The paragraph with the supporting sentence in <mark>; for a prose answer every clause it
    quotes from this paragraph (`spans`), each with its own id so a point's link can find it."""
    if spans:
        return _marked_spans(citation, uid, spans)
    text, sentence = citation.text, citation.sentence
    if citation.span is not None and text[citation.span[0] : citation.span[1]] == sentence:
        at = citation.span[0]  # the very place the answer quotes, not an earlier repeat
    else:
        at = text.find(sentence) if sentence else -1
    if at < 0:
        return esc_lines(text)
    end = at + len(sentence)
    return f"{esc_lines(text[:at])}<mark>{esc_lines(sentence)}</mark>{esc_lines(text[end:])}"


def marked_spans(answer: Answer) -> dict[int, list[tuple[int, int]]]:
    """Citation number -> the clauses of its paragraph the answer's points quote, as they are
    marked in its card: in order, none overlapping another (a later overlapping clause is left
    to the earlier one's mark), none outside the paragraph."""
    texts = {c.n: c.text for c in answer.citations}
    out: dict[int, list[tuple[int, int]]] = {}
    for n, text in texts.items():
        spans = sorted({p.span for p in answer.points if p.citation == n and p.span is not None})
        kept: list[tuple[int, int]] = []
        for start, end in spans:
            if start < end <= len(text) and (not kept or start >= kept[-1][1]):
                kept.append((start, end))
        if kept:
            out[n] = kept
    return out


def _marked_spans(citation: Citation, uid: str, spans: list[tuple[int, int]]) -> str:
    text = citation.text
    out, pos = [], 0
    for start, end in spans:
        out.append(esc_lines(text[pos:start]))
        out.append(f'<mark id="{mark_anchor(uid, citation.n, start)}">{esc_lines(text[start:end])}</mark>')
        pos = end
    out.append(esc_lines(text[pos:]))
    return "".join(out)


def _source_card(citation: Citation, uid: str, spans: list[tuple[int, int]] | None = None) -> str:
    heading = citation.heading or "（无标题）"
    about = [f"{citation.year}年" if citation.year else "", citation.kind if citation.kind != "其他" else ""]
    meta = " · ".join([*(a for a in about if a), heading, f"第{citation.number}段", citation.paragraph_id])
    return (
        f'<div class="src-card" id="{cite_anchor(uid, citation.n)}">'
        f'<div class="src-head"><span class="src-n">[{citation.n}]</span>{esc(citation.label)}</div>'
        f'<div class="src-meta">{esc(meta)}</div>'
        f'<div class="src-text">{_highlighted(citation, uid, spans)}</div></div>'
    )


def _by_report(citations: list[Citation]) -> list[list[Citation]]:
    """Citations grouped by report, in the order the answer first cites each report."""
    groups: dict[str, list[Citation]] = {}
    for c in citations:
        groups.setdefault(c.doc_id or c.doc, []).append(c)
    return list(groups.values())


def render_sources_html(answer: Answer, uid: str | None = None) -> str:
    """The sources of one answer, grouped by report: a card per citation, the supporting
    sentence in <mark>."""
    uid = uid or _uid(answer)
    title = "可能相关的段落" if answer.refused else "本回答的来源"
    groups = _by_report(answer.citations)
    spans = marked_spans(answer)
    cards = "".join(
        f'<div class="src-doc"><div class="src-doc-head">{esc(group[0].label)}'
        f'<span class="src-doc-n">（{len(group)} 段）</span></div>'
        + "".join(_source_card(c, uid, spans.get(c.n)) for c in group)
        + "</div>"
        for group in groups
    )
    if not cards:
        cards = '<div class="src-empty">没有找到相关段落。</div>'
    searched = f"（检索：{esc(answer.searched)}）" if answer.searched else ""
    return (
        f'<div class="src-answer"><div class="src-q">问：{esc(answer.question)}{searched}</div>'
        f'<div class="src-title">{title}</div>{cards}</div>'
    )


def render_sources_panel(past: Past) -> str:
    """The newest answer's sources in full, earlier answers' sources collapsed below."""
    if not past:
        return SOURCES_PLACEHOLDER
    (_, newest), older = past[0], past[1:]
    collapsed = "".join(
        f'<details class="src-old"><summary>较早的提问：{esc(q)}</summary>{section}</details>'
        for q, section in older
    )
    return newest + collapsed
