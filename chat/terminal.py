"""`kb ask` and `kb chat` in the terminal: the answer streamed (a model's tokens as they come),
then its check and its sources; a conversation read from stdin, one question a line."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

from ingest.docs_table import aligned
from rag.answer_types import Answer
from rag.evidence.retrieve import EVERYTHING, SearchFilter
from rag.figures.table import Table
from rag.generation.prompt import Turn
from rag.pipeline import Final, KnowledgeBase, Searched, Token


def series_table(table: Table) -> str:
    """A cross-year answer's rows as printed by `kb ask`: 年份 · 数值 · 来源 [n]."""
    head = ["年份" if table.by == "year" else "地区", "数值", "来源"]
    rows = [
        [r.key, r.shown, f"《{r.doc}》[{r.citation}]" if r.cell is not None else r.missing]
        for r in table.rows
    ]
    return aligned([head, *rows])


def answer_in_terminal(
    kb: KnowledgeBase,
    question: str,
    top_k: int,
    history: Sequence[Turn],
    out: TextIO,
    where: SearchFilter | None = None,
    readable: frozenset[str] | None = None,
) -> Answer:
    """Stream the answer (a model's tokens as they come), then its check and its sources;
    `readable`: the reports the user may read (None: all)."""
    streamed = False
    answer = None
    where = where or EVERYTHING
    for event in kb.ask_stream(question, top_k=top_k, history=history, where=where, readable=readable):
        if isinstance(event, Searched):
            print(f"（检索问题：{event.question}）", file=out)
        elif isinstance(event, Token):
            print(event.text, end="", flush=True, file=out)
            streamed = True
        elif isinstance(event, Final):
            answer = event.answer
    assert answer is not None
    if streamed:
        print(file=out)
    print_answer(answer, out, text_shown=streamed and answer.answerer != "extractive")
    return answer


def print_answer(answer: Answer, out: TextIO, text_shown: bool) -> None:
    """The answer's notice, its text (or its table) unless already streamed, the result of its
    check when a model wrote it, and its sources."""
    if answer.notice:
        print(f"提示：{answer.notice}", file=out)
    if answer.table is not None and not answer.refused:
        head = answer.text.split("\n")[: -len(answer.table.rows)]  # the summary, or a stated difference
        if head:
            print("\n".join(head), file=out)
        print(series_table(answer.table), file=out)
    elif not text_shown or answer.refused:
        print(answer.text, file=out)
    if answer.dropped:
        # The model's text streamed above, when rejected, is followed by the extractive answer.
        print("⚠ 大模型写出、未通过核对的内容（未采用）：", file=out)
        for item in answer.dropped:
            print(f"  ⚠ {item}", file=out)
    check = answer.verification
    if answer.answerer != "extractive" and check is not None and check.ok and not answer.refused:
        print("✓ 引用与数字已逐句核对原文", file=out)
    if answer.citations:
        print(file=out)
        print("来源：" if not answer.refused else "可能相关的段落：", file=out)
        for c in answer.citations:
            print(
                f"[{c.n}] {c.label} · {c.heading or '（无标题）'} · 第{c.number}段（{c.paragraph_id}）",
                file=out,
            )
            print(f"    {c.text}", file=out)


def converse(kb: KnowledgeBase, top_k: int, readable: frozenset[str] | None = None) -> None:
    """Questions from stdin, one per line; earlier ones are the context of follow-ups."""
    history: list[Turn] = []
    interactive = sys.stdin.isatty()
    if interactive:
        print("请输入问题（直接回车或 Ctrl-D 结束；“那……呢？”之类的追问会结合上文检索）。")
    while True:
        try:
            line = input("问：" if interactive else "")
        except EOFError:
            break
        question = line.strip()
        if not question:
            if interactive:
                break
            continue
        if not interactive:
            print(f"问：{question}")
        try:
            answer = answer_in_terminal(kb, question, top_k, history, sys.stdout, readable=readable)
        except ValueError as exc:
            print(f"错误：{exc}", file=sys.stderr)
            continue
        history = [*history, Turn(answer.searched or answer.question, answer.text)][-6:]
        print()
