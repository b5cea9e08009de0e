"""Per-report readers as users meet them: two users side by side, one answered from a report
restricted to her group, the other refused with no hint of it; and the raw HTTP of the page's
endpoints, called with the outsider's session or none, holding nothing of the report."""

from __future__ import annotations

import http.cookiejar
import json
import re
import shutil
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from admin.users import hash_password
from tests.e2e.conftest import Server, _start, _stop, screenshot_if_failed
from tests.e2e.test_browser import ASK_BOX, FINAL_ANSWER

CLOSED = "2030年干部考察材料.txt"
CLOSED_TEXT = (
    "2030年干部考察材料\n一、考察情况\n全年考察干部86人，拟提拔干部17人。\n"
    "二、鹿鸣计划\n鹿鸣计划储备年轻干部240名。\n"
)
SECRETS = ("干部考察材料", "86人", "17人", "240名", "鹿鸣")
MEMBER, MEMBER_PASSWORD = "张三", "member-password"
OUTSIDER, OUTSIDER_PASSWORD = "李四", "outsider-password"
QUESTION = "考察干部多少人？"


@pytest.fixture(scope="module")
def restricted_app(e2e_root: Path) -> Iterator[Server]:
    """The sample report, open to all, and a report only 干部科 may read."""
    root = e2e_root / "restricted"
    (root / "kb").mkdir(parents=True)
    for report in (e2e_root / "kb").glob("*.txt"):
        shutil.copy(report, root / "kb" / report.name)
    (root / "kb" / CLOSED).write_text(CLOSED_TEXT, encoding="utf-8")
    (root / "kb" / f"{CLOSED}.meta.json").write_text('{"readers": ["干部科"]}', encoding="utf-8")
    users = (
        f"{MEMBER}:user:{hash_password(MEMBER_PASSWORD)}:干部科,"
        f"{OUTSIDER}:user:{hash_password(OUTSIDER_PASSWORD)}:办公室"
    )
    server = _start(root, "restricted", {"KB_DATA_DIR": str(root / "data"), "KB_USERS": users})
    yield server
    _stop(server)


def _leaks(text: str, asked: str = "") -> list[str]:
    """The closed report's words in `text`, as they are or as JSON escapes them ("\\u8003"),
    but those the user typed in the question."""
    return [s for s in SECRETS if (s in text or json.dumps(s)[1:-1] in text) and s not in asked]


def _logged_in(browser: Any, server: Server, name: str, password: str) -> Any:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(server.url, wait_until="domcontentloaded")
    page.get_by_text("用户名").first.wait_for()
    page.locator("input").first.fill(name)
    page.locator("input[type=password]").fill(password)
    page.get_by_role("button", name="登录").click()
    page.locator("#kb-user").get_by_text(f"当前用户：{name}").wait_for()
    return page


def _ask(page: Any, question: str) -> str:
    box = page.get_by_placeholder(ASK_BOX)
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(FINAL_ANSWER, arg=[1, question])
    return str(page.locator('[data-testid="bot"]').nth(0).inner_text())


def test_two_users_side_by_side(restricted_app: Server, browser: Any, request: pytest.FixtureRequest) -> None:
    member = _logged_in(browser, restricted_app, MEMBER, MEMBER_PASSWORD)
    outsider = _logged_in(browser, restricted_app, OUTSIDER, OUTSIDER_PASSWORD)
    try:
        assert _ask(member, QUESTION).startswith("86人")
        assert "干部考察材料" in member.locator("#kb-sources").inner_text()
        refused = _ask(outsider, QUESTION)
        assert refused.startswith("知识库中没有找到")
        # Nothing of it anywhere on the outsider's page: answer, sources, selectors, examples,
        # the status line, the study tab's scopes (its options are in the page once opened).
        outsider.locator("#kb-reports").click()
        outsider.get_by_role("tab", name="学习").click()
        outsider.locator("#quiz-scope").click()
        assert _leaks(outsider.content(), QUESTION) == []
        counts = [int(re.findall(r"知识库：(\d+) 个文档", p.content())[0]) for p in (member, outsider)]
        assert counts[0] == counts[1] + 1  # the status line counts the reports one may read
    finally:
        screenshot_if_failed(request, member, "-member")
        screenshot_if_failed(request, outsider, "-outsider")
        member.context.close()
        outsider.context.close()


