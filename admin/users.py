"""Who may log in, and who may change the knowledge base.

Login is optional: with no users configured the app is open to anyone who can reach it (and
nobody can upload or delete through the web). Users come from a JSON file (`KB_USERS_FILE`,
default `$KB_DATA_DIR/users.json`, written by `kb users add`) or from the `KB_USERS` variable
(`name:role:hash,...`, for deployments that configure by environment). Passwords are stored as
scrypt hashes with a per-user salt, never in clear.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import anyio

ADMIN, USER = "admin", "user"
ROLES = (ADMIN, USER)
# OWASP's scrypt minimum (N=2^17, r=8, p=1): ~0.5 s and 128 MiB per check on these CPUs.
_SCRYPT = {"n": 2**17, "r": 8, "p": 1}
_MAXMEM = 2**28
# Checks run in worker threads, at most two at once: a flood of logins costs memory and CPU,
# but never blocks the event loop that serves everyone's answers.
_CHECKS = anyio.CapacityLimiter(2)
MIN_PASSWORD_CHARS = 8


class UsersError(ValueError):
    pass


@dataclass(frozen=True)
class User:
    name: str
    role: str
    password_hash: str

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, maxmem=_MAXMEM, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(
            password.encode("utf-8"),
            salt=bytes.fromhex(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=32,
            maxmem=_MAXMEM,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got.hex(), digest)


class Users:
    """The configured users, read from the environment variable or the users file."""

    def __init__(self, path: Path, env_value: str = "") -> None:
        self.path = path
        self.env_value = env_value.strip()

    @classmethod
    def from_settings(cls, data_dir: Path, environ: dict[str, str] | None = None) -> Users:
        env = dict(os.environ if environ is None else environ)
        path = Path(env["KB_USERS_FILE"]) if env.get("KB_USERS_FILE") else data_dir / "users.json"
        return cls(path, env.get("KB_USERS", ""))

    def all(self) -> dict[str, User]:
        if self.env_value:
            return _parse_env(self.env_value)
        if not self.path.exists():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            users = {
                name: User(name, entry["role"], entry["password"]) for name, entry in data["users"].items()
            }
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise UsersError(f"用户文件 {self.path} 无法读取或格式不对（{exc}）") from exc
        for user in users.values():
            if user.role not in ROLES:
                raise UsersError(f"用户文件 {self.path} 中 {user.name} 的角色应为 admin 或 user")
        return users

    @property
    def enabled(self) -> bool:
        return bool(self.all())

    def authenticate(self, name: str, password: str) -> bool:
        """The name exists and the password matches its hash. An unknown name costs one check
        too, against a fixed hash, so timing does not tell which names exist."""
        user = self.all().get(name)
        if user is None:
            check_password(password, _dummy_hash())
            return False
        return check_password(password, user.password_hash)

    async def authenticate_async(self, name: str, password: str) -> bool:
        """For Gradio's login route, which awaits a coroutine: the check runs off the event loop."""
        return await anyio.to_thread.run_sync(self.authenticate, name, password, limiter=_CHECKS)

    def is_admin(self, name: str | None) -> bool:
        user = self.all().get(name or "")
        return user is not None and user.is_admin

    def add(self, name: str, password: str, role: str = USER) -> None:
        if self.env_value:
            raise UsersError("用户由环境变量 KB_USERS 配置，请修改该变量，而不是用户文件")
        name = name.strip()
        if not name or ":" in name or "," in name or len(name) > 32:
            raise UsersError("用户名不能为空，最多 32 个字，且不能含“:”或“,”")
        if role not in ROLES:
            raise UsersError("角色应为 admin 或 user")
        if len(password) < MIN_PASSWORD_CHARS:
            raise UsersError(f"密码至少 {MIN_PASSWORD_CHARS} 位")
        users = self.all()
        users[name] = User(name, role, hash_password(password))
        self._write(users)

    def remove(self, name: str) -> None:
        if self.env_value:
            raise UsersError("用户由环境变量 KB_USERS 配置，请修改该变量，而不是用户文件")
        users = self.all()
        if name not in users:
            raise UsersError(f"没有用户 {name}")
        del users[name]
        self._write(users)

    def _write(self, users: dict[str, User]) -> None:
        """All or nothing, readable by the owner only."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {"users": {u.name: {"role": u.role, "password": u.password_hash} for u in users.values()}}
        tmp = self.path.with_name(f".{self.path.name}.tmp-{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=1)
        os.replace(tmp, self.path)


@functools.cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_hex(8))


def _parse_env(value: str) -> dict[str, User]:
    users = {}
    for item in value.split(","):
        parts = item.strip().split(":")
        if len(parts) != 3 or parts[1] not in ROLES or not parts[2].startswith("scrypt$"):
            raise UsersError(
                "环境变量 KB_USERS 的格式应为 用户名:admin或user:密码哈希"
                "（用 kb users hash 生成），多个用逗号分隔"
            )
        users[parts[0]] = User(parts[0], parts[1], parts[2])
    return users
