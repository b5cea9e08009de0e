"""Which report a document is: its year, issuing body, region and kind.

Derived from what every report states about itself: the title or file name
("2025年四川省政府工作报告.docx"), the delivery line ("——2017年3月5日在第十二届全国人民代表大会第五次
会议上"), the speaker's mandate ("我代表国务院", "我代表第十八届中央委员会"). A sidecar file beside
the report, `<file>.meta.json`, corrects any field; a malformed one is reported by file and field and
the derived values stand. Pure functions, except `read_sidecar`.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from ingest.records import ADMINS_ONLY, DocKind, DocumentMeta
from ingest.visible import one_line

SIDECAR_SUFFIX = ".meta.json"
# A folder's correction: a file of this name inside it, naming the readers of every report there.
FOLDER_SIDECAR = ".meta.json"
FIELDS = ("title", "year", "body", "region", "kind", "readers")
# What a correction's readers field may say for "every user".
EVERYONE = frozenset({"所有人", "全部", "公开", "全体"})
# A broken correction may have restricted its report: until it is mended, admins only read it.
_CLOSED = "该报告暂限管理员阅读"

# Provincial-level divisions: full name -> short name (what people write: 广东, 内蒙古).
PROVINCES = {
    "北京市": "北京",
    "天津市": "天津",
    "上海市": "上海",
    "重庆市": "重庆",
    "河北省": "河北",
    "山西省": "山西",
    "辽宁省": "辽宁",
    "吉林省": "吉林",
    "黑龙江省": "黑龙江",
    "江苏省": "江苏",
    "浙江省": "浙江",
    "安徽省": "安徽",
    "福建省": "福建",
    "江西省": "江西",
    "山东省": "山东",
    "河南省": "河南",
    "湖北省": "湖北",
    "湖南省": "湖南",
    "广东省": "广东",
    "海南省": "海南",
    "四川省": "四川",
    "贵州省": "贵州",
    "云南省": "云南",
    "陕西省": "陕西",
    "甘肃省": "甘肃",
    "青海省": "青海",
    "台湾省": "台湾",
    "内蒙古自治区": "内蒙古",
    "广西壮族自治区": "广西",
    "西藏自治区": "西藏",
    "宁夏回族自治区": "宁夏",
    "新疆维吾尔自治区": "新疆",
    "香港特别行政区": "香港",
    "澳门特别行政区": "澳门",
}
# Each province's one-character name (简称), as lists of provinces are written ("苏浙皖三省",
# "川、渝两地": rag.question.constraints reads them only so); 滇/黔/陇/秦/蜀 are the other names
# of 云南/贵州/甘肃/陕西/四川.
PROVINCE_ABBREVIATIONS = {
    "京": "北京市", "津": "天津市", "沪": "上海市", "渝": "重庆市", "冀": "河北省", "晋": "山西省",
    "辽": "辽宁省", "吉": "吉林省", "黑": "黑龙江省", "苏": "江苏省", "浙": "浙江省", "皖": "安徽省",
    "闽": "福建省", "赣": "江西省", "鲁": "山东省", "豫": "河南省", "鄂": "湖北省", "湘": "湖南省",
    "粤": "广东省", "琼": "海南省", "川": "四川省", "蜀": "四川省", "贵": "贵州省", "黔": "贵州省",
    "云": "云南省", "滇": "云南省", "陕": "陕西省", "秦": "陕西省", "甘": "甘肃省", "陇": "甘肃省",
    "青": "青海省", "台": "台湾省", "蒙": "内蒙古自治区", "桂": "广西壮族自治区", "藏": "西藏自治区",
    "宁": "宁夏回族自治区", "新": "新疆维吾尔自治区", "港": "香港特别行政区", "澳": "澳门特别行政区",
}  # fmt: skip
NATIONAL = "全国"
# Below the provinces, a place is named with its level: 深圳市, 綦江区, 昌平县, 延边州.
LOCAL_SUFFIXES = "自治州|自治县|市|区|县|州|盟|旗"
_LOCAL = re.compile(rf"[\u4e00-\u9fff]{{1,5}}?(?:{LOCAL_SUFFIXES})")  # 綦江区, 沛县
# What an organisation inside a place is called: 綦江区委组织部, 深圳市人民政府.
_ORG = re.compile(
    r"(?:委组织部|委员会组织部|委宣传部|委办公室|委|人民政府|政府|人大常委会|政协|组织部|宣传部|办公室|"
    r"发展和改革委员会|统计局|[\u4e00-\u9fff]{1,6}?(?:局|厅|委|办))"
)

_DIGIT_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")
_CN_YEAR = re.compile(r"([〇○零一二三四五六七八九]{4})\s*年")
_DIGIT_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")
_CN_DATE = re.compile(
    r"([〇○零一二三四五六七八九]{4})\s*年[一二三四五六七八九十]{1,2}月[一二三四五六七八九十]{1,3}日"
)
_CN_DIGIT = {c: str(i) for i, c in enumerate("零一二三四五六七八九")} | {"〇": "0", "○": "0"}

# Kind by the words a title or a report's opening uses for itself; the first that matches wins
# (a 政府工作报告 is delivered at a 人民代表大会, which is no party congress).
_KIND_RULES: tuple[tuple[DocKind, re.Pattern[str]], ...] = (
    (DocKind.GOVERNMENT_WORK_REPORT, re.compile(r"政府工作报告|报告政府工作")),
    (DocKind.STATISTICAL_BULLETIN, re.compile(r"统计公报")),
    (
        DocKind.CONGRESS_REPORT,
        re.compile(r"党代会|党代表大会|[一二三四五六七八九十]+大报告|(?<!人民)代表大会上的报告|全国代表大会"),
    ),
    (DocKind.SPEECH, re.compile(r"讲话|致辞|发言|演讲")),
    (DocKind.PLAN, re.compile(r"工作要点|工作计划|计划|工作安排|实施方案|方案|规划|打算")),
    (DocKind.ANNUAL_SUMMARY, re.compile(r"总结|答卷|工作情况|年度报告|工作报告|述职|年报")),
)
KIND_NAMES = {k.value: k for k in DocKind} | {
    "工作总结": DocKind.ANNUAL_SUMMARY,
    "总结": DocKind.ANNUAL_SUMMARY,
    "工作要点": DocKind.PLAN,
    "计划": DocKind.PLAN,
    "工作计划": DocKind.PLAN,
    "党代会": DocKind.CONGRESS_REPORT,
    "other": DocKind.OTHER,
}
_MANDATE = re.compile(r"我代表([\u4e00-\u9fff]{2,20}?)(?:，|,|向|[报作])")
# Where a report was delivered: "在第十二届全国人民代表大会第五次会议上", "在浙江省第十四届人民代表
# 大会第二次会议上", "在中国共产党第十九次全国代表大会上".
_NATIONAL_VENUE = re.compile(r"全国人民代表大会|全国代表大会|全国人大")
_LOCAL_VENUE = re.compile(
    rf"在(?:中国共产党)?([\u4e00-\u9fff]{{2,8}}?(?:省|自治区|{LOCAL_SUFFIXES}))第[一二三四五六七八九十\d]+(?:届|次)"
    r"[^，。]{0,12}?代表大会"
)


def year_of(value: str) -> int | None:
    """A year written "2021", "2021年", "2021年度" or "二〇二一年" (None otherwise)."""
    text = value.strip().removesuffix("度").removesuffix("年").strip()
    if re.fullmatch(r"(?:19|20)\d{2}", text):
        return int(text)
    if re.fullmatch(r"[〇○零一二三四五六七八九]{4}", text):
        return int("".join(_CN_DIGIT[c] for c in text))
    return None


def _first_year(text: str) -> int | None:
    m = _DIGIT_YEAR.search(text)
    if m:
        return int(m.group(1))
    m = _CN_YEAR.search(text)
    if m:
        return year_of(m.group(1))
    m = _TRAILING_YEAR.search(text)  # a file named "政府工作报告2023"
    return int(m.group(1)) if m else None


_TRAILING_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*$")


def _dated_year(lines: Sequence[str]) -> int | None:
    """The year of the first full date in the opening lines (the delivery date)."""
    for line in lines:
        m = _DIGIT_DATE.search(line) or _CN_DATE.search(line)
        if m:
            return year_of(m.group(1))
    return None


@functools.lru_cache(maxsize=4096)  # asked per report per question; the places are few
def short_region(region: str) -> str:
    """ "广东省" -> "广东", "綦江区" -> "綦江", "全国" stays."""
    if region in PROVINCES:
        return PROVINCES[region]
    return re.sub(rf"(?:{LOCAL_SUFFIXES}|省)$", "", region) or region


def find_region(text: str) -> tuple[str, int] | None:
    """The place a title names (full name) and where it ends. Titles start with it, after an
    optional year: "2025年四川省政府工作报告", "某区委组织部2031年工作总结", "重庆市綦江区…";
    a province may be written short ("广东2024年…")."""
    m = _LEADING_YEAR.match(text)
    at = m.end() if m else 0
    if text.startswith("中共", at):  # "中共重庆市綦江区委组织部": the Party committee of the place
        at += 2
    province = next(
        (
            (full, at + len(name))
            for full, short in PROVINCES.items()
            for name in (full, short)
            if text.startswith(name, at)
        ),
        None,
    )
    if province is not None:
        at = province[1]
    local = _LOCAL.match(text, at)
    if (
        local
        and not _is_province_name(local.group(0))
        and local.group(0)[0] not in _NOT_A_PLACE
        and not set(local.group(0)[:-1]) & _NOT_IN_A_PLACE
    ):
        return local.group(0), local.end()
    return province


# "在全区…会议上的讲话", "本市…": words for "here", not place names.
_NOT_A_PLACE = set("在全本各该此我关于")
# A place name holds none of these: "市长在全市…" is a speaker, not a place.
_NOT_IN_A_PLACE = set("长在全的和与")


def _is_province_name(name: str) -> bool:
    return name in PROVINCES or name in PROVINCES.values()


_LEADING_YEAR = re.compile(r"\s*(?:(?:19|20)\d{2}|[〇○零一二三四五六七八九]{4})\s*年度?\s*")


def _kind(texts: Sequence[str]) -> DocKind | None:
    for text in texts:
        kinds = [kind for kind, pattern in _KIND_RULES if pattern.search(text)]
        if DocKind.ANNUAL_SUMMARY in kinds and DocKind.PLAN in kinds:
            # "关于2023年工作总结和2024年工作计划的报告": a summary whose last part plans ahead.
            return DocKind.ANNUAL_SUMMARY
        if kinds:
            return kinds[0]
    return None


@dataclass
class _Derived:
    values: dict[str, object] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)

    def set(self, name: str, value: object, where: str) -> None:
        if value not in (None, "") and name not in self.values:
            self.values[name] = value
            self.origin[name] = where


def derive(file_name: str, title: str | None, head: Sequence[str]) -> DocumentMeta:
    """Metadata from the file name, the title a loader found and the first lines of the text."""
    stem = Path(file_name).name
    for suffix in Path(stem).suffixes[::-1]:
        stem = stem.removesuffix(suffix)
    found = _Derived()
    named = [(title, "标题")] if title else []
    named.append((stem, "文件名"))
    for text, where in named:
        found.set("year", _first_year(text), where)
    found.set("year", _dated_year(head), "正文开头")
    for text, where in named:
        found.set("kind", _kind([text]), where)
    found.set("kind", _kind(head[:12]), "正文开头")
    kind = DocKind(str(found.values.get("kind", DocKind.OTHER)))
    for text, where in named:
        place = find_region(text)
        if place is not None:
            found.set("region", place[0], where)
            org = _ORG.match(text, place[1])
            if org and kind is not DocKind.GOVERNMENT_WORK_REPORT:  # not the 政府 of 政府工作报告
                found.set("body", place[0] + org.group(0), where)
    opening = head[:12]
    mandate = next((m.group(1) for line in opening for m in [_MANDATE.search(line)] if m), "")
    venue = next((m.group(1) for line in opening for m in [_LOCAL_VENUE.search(line)] if m), "")
    if venue and not _NATIONAL_VENUE.search(venue):
        place = find_region(venue)
        found.set("region", place[0] if place else venue, "正文开头")
    national = (
        mandate == "国务院" or "中央委员会" in mandate or any(_NATIONAL_VENUE.search(x) for x in opening)
    )
    region = str(found.values.get("region", ""))
    if kind is DocKind.GOVERNMENT_WORK_REPORT:
        if region:
            found.set("body", f"{region}人民政府", "正文开头" if mandate else "文件名")
        elif national or not (mandate or venue):
            # The State Council's report names no place; a province's always says its own.
            found.set("body", "国务院", "正文开头" if national else "文件名")
    elif kind is DocKind.CONGRESS_REPORT and "中央委员会" in mandate:
        found.set("body", "中共中央", "正文开头")
    elif mandate:
        found.set("body", mandate.removeprefix("省").removeprefix("市"), "正文开头")
    national_body = found.values.get("body") in ("国务院", "中共中央")
    if kind in (DocKind.GOVERNMENT_WORK_REPORT, DocKind.CONGRESS_REPORT) and not region and national_body:
        found.set("region", NATIONAL, found.origin.get("body", "文件名"))
    found.set("body", found.values.get("region", ""), found.origin.get("region", ""))
    found.set("title", one_line(title or stem), "标题" if title else "文件名")
    return _meta(found.values, found.origin)


def _meta(values: dict[str, object], origin: dict[str, str]) -> DocumentMeta:
    year = values.get("year")
    return DocumentMeta(
        title=str(values.get("title", "")),
        year=year if isinstance(year, int) else None,
        body=str(values.get("body", "")),
        region=str(values.get("region", "")),
        kind=DocKind(str(values.get("kind", DocKind.OTHER))),
        origin=tuple(sorted(origin.items())),
    )


def sidecar_path(report: Path) -> Path:
    return report.with_name(report.name + SIDECAR_SUFFIX)


@dataclass(frozen=True)
class Correction:
    """What a sidecar file sets, and what was wrong with it (each problem names the field)."""

    values: dict[str, object]
    problems: tuple[str, ...] = ()


def parse_correction(text: str, name: str) -> Correction:
    """The fields of a sidecar file's JSON text; `name` is the file named in problems."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}"
        return _unused(f"{name}：不是有效的 JSON（{where}）")
    if not isinstance(data, dict):
        return _unused(f'{name}：应为一个 JSON 对象，如 {{"year": 2021, "kind": "年度工作总结"}}')
    values: dict[str, object] = {}
    problems: list[str] = []
    for key, raw in data.items():
        if key not in FIELDS:
            problems.append(f"{name}：未知字段 {key}（可用字段：{'、'.join(FIELDS)}），已忽略")
            continue
        value, problem = _field(key, raw)
        if problem and key == "readers":
            problems.append(f"{name}：字段 readers {problem}，{_CLOSED}")
            values[key] = (ADMINS_ONLY,)
        elif problem:
            problems.append(f"{name}：字段 {key} {problem}，已改用推断值")
        else:
            values[key] = value
    return Correction(values, tuple(problems))


