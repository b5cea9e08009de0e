"""What a figure measures: the indicator named right before it ("新能源汽车产量增长43%" ->
新能源汽车产量), whether a question's indicator and a sentence's are the same one, and whether a
phrase names the asked thing as the denominator of another ("单位工业增加值用水量")."""

from __future__ import annotations

import re
from difflib import Match, SequenceMatcher
from functools import lru_cache

from ingest.terms import word_parts
from rag.figures.respective import as_item
from rag.question.glossary import ACRONYMS, expand
from rag.question.thesaurus import as_named_in

# Words that say how a figure is asked for, not what it is about: a clause matching only
# these is not about the question's subject.
GENERIC = frozenset(
    [
        "增长",
        "增加",
        "减少",
        "下降",
        "提高",
        "降低",
        "上升",
        "达到",
        "目标",
        "预期",
        "实际",
        "全年",
        "比上年",
        "上年",
        "计划",
        "安排",
        "完成",
        "实现",
        "规模",
        "总量",
        "总额",
        "总共",
        "一共",
        "总计",
        "合计",
        "数量",
        "增速",
        "增幅",
        "多少",
        "全国",
        "我国",
        "今年",
        "去年",
        "当年",
        "年均",
        "平均",
        "累计",
        "新增",
        # How a report sets a figure ("目标定为多少", "提出的目标"), not what it is about.
        "定为",
        "定在",
        "设定",
        "确定",
        "提出",
        # What a report is said to do ("报告提到……"): the question's frame, not its subject.
        "提到",
        "谈到",
        "讲到",
        "指出",
        "写道",
        # How a question frames when or how much: "是从哪天开始报名的", "拿出多少经费专门用来".
        "是从",
        "开始",
        "拿出",
        "专门",
        "用于",
        "用来",
        # When a level is taken ("截至2031年年底"): the time scope, matched by the year's.
        "截至",
        "截止",
        "年底",
        "年末",
        # When, said as in speech ("2031年那时候", "当时"): the year said with it is the time.
        "会儿",
        "那会儿",
        "时候",
        "那时候",
        "那时",
        "当时",
        "阵子",
        "那阵子",
        # Pointing and hearsay in speech ("那些危房", "听说建了"): no part of what is asked about.
        "那些",
        "这些",
        "听说",
        "据说",
    ]
)


# The words around an indicator that are not its name: how it is asked for, how it changed,
# how the figure is counted ("补助标准定为人均480元": the name is 补助标准).
_NOT_NAME = re.compile(
    r"(?:是多少|是几|为多少|有多少|多少|几|是|为|有|达到|达|了|的$|实际|全年|预期|目标|计划|安排|拟按|拟|要|将|"
    r"(?:增长|增加|减少|下降|降低|提高|提升|上升|上涨|扩大|缩小|压减|降|增|涨)(?:到|至|了)?|超过|突破|约|接近|将近|近|按|控制在|"
    # (一共, 总共: stripped wherever they stand, _TOTALLING.)
    r"比上年|同比|分别|共|年均|平均每年|每年平均|累计|人均|户均|"
    # How it changed, said before the verb ("补助标准统一由450元提高到480元", "收入稳步增长").
    r"统一|普遍|同步|整体|大幅|明显|显著|稳步|持续|进一步|逐步|继续|连续|再|又|均|"
    # When, said after the name ("……目前已是多少"): now, by now.
    r"现在|目前|如今|当前|已经|已|到|至)$"
)
# How a total is said, wherever it stands in the words before a figure ("一共建成", "总共通车").
_TOTALLING = re.compile(r"一共|总共|共计|总计|合计")
# A name may hold a class in Roman numerals ("优Ⅲ比例", "Ⅲ类水体"): it goes on through it.
_NAME_RUN = re.compile(r"[\u4e00-\u9fff\u2160-\u217f]*[\u4e00-\u9fff]$")
# Said before an indicator's name without being part of it: when, where, which part.
_NOT_NAME_BEFORE = re.compile(
    r"^(?:今年|去年|明年|全年|当年|年末|年底|年初|全国|全省|全市|全区|全县|我国|我省|我市|其中|一共|总共|共计)+"
)
# What a run of characters right after a number starts with that belongs to the number: 年, 月.
_OF_THE_NUMBER = re.compile(r"^(?:年度?(?![末底初])|月份?(?![末底初]))")


