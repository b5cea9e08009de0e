"""The last few values by key (`ingest.recent`): what a version keeps of recent questions."""

from __future__ import annotations

from ingest.recent import Recent


def test_the_least_recently_used_key_goes_first() -> None:
    kept: Recent[str, int] = Recent(2)
    kept.put("a", 1)
    kept.put("b", 2)
    assert kept.get("a") == 1  # asked for: recent again
    kept.put("c", 3)
    assert kept.get("b") is None and kept.get("a") == 1 and kept.get("c") == 3 and len(kept) == 2
    kept.put("a", 4)  # put again: the new value, and recent
    kept.put("d", 5)
    assert kept.get("a") == 4 and kept.get("c") is None and len(kept) == 2