def _unused(problem: str) -> Correction:
    """A correction that cannot be read: none of its fields is used, and its report is closed."""
    return Correction({"readers": (ADMINS_ONLY,)}, (f"{problem}，未使用，{_CLOSED}",))


def _field(key: str, raw: object) -> tuple[object, str]:
    if key == "readers":
        return _readers(raw)
    if key == "year":
        year = raw if isinstance(raw, int) and not isinstance(raw, bool) else None
        if isinstance(raw, str):
            year = year_of(raw)
        if year is None or not 1900 <= year <= 2100:
            return None, f"的值 {json.dumps(raw, ensure_ascii=False)} 不是年份（可写 2021 或 “二〇二一年”）"
        return year, ""
    if not isinstance(raw, str) or not raw.strip():
        return None, f"的值 {json.dumps(raw, ensure_ascii=False)} 应为非空文字"
    if key == "kind":
        kind = KIND_NAMES.get(raw.strip())
        if kind is None:
            names = "、".join(k.value for k in DocKind)
            return None, f"的值 “{raw}” 不是已知的报告类型（可用：{names}）"
        return kind, ""
    return one_line(raw), ""


def valid_group(name: str) -> bool:
    """A group name users and corrections share: 1-32 characters, none of ":", "," or "|"
    (the separators of KB_USERS)."""
    return 0 < len(name) <= 32 and not any(c in name for c in ":,|")


