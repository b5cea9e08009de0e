"""How a paragraph reads as points: its sentences and list items (；), the enumerations written
inside it ("一是……二是……", "一要……", "第一，……", "首先……其次……"), and its clauses, never cut
inside quotes or brackets (“既要金山银山,也要绿水青山” is one phrase). Spans are offsets into the
paragraph's text, so every point can be highlighted where it stands."""

from __future__ import annotations

import re

Span = tuple[int, int]

_OPEN, _CLOSE = "“‘「『（(《〈【", "”’」』）)》〉】"
SENTENCE_MARKS = "。！？；!?;"
CLAUSE_MARKS = SENTENCE_MARKS + ",，：:"
TRAILING = "。！？；!?;：:，,、 "
MAX_POINT = 70  # a point is read at a glance: a longer statement is split into clause groups
MIN_GROUP = 16  # a shorter clause joins its neighbour ("新建驿站3个," + "培训120人次")

_CN_ORD = "一二三四五六七八九十"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"
_INLINE = re.compile(
    rf"(?:(?<=^)|(?<=[。；;，,：:！？]))\s*(?:(?P<a>[{_CN_ORD}])(?:是|要|方面|则)[，,、：:]?|第(?P<b>[{_CN_ORD}])[，,、：:]"
    rf"|[（(](?P<c>[{_CN_ORD}])[）)]|(?P<d>[{_CIRCLED}])|(?P<e>首先|其次|再次|最后)[，,]?)"
)
_SEQUENCE = {"首先": 1, "其次": 2, "再次": 3, "最后": 9}
# "该负责人表示," "他指出," — who said it, not what was done.
_ATTRIBUTION = re.compile(r"(?:表示|介绍|指出|强调|认为|说|谈到)$")
LABEL = re.compile(r"(?:答题要点|考题内容|考题|要点)\s*[:：]\s*")
QUESTION = re.compile(r"[?？]\s*[”」』）)]*\s*$")
_CONNECTIVE = re.compile(r"(?:同时|此外|另外|其中|并且|而且|因此|所以|从而|以及|今年以来|去年以来)[，,]?")


def pieces(text: str, start: int, end: int, marks: str) -> list[Span]:
    """text[start:end] cut after each of `marks` outside quotes and brackets, each piece
    without white space or trailing punctuation; pieces under two characters dropped."""
    cuts: list[Span] = []
    depth = 0
    piece = i = start
    while i < end:
        ch = text[i]
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif ch in marks and depth == 0:
            j = i + 1
            while j < end and (text[j] in marks or text[j] in _CLOSE):
                j += 1
            cuts.append((piece, j))
            piece = i = j
            continue
        i += 1
    if piece < end:
        cuts.append((piece, end))
    out = []
    for s, e in cuts:
        raw = text[s:e]
        s2 = s + len(raw) - len(raw.lstrip())
        body = raw.strip().rstrip(TRAILING)
        if len(body) >= 2:
            out.append((s2, s2 + len(body)))
    return out


def sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentences and list items (a "；" ends one too)."""
    return pieces(text, start, len(text) if end is None else end, SENTENCE_MARKS)


def inline_items(text: str, start: int = 0) -> list[Span]:
    """The items of an enumeration written inside a paragraph, each from after its marker to the
    next marker (the last to the end of its sentence); [] without a run of at least two
    numbered 1, 2, … in one style."""
    marks = []
    for m in _INLINE.finditer(text, start):
        key = next(g for g in "abcde" if m.group(g))
        value = m.group(key)
        if key in "abc":
            n = _CN_ORD.index(value) + 1
        elif key == "d":
            n = _CIRCLED.index(value) + 1
        else:
            n = _SEQUENCE[value]
        marks.append((n, key, m.start(), m.end()))
    best: list[tuple[int, str, int, int]] = []
    for i, (n, key, _s, _e) in enumerate(marks):
        if n != 1:
            continue
        run = [marks[i]]
        for later in marks[i + 1 :]:
            if later[1] == key and (later[0] == run[-1][0] + 1 or (key == "e" and later[0] > run[-1][0])):
                run.append(later)
        if len(run) > len(best):
            best = run
    if len(best) < 2:
        return []
    out = []
    for j, (_n, _k, _s, e) in enumerate(best):
        end = best[j + 1][2] if j + 1 < len(best) else sentence_end(text, e)
        body = text[e:end].rstrip(TRAILING)
        if len(body) >= 2:
            out.append((e, e + len(body)))
    return out


_END = re.compile(r"[。！？!?]")


def sentence_end(text: str, start: int) -> int:
    """Where the sentence going on at `start` ends (after its end mark; the text's end without)."""
    m = _END.search(text, start)
    return m.end() if m else len(text)


def marker_start(text: str, item_start: int) -> int:
    """Where the marker of the item starting at `item_start` begins ("一是" of "一是……")."""
    i = item_start
    while i > 0 and text[i - 1] in "，,、：: ":  # the marker's own mark ("二是：")
        i -= 1
    while i > 0 and text[i - 1] not in CLAUSE_MARKS:
        i -= 1
    return i


def statements(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """A paragraph's statements: the items of an enumeration written in it (with what stands
    before the first and after the last one's sentence), else its sentences."""
    stop = len(text) if end is None else end
    items = [i for i in inline_items(text, start) if i[0] < stop]
    if not items:
        return sentences(text, start, stop)
    before = sentences(text, start, marker_start(text, items[0][0]))
    after = sentences(text, sentence_end(text, items[-1][1]), stop)
    return before + items + after


def _parallel(a: str, b: str) -> bool:
    """Two clauses of one parallel series ("把心思集中到……上" / "把能力展现在……上")."""
    return len(a) >= 4 and len(b) >= 4 and a[0] == b[0] and a[0] not in "的了和与及在对"


def clause_groups(text: str, span: Span, limit: int = MAX_POINT) -> list[Span]:
    """A statement as points of at most about `limit` characters: itself when short enough,
    else its clauses, short ones and parallel series joined, an attribution ("该负责人表示")
    left out."""
    s, e = span
    if e - s <= limit:
        return [span]
    groups: list[list[Span]] = []
    cut = False  # an attribution was left out: no group may span it
    for a, b in pieces(text, s, e, CLAUSE_MARKS):
        if _ATTRIBUTION.search(text[a:b]) and b - a <= 12:
            cut = True
            continue
        if groups and not cut:
            last = groups[-1]
            size = last[-1][1] - last[0][0]
            parallel = _parallel(text[last[-1][0] : last[-1][1]], text[a:b])
            if b - last[0][0] <= limit and (size < MIN_GROUP or parallel):
                last.append((a, b))
                continue
        groups.append([(a, b)])
        cut = False
    tail_alone = len(groups) > 1 and _between(text, groups[-2][-1][1], groups[-1][0][0])
    if len(groups) > 1 and groups[-1][-1][1] - groups[-1][0][0] < MIN_GROUP // 2 and not tail_alone:
        tail = groups.pop()
        groups[-1] += tail
    # Nothing but attributions ("他表示，" …): the statement as it stands.
    return [(g[0][0], g[-1][1]) for g in groups] or [span]


def _between(text: str, end: int, start: int) -> bool:
    """Something other than punctuation stands between two clauses (a clause left out)."""
    return bool(text[end:start].strip(TRAILING))


def without_label(text: str, span: Span) -> Span:
    """The span without an exam label ("答题要点:") or a leading connective ("此外,")."""
    s, e = span
    label = LABEL.match(text, s)
    if label and label.end() < e:
        s = label.end()
    m = _CONNECTIVE.match(text, s)
    if m and e - m.end() >= 8:
        s = m.end()
    return s, e
