"""The web app: the page with its tabs (问答 chat/web.py, 学习 study/web.py, 管理 admin/web.py),
its start-up and logging.

    python app.py [--host HOST] [--port PORT] [--database-url URL] [--answerer … --llm-* …]
                                                   (or `kb serve`; folders from KB_DIR, KB_INDEX_DIR)

Answers stream into the chat; every `[n]` in an answer links to its paragraph in the sources
panel, which shows the full paragraph with the supporting sentence highlighted. All document
and question text is HTML-escaped; the chat renders our own markup only (no Markdown).
"""

from __future__ import annotations

import argparse
import html
import json
import logging
import sys
import time
from typing import Any

import gradio as gr
from starlette.middleware import Middleware

from admin.access import Access
from admin.audit import AuditLog
from admin.lockout import LOCK_SECONDS, MAX_FAILURES, Lockout, LoginGuard
from admin.users import Users
from admin.web import build_admin_tab
from chat.render import CHAT_CSS
from chat.web import build_chat_tab
from ingest.config import Settings, add_database_argument, add_llm_arguments, llm_overrides
from rag.pipeline import KnowledgeBase, Status
from study.progress import ProgressError, ProgressStore
from study.quiz import Quiz
from study.render import STUDY_CSS
from study.web import browser_secret, build_study_tab, remembered_name

log = logging.getLogger(__name__)

TITLE = "组工报告知识库问答"
LOGIN_MESSAGE = (
    f"请输入组织部分配的用户名和密码。连续输错 {MAX_FAILURES} 次，该用户名和本机将被锁定 "
    f"{LOCK_SECONDS // 60} 分钟，如需提前解锁请联系管理员。"
)
CONCURRENT_ANSWERS = 8

# Styles of no one tab: the 管理 tab's markup (admin/web.py) and Gradio's toasts.
PAGE_CSS = """
td.meta-corrected { background: rgba(253, 230, 138, .35); }
/* Gradio titles its toasts by level in English ("Warning"); show Chinese instead. */
.toast-title.warning, .toast-title.error, .toast-title.info { font-size: 0 !important; }
.toast-title.warning::before, .toast-title.info::before { content: "提示"; font-size: 16px; }
.toast-title.error::before { content: "出错了"; font-size: 16px; }
.toast-title .toast-count { font-size: 12px; }
.kb-progress { font-size: .9em; color: var(--body-text-color-subdued); padding: .2em 0; }
"""

# Runs once on page load: adds every tab's styles and one delegated click handler for all `[n]`
# links (chat.render's cite anchors), so links in messages rendered later work too. Opens
# collapsed earlier answers if needed.
_JS = r"""
() => {
  if (window.__kbCite) return;
  window.__kbCite = true;
  const style = document.createElement('style');
  style.textContent = __CSS__;
  document.head.appendChild(style);
  document.addEventListener('click', (ev) => {
    const a = ev.target instanceof Element ? ev.target.closest('a[href^="#cite-"], a[href^="#mark-"]') : null;
    if (!a) return;
    ev.preventDefault();
    ev.stopPropagation();
    const target = document.getElementById(a.getAttribute('href').slice(1));
    if (!target) return;
    // A prose answer's point links to its own clause (a <mark> in the card): that clause stands
    // out from the other clauses quoted from the same paragraph.
    const mark = target.tagName === 'MARK' ? target : null;
    const card = mark ? mark.closest('.src-card') : target;
    if (!card) return;
    for (let d = card.parentElement; d; d = d.parentElement) if (d.tagName === 'DETAILS') d.open = true;
    document.querySelectorAll('.src-card.cite-active').forEach((c) => c.classList.remove('cite-active'));
    card.classList.add('cite-active');
    document.querySelectorAll('mark.mark-active').forEach((m) => m.classList.remove('mark-active'));
    if (mark) mark.classList.add('mark-active');
    (mark || card).scrollIntoView({ behavior: 'smooth', block: 'center' });
  }, true);
  // Gradio checks an upload's size in the browser and says so in English: say it in Chinese.
  const tooBig = /^File\(s\) exceed the maximum allowed size of (.+?): (.+)$/;
  new MutationObserver(() => {
    document.querySelectorAll('.toast-body *').forEach((el) => {
      if (el.children.length) return;
      const m = tooBig.exec(el.textContent.trim());
      if (m) el.textContent = `文件超过大小上限（${m[1].replace(' Mb', ' MB')}）：${m[2]}`;
    });
  }).observe(document.body, { childList: true, subtree: true });
}
"""
JS = _JS.replace("__CSS__", json.dumps(CHAT_CSS + PAGE_CSS + STUDY_CSS))


def render_status(status: Status, model: str = "") -> str:
    built = time.strftime("%Y-%m-%d %H:%M", time.localtime(status.built_at)) if status.built_at else "未知"
    how = f"大模型生成（{model}），逐句核对原文" if model else "摘录原文"
    # Whose knowledge base: a question naming no place is answered from this body's reports first.
    home = f"本单位：{status.home} · " if status.home else ""
    if status.home_unmatched:
        home = f"本单位：{status.home_unmatched}（知识库中暂无其报告）· "
    size = f"知识库：{status.documents} 个文档，{status.paragraphs} 个段落"
    return f"{home}{size} · 索引建立于 {built} · 回答方式：{how}"


def _status_text(kb: KnowledgeBase, readable: frozenset[str] | None = None) -> str:
    try:
        return render_status(kb.status(readable), kb.chat.name if kb.chat is not None else "")
    except Exception:
        log.exception("status failed")
        return "知识库状态暂时无法读取。"


