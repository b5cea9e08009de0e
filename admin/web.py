"""The 管理 tab: administrators upload and delete reports from the browser.

The tab is shown only to a logged-in administrator, and every handler checks the role again on
the server: hiding a tab is not access control. All names shown are HTML-escaped.

An upload is indexed in a worker thread while its handler, a generator, shows how far it is
every STATUS_EVERY seconds; the chat keeps answering meanwhile (its events have their own
workers; the ingest embeds in short batches, see ingest.upload.BATCH_SECONDS). Uploads,
deletions and corrections share one queue of their own, one at a time, so a second one waits
its turn there instead of for the ingest lock.
"""

from __future__ import annotations

import html
import logging
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Generic, TypeVar

import gradio as gr
from gradio.utils import get_upload_folder

from admin.access import reader_problems
from admin.audit import ACTIONS, AuditError, AuditLog, address_of, as_csv
from admin.users import Users, UsersError
from ingest.build import IngestReport
from ingest.docs_table import readers_shown
from ingest.loaders import SUPPORTED_SUFFIXES
from ingest.metadata import EVERYONE, FROM_FOLDER, names_in
from ingest.progress import ProgressState
from ingest.records import ADMINS_ONLY, DocumentMeta
from ingest.upload import (
    UploadError,
    current_correction,
    delete_report,
    safe_name,
    save_correction,
    store_upload,
)
from rag.pipeline import KnowledgeBase

log = logging.getLogger(__name__)

NOT_ADMIN = "只有管理员可以上传或删除报告。"
STATUS_EVERY = 0.5  # seconds between two status lines of a running upload
# Uploads, deletions and corrections: one Gradio queue, one at a time (chat events have their own).
INGEST_QUEUE = "kb-ingest"
T = TypeVar("T")


def require_admin(users: Users, request: gr.Request | None) -> str:
    name = getattr(request, "username", None) if request is not None else None
    if not name or not users.is_admin(name):
        raise gr.Error(NOT_ADMIN, print_exception=False)
    return str(name)


def refused(message: str) -> str:
    """A refusal the administrator can act on: shown in the result box (and as a toast), without
    Gradio's error state, which would mark the document list and the other fields as failed."""
    gr.Warning(message, title="未完成")
    return f'<div class="kb-unverified">{html.escape(message)}</div>'


class Background(Generic[T]):
    """`work()` running in a thread of its own; `wait` for it, then take its `result()` (or its
    exception). A daemon thread: stopping the app mid-ingest is like a crash, which an ingest
    survives (the new version is published whole or not at all)."""

    def __init__(self, work: Callable[[], T]) -> None:
        self._work = work
        self._done = threading.Event()
        self._result: T | None = None
        self._error: BaseException | None = None
        threading.Thread(target=self._run, name="kb-upload", daemon=True).start()

    def _run(self) -> None:
        try:
            self._result = self._work()
        except BaseException as exc:
            self._error = exc
        finally:
            self._done.set()

    def wait(self, seconds: float) -> bool:
        return self._done.wait(seconds)

    def result(self) -> T:
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._result  # type: ignore[return-value]


_WORKING = '<div class="kb-progress">'


def working(message: str) -> str:
    """A status line of a running upload (`upload_steps` yields these before its result)."""
    return f"{_WORKING}{html.escape(message)}</div>"


def is_status(shown: str) -> bool:
    return shown.startswith(_WORKING)


def upload_steps(
    kb: KnowledgeBase,
    users: Users,
    file: str | None,
    request: gr.Request | None,
    uploads: Path | None = None,
    every: float = STATUS_EVERY,
    audit: AuditLog | None = None,
) -> Iterator[str]:
    """Store and index a file the browser uploaded, saying how far it is every `every` seconds
    ("正在导入《…》：向量化 120/200 段，约剩 35 秒"), then the result. `uploads` is where Gradio
    keeps uploaded files: an API caller may name any path on the server, and only files from
    there are taken. The ingest runs to its end even if the page is closed meanwhile."""
    admin = require_admin(users, request)
    if not file:
        yield refused("请先选择要上传的报告文件。")
        return
    source = Path(file)
    folder = (uploads or Path(get_upload_folder())).resolve()
    if source.is_symlink() or not source.resolve().is_relative_to(folder):
        log.warning("%s tried to import a file from outside the upload folder", admin)
        yield refused("只能导入通过本页面上传的文件。")
        return
    progress = ProgressState()

    def work() -> tuple[Path, IngestReport]:
        # Gradio keeps the uploaded file under a temporary folder with its original name.
        target, report = store_upload(kb.settings, source, source.name, kb.embedder, progress)
        # An audit line: who added which file. Never the file's text (see docs/security.md, "Logs").
        log.info("%s uploaded %s (%d paragraphs in the index)", admin, target.name, report.paragraphs)
        if audit is not None:
            audit.record("upload", admin, address_of(request), target.name)
        kb.current(wait=True)  # load the new version now, not on the next question
        return target, report

    job = Background(work)
    shown = safe_name(source.name)
    while not job.wait(every):
        yield working(f"正在导入《{shown}》：{progress.line()}")
    try:
        target, report = job.result()
    except UploadError as exc:
        yield refused(str(exc))
        return
    yield (
        f'<div class="kb-verified">已上传并导入：{html.escape(target.name)}。'
        f"知识库现有 {report.documents} 个文档、{report.paragraphs} 个段落。</div>"
    )


