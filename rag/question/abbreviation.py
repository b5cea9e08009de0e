"""A short name in a question spelled out as the reports write it.

Chinese shortens a name by keeping some of its characters, in order: 规模以上 -> 规上, 社会消费品零售
总额 -> 社零, 农作物耕种收综合机械化率 -> 农机化率. People ask in the short form; reports state the
figure under the full name, so a question's word that no retrieved paragraph writes, but whose
characters stand in order, close together, in a name a retrieved paragraph does write, is that
name. The question is then asked with the full name (shown to the user as the searched question).
The glossary (rag.question.glossary) keeps the everyday names whose characters are not the full
name's; this reads the rest from the text itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from ingest.terms import word_parts

# Characters that end or start no name: particles, question words, verbs of asking.
_NOT_IN_NAME = set("的了是在有到和与及或吗呢么啊吧哪几多少什怎样为把被从由向对给这那其它该每各共约近")
_CJK = re.compile(r"[\u4e00-\u9fff]+")
# A name is written without punctuation; its characters stand at most this far apart.
_MAX_GAP = 8
_SPAN_FACTOR = 3  # and the full name is at most this many times the short one's length
# A count inside a name is no part of it ("全省两百多万高校师生" is no full name of 全省高校师生).
_NUMERALS = "零〇一二两三四五六七八九十百千万亿"


def short_forms(question: str, known: Callable[[str], bool]) -> list[str]:
    """The question's words that may be short forms, longest first: runs of three to eight
    characters at its word boundaries (two characters match too much by chance) holding a word
    the knowledge base never writes (`known`: whether a segmented word is in its index). Words
    it does write ("全省", "高校师生") make a phrase, whatever stands between them in a text."""
    import jieba

    found: list[str] = []
    runs = _CJK.findall(re.sub(r"\d+\s*[年月日号]", " ", question))  # a date names nothing
    # Split at the characters no name holds first: the segmenter joins "率到" otherwise.
    pieces = [p for run in runs for p in re.split(f"[{''.join(sorted(_NOT_IN_NAME))}]", run) if p]
    for run in pieces:
        cuts = [0]
        for token in jieba.cut(run):
            cuts.append(cuts[-1] + len(token))
        for i, start in enumerate(cuts):
            for end in cuts[i + 1 :]:
                word = run[start:end]
                if 3 <= len(word) <= 8 and not all(known(t.lower()) for t in jieba.cut(word)):
                    found.append(word)
    return sorted(dict.fromkeys(found), key=len, reverse=True)


def spelled_out(question: str, forms: Sequence[str], texts: Iterable[str]) -> str:
    """`question` with the first of its short `forms` (from `short_forms`, longest first) that
    the `texts` write in full written so ("农机化率" -> "农作物耕种收综合机械化率"); unchanged
    when none is found."""
    corpus = [t for t in texts if t]
    for word in forms if corpus else []:
        if any(word in t for t in corpus):
            continue  # written as asked: no short form
        full = _full_name(word, corpus)
        if full:
            return question.replace(word, full, 1)
    return question


def _full_name(word: str, corpus: list[str]) -> str:
    """The shortest run of a text that starts with the word's first character, ends with its last
    and holds the others in order in between (at most _MAX_GAP apart, no punctuation); "" when no
    text has one, or texts have different ones (then which is meant is not known)."""
    # Nor is a particle ("代表大会上的报告" is a phrase).
    stops = "".join(sorted(_NOT_IN_NAME))
    gap = rf"([^\W\d{_NUMERALS}{stops}A-Za-z_]{{0,{_MAX_GAP}}}?)"
    pattern = re.compile(gap.join(re.escape(ch) for ch in word))
    spans: set[str] = set()
    for text in corpus:
        for start in (m.start() for m in re.finditer(re.escape(word[0]), text)):
            m = pattern.match(text, start)
            if m and len(word) < len(m.group(0)) <= _SPAN_FACTOR * len(word) and _shortened(text, m):
                spans.add(m.group(0))
    shortest = min(spans, key=len, default="")
    # One name, however often written; two different ones leave the short form as it is.
    return shortest if shortest and all(shortest in s or s in shortest for s in spans) else ""


def _shortened(text: str, m: re.Match[str]) -> bool:
    """The run ends where a word of the text ends ("代表大会上" has no name ending at 大), and
    some word of it is cut short (农作物 -> 农, 机械化 -> 机化): words left out whole
    ("换届工作中" for 换届中) make a phrase, not a short form."""
    import jieba

    bounds, at = {m.start()}, m.start()
    for token in jieba.cut(text[m.start() : m.end() + 4]):
        at += len(token)
        bounds.add(at)
        if at >= m.end():
            break
    if m.end() not in bounds:
        return False
    gaps = [(m.start(g), m.end(g)) for g in range(1, (m.lastindex or 0) + 1) if m.end(g) > m.start(g)]
    return any(start not in bounds or end not in bounds for start, end in gaps)


# A short form keeps one character of each word, mostly the first: 高新技术企业 -> 高企,
# 棚户区改造 -> 棚改. Two words at least, at most four (longer names are shortened by picking).
_SHORT_WORDS = (2, 4)
_MIN_FULL = 5


def short_form_written(question: str, texts: Iterable[str]) -> str:
    """The other way round: the question writes a name in full that the `texts` write only
    short ("高新技术企业" asked, "新认定高企120家" written). The short form is taken as the first
    characters of consecutive words of the question, found in a text as whole words of it (so
    "成就人民" holds no "就人"); the question is returned with the short form after the full name
    ("高新技术企业（高企）"), or unchanged when no text writes one."""
    import jieba

    corpus = [t for t in texts if t]
    if not corpus:
        return question
    for full, short in _candidates(question):
        if f"{full}（{short}）" in question or any(full in t for t in corpus):
            continue  # the texts write the name as asked
        if any(_as_words(t, short, jieba.lcut) for t in corpus):
            return question.replace(full, f"{full}（{short}）", 1)
    return initials_written(question, corpus)


def initials_written(question: str, texts: Sequence[str]) -> str:
    """A two- or three-character noun of the question that the `texts` never write, but whose
    characters begin consecutive words of one name they do write ("城铁" asked, "城际铁路运营里程"
    written): the question with that name instead, as spelled_out does. Words the reports write
    elsewhere too are caught here, where the short-form search above sees only unknown words.
    Two names (or none) leave the question as it is."""
    import jieba.posseg

    for token in jieba.posseg.cut(question):
        word, flag = str(token.word), str(token.flag)
        if not 2 <= len(word) <= 3 or not _CJK.fullmatch(word) or not flag.startswith(("n", "j")):
            continue
        if flag in ("nr", "ns", "nt") or f"{word}（" in question or any(word in t for t in texts):
            continue
        names = {name for t in texts if word[0] in t for name in _names_by_initials(t, word)}
        if len(names) == 1:
            return question.replace(word, names.pop(), 1)
    return question


def _names_by_initials(text: str, initials: str) -> set[str]:
    """Runs of consecutive words of `text`, two characters or more each and ending in a noun,
    whose first characters are `initials` ("城际/铁路" for 城铁; jieba may keep such a name whole)."""
    import jieba.posseg

    tagged = []
    for t in jieba.posseg.cut(text):
        word, flag = str(t.word), str(t.flag)
        # A four-character word is mostly two words of two ("城际铁路": 城际 + 铁路).
        tagged += [(part, flag) for part in word_parts(word)]
    return {
        "".join(w for w, _f in group)
        for group in _runs(tagged, len(initials))
        if "".join(w[0] for w, _f in group) == initials and group[-1][1].startswith("n")
    }


def _candidates(question: str) -> list[tuple[str, str]]:
    """(full name, short form) for each run of consecutive words of two characters or more,
    longest first, that can be a name: it starts with a noun (营业税…, 棚户区…; not "上年下降"),
    and is long enough to be shortened (a four-character phrase, "校长名字", is a word pair, and
    its initials, 校名, another word). A short form of one character per word is no word when
    words are one character each."""
    import jieba.posseg

    out: list[tuple[str, str]] = []
    runs = _CJK.findall(re.sub(r"\d+\s*[年月日号]", " ", question))
    for run in runs:
        pieces = [p for p in re.split(f"[{''.join(sorted(_NOT_IN_NAME))}]", run) if p]
        for piece in pieces:
            tagged = [(str(t.word), str(t.flag)) for t in jieba.posseg.cut(piece)]
            lo, hi = _SHORT_WORDS
            for n in range(hi, lo - 1, -1):
                for group in _runs(tagged, n):
                    full = "".join(w for w, _f in group)
                    noun = group[0][1].startswith("n") and group[0][1] not in ("nr", "ns")
                    if noun and len(full) >= _MIN_FULL:
                        out.append((full, "".join(w[0] for w, _f in group)))
    return out


def _runs(tagged: Sequence[tuple[str, str]], n: int) -> list[Sequence[tuple[str, str]]]:
    """Runs of `n` consecutive (word, flag) pairs, each word two characters or more: where a
    name and its short form (one character per word) are looked for."""
    runs = (tagged[i : i + n] for i in range(len(tagged) - n + 1))
    return [group for group in runs if all(len(w) >= 2 for w, _f in group)]


def _as_words(text: str, short: str, cut: Callable[[str], list[str]]) -> bool:
    """`short` stands in `text` starting and ending where the text's words do."""
    at = text.find(short)
    while at >= 0:
        window_start = max(0, at - 6)
        bounds, pos = set(), window_start
        for token in cut(text[window_start : at + len(short) + 6]):
            bounds.add(pos)
            pos += len(token)
            bounds.add(pos)
        if at in bounds and at + len(short) in bounds:
            return True
        at = text.find(short, at + 1)
    return False


