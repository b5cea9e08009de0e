"""The load script against the real app: sessions at once, each shown only its own answers."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import load
from tests.e2e.conftest import Server


def test_simultaneous_sessions_each_get_their_own_answers(open_app: Server, tmp_path: Path) -> None:
    out = tmp_path / "load.json"
    assert load.main(["--url", open_app.url, "--sessions", "4", "--questions", "3", "--out", str(out)]) == 0
    summary = json.loads(out.read_text(encoding="utf-8"))["summary"]
    assert (summary["answers"], summary["errors"], summary["mismatches"]) == (20, 0, 0)  # 4 x (3 + a pair)
    assert 0 < summary["p50_ms"] <= summary["p95_ms"] <= summary["max_ms"]


def test_plain_text_of_a_message() -> None:
    html_message = '40822人次。依据：…<a class="cite" href="#cite-ab12-1">[1]</a> &lt;b&gt;'
    assert load.plain(html_message) == "40822人次。依据：…[1] <b>"
    assert load.plain([{"type": "text", "text": "<b>x</b>"}]) == "x"


def test_no_two_sessions_ask_the_same_sequence() -> None:
    pool = load.gold_questions(20)
    sequences = [tuple(load.session_questions(i, pool, 5)) for i in range(60)]
    assert len(set(sequences)) == 60
    assert all(seq[-2:] in load.PAIRS for seq in sequences)  # each ends with a follow-up pair
