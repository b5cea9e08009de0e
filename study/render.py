"""The 学习 tab's HTML: a question's source paragraph with the answer's sentence highlighted, the
feedback after an answer, the progress table, and the tab's styles. Pure functions of study
records, shared by the tab (study/web.py) and the terminal (study/terminal.py); every report and
user text is HTML-escaped."""

from __future__ import annotations

import html

from study.grade import Grade
from study.progress import DAY, Review, SectionStats, by_report
from study.questions import Question, clause_bounds, section_label
from study.quiz import Progress, Quiz

_SENTENCE_END = "。！？!?"
MAX_KEY_CHARS = 80

STUDY_CSS = """
.quiz-meta { font-size: .85em; color: var(--body-text-color-subdued); margin-bottom: .4em; }
.quiz-text { font-size: 1.15em; line-height: 1.8; }
.quiz-empty { color: var(--body-text-color-subdued); padding: .6em 0; }
.quiz-verdict { font-weight: 600; font-size: 1.1em; margin-bottom: .3em; }
.quiz-verdict.ok { color: #15803d; } .quiz-verdict.bad { color: #dc2626; }
.quiz-line { margin: .2em 0; } .quiz-note { color: #b45309; margin: .2em 0; }
.quiz-next { font-size: .85em; color: var(--body-text-color-subdued); margin: .3em 0 .6em; }
.src-text strong { color: #b91c1c; }
table.quiz-stats { border-collapse: collapse; margin-top: .4em; font-size: .9em; }
table.quiz-stats th, table.quiz-stats td + td { white-space: nowrap; }
table.quiz-stats td, table.quiz-stats th {
  border: 1px solid var(--border-color-primary); padding: .2em .6em; }
.quiz-weak { color: #b45309; margin-top: .4em; }
"""


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def where(q: Question) -> str:
    return f"{q.doc_title} › {q.section_label}"


def key_sentence(q: Question) -> tuple[int, int]:
    """The sentence of the source paragraph that holds the answer, or, where that sentence is a
    whole long paragraph (reports often run one sentence for 200 characters), its clause."""
    text, (start, end) = q.source_text, q.answer_span
    left = max((text.rfind(ch, 0, start) for ch in _SENTENCE_END), default=-1) + 1
    ends = [i for i in (text.find(ch, end) for ch in _SENTENCE_END) if i != -1]
    right = min(ends) + 1 if ends else len(text)
    if right - left <= MAX_KEY_CHARS:
        return left, right
    return clause_bounds(text, start, end)


def render_source(q: Question) -> str:
    text, (start, end) = q.source_text, q.answer_span
    left, right = key_sentence(q)
    body = (
        esc(text[:left])
        + "<mark>"
        + esc(text[left:start])
        + "<strong>"
        + esc(text[start:end])
        + "</strong>"
        + esc(text[end:right])
        + "</mark>"
        + esc(text[right:])
    )
    number = q.paragraph_id.rsplit("#", 1)[-1]
    where = f"{q.section_label} · 第{number}段" if number.isdigit() else q.section_label
    return (
        f'<div class="src-card quiz-source"><div class="src-head">{esc(q.doc_title)}</div>'
        f'<div class="src-meta">{esc(where)} · 段落编号 {esc(q.paragraph_id)}</div>'
        f'<div class="src-text">{body}</div></div>'
    )


def render_feedback(q: Question, result: Grade, review: Review) -> str:
    verdict = (
        '<div class="quiz-verdict ok">✓ 回答正确</div>'
        if result.correct
        else '<div class="quiz-verdict bad">✗ 回答错误</div>'
    )
    lines = [
        verdict,
        f'<div class="quiz-line">你的答案：{esc(result.given)}</div>',
        f'<div class="quiz-line">正确答案：<strong>{esc(result.expected)}</strong></div>',
    ]
    if result.note:
        lines.append(f'<div class="quiz-note">{esc(result.note)}</div>')
    lines.append(f'<div class="quiz-next">{esc(next_review_text(review))}</div>')
    lines.append('<div class="quiz-line">原文出处（答案所在句已高亮）：</div>')
    lines.append(render_source(q))
    return "".join(lines)


def next_review_text(review: Review) -> str:
    if review.box == 0:
        return "这道题会在下一轮优先出现。"
    days = round((review.due - review.last_at) / DAY)
    return f"下次复习：{days} 天后。"


def render_progress(quiz: Quiz, user: str) -> str:
    p = quiz.progress(user)
    return render_progress_summary(user, p)


def render_progress_summary(user: str, p: Progress) -> str:
    head = f"<b>{esc(user)}</b> 的学习进度："
    if not p.answered:
        return f"<div>{head}还没有答题记录。共有 {p.unseen} 个知识点待学习。</div>"
    rate = round(100 * p.right / p.answered)
    parts = [
        f"<div>{head}已答 {p.answered} 次，答对 {p.right}，答错 {p.wrong}（正确率 {rate}%）；"
        f"待复习 {p.due} 题（其中答错待重做 {p.wrong_due} 题），未学 {p.unseen} 个知识点。</div>",
        '<table class="quiz-stats"><tr><th>报告 › 板块</th>'
        "<th>已答</th><th>答对</th><th>答错</th><th>正确率</th></tr>",
    ]
    for report, sections in by_report(p.sections):
        parts.append(_stats_row(f"<b>{esc(report.doc_title)}</b>", report))
        parts.extend(_stats_row(f"　› {esc(section_label(s.section))}", s) for s in sections)
    parts.append("</table>")
    if p.weak:
        weak = "、".join(f"{section_label(s.section)}（正确率 {round(100 * s.accuracy)}%）" for s in p.weak)
        parts.append(f'<div class="quiz-weak">薄弱板块：{esc(weak)}，建议重点复习。</div>')
    return "".join(parts)


def _stats_row(label_html: str, s: SectionStats) -> str:
    return (
        f"<tr><td>{label_html}</td><td>{s.answered}</td><td>{s.right}</td><td>{s.wrong}</td>"
        f"<td>{round(100 * s.accuracy)}%</td></tr>"
    )