def contracted(about: Sequence[str], question: str, text: str) -> set[str]:
    """The question's words that a two-character word of `text` contracts: its first character
    begins one of them, its second ends another standing close by in the question, or begins
    one following it (家访 for "到老人家里走访" or "走访老人家庭"; 环保 for "环境保护"; not 新城 for
    "城镇新增"). Reports write the contraction where people ask in full words. Words the
    question writes as they are contract nothing, and a text holding no other word of the
    question says none."""
    import jieba

    plain = [w for w in dict.fromkeys(a.lstrip("~") for a in about) if len(w) >= 2 and _CJK.fullmatch(w)]
    if len(plain) < 2:
        return set()
    found: set[str] = set()
    # (A four-character word is mostly two words of two: "危房改造" holds 危房.)
    tokens = set(jieba.cut(text))
    tokens |= {half for t in tokens if len(t) == 4 for half in (t[:2], t[2:])}
    for token in tokens:
        if len(token) != 2 or not _CJK.fullmatch(token) or token in question:
            continue
        for first in (w for w in plain if w[0] == token[0]):
            for second in (w for w in plain if w != first and token[1] in (w[0], w[-1])):
                if token[1] in first or _apart(question, first, second) > _CONTRACTED_GAP:
                    continue
                follows = question.find(second) > question.find(first)
                if token[1] != second[-1] and not follows:
                    continue
                found |= {first, second}
    # A contraction alone is weak evidence (出口 is no "出境人口"): another of the question's
    # words must stand in the text beside it.
    return found if any(w in text for w in plain if w not in found) else set()


