"""Keyword terms for BM25: jieba words plus CJK character bigrams.

Both index and query go through `terms()`, so they always agree. jieba alone misses words its
dictionary splits differently in question and passage ("培训了" vs "培训"); character bigrams
alone lose word boundaries. Using both is what measured best on the dev sets (docs/evaluation.md).
Question words and function words are dropped: they are in every question and no passage.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache

import jieba

jieba.setLogLevel(logging.WARNING)

STOP_WORDS = frozenset(
    [
        "的",
        "了",
        "是",
        "在",
        "和",
        "与",
        "及",
        "或",
        "有",
        "也",
        "都",
        "就",
        "而",
        "被",
        "把",
        "对",
        "将",
        "为",
        "于",
        "以",
        "之",
        "其",
        "这",
        "那",
        "此",
        "该",
        "等",
        "各",
        "个",
        "中",
        "吗",
        "呢",
        "吧",
        "啊",
        "呀",
        "么",
        "哪",
        "谁",
        "几",
        "多少",
        "什么",
        "怎么",
        "怎样",
        "如何",
        "哪些",
        "哪个",
        "哪里",
        "哪儿",
        "为什么",
        "是否",
        "是不是",
        "请问",
        "请",
        "告诉",
        "一下",
        "我",
        "我们",
        "你",
        "你们",
        "他",
        "他们",
        "她",
        "它",
        "它们",
        "多",
        "少",
        "有没有",
        "有哪些",
        "一",
        "共",
    ]
)
_TOKEN = re.compile(r"[\w%]+", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")


def normalize(text: str) -> str:
    """NFKC (full-width digits and letters to ASCII) and lower case."""
    return unicodedata.normalize("NFKC", text).lower()


@lru_cache(maxsize=4096)
def _words(text: str) -> tuple[str, ...]:
    return tuple(w for w in (t.strip() for t in jieba.lcut_for_search(text)) if w and _TOKEN.fullmatch(w))


def words(text: str) -> list[str]:
    """jieba search-mode words without stop words or punctuation."""
    return [w for w in _words(normalize(text)) if w not in STOP_WORDS]


def bigrams(text: str) -> list[str]:
    """Overlapping character bigrams of every CJK run, marked so they never equal a word."""
    out: list[str] = []
    for run in _CJK.findall(normalize(text)):
        out.extend("~" + run[i : i + 2] for i in range(len(run) - 1))
    return out


def word_parts(word: str) -> tuple[str, ...]:
    """A segmented word as the words it is made of: a four-character word is mostly two words
    of two ("高速铁路": 高速 + 铁路; "就业人数": 就业 + 人数), any other is one."""
    return (word[:2], word[2:]) if len(word) == 4 else (word,)


def terms(text: str) -> list[str]:
    return words(text) + bigrams(text)
