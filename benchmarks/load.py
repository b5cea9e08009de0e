"""Load test: simultaneous chat sessions against running app processes, over their HTTP API.

    .venv/bin/python -m benchmarks.load [--url http://127.0.0.1:7860 [--url …]] [--sessions 20]
                                        [--questions 5] [--study 3 --database-url URL]
                                        [--user NAME --password PW] [--out bench-out/load.json]

With several `--url`s (app processes sharing one index and one KB_DATABASE_URL), session i talks
to url i mod N, and every answer must equal the one the first process gave alone. With
`--study K` each session also plays a study round of K questions as its own user
("load-<run>-<i>"); afterwards the shared database (`--database-url`) must hold exactly K
answers for each of them: none lost, none doubled, none under another session's name.

Each session is its own `gradio_client.Client` (its own session state, as a browser tab) and
asks `--questions` questions of the gold set, in an order no other session has, then a
follow-up pair ("建成了多少个规范村?" / "那示范村呢?", or another): the follow-up is only
understood through the session's own earlier turn, kept on the server. All sessions start
together. Every answer must equal the answer the same question (or pair) got asked alone
beforehand; the sources panel must be about the session's own question and list exactly its
own earlier questions (state kept on the server); the history must hold its own questions in
order. An answer in the wrong session, a lost or doubled message, or an error makes the run
fail (exit 1). Latency is from sending a question
to its final answer, as a user waits for it. A benchmark, not a test: run it by hand against
`make run` (or `kb serve`) and put the figures in docs/performance.md with the command.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from html import unescape
from pathlib import Path
from typing import Any

GOLD = Path(__file__).resolve().parent.parent / "eval" / "gold" / "qijiang-2021.jsonl"
# Follow-ups whose answer depends on the turn before them (a different one per session parity).
PAIRS = (("建成了多少个规范村?", "那示范村呢?"), ("2021年培训了多少人次党员干部?", "那党员群众呢?"))
_EARLIER = re.compile(r"<summary>较早的提问：(.*?)</summary>", re.S)


@dataclass
class SessionResult:
    session: int
    url: str = ""
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    study_user: str = ""
    study_answers: int = 0  # submitted through the study tab


def gold_questions(limit: int) -> list[str]:
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["question"] for r in rows if r.get("answers") and "turns" not in r][:limit]


def plain(content: Any) -> str:
    """A chat message's visible text: HTML tags dropped (citation anchors carry per-answer ids)."""
    if isinstance(content, list):
        content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return unescape(re.sub(r"<[^>]+>", "", str(content))).strip()


def _client(url: str, auth: tuple[str, str] | None) -> Any:
    from gradio_client import Client

    return Client(url, auth=auth, verbose=False)


def ask(client: Any, question: str, history: list[Any]) -> tuple[list[Any], str, float]:
    started = time.perf_counter()
    # The chat's visible outputs: the conversation, the sources panel, the cleared input box and
    # the two download buttons of a table answer.
    chat, sources, *_rest = client.predict(question, history, api_name="/chat")
    return chat, sources, (time.perf_counter() - started) * 1000


def reference_answers(
    url: str, questions: list[str], auth: tuple[str, str] | None
) -> dict[tuple[str, ...], str]:
    """Each question asked alone, and each follow-up pair in a session of its own: what every
    session must be shown. Keyed by the questions asked so far in the conversation that matter."""
    out: dict[tuple[str, ...], str] = {}
    for q in questions:
        chat, _sources, _ms = ask(_client(url, auth), q, [])
        out[(q,)] = plain(chat[-1]["content"])
    for first, follow in PAIRS:
        client = _client(url, auth)
        chat, _sources, _ms = ask(client, first, [])
        out[(first,)] = plain(chat[-1]["content"])
        chat, _sources, _ms = ask(client, follow, chat)
        out[(first, follow)] = plain(chat[-1]["content"])
    return out


