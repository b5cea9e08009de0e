"""A non-editable install (`pip install .`, as deploy/Dockerfile does) ships every source package:
setuptools' `packages` is an explicit list, and a package missing from it installs fine and then
fails at the first import in production."""

from __future__ import annotations

import tomllib

from ingest.config import PROJECT_ROOT

SOURCE_ROOTS = ("ingest", "rag", "study", "admin", "chat", "eval")


def _source_packages() -> set[str]:
    return {
        ".".join(init.parent.relative_to(PROJECT_ROOT).parts)
        for root in SOURCE_ROOTS
        for init in (PROJECT_ROOT / root).rglob("__init__.py")
    }


def test_every_source_package_is_listed_for_installation() -> None:
    config = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = _source_packages()
    assert {"ingest.build", "ingest.loaders", "ingest.milvus", "rag"} <= found  # the walk sees packages
    assert found == listed, f"pyproject.toml [tool.setuptools] packages: add {sorted(found - listed)}"