def per_unit_of_asked(question: str, before: str) -> bool:
    """ "单位工业增加值用水量下降5%": what the question asks about (工业增加值) is there the
    denominator of another indicator, unless the question itself asks per unit."""
    at = before.rfind("单位")
    if at < 0 or "单位" in question:
        return False
    denominator = before[at + 2 :]
    asked = nouns(expand(question)) | {
        w for names in ACRONYMS.values() for w in names if w in expand(question)
    }
    return any(denominator.startswith(word) for word in asked)


def denominator_itself(question: str, phrase: str) -> bool:
    """The other way round: "单位GDP能耗下降多少" asks per unit of 国内生产总值; a figure whose phrase
    names 国内生产总值 without "单位" ("国内生产总值增长7.5%") measures the denominator itself."""
    at = question.find("单位")
    if at < 0 or "单位" in phrase:
        return False
    after = question[at + 2 :]
    acronym = next((a for a in ACRONYMS if after.lower().startswith(a.lower())), "")
    if acronym:
        names = {acronym, *ACRONYMS[acronym]}
    else:
        names = {max((w for w in nouns(after) if after.startswith(w)), key=len, default="")} - {""}
        names = names or {_up_to_first_noun(after)} - {""}
    return any(name in phrase for name in names)


def _up_to_first_noun(text: str) -> str:
    """The words of `text` up to its first noun: "国内生产总值用水量…" -> "国内生产总值" (jieba
    tags 国内 as a place word, 生产总值 as the noun)."""
    import jieba.posseg

    out = ""
    for token in jieba.posseg.cut(text):
        out += str(token.word)
        if str(token.flag).startswith("n"):
            return out if len(out) > 1 else ""
        if not str(token.flag).startswith(("s", "a", "b", "f")):
            return ""
    return ""


# The breakdowns statistics publish an indicator by: ownership, level of government, town and
# country, size of enterprise.
_PARTS_OF_A_WHOLE = (
    "国有",
    "民营",
    "私营",
    "外资",
    "外商",
    "集体",
    "中央",
    "地方",
    "本级",
    "省级",
    "市级",
    "县级",
    "农村",
    "城镇",
    "城市",
    "乡村",
    "规模以上",
    "中小",
    "小微",
)


def _part_named(part: str, question_name: str, figure_name: str) -> bool:
    """The question names a part of the whole, in full or by a short form of the part and the
    figure's own words ("民企贷款": 民营企业, when the figure's name is "企业贷款")."""
    if part in question_name:
        return True
    import jieba

    # A character of the part, then the first of the figure's name: the part stands before it.
    return any(
        len(word) == 2 and word[0] in part and word[1] not in part and word[1] == figure_name[:1]
        for token in jieba.lcut(question_name)
        for word in word_parts(token)
    )


_SUBSET_OF_AREAS = re.compile(r"[\u4e00-\u9fff]{2,}(?:地区|老区|县)$")


def indicator_before(text: str) -> str:
    """The name of what a figure measures, from the words right before it: "新能源汽车产量增长43%"
    -> "新能源汽车产量" (the verbs and qualifiers before the figure stripped)."""
    # "PPI（工业生产者出厂价格）降了": an acronym glossed in brackets is named by the gloss.
    text = re.sub(r"[A-Za-z][A-Za-z0-9.&]*\s*[（(]([\u4e00-\u9fff]+)[）)]", r"\1", text)
    m = _NAME_RUN.search(text)
    run = m.group(0) if m else ""
    if m and m.start() > 0 and text[m.start() - 1].isdigit():
        # "2031年新建了多少": the 年 (or 月) is the number's, not the name's.
        run = _OF_THE_NUMBER.sub("", run)
    # "高速铁路一共通车": an adverb of totalling inside the run is no word of the name.
    name = _NOT_NAME_BEFORE.sub("", _TOTALLING.sub("", run))
    while True:
        stripped = _NOT_NAME.sub("", name)
        if stripped == name:
            return name.replace("的", "")
        name = stripped


