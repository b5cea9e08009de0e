"""Real-browser tests: the app served by `python app.py` in a subprocess (real default embedder,
real index on disk), driven by Playwright in Debian's chromium (`executable_path`; Playwright's
own browser downloads are not used). A failing test leaves a screenshot in test-artifacts/e2e/.

Without chromium or Playwright the tests skip, unless KB_E2E_REQUIRED=1 (set by `.ci/run`),
where a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from admin.users import hash_password
from ingest.config import PROJECT_ROOT
from tests.conftest import SAMPLE

CHROMIUM = os.environ.get("KB_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "e2e"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# A report that tries to run script in the page three ways.
XSS_REPORT = (
    "<script>window.__xss = 1</script>全区开展网络安全检查15次。\n"
    '<img src=x onerror="window.__xss = 2">全区处置网络安全事件3起。\n'
    "[点击查看](javascript:window.__xss=3)全区培训网络安全员40名。\n"
)
ADMIN, ADMIN_PASSWORD = "管理员", "admin-password"
READER, READER_PASSWORD = "张三", "reader-password"


def _browser_missing() -> str:
    if not Path(CHROMIUM).exists():
        return f"chromium not found at {CHROMIUM} (Debian: apt-get install chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]')"
    return ""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = _browser_missing()
    if not missing:
        return
    if os.environ.get("KB_E2E_REQUIRED") == "1":
        raise pytest.UsageError(f"browser tests required but {missing}")
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.skip(reason=missing))


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(root: Path, name: str, env: dict[str, str]) -> Server:
    port = _free_port()
    log = root / f"{name}.log"
    process = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env={**os.environ, "KB_DIR": str(root / "kb"), "KB_INDEX_DIR": str(root / "index"), **env},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300  # the first start embeds the reports
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"app exited ({process.returncode}):\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return Server(url, process, log)
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    process.kill()
    raise RuntimeError(f"app did not start:\n{log.read_text(errors='replace')}")


def _stop(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture(scope="session")
def e2e_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("e2e")
    (root / "kb").mkdir()
    shutil.copy(SAMPLE, root / "kb" / SAMPLE.name)
    (root / "kb" / "网络安全<测试>报告.txt").write_text(XSS_REPORT, encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def open_app(e2e_root: Path) -> Iterator[Server]:
    """No users configured: no login."""
    server = _start(e2e_root, "open", {"KB_DATA_DIR": str(e2e_root / "data-open")})
    yield server
    _stop(server)


@pytest.fixture(scope="session")
def login_app(e2e_root: Path) -> Iterator[Server]:
    """Users configured by KB_USERS; its own copy of the reports and index, since its tests
    upload and delete."""
    root = e2e_root / "login"
    shutil.copytree(e2e_root / "kb", root / "kb")
    users = f"{ADMIN}:admin:{hash_password(ADMIN_PASSWORD)},{READER}:user:{hash_password(READER_PASSWORD)}"
    server = _start(root, "login", {"KB_DATA_DIR": str(root / "data"), "KB_USERS": users})
    yield server
    _stop(server)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context per test (Chinese locale); a screenshot if the test failed."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    dialogs: list[str] = []
    page.accept_dialogs = False  # a test that expects a confirmation sets this

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)  # an alert() from injected script would land here too
        dialog.accept() if page.accept_dialogs else dialog.dismiss()

    page.on("dialog", on_dialog)
    page.dialogs = dialogs
    yield page
    screenshot_if_failed(request, page)
    context.close()


def screenshot_if_failed(request: pytest.FixtureRequest, page: Any, suffix: str = "") -> None:
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}{suffix}.png"), full_page=True)


@pytest.fixture(scope="session")
def reports_app(reports_settings: Any) -> Iterator[Server]:
    """Three real reports (two national years and a province), already indexed by the session
    fixture `reports_settings`; no login."""
    root = Path(reports_settings.kb_dir).parent
    server = _start(root, "reports", {"KB_DATA_DIR": str(root / "data")})
    yield server
    _stop(server)
