"""What publishing through PostgreSQL moves (KB_STORE=milvus with KB_DATABASE_URL): the catalogs
of consecutive index versions published in order, and read back by an app folder that holds the
version before.

    python -m benchmarks.publication --index <index folder> --database-url postgresql://… [--out F]

The index folder's version folders (e.g. the two `benchmarks.scale` leaves after adding a report)
are taken in name order; only their catalogs travel (with Milvus the vectors are in Milvus). Per
version: catalog size, seconds and MB to publish (blocks the database lacked), seconds and MB
for an app folder to download it (blocks its earlier copy lacked). Use an empty database.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from ingest import store
from ingest.build.publication import PostgresPublication

MB = 2**20


def measure(index_dir: Path, url: str) -> list[dict[str, Any]]:
    versions = sorted(p for p in index_dir.glob("v-*") if (p / store.CATALOG).is_file())
    if not versions:
        raise ValueError(f"no index versions in {index_dir}")
    results = []
    with tempfile.TemporaryDirectory(dir=index_dir.parent) as work:
        writer = PostgresPublication(Path(work) / "ingest", url)
        reader = PostgresPublication(Path(work) / "app", url)
        for version in versions:
            copy = writer.index_dir / version.name
            copy.mkdir(parents=True)
            shutil.copy2(version / store.CATALOG, copy / store.CATALOG)
            started = time.perf_counter()
            writer.publish(copy)
            published = time.perf_counter() - started
            started = time.perf_counter()
            local = reader.current()
            fetched = time.perf_counter() - started
            assert local is not None and local.name == version.name
            results.append(
                {
                    "version": version.name,
                    "catalog_mb": (copy / store.CATALOG).stat().st_size / MB,
                    "publish_seconds": published,
                    "sent_mb": writer.sent / MB,
                    "download_seconds": fetched,
                    "fetched_mb": reader.fetched / MB,
                }
            )
            print(json.dumps(results[-1]), flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    results = measure(args.index, args.database_url)
    if args.out:
        args.out.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