def same_indicator(
    question_name: str, figure_name: str, sentence: str, upto: str | None = None, as_asked: bool = True
) -> bool:
    """False when the two name different indicators of one kind: the same head, each with
    modifiers of its own that the other side lacks ("粮食产量" asked, "新能源汽车产量增长43%" in a
    sentence that never says 粮食; "国防支出" / "研究与试验发展经费支出"). A modifier the
    question names and the sentence says elsewhere ("东吴证券…净利润") is the sentence's subject,
    not a different indicator; anything else is not ruled out. A part must be named before the
    figure's clause ends (`upto`): "全省财政支出860亿元，其中省级支出…" states the whole first.
    `as_asked`: the name is the question's own words, not an official name read for them."""
    if not question_name or not figure_name:
        return True
    # "城乡居民收入分别…" names the town and the country figure each ("城镇居民收入" asked).
    figure_name, sentence = as_item(figure_name, question_name), as_item(sentence, question_name)
    upto = None if upto is None else as_item(upto, question_name)
    said = sentence if upto is None else upto
    # A word the figure's name writes as a synonym ("全科医生" / "全科医师") is read as written.
    question_name = as_named_in(question_name, figure_name)
    # The question names a part of the whole ("国有企业营收" for "企业营收增长9%": by ownership,
    # level, town and country, size): the same indicator only when the sentence names that part.
    if any(
        _part_named(p, question_name, figure_name) and p not in figure_name and p not in said
        for p in _PARTS_OF_A_WHOLE
    ):
        return False
    if (
        _SHARE.search(question_name)
        and figure_name.endswith("率")
        and not _share_as_rate(question_name, figure_name)
    ):
        # A share of a whole ("高新技术产业占产值的比重") is not a rate of something else that
        # names the same part ("高新技术产业对增长的贡献率").
        return False
    if figure_name in question_name:
        # "城际铁路营业里程" asked, "铁路营业里程达到3万公里，其中城际铁路…": the whole, when the
        # sentence names the asked part later, with a figure of its own.
        parts = _modifiers(question_name.replace(figure_name, "", 1))
        later = sentence[sentence.find(said) + len(said) :] if upto is not None and said in sentence else ""
        # (Its own figure follows it in its clause: "上千万住房困难群众" names no part.)
        return not any(
            word not in said and re.search(re.escape(word) + r"[^，,；;。！？]*?\d", later) for word in parts
        )
    if question_name in figure_name:
        # The indicator over a group of areas is another one: "山区县城镇新增就业"
        # is not "城镇新增就业" (statistics name such a subset by its kind of area).
        extra = figure_name[: figure_name.index(question_name)]
        return not _SUBSET_OF_AREAS.search(extra)
    # The head both name ("失业率"), wherever each name ends ("失业率最后", "失业率稳定在").
    match = SequenceMatcher(None, question_name, figure_name, autojunk=False).find_longest_match()
    if match.size < 2:
        # Rates are named by what they measure, right before 率: "森林覆盖率" is not "城镇化率";
        # so are intensities, a measure per unit of output: "科技投入强度" is not "单位产值能耗"
        # (nor "能耗强度").
        rates = question_name.endswith("率") and figure_name.endswith("率")
        if rates or (question_name.endswith("强度") and _INTENSITY.search(figure_name)):
            return False
        return not _names_another_thing(question_name, figure_name, re.split(r"[，,；;：:]", said)[-1])
    if _two_heads(question_name, figure_name, match.a + match.size, sentence):
        return False
    rests = question_name[match.a + match.size :], figure_name[match.b + match.size :]
    if as_asked and _sibling_after(*rests, said):
        return False
    # A match ending inside a word of the question ("电气化率" / "电气设备产量": 电气) shares
    # only part of it: that word must be said.
    cut = _word_around(question_name, match.a + match.size)
    if cut and not said_in(cut, said):
        return False
    # (Only of the question's own words: an official name's are the glossary's, "居民人均可支配收入".)
    if as_asked and not all(said_in(word, said) for word in _middle(question_name, figure_name, match)):
        return False
    if as_asked and _counted_for_another_thing(question_name, figure_name, match, said):
        return False
    # A match starting inside a noun ("城际铁路运营里程" / "城际公路运营里程": 路运营里程) leaves
    # that noun (城际铁路, 城际公路) among each side's own modifiers.
    asked = _modifiers(question_name[: _word_end(question_name, match.a)])
    given = _modifiers(figure_name[: _word_end(figure_name, match.b)])
    if _verbs_only(question_name[: match.a]) and _verbs_only(question_name[match.a :]):
        # Two verbs paired for one act ("翻修改造", "修缮改造"): the one the sentence says is it.
        asked = set()
    # Each modifier the question names must stand in the sentence (up to the figure's clause's
    # end): "城镇登记失业率" asked is not "城镇调查失业率5.1%", although 城镇 is said.
    # (A modifier said in full counts for its short form: "高铁" for "高速铁路".)
    return not (given - asked and asked and not all(said_in(word, said) for word in asked))


