"""A real PostgreSQL server for the tests, started by the test run and stopped at its end.

`initdb` into a temporary folder, `pg_ctl start` on a free port of 127.0.0.1 (password login,
scram-sha-256), one fresh database per test. PostgreSQL refuses to run as root, so as root the
server runs as `nobody` (subprocess's `user=`, no sudo needed) in a folder owned by it. The
binaries are looked for on PATH, in /usr/local/bin and in Debian's /usr/lib/postgresql/*/bin.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

import psycopg

SUPERUSER = "kb_test"
UNPRIVILEGED = "nobody"
# Fast and throwaway: nothing here needs to survive a crash. Enough connections for the pools of
# every store a test run opens (each engine keeps a few).
SERVER_OPTIONS = (
    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 "
    "-c listen_addresses=127.0.0.1"
)


def find_binary(name: str) -> Path | None:
    found = shutil.which(name)
    if found:
        return Path(found)
    for folder in ("/usr/local/bin", *sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)):
        candidate = Path(folder) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def missing() -> str:
    """Why no server can be started here ("" when it can)."""
    absent = [name for name in ("initdb", "pg_ctl") if find_binary(name) is None]
    if absent:
        return (
            f"PostgreSQL binaries not found ({', '.join(absent)}; looked on PATH, in /usr/local/bin "
            "and /usr/lib/postgresql/*/bin): apt-get install postgresql"
        )
    return ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PostgresServer:
    root: Path
    port: int
    password: str
    _names: count[int] = field(default_factory=lambda: count(1))

    def url(self, database: str = "postgres", password: str | None = None, port: int | None = None) -> str:
        secret = self.password if password is None else password
        return f"postgresql://{SUPERUSER}:{secret}@127.0.0.1:{port or self.port}/{database}"

    def create_database(self) -> str:
        """A new empty database; its URL."""
        name = f"kb_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        pg_ctl = str(find_binary("pg_ctl"))
        _run([pg_ctl, "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop"], self.root)
        shutil.rmtree(self.root, ignore_errors=True)


def start() -> PostgresServer:
    """initdb + pg_ctl start; raises RuntimeError with the server's log when it does not come up."""
    root = Path(tempfile.mkdtemp(prefix="kb-pg-"))
    root.chmod(0o755)  # the server's user must reach its folder inside /tmp
    password = secrets.token_urlsafe(16)
    pwfile = root / "pw"
    pwfile.write_text(password + "\n", encoding="utf-8")
    if os.geteuid() == 0:
        owner = pwd.getpwnam(UNPRIVILEGED)
        for path in (root, pwfile):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    initdb = [str(find_binary("initdb")), "-D", str(root / "data"), "-U", SUPERUSER, f"--pwfile={pwfile}"]
    _run(
        [*initdb, "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"],
        root,
    )
    pwfile.unlink()
    port = free_port()
    options = f"-p {port} -k {root} {SERVER_OPTIONS}"
    pg_ctl = [str(find_binary("pg_ctl")), "-D", str(root / "data"), "-l", str(root / "server.log")]
    try:
        _run([*pg_ctl, "-o", options, "-w", "-t", "60", "start"], root)
    except RuntimeError as exc:
        log = (root / "server.log").read_text(encoding="utf-8", errors="replace")[-2000:]
        raise RuntimeError(f"{exc}\n{log}") from exc
    return PostgresServer(root, port, password)


def _run(command: list[str], cwd: Path | None = None) -> None:
    """Run a PostgreSQL tool, as `nobody` when we are root (the server refuses to run as root)."""
    user = UNPRIVILEGED if os.geteuid() == 0 else None
    done = subprocess.run(command, cwd=cwd, user=user, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:1])} failed ({done.returncode}): {done.stderr.strip()}")
