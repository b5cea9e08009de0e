"""Standard statistical acronyms and the Chinese names reports write instead.

People ask "GDP增长多少", "CPI涨幅"; reports write 国内生产总值 (地区生产总值 for a province),
居民消费价格. The acronyms below are the international statistical indicators whose official
Chinese names (National Bureau of Statistics usage) are fixed, so a question's acronym can be read
as those names when matching text. Nothing here is about any particular report or question.
"""

from __future__ import annotations

import re
from collections.abc import Callable

ACRONYMS: dict[str, tuple[str, ...]] = {
    "GDP": ("国内生产总值", "地区生产总值"),
    "CPI": ("居民消费价格",),
    "PPI": ("工业生产者出厂价格",),
    "PMI": ("采购经理指数",),
    "M2": ("广义货币",),
    "M1": ("狭义货币",),
    "R&D": ("研究与试验发展", "研发"),
    "PM2.5": ("细颗粒物",),
}
_ACRONYM = re.compile("|".join(re.escape(a) for a in sorted(ACRONYMS, key=len, reverse=True)), re.IGNORECASE)


def expand(text: str, written: Callable[[str], bool] = lambda _a: False) -> str:
    """`text` with the Chinese names after each acronym it uses, for matching only:
    "GDP实际增长多少" -> "GDP（国内生产总值 地区生产总值）实际增长多少". An acronym the knowledge
    base itself writes (`written`, given the lower-case acronym) stays as it is: there the texts
    that use it are the ones meant ("美国CPI" is not China's 居民消费价格)."""

    def names(m: re.Match[str]) -> str:
        acronym = next(a for a in ACRONYMS if a.lower() == m.group(0).lower())
        found = ACRONYMS[acronym]
        # Indexed as its letter and digit runs ("PM2.5": "pm2", "5").
        parts = re.findall(r"[a-z]+\d*|\d+", acronym.lower())
        if all(written(p) for p in parts) or any(n in text for n in found):
            return m.group(0)
        return f"{m.group(0)}（{' '.join(found)}）"

    return _ACRONYM.sub(names, text)