def _counted_for_another_thing(question_name: str, figure_name: str, match: Match, said: str) -> bool:
    """The shared words are what both count ("人口"), and the question goes on to what was done
    for them ("农村人口饮水安全问题"), which the figure's name ends before and the sentence never
    says: "易地扶贫搬迁人口超过240万" counts other people."""
    shared = question_name[match.a : match.a + match.size]
    if match.b + match.size != len(figure_name) or not shared.endswith(_PEOPLE_COUNTED):
        return False
    # (Nouns only: a verb after the thing counted is what counting it means, "棚户区改造".)
    after = nouns(question_name[match.a + match.size :]) - _NO_THING
    return bool(after) and not any(said_in(word, said) for word in after)


# People a figure counts (a count of them is done for something: moved, housed, trained).
_PEOPLE_COUNTED = ("人口", "群众", "人员", "居民", "农民", "职工", "学生", "儿童", "老人", "家庭")
# Words after a counted thing that name no other thing: its count, its measure (a share, a
# size, a pace), or the matter at hand.
_NO_THING = frozenset(
    {
        "人数",
        "数量",
        "总数",
        "数目",
        "问题",
        "情况",
        "比例",
        "比重",
        "占比",
        "比率",
        "总量",
        "规模",
        "水平",
        "增速",
        "速度",
        "幅度",
    }
)


def _middle(question_name: str, figure_name: str, match: Match) -> set[str]:
    """The question's own words between a start and a head both names share: "养老金按时发放户数比例"
    asked, "养老金按时发放比例" given share a start and 比例, and 户数 tells them apart. Names sharing no
    head ("研发投入强度" / "研发经费支出与…之比") are paraphrases, not told apart this way."""
    asked_rest = question_name[match.a + match.size :]
    given_rest = figure_name[match.b + match.size :]
    tail = 0
    while tail < min(len(asked_rest), len(given_rest)) and asked_rest[-1 - tail] == given_rest[-1 - tail]:
        tail += 1
    middle = asked_rest[: len(asked_rest) - tail]
    if tail < 2 or given_rest[: len(given_rest) - tail] or "占" in middle:
        return set()  # (the whole a share is of goes unsaid: "绿地比重" for "绿地占城区面积比重")
    return _modifiers(middle)


def said_short(text: str, name: str) -> bool:
    """`text` says `name` by a two-character short form of it: its first character and one
    after ("高铁" for "高速铁路", "外资" for "外商投资")."""
    return len(name) >= 3 and any(name[0] + c in text for c in name[2:])


def said_in(word: str, text: str) -> bool:
    """`word` in `text`, or said by a name in full whose words it shortens: each of its
    characters begins (or ends) a word of one run of `text`, in order and close together
    ("高铁": "高速铁路", "外资": "外商直接投资"; not "油气" in "油田天然气": 气 is inside 天然气).
    A short form cuts a word short; words kept whole around one left out are a phrase of its
    own ("城市流动人口" does not say "城市人口": 流动 narrows it)."""
    if word in text:
        return True
    import jieba

    for run in re.findall(r"[\u4e00-\u9fff]+", text):
        # A short form keeps a word's first character, or the last of a two-character word
        # (外商投资: 外资); a four-character word is mostly two words of two (高速铁路).
        starts: dict[str, list[int]] = {}
        word_of: dict[int, tuple[int, int]] = {}  # each character's word, as (start, end)
        at = 0
        for token in jieba.lcut(run):
            for part in word_parts(token):
                starts.setdefault(part[0], []).append(at)
                if len(part) == 2:
                    starts.setdefault(part[1], []).append(at + 1)
                word_of.update({p: (at, at + len(part)) for p in range(at, at + len(part))})
                at += len(part)
        for first in starts.get(word[0], []):
            chain = [first]
            for char in word[1:]:
                chain.append(next((p for p in starts.get(char, []) if p > chain[-1]), -1))
                if chain[-1] < 0:
                    break
            if chain[-1] >= 0 and chain[-1] - first < 3 * len(word) and _cuts_a_word(chain, word_of):
                return True
    return False


