"""A version's files as content-addressed blocks, so that publishing a version through PostgreSQL
moves only what changed (`ingest.build.publication`).

A version's catalog is a copy of the previous one changed in place by the ingest (SQLite rewrites
the pages it touches and appends new ones), so most fixed-size blocks of the new file equal the
old file's. Each block is stored once, by its SHA-256; a version lists its files as sequences of
block digests. Uploading sends the blocks the database lacks; downloading takes from the local
copies of earlier versions every block they hold and fetches only the rest.

    kb_index_blocks(digest, data)               each distinct block once
    kb_index_files(version, path, size, digests)  a version's file: its blocks' digests in order

Next to each local version folder, a manifest (`<folder>.blocks`, JSON: path -> size and hex
digests) says which blocks it holds, so reuse costs no hashing of the local copies.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import BigInteger, Column, Connection, LargeBinary, MetaData, Table, Text, delete, select

from ingest import database

# Small blocks move less when an ingest changes pages all over the catalog (B-tree inserts): at
# 50,000 paragraphs, adding a report changed 78 MB in 1 MiB blocks, 27 MB in 64 KiB, 10 MB in
# 16 KiB. 64 KiB keeps a million-paragraph catalog at ~110,000 blocks (manifests of a few MB).
BLOCK_BYTES = 64 << 10
DIGEST = 32  # bytes of a SHA-256
_AT_ONCE = 256  # blocks per statement (16 MiB)
MANIFEST_SUFFIX = ".blocks"

metadata = MetaData()
blocks = Table(
    "kb_index_blocks",
    metadata,
    Column("digest", LargeBinary, primary_key=True),
    Column("data", LargeBinary, nullable=False),
)
files = Table(
    "kb_index_files",
    metadata,
    Column("version", Text, primary_key=True),
    Column("path", Text, primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("digests", LargeBinary, nullable=False),
)


class MissingBlock(RuntimeError):
    """A block a version lists is not in the database (deleted with a version no longer kept)."""


@dataclass(frozen=True)
class FileBlocks:
    path: str  # relative to the version folder, with "/"
    size: int
    digests: list[bytes]


Manifest = dict[str, FileBlocks]


def _read_blocks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        while data := fh.read(BLOCK_BYTES):
            yield data


def upload(con: Connection, version: str, folder: Path) -> tuple[Manifest, int]:
    """Store the version's files, sending only blocks the database lacks; returns the manifest
    and how many bytes were sent."""
    manifest: Manifest = {}
    sent = 0
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder).as_posix()
        digests: list[bytes] = []
        batch: dict[bytes, bytes] = {}
        for data in _read_blocks(path):
            digest = hashlib.sha256(data).digest()
            digests.append(digest)
            batch[digest] = data
            if len(batch) >= _AT_ONCE:
                sent += _send(con, batch)
                batch = {}
        sent += _send(con, batch)
        size = path.stat().st_size
        con.execute(
            files.insert().values(version=version, path=relative, size=size, digests=b"".join(digests))
        )
        manifest[relative] = FileBlocks(relative, size, digests)
    return manifest, sent


def _send(con: Connection, batch: dict[bytes, bytes]) -> int:
    if not batch:
        return 0
    held = set(con.execute(select(blocks.c.digest).where(blocks.c.digest.in_(list(batch)))).scalars())
    missing = [{"digest": d, "data": data} for d, data in batch.items() if d not in held]
    if missing:
        con.execute(database.insert(con, blocks).on_conflict_do_nothing(index_elements=["digest"]), missing)
    return sum(len(m["data"]) for m in missing)


def _split(digests: bytes) -> list[bytes]:
    """A file row's digests, stored joined, one by one."""
    return [bytes(digests[i : i + DIGEST]) for i in range(0, len(digests), DIGEST)]


def listed(con: Connection, version: str) -> Manifest:
    rows = con.execute(select(files.c.path, files.c.size, files.c.digests).where(files.c.version == version))
    return {path: FileBlocks(path, size, _split(d)) for path, size, d in rows}


