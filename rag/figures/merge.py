"""One answer from the answers to a question's parts (rag.question.decompose): their texts in
turn, their citations renumbered into one list; and the parts' retrieved paragraphs interleaved."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from rag.answer_types import Answer, Citation
from rag.records import CITATION_MARKER


def merge_answers(question: str, parts: Sequence[tuple[str, Answer]], top_k: int) -> Answer:
    """One answer for a question asked in parts (see rag.question.decompose): each answered
    part's text in turn with its citations renumbered into one list (a paragraph cited twice keeps
    one number); a part with no answer says so. All parts refused is one refusal."""
    answered = [(q, a) for q, a in parts if not a.refused]
    if not answered:
        first = parts[0][1]
        # No part has a sentence that answers it: no model is asked to try either.
        return Answer(question, first.text, True, first.citations, interleave(parts, top_k), conclusive=True)
    citations: list[Citation] = []
    number_of: dict[str, int] = {}
    lines: list[str] = []
    for i, (part_question, part) in enumerate(parts):
        if any(part.text == earlier.text for _q, earlier in parts[:i]):
            continue  # two parts answered by the same sentence: say it once
        if part.refused:
            lines.append(f"关于“{part_question}”，知识库中没有找到相关内容。")
            continue
        renumber: dict[int, int] = {}
        for c in part.citations:
            if c.paragraph_id not in number_of:
                number_of[c.paragraph_id] = len(citations) + 1
                citations.append(replace(c, n=number_of[c.paragraph_id]))
            renumber[c.n] = number_of[c.paragraph_id]
        lines.append(_renumber(part.text, renumber))
    confidence = min(a.confidence for _q, a in answered)
    return Answer(
        question, "\n".join(lines), False, citations, interleave(parts, top_k), confidence=confidence
    )


def _renumber(text: str, numbers: dict[int, int]) -> str:
    def swap(match: re.Match[str]) -> str:
        n = int(match.group(1))
        return f"[{numbers.get(n, n)}]"

    return CITATION_MARKER.sub(swap, text)


def interleave(parts: Sequence[tuple[str, Answer]], top_k: int) -> list[tuple[str, float]]:
    """Retrieved paragraphs of all parts, taking each part's next best in turn."""
    seen: dict[str, float] = {}
    longest = max(len(a.retrieved) for _q, a in parts)
    for i in range(longest):
        for _q, a in parts:
            if i < len(a.retrieved) and a.retrieved[i][0] not in seen:
                seen[a.retrieved[i][0]] = a.retrieved[i][1]
    return list(seen.items())[:top_k]