def _cuts_a_word(chain: list[int], word_of: dict[int, tuple[int, int]]) -> bool:
    """Some word the characters at `chain` are taken from is not taken whole."""
    kept = set(chain)
    return any(not set(range(*word_of[p])) <= kept for p in chain)


def _names_another_thing(question_name: str, figure_name: str, clause: str) -> bool:
    """Names sharing no word: "乡村道路12万公里" is not "城际铁路运营里程", when the figure's own
    clause names a thing (a noun) and none of the question's nouns, not even by the characters
    of a short form ("外资" in "外商直接投资")."""
    own, asked = _thing_named(figure_name), {w for w in nouns(question_name) if not _MEASURE_NAME.search(w)}
    if not own or not asked or _MEASURE_NAME.search(figure_name):
        # A measure ("货邮吞吐量") may be another name of the one asked ("货运量"); a question
        # naming only a measure ("比重") names nothing to tell things apart by.
        return False
    runs = re.findall(r"[\u4e00-\u9fff]+", clause)
    return not any(word in clause or any(_in_order(word, run) for run in runs) for word in asked)


def _thing_named(name: str) -> str:
    """The noun a name ends with when it names a thing ("农村公路": 公路), not a place or a
    person ("高于全市"), nor a verb or a word of how ("经济增长目标设定"); else ""."""
    import jieba.posseg

    tokens = list(jieba.posseg.cut(name))
    if not tokens:
        return ""
    word, flag = str(tokens[-1].word), str(tokens[-1].flag)
    thing = (
        len(word) > 1
        and flag.startswith("n")
        and flag not in ("ns", "nr", "nt", "nrt")
        and not re.fullmatch(r"[全本我各][国省市区县镇乡村]", word)
        and word not in GENERIC
    )
    return word if thing else ""


def _in_order(word: str, run: str) -> bool:
    """Every character of `word` in `run`, in order (the initials of a name written in full)."""
    at = 0
    for char in word:
        at = run.find(char, at) + 1
        if not at:
            return False
    return True


def _share_as_rate(question_name: str, figure_name: str) -> bool:
    """A rate that is the share asked: a share of a whole ("占产值的比重", "占比率"), or the share
    of what the word before the share word does ("污水处理的比例" is the 处理率)."""
    import jieba

    if "占" in figure_name:
        return True
    before = jieba.lcut(_SHARE.sub("", question_name).removesuffix("的"))
    return bool(before) and len(before[-1]) >= 2 and figure_name[:-1].endswith(before[-1])


def _word_around(name: str, at: int) -> str:
    """The noun of `name` (jieba) that position `at` falls inside, two characters or more of it
    before `at` (a segmenter's "中拿" is no word shared in part), or ""."""
    import jieba.posseg

    end = 0
    for token in jieba.posseg.cut(name):
        word, noun = str(token.word), str(token.flag).startswith("n")
        for part in word_parts(word):  # "就业人数": 就业 + 人数
            start, end = end, end + len(part)
            if start + 2 <= at < end:
                return part if noun else ""
    return ""


def _word_end(name: str, at: int) -> int:
    """`at`, or the end of the noun of `name` that `at` falls inside (jieba): a verb cut there
    ("利用" / "使用" sharing 用) is a synonym as often as not, and is left to the words' test."""
    import jieba.posseg

    end = 0
    for token in jieba.posseg.cut(name):
        start, end = end, end + len(str(token.word))
        if start < at < end:
            return end if str(token.flag).startswith("n") else at
    return at


_INTENSITY = re.compile(r"强度$|^单位|之比$")
_SHARE = re.compile(r"(?:比重|占比|比例)$")