def upload(
    kb: KnowledgeBase,
    users: Users,
    file: str | None,
    request: gr.Request | None,
    uploads: Path | None = None,
    audit: AuditLog | None = None,
) -> str:
    """`upload_steps` to its end: the result alone."""
    return list(upload_steps(kb, users, file, request, uploads, audit=audit))[-1]


def delete(
    kb: KnowledgeBase,
    users: Users,
    path: str | None,
    request: gr.Request | None,
    audit: AuditLog | None = None,
) -> str:
    admin = require_admin(users, request)
    if not path:
        return refused("请先选择要删除的报告。")
    try:
        report = delete_report(kb.settings, path, kb.embedder)
    except UploadError as exc:
        return refused(str(exc))
    log.info("%s deleted %s", admin, Path(path).name)
    if audit is not None:
        audit.record("delete", admin, address_of(request), Path(path).name)
    kb.current(wait=True)
    return (
        f'<div class="kb-verified">已删除：{html.escape(Path(path).name)}（文件已移到回收站 '
        f"{html.escape(str(kb.settings.data_dir / 'trash'))}）。知识库现有 {report.documents} 个文档。</div>"
    )


def documents_html(kb: KnowledgeBase, known_groups: frozenset[str] = frozenset()) -> str:
    """The reports with their metadata and readers (administrators read every one), and the
    reports a mistake in their correction closed to all but administrators."""
    snapshot = kb.snapshot  # one version for both the list and the counts
    docs = snapshot.documents
    if not docs:
        return '<div class="src-empty">知识库中还没有报告。</div>'
    counts = snapshot.paragraphs.counts()
    rows = []
    for d in docs:
        meta = snapshot.metas.get(d.doc_id) or DocumentMeta(d.title)
        corrected = {k for k, where in meta.origin if where in ("更正文件", FROM_FOLDER)}

        def cell(key: str, value: str, corrected: set[str] = corrected) -> str:
            mark = ' class="meta-corrected" title="已按更正文件修改"' if key in corrected else ""
            return f"<td{mark}>{html.escape(value or '—')}</td>"

        rows.append(
            "<tr>"
            + cell("title", meta.title)
            + f"<td>{html.escape(Path(d.path).name)}</td>"
            + cell("year", str(meta.year or ""))
            + cell("body", meta.body)
            + cell("region", meta.region)
            + cell("kind", meta.kind.value)
            + cell("readers", readers_label(meta.readers))
            + f"<td>{counts.get(d.doc_id, 0)}</td><td>{_when(d.ingested_at)}</td></tr>"
        )
    head = "".join(
        f"<th>{h}</th>"
        for h in ("标题", "文件", "年份", "发布机关", "地区", "类型", "阅读范围", "段落", "导入时间")
    )
    problems = reader_problems(docs, snapshot.metas, known_groups)
    shown = "".join(f'<div class="kb-unverified">{html.escape(p)}</div>' for p in problems)
    return f'{shown}<table class="quiz-stats"><tr>{head}</tr>{"".join(rows)}</table>'


def readers_label(readers: tuple[str, ...]) -> str:
    """How a report's readers are shown: 所有用户, 仅管理员, or its groups."""
    shown = readers_shown(readers)
    return f"{shown}（更正文件有误）" if ADMINS_ONLY in readers else shown


META_FIELDS = (
    ("title", "标题"),
    ("year", "年份"),
    ("body", "发布机关"),
    ("region", "地区"),
    ("kind", "类型"),
    ("readers", "阅读范围"),
)