def _session(server: Server, name: str, password: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = urllib.parse.urlencode({"username": name, "password": password}).encode()
    opener.open(f"{server.url}/login", data=form, timeout=30)
    assert any(c.name.startswith("access-token") for c in jar), "no session cookie after login"
    return opener


def _call(opener: urllib.request.OpenerDirector, server: Server, api: str, data: list[Any]) -> str:
    """One event of the page called directly: the raw server-sent events it streams back."""
    body = json.dumps({"data": data}).encode()
    posted = urllib.request.Request(
        f"{server.url}/gradio_api/call/{api}", data=body, headers={"Content-Type": "application/json"}
    )
    with opener.open(posted, timeout=60) as reply:
        event = json.loads(reply.read())["event_id"]
    with opener.open(f"{server.url}/gradio_api/call/{api}/{event}", timeout=120) as stream:
        return str(stream.read().decode("utf-8"))


def test_the_endpoints_called_directly(restricted_app: Server) -> None:
    outsider = _session(restricted_app, OUTSIDER, OUTSIDER_PASSWORD)
    member = _session(restricted_app, MEMBER, MEMBER_PASSWORD)
    config = outsider.open(f"{restricted_app.url}/config", timeout=30).read().decode("utf-8")
    assert _leaks(config) == []  # the page as built holds no report's title
    for question in (QUESTION, "鹿鸣计划储备了多少年轻干部？", "2030年拟提拔干部多少人？"):
        raw = _call(outsider, restricted_app, "chat", [question, [], [], []])
        assert "event: complete" in raw
        assert _leaks(raw, question) == []
    # Choosing the report by name in the request changes nothing: it is unknown to this user.
    raw = _call(outsider, restricted_app, "chat", [QUESTION, [], ["2030年干部考察材料"], []])
    assert _leaks(raw, QUESTION) == []
    for api in ("selectors", "example_updates", "status_text", "scopes"):
        assert _leaks(_call(outsider, restricted_app, api, [])) == [], api
    # A whole study round of every question there is for the outsider.
    studied = _call(outsider, restricted_app, "on_start", [OUTSIDER, "", 50])
    assert "event: complete" in studied and "quiz-meta" in studied  # a question was shown
    assert _leaks(studied) == []
    answered = _call(member, restricted_app, "chat", [QUESTION, [], [], []])
    assert "86人" in _leaks(answered)  # a member reads it
    anonymous = urllib.request.build_opener()
    with pytest.raises(urllib.error.HTTPError) as denied:
        anonymous.open(f"{restricted_app.url}/gradio_api/call/chat", data=b'{"data": []}', timeout=30)
    assert denied.value.code == 401


def _login_status(server: Server, name: str, password: str) -> tuple[int, str]:
    form = urllib.parse.urlencode({"username": name, "password": password}).encode()
    try:
        with urllib.request.urlopen(f"{server.url}/login", data=form, timeout=60) as reply:
            return reply.status, reply.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def test_twenty_wrong_passwords_lock_the_name_and_the_address(
    restricted_app: Server, browser: Any, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    replies = [_login_status(restricted_app, OUTSIDER, "wrong-password") for _ in range(20)]
    assert {status for status, _body in replies} == {400}
    assert "锁定" not in replies[4][1] and "锁定" in json.loads(replies[5][1])["detail"]
    # Locked: the right password fails too, for this name from anywhere and any name from here.
    status, body = _login_status(restricted_app, OUTSIDER, OUTSIDER_PASSWORD)
    assert status == 400 and "请 15 分钟后再试" in json.loads(body)["detail"]
    assert _login_status(restricted_app, MEMBER, MEMBER_PASSWORD)[0] == 400
    # The page states the rule, and on a locked login the lock (the same for every name: it tells
    # nothing of which names exist).
    page = browser.new_context(locale="zh-CN").new_page()
    try:
        page.goto(restricted_app.url, wait_until="domcontentloaded")
        page.get_by_text("连续输错 5 次，该用户名和本机将被锁定 15 分钟").wait_for()
        page.locator("input").first.fill(OUTSIDER)
        page.locator("input[type=password]").fill(OUTSIDER_PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.get_by_text("登录失败次数过多，该用户名或本机已被暂时锁定").wait_for()  # not only 凭据不正确
        page.locator("input").first.fill(MEMBER)  # again, with the message already on the page
        page.locator("input[type=password]").fill(MEMBER_PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_timeout(1000)
        assert "暂时锁定" in page.content() and "凭据不正确" not in page.inner_text("body")
    finally:
        screenshot_if_failed(request, page, "-locked")
        page.context.close()
    monkeypatch.setenv("KB_DATA_DIR", str(restricted_app.log.parent / "data"))
    from cli import main

    assert main(["users", "unlock", OUTSIDER, "--address", "127.0.0.1"]) == 0
    assert _login_status(restricted_app, OUTSIDER, OUTSIDER_PASSWORD)[0] == 200
    # The audit trail holds it all: the failures, the refusals while locked, the unlock, the login.
    from admin.audit import AuditLog

    audit = AuditLog(restricted_app.log.parent / "data" / "audit.jsonl")
    trail = audit.events(user=OUTSIDER)  # recorded before each reply left
    actions = [e.action for e in reversed(trail)]
    assert actions[-1] == "login" and actions.count("login_failed") >= 5
    assert actions.count("login_locked") >= 16 and {e.address for e in trail} == {"127.0.0.1"}
    unlocked = audit.events(action="unlock")
    assert unlocked and unlocked[0].object == f"{OUTSIDER}、127.0.0.1"