def names_in(text: str) -> list[str]:
    """The names in one line of them: "干部科、部务会", "干部科, 部务会", "干部科 部务会"."""
    return [n for n in re.split(r"[、,，;；\s]+", text or "") if n]


def _readers(raw: object) -> tuple[tuple[str, ...] | None, str]:
    """A list of group names, or one text of them ("干部科、部务会"); "所有人" or an empty list opens
    the report to every user. Whether each group exists is checked against the users (admin.access)."""
    if isinstance(raw, str):
        raw = names_in(raw)
    if not isinstance(raw, list) or not all(isinstance(g, str) for g in raw):
        shown = json.dumps(raw, ensure_ascii=False)
        return None, f'的值 {shown} 应为组名的列表，如 ["干部科", "部务会"]，或 "所有人"'
    names = [one_line(g) for g in raw if one_line(g)]
    if any(n in EVERYONE for n in names):
        return (), ""
    if not all(valid_group(n) for n in names):
        return None, "中有不合规的组名（最多 32 个字，不能含“:”“,”或“|”）"
    return tuple(sorted(set(names))), ""


def read_sidecar(report: Path) -> Correction | None:
    """The correction beside `report`, or None when there is none."""
    path = sidecar_path(report)
    return _read_correction(path, path.name)


def _read_correction(path: Path, name: str) -> Correction | None:
    """The correction file `path` (named `name` in problems), None when there is none; one that
    cannot be read is used for nothing and closes its reports."""
    if not path.is_file():
        return None
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return _unused(f"{name}：无法读取（{exc}）")
    return parse_correction(text, name)


