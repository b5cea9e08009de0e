"""KB_DATABASE_URL: which URLs are taken, how they are shown (password masked), how driver errors
read. The stores that use it are tested in tests/study/test_progress.py and tests/admin/test_users.py."""

from __future__ import annotations

import pytest

from ingest.config import Settings
from ingest.database import DRIVER, DatabaseError, check_url, mask_url, reason


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://kb:s3cret@db.internal:5432/kb", "postgresql://kb:***@db.internal:5432/kb"),
        ("postgresql+psycopg://kb:s3cret@db/kb", "postgresql+psycopg://kb:***@db/kb"),
        ("postgresql://kb@db/kb", "postgresql://kb@db/kb"),  # no password: nothing to hide
        ("postgresql://db/kb", "postgresql://db/kb"),
        # An unencoded "@" in the password: everything up to the last "@" is hidden.
        ("postgresql://kb:p@ss:w@rd@db/kb", "postgresql://kb:***@db/kb"),
        (
            "postgresql://kb@db/kb?password=s3cret&sslmode=require",
            "postgresql://kb@db/kb?password=***&sslmode=require",
        ),
        ("kb:s3cret@db/kb", "kb:***@db/kb"),  # no scheme at all
    ],
)
def test_the_password_is_masked_whatever_the_url(url: str, shown: str) -> None:
    assert mask_url(url) == shown


def test_postgresql_urls_are_taken_with_the_psycopg_driver() -> None:
    for url in ("postgresql://kb:pw@127.0.0.1:5433/kb", "postgresql+psycopg://kb:pw@127.0.0.1:5433/kb"):
        parsed = check_url(url)
        assert (parsed.drivername, parsed.host, parsed.port, parsed.database) == (
            DRIVER,
            "127.0.0.1",
            5433,
            "kb",
        )
        assert parsed.password == "pw"


@pytest.mark.parametrize(
    "url",
    [
        "mysql://kb:Top-Secret-1@db/kb",
        "sqlite:///kb.sqlite",
        "postgres://kb:Top-Secret-1@db/kb",  # libpq's alias: SQLAlchemy does not take it
        "postgresql+asyncpg://kb:Top-Secret-1@db/kb",
        "db.internal:5432",
        "postgresql://kb:Top-Secret-1@db:notaport/kb",
    ],
)
def test_other_urls_are_refused_naming_them_masked(url: str) -> None:
    with pytest.raises(DatabaseError, match=r"^KB_DATABASE_URL 应为 postgresql://") as caught:
        check_url(url)
    assert mask_url(url) in str(caught.value) and "Top-Secret-1" not in str(caught.value)


def test_a_url_without_a_database_name_is_refused() -> None:
    with pytest.raises(DatabaseError, match=r"缺少数据库名：postgresql://kb:\*\*\*@db:5432$"):
        check_url("postgresql://kb:Top-Secret-1@db:5432")


def test_the_setting_comes_from_the_environment_or_a_flag_and_never_shows_its_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("KB_DATABASE_URL", raising=False)
    assert Settings.from_env().database_url == ""  # unset: SQLite file and users.json, as before
    monkeypatch.setenv("KB_DATABASE_URL", "postgresql://kb:Top-Secret-1@db/kb")
    settings = Settings.from_env()
    assert settings.database_url == "postgresql://kb:Top-Secret-1@db/kb"
    assert "Top-Secret-1" not in repr(settings)
    flag = Settings.from_env(database_url="postgresql://other:pw@db2/kb2")
    assert flag.database_url == "postgresql://other:pw@db2/kb2"  # a flag beats the variable
    monkeypatch.setenv("KB_DATABASE_URL", "mysql://kb:Top-Secret-1@db/kb")
    with pytest.raises(ValueError, match=r"mysql://kb:\*\*\*@db/kb") as caught:
        Settings.from_env()
    assert "Top-Secret-1" not in str(caught.value)


class _DriverError(Exception):
    pass


class _Wrapped(Exception):
    """Like SQLAlchemy's DBAPIError: the driver's exception is `orig`, the message quotes SQL."""

    def __init__(self, orig: Exception) -> None:
        super().__init__(f"({orig}) [SQL: INSERT INTO answers … given='我的答案']")
        self.orig = orig


def test_driver_errors_read_as_one_plain_line_without_the_statement_or_the_password() -> None:
    url = "postgresql://kb:Top-Secret-1@db/kb"
    refused = _Wrapped(
        _DriverError(
            'connection failed: connection to server at "db", port 5432 failed: '
            "Connection refused\n\tIs the server running on that host?"
        )
    )
    assert reason(refused, url) == (
        '连接被拒绝（数据库没有运行，或主机、端口不对）：connection failed: connection to server at "db", '
        "port 5432 failed: Connection refused"
    )
    echoed = _Wrapped(_DriverError(f"could not connect to {url}: timeout expired"))
    assert reason(echoed, url) == "连接超时：could not connect to postgresql://kb:***@db/kb: timeout expired"
    unknown = _Wrapped(_DriverError("disk full"))
    assert reason(unknown, url) == "disk full"  # no plainer reading known: the driver's own line
    assert "我的答案" not in reason(unknown, url)