def correct(
    kb: KnowledgeBase,
    users: Users,
    path: str | None,
    values: dict[str, str],
    request: gr.Request | None,
    audit: AuditLog | None = None,
) -> str:
    """Save an administrator's correction of a report's metadata and re-index."""
    admin = require_admin(users, request)
    if not path:
        return refused("请先选择要更正的报告。")
    unknown = _unknown_groups(users, values.get("readers", ""))
    if unknown:
        return refused(
            f"阅读范围（readers）中的组“{'、'.join(unknown)}”没有任何用户：请先在下方为用户设置所属的组，"
            "或改正组名。未保存。"
        )
    try:
        report = save_correction(kb.settings, path, values, kb.embedder)
    except UploadError as exc:
        return refused(str(exc))
    log.info("%s corrected the metadata of %s", admin, Path(path).name)
    if audit is not None:
        entered = "，".join(f"{k}={v.strip()}" for k, v in values.items() if v and v.strip())
        what = f"{Path(path).name}：{entered or '全部按自动识别'}"
        audit.record("correct", admin, address_of(request), what)
    kb.current(wait=True)
    meta = dict(report.catalog).get(str(Path(path)))
    shown = f"：{html.escape(meta.label)}，{meta.year or '年份未知'}，{meta.kind.value}" if meta else ""
    return f'<div class="kb-verified">已保存更正并重新索引{shown}。</div>'


def correction_form(
    kb: KnowledgeBase, users: Users, path: str | None, request: gr.Request | None
) -> list[Any]:
    """The form for one report: its correction's values, with the values in force as hints.
    Administrators only, and only for a report in the knowledge-base folder (an API caller may
    name any path)."""
    require_admin(users, request)
    known = {d.path for d in kb.snapshot.documents}
    if not path or path not in known:
        return [gr.update(value="", placeholder="") for _ in META_FIELDS]
    doc = next((d for d in kb.snapshot.documents if d.path == path), None)
    meta = kb.snapshot.metas.get(doc.doc_id) if doc else None
    now = current_correction(path)
    shown = {
        "title": meta.title if meta else "",
        "year": str(meta.year or "") if meta else "",
        "body": meta.body if meta else "",
        "region": meta.region if meta else "",
        "kind": meta.kind.value if meta else "",
        "readers": readers_label(meta.readers) if meta else "",
    }
    return [
        gr.update(value=now.get(key, ""), placeholder=f"自动：{shown[key] or '未知'}（留空即自动）")
        for key, _label in META_FIELDS
    ]


def _unknown_groups(users: Users, readers: str) -> list[str]:
    """The groups a readers field names that no user belongs to ("所有人" names none)."""
    names = [n for n in names_in(readers) if n not in EVERYONE]
    known = users.groups()
    return [n for n in dict.fromkeys(names) if n not in known]


def set_user_groups(
    users: Users, name: str, groups: str, request: gr.Request | None, audit: AuditLog | None = None
) -> str:
    """An administrator sets which groups a user belongs to (none: open reports only)."""
    admin = require_admin(users, request)
    if not (name or "").strip():
        return refused("请先填写用户名。")
    try:
        user = users.set_groups(name, names_in(groups))
    except UsersError as exc:
        return refused(str(exc))
    log.info("%s set the groups of %s", admin, user.name)
    if audit is not None:
        groups_now = "、".join(user.groups) or "无"
        audit.record("user_groups", admin, address_of(request), f"{user.name}：{groups_now}")
    shown = "、".join(user.groups) or "无（只能读公开的报告）"
    return f'<div class="kb-verified">已保存：{html.escape(user.name)} 的组为 {html.escape(shown)}。</div>'


def users_html(users: Users) -> str:
    """Who may log in, their role and groups (never a password hash)."""
    try:
        found = users.all()
    except UsersError as exc:
        return f'<div class="kb-unverified">{html.escape(str(exc))}</div>'
    rows = "".join(
        f"<tr><td>{html.escape(u.name)}</td><td>{'管理员' if u.is_admin else '普通用户'}</td>"
        f"<td>{html.escape('、'.join(u.groups) or '—')}</td></tr>"
        for u in found.values()
    )
    return f'<table class="quiz-stats"><tr><th>用户</th><th>角色</th><th>组</th></tr>{rows}</table>'


def audit_html(audit: AuditLog, user: str = "", action: str = "") -> str:
    """The newest events (of a user, of an action), as a table."""
    try:
        events = audit.events(user.strip(), action or "")
    except AuditError as exc:
        return f'<div class="kb-unverified">{html.escape(str(exc))}</div>'
    if not events:
        return '<div class="src-empty">没有符合条件的操作记录。</div>'
    rows = "".join(
        f"<tr><td>{html.escape(e.when)}</td><td>{html.escape(e.user or '—')}</td>"
        f"<td>{html.escape(e.address or '—')}</td><td>{html.escape(ACTIONS.get(e.action, e.action))}</td>"
        f"<td>{html.escape(e.object)}</td></tr>"
        for e in events
    )
    head = "".join(f"<th>{h}</th>" for h in ("时间", "用户", "地址", "操作", "对象"))
    return f'<table class="quiz-stats"><tr>{head}</tr>{rows}</table>'