def session_questions(index: int, questions: list[str], count: int) -> list[str]:
    """Session `index`'s own sequence: a rotation and stride no other session shares (for up
    to len(questions) * (len(questions) - 1) sessions), then a follow-up pair."""
    n = len(questions)
    stride = 1 + (index // n) % max(1, n - 1)
    mine = [questions[(index + k * stride) % n] for k in range(count)]
    return [*mine, *PAIRS[index % len(PAIRS)]]


def study_round(client: Any, user: str, count: int) -> int:
    """A round of `count` questions as `user`, each answered (a choice question with its first
    option, any other with "答案k") and moved past; returns how many answers were submitted."""
    from study.quiz import ALL

    shown = client.predict(user, ALL, count, api_name="/on_start")
    for k in range(count):
        client.predict(*_answer_for(shown[1], k), api_name="/on_submit")
        shown = client.predict(api_name="/on_next")
    return count


def _answer_for(options: Any, k: int) -> tuple[str | None, str]:
    """(picked option, typed text) for the question whose radio update is `options`."""
    if isinstance(options, dict) and options.get("visible") and options.get("choices"):
        first = options["choices"][0]
        return (first[1] if isinstance(first, list | tuple) else first), ""
    return None, f"答案{k}"


def run_session(
    index: int,
    url: str,
    questions: list[str],
    count: int,
    expected: dict[tuple[str, ...], str],
    start: threading.Barrier,
    auth: tuple[str, str] | None,
    study: tuple[str, int] = ("", 0),
) -> SessionResult:
    result = SessionResult(index, url)
    mine = session_questions(index, questions, count)
    try:
        client = _client(url, auth)
        start.wait()
        history: list[Any] = []
        for k, question in enumerate(mine):
            history, sources, ms = ask(client, question, history)
            result.latencies_ms.append(ms)
            asked = [plain(m["content"]) for m in history if m["role"] == "user"]
            if asked != mine[: k + 1]:
                result.mismatches.append(f"history holds {asked}, expected {mine[: k + 1]}")
            key = (mine[k - 1], question) if k and (mine[k - 1], question) in expected else (question,)
            if plain(history[-1]["content"]) != expected[key]:
                result.mismatches.append(f"answer to {' / '.join(key)!r} differs from the one asked alone")
            if f"问：{question}" not in plain(sources):
                result.mismatches.append(f"sources panel is not about {question!r}")
            earlier = [plain(q) for q in _EARLIER.findall(sources)]
            if earlier != list(reversed(mine[:k]))[: len(earlier)] or len(earlier) != min(k, 19):
                result.mismatches.append(
                    f"sources panel lists earlier questions {earlier}, not this session's"
                )
        prefix, rounds = study
        if rounds:
            result.study_user = f"{prefix}-{index}"
            result.study_answers = study_round(client, result.study_user, rounds)
    except Exception as exc:  # reported, and fails the run
        result.errors.append(f"{type(exc).__name__}: {exc}")
    return result


def stored_answers(database_url: str, results: list[SessionResult], prefix: str) -> list[str]:
    """What the shared database holds against what each session submitted: a problem per
    session whose count differs, and per user of this run no session played."""
    from study.progress import ProgressStore

    store = ProgressStore(database_url)
    problems = []
    for r in results:
        if not r.study_user:
            continue
        held = sum(s.answered for s in store.section_stats(r.study_user))
        if held != r.study_answers:
            problems.append(f"{r.study_user}: {held} answers stored, {r.study_answers} submitted")
    played = {r.study_user for r in results}
    strangers = [u for u in store.users() if u.startswith(f"{prefix}-") and u not in played]
    problems += [f"answers stored for {u}, whom no session played" for u in strangers]
    return problems


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Simultaneous chat sessions against a running app")
    parser.add_argument("--url", action="append", help="an app process (repeat for several)")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument(
        "--questions", type=int, default=5, help="gold questions per session (then a follow-up pair)"
    )
    parser.add_argument("--pool", type=int, default=20, help="distinct gold questions used")
    parser.add_argument("--study", type=int, default=0, help="study questions answered per session")
    parser.add_argument("--database-url", default=None, help="the processes' KB_DATABASE_URL, to check")
    parser.add_argument("--user", default=None)
    parser.add_argument("--password", default=None)
    parser.add_argument("--out", type=Path, default=Path("bench-out/load.json"))
    args = parser.parse_args(argv)
    if args.study and not args.database_url:
        parser.error("--study needs --database-url (where the answers must end up)")
    urls = args.url or ["http://127.0.0.1:7860"]
    auth = (args.user, args.password) if args.user else None
    questions = gold_questions(args.pool)
    expected = reference_answers(urls[0], questions, auth)
    start = threading.Barrier(args.sessions)
    prefix = f"load-{int(time.time())}"
    began = time.perf_counter()

    def session(i: int) -> SessionResult:
        url = urls[i % len(urls)]
        return run_session(i, url, questions, args.questions, expected, start, auth, (prefix, args.study))

    with ThreadPoolExecutor(args.sessions) as pool:
        results = list(pool.map(session, range(args.sessions)))
    wall = time.perf_counter() - began
    study_problems = stored_answers(args.database_url, results, prefix) if args.study else []
    latencies = [ms for r in results for ms in r.latencies_ms]
    summary = {
        "urls": urls,
        "sessions": args.sessions,
        "questions_per_session": args.questions + 2,
        "answers": len(latencies),
        "errors": sum(len(r.errors) for r in results),
        "mismatches": sum(len(r.mismatches) for r in results),
        "study_answers": sum(r.study_answers for r in results),
        "study_problems": len(study_problems),
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p95_ms": round(percentile(latencies, 95), 1) if latencies else None,
        "max_ms": round(max(latencies), 1) if latencies else None,
        "wall_s": round(wall, 1),
        "answers_per_s": round(len(latencies) / wall, 2) if wall else None,
        "load_average": os.getloadavg(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {"summary": summary, "sessions": [asdict(r) for r in results]}, ensure_ascii=False, indent=1
        ),
        encoding="utf-8",
    )
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    for r in results:
        for problem in r.errors + r.mismatches:
            print(f"session {r.session} ({r.url}): {problem}")
    for problem in study_problems:
        print(f"study: {problem}")
    ok = summary["errors"] == 0 and summary["mismatches"] == 0 and not study_problems
    return 0 if ok and latencies else 1


if __name__ == "__main__":
    raise SystemExit(main())
