"""Tests for ingest.loaders.html: charsets, visible text, headings and tables."""

from __future__ import annotations

from pathlib import Path

from ingest.loaders import load_document
from tests.ingest.loaders.helpers import load_error, write

PAGE = """<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>綦江区委组织部
  2021年组工答卷</title>
<style>p { color: red }</style>
<script>var secret = "脚本内容不应出现";</script></head>
<body>
<header><nav><a href="/">首页</a> | <a href="/news">组工动态</a></nav></header>
<article><header><h1>2021年组工答卷</h1></header>
<p>2021年，区委组织部<b>培训</b>各级各类党员干部<span>40822</span>人次。</p>
<h2>一、干部培训</h2>
<div>全年举办主体班次18期，<br>线上培训占比超过一半。</div>
<ul><li>新发展党员1235名</li><li>选优配强“两委”班子成员1096人</li></ul>
<table><tr><th>项目</th><th>2021年</th></tr><tr><td>培训<b>人次</b></td><td><p>40822</p><p>（全年）</p></td></tr></table>
<h3>（一）组织<em>建设</em><br>基层党建</h3>
<p>区委
组织部 &amp; 宣传部供稿</p>
<!-- 注释不应出现 -->
<script>document.write("也不应出现")</script><noscript>请启用脚本</noscript>
</article>
<footer>版权所有 綦江区委组织部</footer>
</body></html>
"""

PAGE_LINES = [
    "# 2021年组工答卷",
    "2021年，区委组织部培训各级各类党员干部40822人次。",
    "## 一、干部培训",
    "全年举办主体班次18期，",
    "线上培训占比超过一半。",
    "新发展党员1235名",
    "选优配强“两委”班子成员1096人",
    "项目 | 2021年",
    "培训人次 | 40822 （全年）",
    "### （一）组织建设 基层党建",
    "区委组织部 & 宣传部供稿",
]


def test_html_gb2312_page(tmp_path: Path) -> None:
    path = write(tmp_path, "page.htm", PAGE.encode("gbk"))
    loaded = load_document(path)
    assert loaded.text.split("\n") == PAGE_LINES
    assert (loaded.format, loaded.encoding) == ("html", "gb18030")
    assert loaded.title == "綦江区委组织部 2021年组工答卷"
    assert loaded.line_breaks_are_paragraphs is True
    assert "<" not in loaded.text and "脚本" not in loaded.text and "首页" not in loaded.text


def test_html_stale_meta_charset_loses_to_valid_utf8(tmp_path: Path) -> None:
    path = write(tmp_path, "page.html", PAGE.encode("utf-8"))
    loaded = load_document(path)
    assert (loaded.text.split("\n"), loaded.encoding) == (PAGE_LINES, "utf-8")


def test_html_meta_charset_is_used(tmp_path: Path) -> None:
    page = (
        '<html><head><meta charset="big5"><title>報告</title></head>'
        "<body><p>經濟運行穩中向好。</p></body></html>"
    )
    path = write(tmp_path, "big5.html", page.encode("big5"))
    loaded = load_document(path)
    assert (loaded.text, loaded.encoding, loaded.title) == ("經濟運行穩中向好。", "big5", "報告")


def test_html_deeply_nested_unclosed_tags(tmp_path: Path) -> None:
    # html.parser nests unclosed tags; thousands of them must not hit the recursion limit.
    page = "<html><body>" + "<font size=3>" * 3000 + "深层文字<p>正文</p></body></html>"
    loaded = load_document(write(tmp_path, "deep.html", page))
    assert loaded.text == "深层文字\n正文"


def test_html_without_text(tmp_path: Path) -> None:
    path = write(tmp_path, "empty.html", "<html><body><script>alert(1)</script></body></html>")
    assert load_error(path).reason == "网页中没有正文文字"
