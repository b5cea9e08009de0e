"""The app in a real browser, as staff use it: ask, click a citation, stay safe from report
markup, log in, study."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import ADMIN, ADMIN_PASSWORD, READER, READER_PASSWORD, Server, screenshot_if_failed

ASK_BOX = "输入问题，按回车发送"
# The last step of an answer: its [n] links rendered and the sources panel headed by the question
# (streamed steps carry neither), and the input box cleared for the next question.
FINAL_ANSWER = """([n, question]) => {
  const bots = document.querySelectorAll('[data-testid="bot"]');
  const head = document.querySelector('#kb-sources .src-q');
  const box = document.querySelector('textarea[placeholder="输入问题，按回车发送"]');
  return bots.length >= n && bots[n - 1].querySelector("a[href^='#cite-'], a[href^='#mark-']") !== null
    && head !== null && head.innerText.trim() === '问：' + question && box !== null && box.value === '';
}"""


def _ask(page: Any, question: str, n: int = 1) -> Any:
    box = page.get_by_placeholder(ASK_BOX)
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(FINAL_ANSWER, arg=[n, question])
    return page.locator('[data-testid="bot"]').nth(n - 1)


def _open(page: Any, server: Server) -> None:
    page.goto(server.url, wait_until="domcontentloaded")
    page.get_by_placeholder(ASK_BOX).wait_for()


def _log_in(page: Any, server: Server, name: str, password: str) -> None:
    page.goto(server.url, wait_until="domcontentloaded")
    page.get_by_text("用户名").first.wait_for()
    page.locator("input").first.fill(name)
    page.locator("input[type=password]").fill(password)
    page.get_by_role("button", name="登录").click()


def _open_admin_tab(page: Any, server: Server) -> Any:
    """Logged in as the administrator, on the 管理 tab with its list loaded; returns the list."""
    _log_in(page, server, ADMIN, ADMIN_PASSWORD)
    page.locator("#kb-user").get_by_text(f"当前用户：{ADMIN}（管理员）").wait_for()
    page.get_by_role("tab", name="管理").click()
    docs = page.locator("#admin-docs")
    docs.get_by_text("网络安全<测试>报告.txt").wait_for()
    return docs


def test_ask_see_the_answer_click_the_citation(open_app: Server, page: Any) -> None:
    _open(page, open_app)
    answer = _ask(page, "2021年培训了多少人次党员干部?")
    assert answer.inner_text().startswith("40822人次")
    link = answer.locator("a[href^='#cite-']").first
    assert link.inner_text() == "[1]"
    assert page.locator(".src-card.cite-active").count() == 0
    link.click()
    card = page.locator(".src-card.cite-active")
    card.wait_for()
    assert "第9段" in card.inner_text()
    assert "40822人次" in card.locator("mark").inner_text()  # the supporting sentence, highlighted


def test_a_prose_answer_lists_its_points_and_each_link_highlights_its_clause(
    open_app: Server, page: Any
) -> None:
    _open(page, open_app)
    answer = _ask(page, "干部家访工作是怎么开展的?")
    points = answer.locator("ol.kb-points li")
    assert points.count() >= 2
    assert answer.locator(".kb-lead").inner_text().startswith("据《綦江区委组织部2021年组工答卷》")
    second = points.nth(1)
    second.locator("a.cite").click()
    mark = page.locator("#kb-sources mark.mark-active")
    mark.wait_for()
    # The clause of this point, not its neighbours quoted from the same paragraph.
    assert second.inner_text().startswith(mark.inner_text())
    assert page.locator("#kb-sources mark").count() >= 2
    assert page.locator(".src-card.cite-active").count() == 1


def test_report_markup_and_html_questions_stay_text(open_app: Server, page: Any) -> None:
    _open(page, open_app)
    first = _ask(page, "全区开展网络安全检查多少次?")
    assert "<script>window.__xss = 1</script>" in first.inner_text()  # shown, as text
    _ask(page, "全区处置网络安全事件多少起?", 2)
    third = _ask(page, '<img src=x onerror="window.__xss = 4">全区培训网络安全员多少名?', 3)
    assert "[点击查看](javascript:window.__xss=3)" in third.inner_text()
    user_bubbles = page.locator('[data-testid="user"]').all_inner_texts()
    assert '<img src=x onerror="window.__xss = 4">全区培训网络安全员多少名?' in user_bubbles[2]
    sources = page.locator("#kb-sources").text_content()  # earlier answers are collapsed
    assert '<img src=x onerror="window.__xss = 2">' in sources
    for link in page.locator("a[href^='#cite-']").all():
        link.click()
    # Nothing ran: no flag set, no dialog, no element made from report or question text.
    assert page.evaluate("() => window.__xss") is None
    assert page.dialogs == []
    assert page.locator("#kb-sources script, #kb-sources img, [data-testid='bot'] img").count() == 0
    assert page.locator("[data-testid='user'] img, [data-testid='bot'] script").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0


def test_a_round_of_study_in_the_browser(open_app: Server, page: Any) -> None:
    _open(page, open_app)
    page.get_by_role("tab", name="学习").click()
    page.locator("#quiz-name textarea, #quiz-name input").first.fill("王小明")
    page.locator("#quiz-start").click()
    page.locator("#quiz-question .quiz-text").wait_for()
    assert re.match(r"第 1/10 题 · ", page.locator("#quiz-question .quiz-meta").inner_text())
    options = page.locator("#quiz-options")
    if _choices_shown(page):
        options.locator("label").first.click()
    else:
        page.locator("#quiz-answer textarea, #quiz-answer input").first.fill("不知道")
    page.locator("#quiz-submit").click()
    feedback = page.locator("#quiz-feedback")
    feedback.locator(".quiz-verdict").wait_for()
    assert "正确答案：" in feedback.inner_text()
    assert feedback.locator(".quiz-source mark strong").count() == 1  # the answer, in its sentence
    assert "王小明 的学习进度：已答 1 次" in page.locator("#quiz-progress").inner_text()


def test_starting_a_round_without_a_name_says_so_and_marks_nothing_as_broken(
    open_app: Server, page: Any
) -> None:
    _open(page, open_app)
    page.get_by_role("tab", name="学习").click()
    page.locator("#quiz-name textarea, #quiz-name input").first.fill("")
    page.locator("#quiz-start").click()
    page.locator(".toast-body").get_by_text("请先填写姓名").wait_for()
    # A notice, not an error: no red "Error" badge on the tab's components.
    assert (
        page.locator(
            "#quiz-question span.error, #quiz-feedback span.error, #quiz-progress span.error"
        ).count()
        == 0
    )
    assert not page.locator("#quiz-submit").is_visible()  # no round began


def test_login_is_required_when_users_are_configured(login_app: Server, page: Any) -> None:
    with pytest.raises(urllib.error.HTTPError) as denied:
        urllib.request.urlopen(f"{login_app.url}/config", timeout=10)
    assert denied.value.code == 401  # the API is closed too, not only the page
    _log_in(page, login_app, READER, "wrong-password")
    page.get_by_text("凭据不正确").wait_for()
    _log_in(page, login_app, READER, READER_PASSWORD)
    page.get_by_placeholder(ASK_BOX).wait_for()
    page.locator("#kb-user").get_by_text(f"当前用户：{READER}").wait_for()
    assert page.get_by_role("tab").all_inner_texts() == ["问答", "学习"]  # no 管理 for a reader
    answer = _ask(page, "建成示范村(社区)多少个?")
    assert answer.inner_text().startswith("77个")
    page.get_by_role("tab", name="学习").click()
    name = page.locator("#quiz-name textarea, #quiz-name input").first
    assert name.input_value() == READER and not name.is_editable()  # progress under the login


def test_an_administrator_uploads_a_report_and_it_answers(
    login_app: Server, page: Any, tmp_path: Path
) -> None:
    docs = _open_admin_tab(page, login_app)
    assert "綦江区委组织部2021年组工答卷.txt" in docs.inner_text()
    assert page.locator("#admin-docs script, #admin-docs img").count() == 0
    report = tmp_path / "2023年 党建工作总结.txt"
    report.write_text("2023年，全区新建党群服务中心31个，覆盖率达到95%。\n", encoding="utf-8")
    page.locator("#admin-file input[type=file]").set_input_files(str(report))
    page.locator("#admin-upload").click()
    page.locator("#admin-result .kb-verified").wait_for(timeout=120_000)
    assert "已上传并导入：2023年 党建工作总结.txt" in page.locator("#admin-result").inner_text()
    docs.get_by_text("2023年 党建工作总结.txt").wait_for()
    page.get_by_role("tab", name="问答").click()
    answer = _ask(page, "2023年全区新建党群服务中心多少个?")
    assert answer.inner_text().startswith("31个")


def test_an_upload_shows_its_progress_while_a_reader_gets_answers(
    login_app: Server, page: Any, browser: Any, tmp_path: Path
) -> None:
    reader = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000}).new_page()
    reader.set_default_timeout(60_000)
    _log_in(reader, login_app, READER, READER_PASSWORD)
    reader.get_by_placeholder(ASK_BOX).wait_for()
    _open_admin_tab(page, login_app)
    report = tmp_path / "2024年组织工作要点.txt"
    lines = [
        f"第{i}项：全区计划新建党员活动室{i}个，培训入党积极分子{i * 11}名，组织党员志愿服务{i * 3}次，"
        f"走访慰问困难党员{i * 2}户，整顿软弱涣散基层党组织{i}个，发展新党员{i * 5}名。\n"
        for i in range(1, 601)
    ]
    # 600 paragraphs: 30-60 s on 2 cores, so the reader asks while it runs
    report.write_text("".join(lines), encoding="utf-8")
    page.locator("#admin-file input[type=file]").set_input_files(str(report))
    page.locator("#admin-upload").click()
    status = page.locator("#admin-result .kb-progress")
    status.get_by_text(re.compile(r"正在导入《2024年组织工作要点.txt》：向量化 \d+/600 段，约剩")).wait_for()
    try:
        answer = _ask(reader, "2021年培训了多少人次党员干部?")  # while the upload runs
        assert answer.inner_text().startswith("40822人次")
        assert status.count() == 1, "the upload ended before the answer came: make the report longer"
    finally:
        reader.context.close()
    page.locator("#admin-result .kb-verified").wait_for(timeout=180_000)
    assert "已上传并导入：2024年组织工作要点.txt" in page.locator("#admin-result").inner_text()


def test_refused_uploads_and_a_cancelled_then_confirmed_delete(
    login_app: Server, page: Any, tmp_path: Path
) -> None:
    _open_admin_tab(page, login_app)
    tool = tmp_path / "tool.exe"
    tool.write_bytes(b"MZ\x90\x00")
    page.locator("#admin-file input[type=file]").set_input_files(str(tool))
    page.locator("#admin-upload").click()
    result = page.locator("#admin-result .kb-unverified")
    result.wait_for()
    assert result.inner_text().startswith("不支持的文件类型 .exe：tool.exe。可上传：")
    assert page.get_by_text("错误", exact=True).count() == 0  # no Gradio error badges
    page.locator("#admin-delete-choice input").click()
    page.get_by_role("option", name=re.compile("网络安全<测试>报告")).click()
    page.locator("#admin-delete").click()  # the confirmation is dismissed: nothing happens
    page.wait_for_timeout(1500)
    assert page.dialogs == ["确定删除这份报告吗？删除后可从回收站找回。"]
    assert "网络安全<测试>报告.txt" in page.locator("#admin-docs").inner_text()
    page.accept_dialogs = True
    page.locator("#admin-delete").click()
    page.locator("#admin-result .kb-verified").get_by_text("已删除：网络安全<测试>报告.txt").wait_for()
    assert "网络安全<测试>报告.txt" not in page.locator("#admin-docs").inner_text()
    assert len(list((login_app_root(login_app) / "data" / "trash").iterdir())) == 1


def _choices_shown(page: Any) -> bool:
    """Whether the question on screen is answered by choosing (else by typing), once its
    inputs have been updated."""
    page.locator("#quiz-options, #quiz-answer").locator("visible=true").first.wait_for()
    return bool(page.locator("#quiz-options").is_visible())


def _answer_question(page: Any, answers: dict[tuple[str, bool], str], right: bool) -> str:
    """Answer the question on screen, rightly or wrongly; returns the question text."""
    text = page.locator("#quiz-question .quiz-text").inner_text()
    options = page.locator("#quiz-options")
    if _choices_shown(page):
        labels = options.locator("label")
        texts = labels.all_inner_texts()
        correct = answers[(text, True)]
        labels.nth(texts.index(correct) if right else (texts.index(correct) + 1) % len(texts)).click()
    else:
        box = page.locator("#quiz-answer textarea, #quiz-answer input").first
        box.fill(answers[(text, False)] if right else "不知道")
    page.locator("#quiz-submit").click()
    page.locator("#quiz-feedback .quiz-verdict").wait_for()
    verdict = page.locator("#quiz-feedback .quiz-verdict").inner_text()
    assert verdict == ("✓ 回答正确" if right else "✗ 回答错误")
    assert page.locator("#quiz-feedback .quiz-source mark").count() == 1  # the source, key sentence marked
    return text


def login_app_root(server: Server) -> Path:
    return server.log.parent


def test_a_cadre_comes_back_and_the_wrong_ones_come_first(
    open_app: Server, browser: Any, e2e_root: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    from rag.evidence.retrieve import Snapshot
    from study.bank import generate

    bank = generate(Snapshot.load(e2e_root / "index").paragraphs.values())
    answers = {(q.question, bool(q.choices)): q.answer for q in bank}
    state = tmp_path / "browser-state.json"
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    _open(page, open_app)
    page.get_by_role("tab", name="学习").click()
    page.locator("#quiz-name textarea, #quiz-name input").first.fill("新同志")
    page.locator("#quiz-start").click()
    page.locator("#quiz-question .quiz-text").wait_for()
    missed = []
    for i in range(10):
        right = i % 3 != 1
        asked = _answer_question(page, answers, right)
        if not right:
            missed.append(asked)
        page.locator("#quiz-next").click()
        if i < 9:
            page.locator("#quiz-question .quiz-meta").get_by_text(f"第 {i + 2}/10 题").wait_for()
    page.locator("#quiz-question").get_by_text("本轮完成：答对 7/10 题。").wait_for()
    context.storage_state(path=str(state))
    context.close()  # the browser is closed
    _second_visit(browser, open_app, state, answers, missed, request)


def _second_visit(
    browser: Any,
    open_app: Server,
    state: Path,
    answers: dict[tuple[str, bool], str],
    missed: list[str],
    request: pytest.FixtureRequest,
) -> None:

    context = browser.new_context(
        storage_state=str(state), locale="zh-CN", viewport={"width": 1400, "height": 1000}
    )
    page = context.new_page()
    _open(page, open_app)
    page.get_by_role("tab", name="学习").click()
    name = page.locator("#quiz-name textarea, #quiz-name input").first
    page.wait_for_function("() => document.querySelector('#quiz-progress').innerText.includes('已答 10 次')")
    assert name.input_value() == "新同志"  # remembered by this browser
    page.locator("#quiz-start").click()
    page.locator("#quiz-question .quiz-text").wait_for()
    again = []
    for i in range(len(missed)):
        again.append(_answer_question(page, answers, right=True))
        page.locator("#quiz-next").click()
        page.locator("#quiz-question .quiz-meta").get_by_text(f"第 {i + 2}/10 题").wait_for()
    assert again == missed  # the ones answered wrong, first, oldest first
    screenshot_if_failed(request, page, "-second-visit")
    context.close()


def test_the_server_log_holds_no_question_and_no_report_text(open_app: Server, page: Any) -> None:
    _open(page, open_app)
    _ask(page, "全区培训网络安全员多少名?")
    log = open_app.log.read_text(encoding="utf-8", errors="replace")
    assert "Running on local URL" in log  # it is the app's own output
    for text in (
        "全区培训网络安全员多少名",  # a question asked here
        "2021年培训了多少人次党员干部",  # one asked by an earlier test
        "全区培训网络安全员40名",  # report text
        "培训各级各类党员干部40822人次",
    ):
        assert text not in log
