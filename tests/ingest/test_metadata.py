"""Document metadata: derived from title, file name and opening lines; corrected by a sidecar."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.build import ingest
from ingest.config import Settings
from ingest.metadata import corrected, derive, parse_correction, year_of
from ingest.records import ADMINS_ONLY, DocKind
from ingest.store import catalog, current_version, doc_metas
from tests.conftest import SAMPLE, SAMPLE_DOC_ID
from tests.fakes import HashEmbedder


def _fields(name: str, title: str | None = None, head: tuple[str, ...] = ()) -> tuple[object, ...]:
    meta = derive(name, title, list(head))
    return meta.title, meta.year, meta.body, meta.region, meta.kind


def test_a_national_government_work_report() -> None:
    head = ("各位代表：", "现在，我代表国务院，向大会报告政府工作，请予审议。", "一、2016年工作回顾")
    assert _fields("2017年政府工作报告.txt", None, head) == (
        "2017年政府工作报告",
        2017,
        "国务院",
        "全国",
        DocKind.GOVERNMENT_WORK_REPORT,
    )


def test_a_provincial_report_names_its_province() -> None:
    head = ("2025年四川省政府工作报告", "2025年1月20日在四川省第十四届人民代表大会第四次会议上")
    assert _fields("2025年四川省政府工作报告.docx", None, head)[1:] == (
        2025,
        "四川省人民政府",
        "四川省",
        DocKind.GOVERNMENT_WORK_REPORT,
    )


def test_a_party_congress_report_takes_its_year_from_the_delivery_date() -> None:
    head = (
        "决胜全面建成小康社会",
        "（2017年10月18日）",
        "同志们：",
        "现在，我代表第十八届中央委员会向大会作报告。",
    )
    assert _fields("党的十九大报告.txt", None, head)[1:] == (
        2017,
        "中共中央",
        "全国",
        DocKind.CONGRESS_REPORT,
    )


def test_the_sample_annual_summary() -> None:
    assert _fields(SAMPLE.name) == (
        SAMPLE_DOC_ID,
        2021,
        "綦江区委组织部",
        "綦江区",
        DocKind.ANNUAL_SUMMARY,
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("二〇二一年綦江区委组织部工作总结.docx", (2021, "綦江区委组织部", "綦江区", DocKind.ANNUAL_SUMMARY)),
        ("重庆市綦江区2022年工作要点.docx", (2022, "綦江区", "綦江区", DocKind.PLAN)),
        ("深圳市2025年政府工作报告.pdf", (2025, "深圳市人民政府", "深圳市", DocKind.GOVERNMENT_WORK_REPORT)),
        ("广东2024年统计公报.pdf", (2024, "广东省", "广东省", DocKind.STATISTICAL_BULLETIN)),
        ("在全区组织工作会议上的讲话.docx", (None, "", "", DocKind.SPEECH)),
        ("会议纪要.txt", (None, "", "", DocKind.OTHER)),
    ],
)
def test_file_names_alone(name: str, expected: tuple[object, ...]) -> None:
    assert _fields(name)[1:] == expected


def test_years_in_either_script() -> None:
    assert year_of("2021") == year_of("2021年") == year_of("二〇二一年") == year_of("二○二一") == 2021
    assert year_of("明年") is None


def test_a_correction_sets_valid_fields_and_names_each_bad_one() -> None:
    text = json.dumps(
        {"year": "二〇二〇年", "kind": "工作要点", "body": "", "colour": "red"}, ensure_ascii=False
    )
    correction = parse_correction(text, "报告.docx.meta.json")
    assert correction.values == {"year": 2020, "kind": DocKind.PLAN}
    assert correction.problems == (
        '报告.docx.meta.json：字段 body 的值 "" 应为非空文字，已改用推断值',
        "报告.docx.meta.json：未知字段 colour（可用字段：title、year、body、region、kind、readers），已忽略",
    )
    meta = corrected(derive(SAMPLE.name, None, []), correction)
    assert (meta.year, meta.kind, meta.body) == (2020, DocKind.PLAN, "綦江区委组织部")
    assert dict(meta.origin)["year"] == "更正文件"


CLOSED = {"readers": (ADMINS_ONLY,)}


@pytest.mark.parametrize(
    ("text", "problem", "values"),
    [
        # A file that cannot be read may have named readers: its report is closed, never opened.
        ("{year: 2021", "报告.docx.meta.json：不是有效的 JSON（第 1 行第 2 列", CLOSED),
        ("[2021]", "报告.docx.meta.json：应为一个 JSON 对象", CLOSED),
        ('{"readers": 5}', "报告.docx.meta.json：字段 readers 的值 5 应为组名的列表", CLOSED),
        ('{"readers": ["干:部"]}', "报告.docx.meta.json：字段 readers 中有不合规的组名", CLOSED),
        ('{"year": "明年"}', '报告.docx.meta.json：字段 year 的值 "明年" 不是年份', {}),
        ('{"kind": "通报"}', "报告.docx.meta.json：字段 kind 的值 “通报” 不是已知的报告类型", {}),
    ],
)
def test_malformed_corrections(text: str, problem: str, values: dict[str, object]) -> None:
    correction = parse_correction(text, "报告.docx.meta.json")
    assert correction.values == values
    assert correction.problems[0].startswith(problem)
    assert correction.problems[0].endswith("该报告暂限管理员阅读") == bool(values)


@pytest.mark.parametrize(
    ("readers", "parsed"),
    [
        (["部务会", "干部科", "干部科"], ("干部科", "部务会")),  # sorted, once each
        ("干部科、部务会", ("干部科", "部务会")),  # one line of names, as the 管理 form sends it
        ("所有人", ()),
        ([], ()),
    ],
)
def test_readers_in_a_correction(readers: object, parsed: tuple[str, ...]) -> None:
    text = json.dumps({"readers": readers}, ensure_ascii=False)
    correction = parse_correction(text, "报告.docx.meta.json")
    assert correction.problems == ()
    meta = corrected(derive(SAMPLE.name, None, []), correction)
    assert meta.readers == tuple(sorted(parsed))
    assert dict(meta.origin)["readers"] == "更正文件"


def _metas(settings: Settings) -> dict[str, object]:
    live = current_version(settings.index_dir)
    assert live is not None
    with catalog(live) as con:
        return dict(doc_metas(con))


def test_ingest_stores_metadata_and_applies_a_sidecar_without_embedding_again(kb_settings: Settings) -> None:
    embedder = HashEmbedder()
    first = ingest(kb_settings, embedder=embedder, progress=False)
    (meta,) = _metas(kb_settings).values()
    assert (meta.year, meta.kind) == (2021, DocKind.ANNUAL_SUMMARY)  # type: ignore[attr-defined]
    assert [m.title for _p, m in first.catalog] == [SAMPLE_DOC_ID]

    sidecar = kb_settings.kb_dir / f"{SAMPLE.name}.meta.json"
    sidecar.write_text('{"year": 2022, "title": "2022年组工答卷"}', encoding="utf-8")
    calls = embedder.calls
    second = ingest(kb_settings, embedder=embedder, progress=False)
    assert embedder.calls == calls  # metadata only: nothing embedded
    assert second.version != first.version  # but a new version is published
    (meta,) = _metas(kb_settings).values()
    assert (meta.year, meta.title) == (2022, "2022年组工答卷")  # type: ignore[attr-defined]


def test_a_malformed_sidecar_is_reported_and_the_report_still_indexed(kb_settings: Settings) -> None:
    (kb_settings.kb_dir / f"{SAMPLE.name}.meta.json").write_text('{"year": "明年"}', encoding="utf-8")
    report = ingest(kb_settings, embedder=HashEmbedder(), progress=False)
    assert report.added == [str(Path(kb_settings.kb_dir / SAMPLE.name).absolute())]
    assert report.meta_problems and "字段 year" in report.meta_problems[0]
    assert "元数据更正文件有误" in report.summary()
    (meta,) = _metas(kb_settings).values()
    assert meta.year == 2021  # type: ignore[attr-defined]  # derived, the bad value ignored


def test_a_provincial_report_whose_file_name_names_no_place() -> None:
    head = (
        "——2024年1月23日在浙江省第十四届人民代表大会第二次会议上",
        "现在，我代表省人民政府，向大会报告工作",
    )
    assert _fields("政府工作报告.docx", None, head)[1:] == (
        2024,
        "浙江省人民政府",
        "浙江省",
        DocKind.GOVERNMENT_WORK_REPORT,
    )
    # Neither a place nor the State Council: nothing is guessed.
    assert _fields("政府工作报告.docx", None, ("现在，我代表市人民政府，向大会报告工作",))[2:4] == ("", "")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "中共重庆市綦江区委组织部2021年组工答卷.txt",
            (2021, "綦江区委组织部", "綦江区", DocKind.ANNUAL_SUMMARY),
        ),
        ("市长在全市经济工作会议上的讲话.txt", (None, "", "", DocKind.SPEECH)),
        ("关于2023年工作总结和2024年工作计划的报告.docx", (2023, "", "", DocKind.ANNUAL_SUMMARY)),
        ("政府工作报告2023.txt", (2023, "国务院", "全国", DocKind.GOVERNMENT_WORK_REPORT)),
        ("沛县2020年度工作总结.docx", (2020, "沛县", "沛县", DocKind.ANNUAL_SUMMARY)),
    ],
)
def test_more_title_shapes(name: str, expected: tuple[object, ...]) -> None:
    assert _fields(name)[1:] == expected