# The two words a contraction joins stand at most this many characters apart in the question
# ("走访老人家庭": 老人 between).
_CONTRACTED_GAP = 2


def _apart(question: str, a: str, b: str) -> int:
    """Characters between the first places `a` and `b` stand in `question` (large when either
    is missing)."""
    i, j = question.find(a), question.find(b)
    if i < 0 or j < 0:
        return len(question)
    return j - (i + len(a)) if i < j else i - (j + len(b))


# A verb and its object said apart around the amount asked ("贷了多少款", "纳了多少税"): Chinese
# separates such a compound (离合词), reports write it whole ("新增贷款…").
_SPLIT_COMPOUND = re.compile(
    r"(?P<verb>[\u4e00-\u9fff])了?(?P<ask>多少|几)(?P<object>[\u4e00-\u9fff])(?=[？?。，,！!；;]|$)"
)
# Objects that are a measure or an amount's own word, so the question keeps asking in them:
# "招了多少人" counts people, "花了多少钱" asks for money.
_NOT_AN_OBJECT = set("人名位个次年月天日元钱岁倍件项家户亩吨斤台辆套所条")


def compounds_joined(question: str, known: Callable[[str], bool]) -> str:
    """ "全区纳了多少税" -> "全区纳税多少": a verb-object compound the question splits around
    the amount asked, written whole when the knowledge base writes the compound (`known`)."""

    import jieba

    def join(m: re.Match[str]) -> str:
        verb, obj = m.group("verb"), m.group("object")
        if verb in _NOT_IN_NAME or obj in _NOT_AN_OBJECT or obj in _NOT_IN_NAME or not known(verb + obj):
            return m.group(0)
        # The verb is a word of its own: 进 of "踢进了几球" ends another verb, and 进球 is no compound.
        if jieba.lcut(question[: m.start("verb") + 1])[-1] != verb:
            return m.group(0)
        return f"{verb}{obj}{m.group('ask')}"

    return _SPLIT_COMPOUND.sub(join, question)
