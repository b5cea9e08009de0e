"""Who may read which report.

A report is open to every user unless its metadata correction names its readers (groups, see
ingest.metadata); then only members of those groups and administrators read it. Whatever a user
may not read is kept out before ranking (rag.evidence.retrieve: the reader's reports become part
of every search filter), so it shapes nothing the user sees.

Fails closed: a correction naming a group no user belongs to (a typo, a group not yet set up)
or one that could not be read (ADMINS_ONLY) leaves its report to administrators, and
`reader_problems` says which file and field to mend. Without login (no users configured) there
is one reader and everything is readable, as before.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from admin.users import Users, UsersError
from ingest.metadata import FOLDER_SIDECAR, FROM_FOLDER, SIDECAR_SUFFIX
from ingest.records import ADMINS_ONLY, DocumentMeta
from ingest.store import DocumentInfo

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reader:
    """Who is asking: a logged-in user's name, role and groups."""

    name: str
    is_admin: bool = False
    groups: frozenset[str] = frozenset()


def may_read(reader: Reader | None, meta: DocumentMeta | None, known_groups: frozenset[str]) -> bool:
    """`reader` None: nobody logged in, in an app without login (single-user mode)."""
    readers = meta.readers if meta is not None else ()
    if reader is None or reader.is_admin or not readers:
        return True
    if ADMINS_ONLY in readers or any(g not in known_groups for g in readers):
        return False  # a broken correction or an unknown group: administrators only
    return bool(reader.groups.intersection(readers))


def readable_docs(
    reader: Reader | None, metas: Mapping[str, DocumentMeta], known_groups: frozenset[str]
) -> frozenset[str] | None:
    """The documents `reader` may read; None when that is every one (no filter needed)."""
    if reader is None or reader.is_admin or not any(m.readers for m in metas.values()):
        return None
    readable = frozenset(doc for doc, meta in metas.items() if may_read(reader, meta, known_groups))
    return None if len(readable) == len(metas) else readable  # every one: no view to build


def reader_problems(
    documents: Iterable[DocumentInfo], metas: Mapping[str, DocumentMeta], known_groups: frozenset[str]
) -> list[str]:
    """Each report closed to all but administrators by a mistake in its correction, naming the
    correction file and its readers field."""
    problems = []
    for doc in documents:
        meta = metas.get(doc.doc_id)
        readers = meta.readers if meta is not None else ()
        unknown = [g for g in readers if g != ADMINS_ONLY and g not in known_groups]
        if unknown:
            folder = meta is not None and dict(meta.origin).get("readers") == FROM_FOLDER
            path = Path(doc.path)
            sidecar = f"{path.parent.name}/{FOLDER_SIDECAR}" if folder else path.name + SIDECAR_SUFFIX
            problems.append(
                f"{sidecar}：字段 readers 中的组“{'、'.join(unknown)}”没有任何用户，"
                "该报告暂限管理员阅读（用 kb users groups 用户名 --group 组名 加入成员，或改正组名）"
            )
    return problems


class Access:
    """The configured users as readers: which documents the user of a request may read."""

    def __init__(self, users: Users) -> None:
        self.users = users

    def readable(self, name: str | None, metas: Mapping[str, DocumentMeta]) -> frozenset[str] | None:
        """The documents `name` may read among `metas`; None when every one. Without login,
        everything; a name the users do not hold, or users that cannot be read (a database
        that is down), the open reports only."""
        try:
            found = self.users.all()
        except UsersError as exc:
            log.warning("reader rights limited to open reports: %s", exc)
            found = None
        if found is not None and not found:
            return None  # no login: one reader
        user = found.get(name or "") if found else None
        reader = Reader(user.name, user.is_admin, frozenset(user.groups)) if user else Reader(name or "")
        known = frozenset(g for u in (found or {}).values() for g in u.groups)
        return readable_docs(reader, metas, known)