def download(con: Connection, manifest: Manifest, target: Path, local: dict[bytes, tuple[Path, int]]) -> int:
    """Write the manifest's files under `target`, each block from a local copy (`local`: digest
    -> file and offset) when one has it, else from the database; returns the bytes fetched."""
    fetched = 0
    copies = _LocalCopies(local)
    try:
        for entry in manifest.values():
            out = target / entry.path
            out.parent.mkdir(parents=True, exist_ok=True)
            with open(out, "wb") as fh:
                for start in range(0, len(entry.digests), _AT_ONCE):
                    wanted = entry.digests[start : start + _AT_ONCE]
                    distinct = list(dict.fromkeys(wanted))
                    got = {d: data for d in distinct if (data := copies.read(d))}
                    remote = _fetch(con, [d for d in distinct if d not in got])
                    fetched += sum(len(v) for v in remote.values())
                    got.update(remote)
                    for digest in wanted:
                        fh.write(got[digest])
            if out.stat().st_size != entry.size:
                raise MissingBlock(f"{entry.path}: {out.stat().st_size} bytes written, {entry.size} listed")
    finally:
        copies.close()
    return fetched


def _fetch(con: Connection, digests: list[bytes]) -> dict[bytes, bytes]:
    if not digests:
        return {}
    rows = con.execute(select(blocks.c.digest, blocks.c.data).where(blocks.c.digest.in_(digests)))
    got = {bytes(d): bytes(data) for d, data in rows}
    for digest in digests:
        data = got.get(digest)
        if data is None:
            raise MissingBlock(f"block {digest.hex()[:12]} is not in the database")
        if hashlib.sha256(data).digest() != digest:
            raise MissingBlock(f"block {digest.hex()[:12]} does not match its digest")
    return got


class _LocalCopies:
    """Blocks read from local copies of earlier versions (their files kept open meanwhile)."""

    def __init__(self, local: dict[bytes, tuple[Path, int]]) -> None:
        self.local = local
        self.files: dict[Path, BinaryIO] = {}

    def read(self, digest: bytes) -> bytes:
        """The block, or b"" when no copy has it or the copy no longer matches its digest."""
        where = self.local.get(digest)
        if where is None:
            return b""
        try:
            fh = self.files.get(where[0])
            if fh is None:
                fh = self.files[where[0]] = open(where[0], "rb")  # noqa: SIM115 (closed by close)
            fh.seek(where[1])
            data = fh.read(BLOCK_BYTES)
        except OSError:
            return b""
        return data if hashlib.sha256(data).digest() == digest else b""

    def close(self) -> None:
        for fh in self.files.values():
            fh.close()


def forget(con: Connection, keep: set[str]) -> None:
    """Delete the files of versions not in `keep`, then every block none of the kept lists."""
    con.execute(delete(files).where(files.c.version.not_in(keep)))
    kept: set[bytes] = set()
    for (d,) in con.execute(select(files.c.digests)):
        kept.update(_split(d))
    held = [bytes(d) for d in con.execute(select(blocks.c.digest)).scalars()]
    gone = [d for d in held if d not in kept]
    for start in range(0, len(gone), 1000):
        con.execute(delete(blocks).where(blocks.c.digest.in_(gone[start : start + 1000])))


# --- manifests of local copies ---------------------------------------------------------------


def manifest_path(folder: Path) -> Path:
    return folder.with_name(folder.name + MANIFEST_SUFFIX)


def save_manifest(folder: Path, manifest: Manifest) -> None:
    data = {e.path: {"size": e.size, "digests": [d.hex() for d in e.digests]} for e in manifest.values()}
    final = manifest_path(folder)
    tmp = final.with_name(f"{final.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, final)


def local_blocks(index_dir: Path) -> dict[bytes, tuple[Path, int]]:
    """Every block the complete local version folders hold, by digest: (file, offset)."""
    found: dict[bytes, tuple[Path, int]] = {}
    for path in sorted(index_dir.glob(f"v-*{MANIFEST_SUFFIX}")):
        folder = path.with_name(path.name[: -len(MANIFEST_SUFFIX)])
        if not folder.is_dir():
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for relative, entry in data.items():
            file = folder / relative
            if not file.is_file() or file.stat().st_size != entry["size"]:
                continue
            for n, digest in enumerate(entry["digests"]):
                found.setdefault(bytes.fromhex(digest), (file, n * BLOCK_BYTES))
    return found
