"""Constants shared by the answerers (rag.figures.answer), the checks (rag.generation.verify), the
app and the eval; a module below all of them, so that the answerers and the checks do not import
each other."""

from __future__ import annotations

import re

REFUSAL_TEXT = "知识库中没有找到能回答这个问题的内容。"
# A citation marker "[n]" in an answer; shared by the app (links) and the eval (not figures).
CITATION_MARKER = re.compile(r"\[(\d+)\]")
