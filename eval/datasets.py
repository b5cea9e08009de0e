"""QA files and corpora for the eval, read by path at run time (never copied: licences)."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from eval.baseline import SourceDoc
from ingest.build import discover, source_root
from ingest.loaders import load_document
from ingest.records import Paragraph
from ingest.segment import doc_id_for, segment


@dataclass(frozen=True)
class QAItem:
    id: str
    question: str
    answers: list[str]
    answer_groups: list[list[str]]
    answer_match: str
    gold: frozenset[str]
    type: str  # the set's own question type, else its answer_match rule
    history: tuple[str, ...] = ()  # earlier questions of a conversation (follow-ups)
    # An exact quote of the answer's paragraph and its file name: gold paragraphs are found by
    # the quote when the set's own ids do not follow the product's numbering (reports-dev).
    gold_quote: str = ""
    doc: str = ""
    marked_answerable: bool | None = None  # the set's own "answerable" field, when it has one
    # A question answered by a table: row key ("2014", "四川") -> accepted cell texts, or None
    # for a row the knowledge base does not cover (it must be said to be missing).
    table: dict[str, list[str] | None] | None = None
    # A prose question ("……有哪些措施?"): short phrases of the report a good answer must name.
    key_points: tuple[str, ...] = ()

    @property
    def answerable(self) -> bool:
        if self.marked_answerable is not None:
            return self.marked_answerable
        return bool(self.gold) or self.table is not None or bool(self.key_points)

    @property
    def gold_doc(self) -> str:
        """The id of the document that answers it (its file name without the suffix), or ""."""
        return self.doc.rpartition(".")[0] if "." in self.doc else self.doc


def _item(row: dict[str, Any], item_id: str, qtype: str, history: tuple[str, ...]) -> QAItem:
    answers = list(row.get("answers", []))
    return QAItem(
        id=item_id,
        question=row["question"],
        answers=answers,
        answer_groups=[list(g) for g in row.get("answer_groups") or ([answers] if answers else [])],
        answer_match=row.get("answer_match", "any"),
        gold=frozenset(row.get("gold_passage_ids", [])),
        type=qtype,
        history=history,
        gold_quote=row.get("gold_quote") or "",
        doc=row.get("doc") or "",
        marked_answerable=row["answerable"] if isinstance(row.get("answerable"), bool) else None,
        table=_table(row.get("answer_table"), item_id),
        key_points=_key_points(row.get("key_points"), item_id),
    )


def _key_points(raw: Any, item_id: str) -> tuple[str, ...]:
    """A `key_points` field: a list of non-empty phrases; a bad one is named by its question."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(k, str) and k.strip() for k in raw):
        raise ValueError(f'{item_id}: key_points 应为非空字符串的列表，如 ["四级家访", "规范村"]')
    return tuple(raw)


def _table(raw: Any, item_id: str) -> dict[str, list[str] | None] | None:
    """An `answer_table` field: {"2014": ["7.5%左右"], "2020": null}; a bad one is named."""
    if raw is None:
        return None
    if not isinstance(raw, dict) or not raw:
        raise ValueError(f'{item_id}: answer_table 应为非空对象，如 {{"2014": ["7.5%左右"]}}')
    table: dict[str, list[str] | None] = {}
    for key, cell in raw.items():
        if cell is not None and not (isinstance(cell, list) and all(isinstance(c, str) for c in cell)):
            raise ValueError(f"{item_id}: answer_table 中 {key!r} 的值应为字符串列表或 null")
        table[str(key)] = None if cell is None else list(cell)
    return table


def _conversation(row: dict[str, Any]) -> list[QAItem]:
    """A multi-turn line, `{"id", "turns": [{question, answers, gold_passage_ids, ...}, ...]}`:
    one item per turn, asked after the turns before it (`<id>/<n>`; a later turn's type is
    "followup" unless it names one)."""
    items: list[QAItem] = []
    history: tuple[str, ...] = ()
    turns = row["turns"]
    if not isinstance(turns, list) or not turns:
        raise TypeError("turns 应为非空列表")
    for n, turn in enumerate(turns, start=1):
        default = row.get("type", "turn1") if n == 1 else "followup"
        items.append(_item(turn, f"{row['id']}/{n}", turn.get("type") or default, history))
        history = (*history, turn["question"])
    return items


def load_qa(path: Path, limit: int | None = None) -> list[QAItem]:
    """Questions of a QA file: one per line, or one conversation per line (see _conversation);
    a line may also give `history`, the questions asked before it."""
    items: list[QAItem] = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                if "turns" in row:
                    items += _conversation(row)
                    continue
                qtype = row.get("type") or row.get("answer_match", "any")
                items.append(_item(row, str(row["id"]), qtype, tuple(row.get("history", []))))
            except (KeyError, TypeError, json.JSONDecodeError) as exc:
                raise ValueError(f"{path} 第 {n} 行格式错误：{exc}") from exc
    return items[:limit] if limit else items


def gold_by_quote(
    items: Sequence[QAItem], paragraphs: Iterable[Paragraph], doc_files: dict[str, str]
) -> list[QAItem]:
    """Items whose gold paragraphs are the product's paragraphs holding their `gold_quote`
    (in their `doc` when it names an indexed file; `doc_files` maps file name -> doc id), or,
    for a prose question, the paragraphs of its document holding one of its key points (or
    the heading path they stand under). Items without either, or whose quote no paragraph
    holds, keep the set's own ids."""
    by_doc: dict[str, list[Paragraph]] = {}
    for p in paragraphs:
        by_doc.setdefault(p.doc_id, []).append(p)
    out = []
    for item in items:
        docs = [doc_files[item.doc]] if item.doc in doc_files else list(by_doc)
        candidates = [p for d in docs for p in by_doc.get(d, ())]
        if item.key_points:
            points = [_plain(k) for k in item.key_points]
            found = frozenset(
                p.paragraph_id
                for p in candidates
                if any(k in _plain(" ".join([*p.heading_path, p.text])) for k in points)
            )
        else:
            quote = _plain(item.gold_quote)
            found = frozenset(p.paragraph_id for p in candidates if quote and quote in _plain(p.text))
        out.append(replace(item, gold=found) if found else item)
    return out


def _plain(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def source_docs(corpus: Path | None, kb_dir: Path | None) -> list[SourceDoc]:
    """The same documents the product indexes, as the llama-index baseline's Documents, with the
    product's paragraph ids so both are scored against the same gold ids."""
    if corpus is not None:
        loaded = load_document(corpus)
        return [
            SourceDoc(p.id, p.text, (Paragraph(p.id, p.id, p.title, 1, p.text, span=(0, len(p.text))),))
            for p in loaded.passages or ()
        ]
    assert kb_dir is not None
    files, _skipped = discover([kb_dir], kb_dir)
    docs = []
    for path in files:
        doc_id = doc_id_for(path.relative_to(source_root(path, kb_dir)).as_posix())
        loaded = load_document(path)
        docs.append(SourceDoc(doc_id, loaded.text, tuple(segment(loaded, doc_id, loaded.title or path.stem))))
    return docs
