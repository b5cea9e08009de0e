"""The load script against the real app: sessions at once, each shown only its own answers."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import load
from tests.e2e.conftest import Server


def test_simultaneous_sessions_each_get_their_own_answers(open_app: Server, tmp_path: Path) -> None:
    out = tmp_path / "load.json"
    # (A pool of 6 gold questions is enough for 4 sessions of 3 to differ; each is answered once
    # first, alone, as the reference.)
    args = ["--url", open_app.url, "--sessions", "4", "--questions", "3", "--pool", "6", "--out", str(out)]
    assert load.main(args) == 0
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


def test_two_processes_on_one_index_and_one_database_keep_every_study_answer(
    open_app: Server, e2e_root: Path, postgres_url: str, tmp_path: Path
) -> None:
    """Two app processes behind no balancer: one index (the open app's), one PostgreSQL for what
    users create. Sessions split between them get the answers one process gives alone, and the
    database holds every study answer of every session under its own name."""
    from tests.e2e.conftest import _start, _stop

    env = {"KB_DATA_DIR": str(tmp_path / "data"), "KB_DATABASE_URL": postgres_url}
    first, second = _start(e2e_root, "pg-1", env), _start(e2e_root, "pg-2", env)
    try:
        out = tmp_path / "load.json"
        args = ["--url", first.url, "--url", second.url, "--sessions", "4", "--questions", "2", "--pool", "5"]
        args += ["--study", "2", "--database-url", postgres_url, "--out", str(out)]
        assert load.main(args) == 0
    finally:
        _stop(first)
        _stop(second)
    summary = json.loads(out.read_text(encoding="utf-8"))["summary"]
    assert (summary["answers"], summary["errors"], summary["mismatches"]) == (16, 0, 0)  # 4 x (2 + a pair)
    assert (summary["study_answers"], summary["study_problems"]) == (8, 0)
    sessions = json.loads(out.read_text(encoding="utf-8"))["sessions"]
    assert {s["url"] for s in sessions} == {first.url, second.url}
