"""The type of answer a question asks for, where a wrong type is no answer at all.

"花了多少经费?" wants an amount of money (元), never a count of people; "哪一天?" wants a day, not
the month it happened in; "是谁?" wants a person's name. When the evidence holds no candidate of
the asked type, the honest answer is a refusal (with the closest paragraphs as 可能相关), not a
figure of another kind from the right paragraph. These are properties of how Chinese questions
ask, not of any report.
"""

from __future__ import annotations

import re
from enum import Enum


class AskedType(Enum):
    MONEY = "money"
    DAY = "day"
    PERSON = "person"
    PLACE = "place"


# Money: "多少钱", "花了多少", or a word for funds asked about ("投入了多少资金", "经费是多少").
_MONEY = re.compile(
    r"多少钱|花(?:了|费)?多少|多少[^人名个户次项件所座，,。？?]{0,4}?(?:资金|经费|费用|款项|奖金|补助|补贴|津贴|工资|薪酬)|"
    r"(?:资金|经费|金额|费用|款项|拨款|奖金|补助金|预算|余额)"
    r"(?:总额|总量|规模)?(?:是|为|有|共|达到?|一共|总共)?(?:多少|几)|"
    r"(?:投入|拨付|筹集|安排|支出|花费|花)了?(?:多少|几)(?:资金|经费|钱|费用)"
)
# A day: "哪一天", "几月几日", "具体日期"; a month or a year is not asked for.
_DAY = re.compile(r"哪一?天|哪日|几月几[日号]|几号|具体(?:日期|哪天)|什么日子|(?:日期|哪天)是")
# A person asked for by the office or role they hold ("带头人叫什么名字", "总工程师是谁"), or
# by what they did with the report ("谁作的报告"). A bare "……是谁" may ask for a team, a country
# or an organisation, and "……叫什么名字" for a thing: those are not gated.
_ROLE = (
    r"负责人|书记|主任|部长|局长|处长|科长|区长|县长|市长|省长|总理|主席|校长|院长|董事长|总经理|"
    r"记者|作者|编辑|设计师|工程师|专家|教授|代表|委员|主持人|报告人|讲话人|发言人|带头人|"
    r"编剧|导演|主演|教练|队长|创始人|第一书记"
)
# Any other person is asked by a noun of agent: Chinese forms them with a suffix (运动员, 获奖者,
# 教师; not 家 or 手, which also end 国家 and 对手, a team as often). Several are asked with
# "都有谁 / 有哪些人". A role of the list above is read first ("文字记者": 记者).
_AGENT = r"(?:(?![的之])[\u4e00-\u9fff]){1,2}(?:员|者|师)"
_WHO = r"是谁|是哪位|叫什么名字|的名字|姓名|名叫什么|都有谁|有谁|有哪些人|是哪些人|都是谁"
# "哪位编辑审定的": 哪位 before a role (or before nothing: "是哪位主讲的") asks for a person too.
_PERSON = re.compile(rf"(?P<role>{_ROLE})(?:{_WHO})|哪一?位(?P<which>{_ROLE})?|谁(?:作|做|主持|讲)")
_AGENT_PERSON = re.compile(rf"(?P<role>{_AGENT})(?:{_WHO})")
# A venue: where an event was held ("在哪个城市举办", "在哪里召开", "开幕式在哪儿举行"). Other
# "where" questions ("位于什么地方", "是哪里人", "短板在哪里") are answered by descriptions a
# place-name tagger does not see as places, and are not gated.
_HELD = r"举办|举行|召开|开幕|闭幕|办"
_PLACE = re.compile(
    rf"(?:在哪(?:[个座]?(?:城市|省份?|市|县|国家|地方)|里|儿|(?![一些年天月个位家项]))|在什么地方)"
    rf"[^，。？?]{{0,4}}?(?:{_HELD})"
    rf"|(?:{_HELD})[^，。？?]{{0,3}}?(?:在哪里|在哪儿|在哪)"
)
# How a day is written: "18日", "3月5日", "十八日", "5号"; "7·21" for a day known by its date.
_DAY_WRITTEN = re.compile(r"\d{1,2}[日号]|[一二三四五六七八九十]{1,3}日|\d{1,2}·\d{1,2}")


def asked_role(question: str) -> str:
    """The office or role a question asks a person by ("总工程师是谁" -> "工程师"); "" else."""
    m = _PERSON.search(question)
    if m:
        return m.group("role") or m.group("which") or ""
    m = _AGENT_PERSON.search(question)
    return (m.group("role") or "") if m else ""


def asked_type(question: str) -> AskedType | None:
    """The asked type, when the question asks for one of those a wrong type cannot answer."""
    if _PERSON.search(question) or _AGENT_PERSON.search(question):
        return AskedType.PERSON
    if _DAY.search(question):
        return AskedType.DAY
    if _MONEY.search(question):
        return AskedType.MONEY
    if _PLACE.search(question):
        return AskedType.PLACE
    return None


def names_a_day(text: str) -> bool:
    return bool(_DAY_WRITTEN.search(text))


# The most common Chinese surnames: a name right after a role ("编剧王某某") is read by its
# surname where the segmenter does not know the given name's rare characters.
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚"
    "邵万钱严覃武戴莫孔向汤"
)
_AFTER_ROLE = re.compile(rf"^[\s\u3000:：|｜]*([{_SURNAMES}][\u4e00-\u9fff]{{1,2}})")


def name_after(text: str, at: int) -> str:
    """A name written right after position `at` (a role's end), read by its surname; "" else."""
    m = _AFTER_ROLE.match(text[at:])
    return m.group(1) if m else ""


def person_names(text: str, question: str = "") -> list[str]:
    """Names of people in `text` (jieba's nr tags), those the question already says left out."""
    return _tagged(text, question, ("nr", "nrt", "nrfg"))


def place_names(text: str, question: str = "") -> list[str]:
    """Places named in `text` (jieba's ns tag), those the question already says left out."""
    return _tagged(text, question, ("ns",))


def _tagged(text: str, question: str, flags: tuple[str, ...]) -> list[str]:
    import jieba.posseg

    found = [
        str(t.word)
        for t in jieba.posseg.cut(text)
        if str(t.flag) in flags and len(str(t.word)) >= 2 and str(t.word) not in question
    ]
    return list(dict.fromkeys(found))