def audit_csv(audit: AuditLog, user: str = "", action: str = "") -> str:
    """The same events (up to all of them) as a CSV file to download; its path."""
    events = audit.events(user.strip(), action or "", limit=1_000_000)
    folder = Path(tempfile.mkdtemp(prefix="kb-audit-"))
    path = folder / f"操作记录-{time.strftime('%Y%m%d-%H%M%S')}.csv"
    path.write_text(as_csv(events), encoding="utf-8")
    return str(path)


def known_groups(users: Users) -> frozenset[str]:
    """The groups some user belongs to; none when the users cannot be read (then every
    restricted report is shown as closed, which is what readers then get)."""
    try:
        return users.groups()
    except UsersError:
        return frozenset()


def _when(stamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(stamp))


def document_choices(kb: KnowledgeBase) -> list[tuple[str, str]]:
    kb_dir = kb.settings.kb_dir.resolve()
    return [
        (f"{d.title}（{Path(d.path).name}）", d.path)
        for d in kb.snapshot.documents
        if Path(d.path).resolve().is_relative_to(kb_dir)
    ]


def build_admin_tab(kb: KnowledgeBase, users: Users, audit: AuditLog | None = None) -> tuple[Any, ...]:
    """The tab's contents; returns the components the page refreshes on load. `audit`: where
    the administrators' actions are recorded, and read back in the tab's 操作记录."""
    kinds = "、".join(sorted(SUPPORTED_SUFFIXES))
    gr.Markdown(
        "上传报告后自动导入（显示进度和预计剩余时间，其间问答照常），完成后问答和学习立即可用。"
        f"支持 {kinds}，单个文件不超过 {kb.settings.max_file_mb} MB；"
        "与已有文件同名时自动改名，不会覆盖。删除的报告移到回收站，可以找回。"
    )
    with gr.Row(equal_height=False):
        with gr.Column():
            # No file_types filter: a wrong type reaches the server and gets a Chinese reason.
            file = gr.File(label="选择报告文件", file_count="single", elem_id="admin-file")
            send = gr.Button("上传并导入", variant="primary", elem_id="admin-upload")
            result = gr.HTML("", elem_id="admin-result")
        with gr.Column():
            gr.Markdown("### 已导入的报告")
            table = gr.HTML("", elem_id="admin-docs")
            # Custom values allowed: delete_report checks the path itself, and Gradio's own check
            # would echo every report's path into the log when an API caller sends another.
            chosen = gr.Dropdown(
                label="选择要删除的报告", choices=[], allow_custom_value=True, elem_id="admin-delete-choice"
            )
            remove = gr.Button("删除报告", variant="stop", elem_id="admin-delete")
            confirmed = gr.Checkbox(value=False, visible=False, elem_id="admin-delete-confirmed")
    gr.Markdown(
        "### 更正报告信息\n年份、发布机关、地区和类型从标题、文件名和正文开头自动识别，"
        "决定问答时用哪份报告回答哪一年、哪个地区的问题。识别有误时在这里更正"
        "（保存为报告旁的 `文件名.meta.json`，见 kb/README.md）；留空的项按自动识别。"
    )
    with gr.Row():
        target = gr.Dropdown(
            label="选择报告", choices=[], allow_custom_value=True, elem_id="admin-meta-choice", scale=2
        )
        fields = [
            gr.Textbox(label=label, elem_id=f"admin-meta-{key}", scale=2 if key in ("title", "body") else 1)
            for key, label in META_FIELDS
        ]
    save = gr.Button("保存更正", variant="primary", elem_id="admin-meta-save")
    saved = gr.HTML("", elem_id="admin-meta-result")
    gr.Markdown(
        "### 用户与组\n阅读范围填组名（如 干部科、部务会）的报告，只有这些组的成员和管理员能读到："
        "问答、出处、示例问题、学习题目和表格都不会出现它的内容。留空或“所有人”即所有用户可读。"
        "在这里设置用户所属的组（新用户用 `kb users add 用户名 --group 组名` 添加）。"
    )
    members = gr.HTML("", elem_id="admin-users")
    with gr.Row():
        member = gr.Textbox(label="用户名", elem_id="admin-user-name", scale=1)
        member_groups = gr.Textbox(
            label="所属的组（多个用顿号分隔，留空即不属于任何组）", elem_id="admin-user-groups", scale=2
        )
        set_groups = gr.Button("保存用户的组", elem_id="admin-user-save", scale=0, min_width=120)
    groups_saved = gr.HTML("", elem_id="admin-user-result")
    gr.Markdown(
        "### 操作记录\n登录（成功、失败、锁定）、上传、删除、更正报告信息、设置用户的组、解锁"
        + ("，以及提问（已按 KB_AUDIT_QUESTIONS 开启）" if audit is not None and audit.questions else "")
        + "。按用户或操作筛选，可导出 CSV。"
    )
    with gr.Row():
        who = gr.Textbox(label="用户（留空即全部）", elem_id="admin-audit-user", scale=2)
        action = gr.Dropdown(
            label="操作",
            choices=[("全部", ""), *((label, key) for key, label in ACTIONS.items())],
            value="",
            elem_id="admin-audit-action",
            scale=2,
        )
        look = gr.Button("查询", elem_id="admin-audit-show", scale=0, min_width=80)
        export = gr.DownloadButton("导出 CSV", elem_id="admin-audit-csv", scale=0, min_width=100)
    events = gr.HTML("", elem_id="admin-audit")

    def documents_refreshed() -> tuple[Any, ...]:
        """The table and both report lists, as they are now."""
        choices = document_choices(kb)
        return (
            documents_html(kb, known_groups(users)),
            gr.update(choices=choices, value=None),
            gr.update(choices=choices, value=None),
        )

    def refreshed() -> tuple[Any, ...]:
        """All the tab shows on load: the reports, the users and the newest events."""
        return (*documents_refreshed(), users_html(users), audit_html(audit) if audit is not None else "")

    def on_upload(path: str | None, request: gr.Request) -> Iterator[tuple[Any, ...]]:
        shown = ""
        for shown in upload_steps(kb, users, path, request, audit=audit):
            if is_status(shown):
                yield shown, gr.skip(), gr.skip(), gr.skip(), gr.skip()
        yield (shown, None, *documents_refreshed())

    def on_delete(path: str | None, confirmed: bool, request: gr.Request) -> tuple[Any, ...]:
        if path and not confirmed:  # "cancel" in the browser's confirmation
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return (delete(kb, users, path, request, audit), *documents_refreshed())

    def on_save(
        path: str | None,
        title: str,
        year: str,
        body: str,
        region: str,
        kind: str,
        readers: str,
        request: gr.Request,
    ) -> tuple[Any, ...]:
        values = (title, year, body, region, kind, readers)
        entered = dict(zip((key for key, _label in META_FIELDS), values, strict=True))
        return (correct(kb, users, path, entered, request, audit), documents_html(kb, known_groups(users)))

    def on_choose(path: str | None, request: gr.Request) -> list[Any]:
        return correction_form(kb, users, path, request)

    def on_set_groups(name: str, groups: str, request: gr.Request) -> tuple[str, str, str]:
        done = set_user_groups(users, name, groups, request, audit)
        return done, users_html(users), documents_html(kb, known_groups(users))

    def on_audit(user: str, chosen: str | None, request: gr.Request) -> str:
        require_admin(users, request)
        return audit_html(audit, user, chosen or "") if audit is not None else ""

    def on_export(user: str, chosen: str | None, request: gr.Request) -> Any:
        require_admin(users, request)
        return audit_csv(audit, user, chosen or "") if audit is not None else None

    look.click(on_audit, [who, action], events)
    export.click(on_export, [who, action], export)

    target.change(on_choose, target, fields)
    set_groups.click(on_set_groups, [member, member_groups], [groups_saved, members, table])
    queue: dict[str, Any] = {"concurrency_id": INGEST_QUEUE, "concurrency_limit": 1}
    save.click(on_save, [target, *fields], [saved, table], **queue)
    # "minimal": the status lines stay readable (no spinner laid over the result box).
    send.click(on_upload, file, [result, file, table, chosen, target], show_progress="minimal", **queue)
    # The browser asks for confirmation; its answer travels in a hidden checkbox, so the chosen
    # report (a value from the dropdown's own list) is passed on untouched.
    remove.click(
        on_delete,
        [chosen, confirmed],
        [result, table, chosen, target],
        js="(p, c) => [p, !!p && confirm('确定删除这份报告吗？删除后可从回收站找回。')]",
        **queue,
    )
    return table, chosen, target, members, events, refreshed