def _sibling_after(asked_rest: str, given_rest: str, said: str) -> bool:
    """ "肉牛存栏" asked, "肉牛出栏12万头" given: past the words both say, each goes on with its
    own word of one root (存栏 / 出栏: what is kept, what was sold; 进口 / 出口, 开工 / 竣工), and
    the sentence never says the question's: a sibling indicator, not a synonym."""
    import jieba

    asked, given = ((jieba.lcut(rest) or [""])[0] for rest in (asked_rest, given_rest))
    return (
        len(asked) == len(given) == 2 and asked != given and asked[1] == given[1] and not said_in(asked, said)
    )


def _two_heads(question_name: str, figure_name: str, shared_end: int, sentence: str) -> bool:
    """ "园区新增就业" asked, "新增园区入驻企业12家" given: the names share words (新增, 园区)
    before the question's head, but the figure's name ends in a noun of its own (企业) and the
    sentence never says the question's head (就业): they count two things. A head naming a kind
    of statistic (比重, 强度, 水平) paraphrases another, and is not told apart this way."""
    head, own = _head(question_name), _head(figure_name, nouns_only=True)
    if not head or not own or shared_end >= len(question_name) or own in question_name:
        return False
    if _STATISTIC.search(head) or _STATISTIC.search(own):
        return False
    if _BODY_OF_PEOPLE.search(head) or _BODY_OF_PEOPLE.search(own):
        return False
    return not any(head[i : i + 2] in sentence for i in range(len(head) - 1))


def _head(name: str, nouns_only: bool = False) -> str:
    """The word an indicator's name ends with ("就业" of "园区新增就业"), or "" (jieba)."""
    import jieba.posseg

    tokens = list(jieba.posseg.cut(name))
    if not tokens:
        return ""
    last = tokens[-1]
    word, flag = str(last.word), str(last.flag)
    # jieba tags some heads as verbs ("就业"); verbs of change name how, not what. The names of
    # people and places it finds at the end of such a phrase are cuts of it, no heads.
    verb = flag.startswith("v") and not nouns_only and not _CHANGE_VERB.fullmatch(word)
    noun = (flag.startswith("n") and flag not in ("nr", "ns", "nt", "nz")) or verb
    return word if len(word) > 1 and noun and word not in GENERIC else ""


_CHANGE_VERB = re.compile(r"(?:增长|增加|提高|提升|下降|减少|降低|上升|达到|实现|完成|超过|突破|保持|稳定)")
# Words naming the kind of a statistic, not what it counts.
# (A count's head, "人数", "户数", is said by the figure's unit: "5000人".)
_STATISTIC = re.compile(r"比重|比例|占比|强度|水平|规模|总量|总额|数量|数字|增速|增幅|速度|指数|数$")
# Words for a body of people that wrap the group counted ("应急救援力量3000名" counts rescuers,
# "人才队伍" 人才): a paraphrase of the group, not a thing of its own.
_BODY_OF_PEOPLE = re.compile(r"(?:力量|队伍|人选|梯队)$")
# Names of a measure, not of a thing: a quantity, an amount, a count, a rate.
_MEASURE_NAME = re.compile(rf"(?:{_STATISTIC.pattern}|量|额|率|值|收入|支出|标准|价格|面积)$")


@lru_cache(maxsize=4096)
def _verbs_only(text: str) -> bool:
    """`text` is verbs alone ("翻修"), not a verb used as a modifier of a noun ("新建"). (Cached:
    same_indicator asks it for every figure a sentence holds.)"""
    import jieba.posseg

    tokens = jieba.posseg.lcut(text) if text else []
    return bool(tokens) and all(str(t.flag) == "v" and len(str(t.word)) > 1 for t in tokens)


def _modifiers(text: str) -> set[str]:
    """The words before an indicator's head that tell it apart: nouns, and verbs used as
    modifiers ("出生人口", "新增就业"); years and digits are the time scope, not the indicator."""
    import jieba.posseg

    return {
        str(t.word)
        for t in jieba.posseg.cut(text)
        if len(str(t.word)) > 1
        and str(t.flag).startswith(("n", "v"))
        and not any(c.isdigit() for c in str(t.word))
        and str(t.word) not in GENERIC
    }


def nouns(text: str) -> set[str]:
    """Nouns of two characters or more (jieba), the words an indicator is told apart by."""
    import jieba.posseg

    return {
        str(t.word)
        for t in jieba.posseg.cut(text)
        if len(str(t.word)) > 1 and str(t.flag).startswith(("n", "vn")) and str(t.word) not in GENERIC
    }
