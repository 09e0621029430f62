"""The `parley token` commands: create prints the token once, list never shows it, revoke ends it at once."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from litestar.testing import TestClient

from parley.app import create_app
from parley.cli import main
from parley.settings import Settings

TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
# The error is one line; before it, a command that got as far as choosing its database says which one it is.
ONE_LINE_ERROR = re.compile(r"(parley: database [^\n]+\n)?parley: error: [^\n]+\n")
STATS = "/api/v1/admin/queue/stats"


@pytest.fixture
def database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """A database made the way an operator makes one: `parley migrate` (or a first `parley serve`)."""
    path = str(tmp_path / "cli.db")
    assert main(["migrate", "--database", path]) == 0
    capsys.readouterr()
    return path


def create(capsys: pytest.CaptureFixture[str], database: str, name: str, role: str = "moderator") -> str:
    assert main(["token", "create", "--role", role, "--name", name, "--database", database]) == 0
    out = capsys.readouterr().out
    last = out.splitlines()[-1]
    assert TOKEN.fullmatch(last), out
    return last


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_create_prints_the_token_alone_on_the_last_line_and_keeps_only_its_hash(
    capsys: pytest.CaptureFixture[str], database: str
) -> None:
    assert main(["token", "create", "--role", "admin", "--name", "ada", "--database", database]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("created admin token 'ada'")
    secret = lines[-1]
    assert TOKEN.fullmatch(secret)
    assert captured.err == f"parley: database {database}\n"
    with sqlite3.connect(database) as conn:
        assert secret not in "\n".join(conn.iterdump())
    with TestClient(create_app(Settings(database=database, access_log=False))) as client:
        assert client.get("/api/v1/admin/audit", headers=bearer(secret)).status_code == 200


def test_list_shows_name_role_and_times_but_never_the_token(capsys: pytest.CaptureFixture[str], database: str) -> None:
    used = create(capsys, database, "mia")
    unused = create(capsys, database, "José Núñez", "admin")
    with TestClient(create_app(Settings(database=database, access_log=False))) as client:
        assert client.get(STATS, headers=bearer(used)).status_code == 200
    assert main(["token", "list", "--database", database]) == 0
    out = capsys.readouterr().out
    assert used not in out
    assert unused not in out
    header, mia, jose = out.splitlines()
    assert header.split() == ["NAME", "ROLE", "CREATED", "LAST", "USED", "REVOKED"]
    assert mia.split()[:2] == ["mia", "moderator"]
    assert re.search(r"moderator \d{4}-\d\d-\d\d \d\d:\d\d:\d\d +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +-$", mia), mia
    assert jose.startswith("José Núñez ")
    assert re.search(r"admin +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d never +-$", jose), jose


def test_revoke_ends_a_token_at_once_even_for_a_running_server(
    capsys: pytest.CaptureFixture[str], database: str
) -> None:
    secret = create(capsys, database, "mia")
    with TestClient(create_app(Settings(database=database, access_log=False))) as client:
        assert client.get(STATS, headers=bearer(secret)).status_code == 200
        assert main(["token", "revoke", "mia", "--database", database]) == 0
        assert capsys.readouterr().out.strip() == "revoked token 'mia'"
        refused = client.get(STATS, headers=bearer(secret))
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"] == 'Bearer realm="parley"'
        again = create(capsys, database, "mia")  # the name is free again; the old token stays dead
        assert client.get(STATS, headers=bearer(again)).status_code == 200
        assert client.get(STATS, headers=bearer(secret)).status_code == 401
    assert main(["token", "list", "--database", database]) == 0
    first, second = capsys.readouterr().out.splitlines()[1:]
    assert re.search(r"\d\d:\d\d:\d\d$", first)  # revoked at
    assert second.endswith(" -")


def audit_events(database: str) -> list[tuple[str, str, str]]:
    with sqlite3.connect(database) as conn:
        return conn.execute("SELECT actor, action, reason FROM audit_events ORDER BY id").fetchall()


def test_creating_and_revoking_a_token_are_audit_events(capsys: pytest.CaptureFixture[str], database: str) -> None:
    create(capsys, database, "mia")
    create(capsys, database, "ada", "admin")
    assert main(["token", "revoke", "mia", "--database", database]) == 0
    assert audit_events(database) == [
        ("admin:cli", "token_create", "moderator token mia"),
        ("admin:cli", "token_create", "admin token ada"),
        ("admin:cli", "token_revoke", "token mia"),
    ]


@pytest.mark.parametrize(
    "argv",
    [
        ["token", "create", "--role", "boss", "--name", "x"],
        ["token", "create", "--name", "x"],
        ["token", "create", "--role", "admin"],
        ["token", "create", "--role", "admin", "--name", "   "],
        ["token", "create", "--role", "admin", "--name", " padded"],
        ["token", "create", "--role", "admin", "--name", "two\nlines"],
        ["token", "create", "--role", "admin", "--name", "x" * 65],
        ["token", "create", "--role", "admin", "--name", "system"],
        ["token", "create", "--role", "admin", "--name", "Author"],
        ["token", "create", "--role", "admin", "--name", "rule:block_words"],
        ["token", "create", "--role", "admin", "--name", "mia"],
        ["token", "revoke", "nobody"],
        ["token", "revoke"],
        ["token", "rotate", "mia"],
        ["tokens"],
    ],
)
def test_bad_input_exits_non_zero_with_one_line_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], database: str, argv: list[str]
) -> None:
    secret = create(capsys, database, "mia")
    assert main([*argv, "--database", database]) != 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert ONE_LINE_ERROR.fullmatch(captured.err), captured.err
    assert main(["token", "list", "--database", database]) == 0
    assert capsys.readouterr().out.count("\n") == 2  # the header and mia
    assert [action for _actor, action, _reason in audit_events(database)] == ["token_create"]
    with TestClient(create_app(Settings(database=database, access_log=False))) as client:
        assert client.get(STATS, headers=bearer(secret)).status_code == 200


def test_a_database_that_cannot_be_opened_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    argv = ["token", "create", "--role", "admin", "--name", "x", "--database", str(tmp_path / "missing" / "x.db")]
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert ONE_LINE_ERROR.fullmatch(captured.err), captured.err


def test_the_installed_command_creates_lists_and_revokes(database: str) -> None:
    parley = Path(sys.executable).with_name("parley")
    env = {**os.environ, "PARLEY_DATABASE": database}

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(parley), *argv], capture_output=True, text=True, env=env, timeout=60, check=False)

    made = run("token", "create", "--role", "moderator", "--name", "night desk")
    assert made.returncode == 0, made.stderr
    secret = made.stdout.splitlines()[-1]
    assert TOKEN.fullmatch(secret)
    listed = run("token", "list")
    assert listed.returncode == 0
    assert "night desk" in listed.stdout
    assert secret not in listed.stdout
    with TestClient(create_app(Settings(database=database, access_log=False))) as client:
        assert client.get(STATS, headers=bearer(secret)).status_code == 200
        assert run("token", "revoke", "night desk").returncode == 0
        assert client.get(STATS, headers=bearer(secret)).status_code == 401
    refused = run("token", "create", "--role", "root", "--name", "x")
    assert refused.returncode != 0
    assert refused.stdout == ""
    assert ONE_LINE_ERROR.fullmatch(refused.stderr), refused.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["token", "create", "--role", "admin", "--name", "x"],
        ["token", "list"],
        ["token", "revoke", "x"],
        ["purge", "--email", "a@example.org"],
    ],
)
def test_a_command_on_a_database_that_does_not_exist_refuses_instead_of_making_one(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str]
) -> None:
    missing = tmp_path / "elsewhere.db"
    assert main([*argv, "--database", str(missing)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"parley: error: no database at {missing}")
    assert not missing.exists()


def test_a_backup_of_a_database_that_does_not_exist_refuses(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "elsewhere.db"
    assert main(["backup", str(tmp_path / "copy.db"), "--database", str(missing)]) == 1
    assert not missing.exists()
    assert not (tmp_path / "copy.db").exists()


def test_migrate_makes_a_database_and_says_where(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    assert main(["migrate", "--database", str(path)]) == 0
    assert capsys.readouterr().err == f"parley: database {path}\n"
    assert path.exists()
