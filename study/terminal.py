"""`kb quiz` in the terminal: a round of questions, the user's progress, the question-bank export."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import TextIO

from study.progress import by_report, check_user
from study.questions import TYPE_LABELS, Question, section_label
from study.quiz import ALL, Quiz, Scope
from study.render import key_sentence, next_review_text

_LETTERS = "ABCDEF"


def export(questions: list[Question], path: Path) -> str:
    """Write the bank as JSON lines (all or nothing: a failed write leaves an old file as it was)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with tmp.open("w", encoding="utf-8") as f:
            for q in questions:
                f.write(json.dumps(q.export(), ensure_ascii=False) + "\n")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    kinds = Counter(q.type for q in questions)
    counts = "、".join(f"{label} {kinds[k]}" for k, label in TYPE_LABELS.items() if kinds[k])
    return f"已导出 {len(questions)} 道题（{counts}）到 {path}"


def resolve_scope(quiz: Quiz, report: str | None, section: str | None) -> Scope:
    """The scope a user names by (part of) a report title or id, and optionally a section name."""
    scopes = quiz.scopes()
    if not report and not section:
        return scopes[0]
    matches = [
        s
        for s in scopes
        if s.key != ALL
        and (not report or report in s.label or report in s.key)
        and (s.key.startswith("sec:") if section else s.key.startswith("doc:"))
        and (not section or section in s.label.split(" › ", 1)[-1])
    ]
    if len(matches) != 1:
        names = "\n".join(f"  {s.label}" for s in scopes[1:])
        found = "没有" if not matches else f"有 {len(matches)} 个"
        raise ValueError(f"与 --report/--section 相符的范围{found}，可选范围：\n{names}")
    return matches[0]


def run_round(quiz: Quiz, user: str, scope: Scope, size: int, inp: TextIO, out: TextIO) -> int:
    """Ask a round; returns the number answered right. End of input ends the round early."""
    user = check_user(user)
    questions = quiz.next_round(user, scope.key, size)
    print(f"{user}，本轮 {len(questions)} 题，范围：{scope.label}。直接回车可跳过。", file=out)
    right = answered = 0
    for i, q in enumerate(questions, start=1):
        print(
            f"\n第 {i}/{len(questions)} 题 · {TYPE_LABELS[q.type]} · {q.doc_title} › {q.section_label}",
            file=out,
        )
        print(q.question, file=out)
        for letter, choice in zip(_LETTERS, q.choices, strict=False):
            print(f"  {letter}. {choice}", file=out)
        print("答案> ", end="", file=out, flush=True)
        line = inp.readline()
        if not line:
            print("\n（输入结束，本轮提前结束；已答的题已保存。）", file=out)
            break
        if not line.strip():
            print(f"已跳过。正确答案：{q.answer}", file=out)
            continue
        result, review = quiz.answer(user, q, line.strip())
        answered += 1
        right += result.correct
        print(("✓ 回答正确" if result.correct else "✗ 回答错误") + f"　正确答案：{result.expected}", file=out)
        if result.note:
            print(result.note, file=out)
        print(_source_line(q), file=out)
        print(next_review_text(review), file=out)
    print(f"\n本轮完成：答对 {right}/{answered} 题。", file=out)
    print_progress(quiz, user, out)
    return right


def _source_line(q: Question) -> str:
    left, right = key_sentence(q)
    start, end = q.answer_span
    text = q.source_text
    sentence = text[left:start] + "【" + text[start:end] + "】" + text[end:right]
    return f"原文（{q.doc_title} › {q.section_label}，{q.paragraph_id}）：{sentence.strip()}"


def print_progress(quiz: Quiz, user: str, out: TextIO) -> None:
    p = quiz.progress(user)
    if not p.answered:
        print(f"{user} 还没有答题记录；共有 {p.unseen} 个知识点待学习。", file=out)
        return
    print(
        f"{user}：已答 {p.answered} 次，答对 {p.right}，答错 {p.wrong}；待复习 {p.due} 题"
        f"（答错待重做 {p.wrong_due}），未学 {p.unseen} 个知识点。",
        file=out,
    )
    for report, sections in by_report(p.sections):
        print(
            f"  {report.doc_title}：已答 {report.answered}，答对 {report.right}，答错 {report.wrong}",
            file=out,
        )
        for s in sections:
            print(
                f"    › {section_label(s.section)}：已答 {s.answered}，答对 {s.right}，答错 {s.wrong}",
                file=out,
            )
    if p.weak:
        print("薄弱板块：" + "、".join(section_label(s.section) for s in p.weak), file=out)