def read_folder_correction(folder: Path) -> Correction | None:
    """The readers a folder's own correction (`<folder>/.meta.json`) gives every report in it,
    or None without one. It may say only `readers`; a file that cannot be read closes the folder's
    reports to all but administrators, as a report's own broken correction does."""
    found = _read_correction(folder / FOLDER_SIDECAR, f"{folder.name}/{FOLDER_SIDECAR}")
    if found is None:
        return None
    others = sorted(k for k in found.values if k != "readers")
    if not others:
        return found
    problem = f"{folder.name}/{FOLDER_SIDECAR}：文件夹的更正文件只能写 readers（{'、'.join(others)} 已忽略）"
    kept = {k: v for k, v in found.values.items() if k == "readers"}
    return Correction(kept, (*found.problems, problem))


# Where a field came from when a folder's correction set it (admin.access names the file).
FROM_FOLDER = "文件夹更正文件"


def corrected(meta: DocumentMeta, correction: Correction | None, source: str = "更正文件") -> DocumentMeta:
    """`meta` with the sidecar's valid fields in place of the derived ones; `source` says which
    correction set them (the report's own, or its folder's: FROM_FOLDER)."""
    if correction is None or not correction.values:
        return meta
    origin = dict(meta.origin) | {key: source for key in correction.values}
    return replace(meta, **correction.values, origin=tuple(sorted(origin.items())))  # type: ignore[arg-type]
