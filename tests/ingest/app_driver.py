"""An app process for the tests of app machines that share no folder (`python -m
tests.ingest.app_driver`): the settings from the environment (KB_INDEX_DIR its own folder,
KB_STORE=milvus, KB_MILVUS_URI, KB_DATABASE_URL), the fake embedder, and one question per line
of stdin, answered as one JSON line: the version it answered from, the answer's first sentence,
and how many paragraphs of the report the test adds later that version holds."""

from __future__ import annotations

import json
import sys

from ingest.config import Settings
from rag.pipeline import KnowledgeBase
from tests.fakes import HashEmbedder

ADDED_DOC = "新报告"


def main() -> None:
    kb = KnowledgeBase(Settings.from_env(), embedder=HashEmbedder())
    print("READY", flush=True)
    for line in sys.stdin:
        answer = kb.ask(line.strip())
        snapshot = kb.snapshot
        added = sum(pid.startswith(f"{ADDED_DOC}#") for pid in snapshot.paragraphs)
        reply = {"version": snapshot.version, "answer": answer.text.split("。")[0], "added": added}
        print(json.dumps(reply, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
