"""Every CLI failure an operator meets is one sentence saying what to do, never a traceback; and
`groupfinder --help` lists the project's commands even before the configuration works."""

from __future__ import annotations

import secrets
import subprocess

import pytest
import sqlalchemy as sa

from groupfinder.deploycheck import explain_failure

from ..conftest import PG_URL
from .test_instance_config import run, secret

COMMANDS = ("backup", "check-deploy", "create-admin", "db", "export", "import-listings",
            "load-reference-data", "seed-demo")


def one_sentence(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    return lines[0]


def test_help_lists_every_project_command_without_a_secret_key(tmp_path):
    result = run(tmp_path, "--help")
    assert result.returncode == 0, result.stderr
    listed = {line.split()[0] for line in result.stdout.split("Commands:", 1)[1].splitlines()
              if line.strip()}
    assert set(COMMANDS) <= listed
    assert "Traceback" not in result.stderr
    # and it says, in one line, what stops the commands from working
    assert "GROUPFINDER_SECRET_KEY is required" in result.stderr


def test_a_command_without_a_secret_key_says_where_to_set_it(tmp_path):
    line = one_sentence(run(tmp_path, "create-admin", "root@example.org"))
    assert "GROUPFINDER_SECRET_KEY is required" in line
    assert str(tmp_path / "instance" / "groupfinder.env") in line and "token_urlsafe" in line


def test_an_unreachable_database_says_to_start_it_or_fix_the_url(tmp_path):
    line = one_sentence(run(tmp_path, "db", "upgrade", SECRET_KEY=secret(),
                            DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:1/groupfinder"))
    assert line == ("Error: The database server at 127.0.0.1:1 does not answer: start PostgreSQL "
                    "there, or correct GROUPFINDER_DATABASE_URL.")


def test_a_sqlite_file_in_a_missing_folder_says_so(tmp_path):
    line = one_sentence(run(tmp_path, "db", "upgrade", SECRET_KEY=secret(),
                            DATABASE_URL=f"sqlite:///{tmp_path}/nowhere/gf.sqlite3"))
    assert f"SQLite can't open {tmp_path}/nowhere/gf.sqlite3" in line


def test_a_database_without_tables_says_to_upgrade(tmp_path):
    line = one_sentence(run(tmp_path, "load-reference-data", SECRET_KEY=secret(),
                            DATABASE_URL=f"sqlite:///{tmp_path}/empty.sqlite3"))
    assert "run `groupfinder db upgrade` first" in line


@pytest.mark.postgres
def test_a_database_that_does_not_exist_says_to_createdb(tmp_path):
    if not PG_URL:
        pytest.skip("GROUPFINDER_TEST_DATABASE_URL is not set")
    name = f"gf_missing_{secrets.token_hex(4)}"
    url = sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    for args in (("db", "upgrade"), ("create-admin", "root@example.org")):
        line = one_sentence(run(tmp_path, *args, SECRET_KEY=secret(), DATABASE_URL=url))
        assert f'The database "{name}" does not exist' in line
        assert f"create it with `createdb {name}`" in line
    # check-deploy lists it among its findings, in the same words
    result = run(tmp_path, "check-deploy", SECRET_KEY=secret(), DATABASE_URL=url)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"GF-E014 [error] The database \"{name}\" does not exist" in result.stderr


def test_unreachable_redis_says_to_start_it_or_fix_the_url(tmp_path):
    result = run(tmp_path, "check-deploy", SECRET_KEY=secret(),
                 DATABASE_URL=f"sqlite:///{tmp_path}/gf.sqlite3",
                 RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert ("GF-E016 [error] Redis at redis://127.0.0.1:1/0 does not answer (ConnectionError): "
            "start it, or correct GROUPFINDER_RATELIMIT_STORAGE_URI.") in result.stderr


def test_a_redis_failure_inside_any_command_is_explained_the_same_way():
    import redis

    message = explain_failure(redis.exceptions.ConnectionError("refused"),
                              {"RATELIMIT_STORAGE_URI": "redis://:pw@cache.internal:6379/0"})
    assert message == ("Redis at redis://…@cache.internal:6379/0 does not answer (ConnectionError): "
                       "start it, or correct GROUPFINDER_RATELIMIT_STORAGE_URI.")


def test_other_errors_keep_their_traceback():
    assert explain_failure(ValueError("a bug")) is None
    assert explain_failure(sa.exc.IntegrityError("INSERT", {}, Exception("duplicate key"))) is None
