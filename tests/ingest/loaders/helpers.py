"""What the loader tests share: a report excerpt, writing a fixture file, expecting a LoadError."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.loaders import LoadError, load_document

# A realistic few-line excerpt: short GBK strings are where detectors go wrong.
REPORT = (
    "一年砥砺奋进，一年春华秋实。\n"
    "2021年，区委组织部培训各级各类党员干部40822人次。\n"
    "全区新发展党员1235名，其中35岁以下青年占比达到76.3%。\n"
    "完成区镇村三级换届，选优配强村（社区）“两委”班子成员1096人。\n"
)


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def load_error(path: Path) -> LoadError:
    with pytest.raises(LoadError) as info:
        load_document(path)
    assert str(path) in str(info.value)
    return info.value