def build_ui(
    kb: KnowledgeBase, quiz: Quiz | None = None, users: Users | None = None, audit: AuditLog | None = None
) -> gr.Blocks:
    """The page: a 问答 tab (chat with cited sources), a 学习 tab (quiz from the reports) and,
    for a logged-in administrator, a 管理 tab (upload, delete). Styles and the citation click
    handler load with the page (see JS)."""
    study_error = ""
    if quiz is None:
        try:
            quiz = Quiz(lambda: kb.snapshot, ProgressStore.from_settings(kb.settings))
        except ProgressError as exc:  # the chat must not go down with the study records
            log.error("study mode disabled: %s", exc)
            study_error = str(exc)
    users = users or Users.from_settings(kb.settings.data_dir, database_url=kb.settings.database_url)
    access = Access(users)
    audit = audit or AuditLog.from_settings(kb.settings.data_dir, kb.settings.database_url)

    def readable(request: gr.Request | None) -> frozenset[str] | None:
        """The reports the request's user may read (admin.access): every answer, listing, example
        and study question is limited to them. Read per request: a changed group or report
        correction applies at once."""
        return access.readable(getattr(request, "username", None), kb.snapshot.metas)

    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        with gr.Row():
            gr.Markdown(f"# {TITLE}")
            who = gr.Markdown("", elem_id="kb-user")
            gr.Button("退出登录", link="/logout", size="sm", scale=0, min_width=90, visible=users.enabled)
        status = gr.Markdown("")  # the user's own view, filled on load
        saved_name = remembered_name(browser_secret(kb.settings.data_dir))
        with gr.Tabs():
            with gr.Tab("问答", id="chat"):
                build_chat_tab(demo, kb, readable, audit)
            with gr.Tab("学习", id="study"):
                if quiz is not None:
                    build_study_tab(demo, quiz, saved_name, readable)
                else:
                    gr.Markdown(f"学习功能暂不可用：{study_error}")
            with gr.Tab("管理", id="admin", visible=False) as admin_tab:
                docs, choices, meta_choices, members, events, refreshed = build_admin_tab(kb, users, audit)

        def on_load(request: gr.Request) -> tuple[Any, ...]:
            name = getattr(request, "username", None)
            admin = users.is_admin(name)
            shown = refreshed() if admin else tuple(gr.skip() for _ in range(5))
            greeting = f"当前用户：{html.escape(str(name))}{'（管理员）' if admin else ''}" if name else ""
            return greeting, gr.update(visible=admin), *shown

        demo.load(on_load, None, [who, admin_tab, docs, choices, meta_choices, members, events])
        demo.load(None, None, None, js=JS)
        def status_text(request: gr.Request) -> str:
            return _status_text(kb, readable(request))

        demo.load(status_text, None, status)
    return demo


def launch(settings: Settings) -> None:
    """Serve the app on settings.host:settings.port (the index must exist; see ingest.startup.ensure_index).
    With users configured, every page and API call requires login."""
    configure_logging()
    kb = KnowledgeBase(settings)
    users = Users.from_settings(settings.data_dir, database_url=settings.database_url)
    # Users that cannot be read (a database that is down) stop the start here, with the reason:
    # starting without login would open the app to everyone.
    login = users.enabled
    # Several people ask at once: answering is thread-safe (the embedder serialises its own
    # calls), so more than Gradio's default single worker may stream answers concurrently. Each
    # event listener has its own workers (its concurrency_id defaults to its function), so an
    # upload running in the 管理 tab (queue "kb-ingest", admin/web.py) takes none of the chat's.
    audit = AuditLog.from_settings(settings.data_dir, settings.database_url)
    # Guessing is slowed and then stopped: failures lock the name and the address (admin.lockout).
    lockout = Lockout.from_settings(settings.data_dir, settings.database_url)
    guard = [Middleware(LoginGuard, lockout=lockout, audit=audit)]
    build_ui(kb, users=users, audit=audit).queue(default_concurrency_limit=CONCURRENT_ANSWERS).launch(
        server_name=settings.host,
        server_port=settings.port,
        footer_links=["api", "gradio", "settings"],
        auth=users.authenticate_async if login else None,
        auth_message=LOGIN_MESSAGE if login else None,
        max_file_size=f"{settings.max_file_mb}mb",
        app_kwargs={"middleware": guard} if login else None,
    )


def configure_logging() -> None:
    """Warnings from everything; our own audit lines (uploads, deletions) at INFO. No module logs
    question or report text at these levels (tests/test_logs.py)."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("admin").setLevel(logging.INFO)


def main(argv: list[str] | None = None) -> int:
    from ingest.build import IngestLocked
    from ingest.embed import EmbedderError
    from ingest.search_types import IndexBackendError
    from ingest.startup import ensure_index
    from ingest.store import IndexMissing

    parser = argparse.ArgumentParser(description=f"{TITLE}：网页对话")
    parser.add_argument("--host", default=None, help="监听地址（默认 127.0.0.1，或 KB_HOST）")
    parser.add_argument("--port", type=int, default=None, help="端口（默认 7860，或 KB_PORT）")
    add_database_argument(parser)
    add_llm_arguments(parser)
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env(
            host=args.host, port=args.port, database_url=args.database_url, **llm_overrides(args)
        )
        ensure_index(settings, refresh=True)  # index reports added since the last start
        launch(settings)
    except (IngestLocked, EmbedderError, IndexBackendError, IndexMissing, ValueError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
