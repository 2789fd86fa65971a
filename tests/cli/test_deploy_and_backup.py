"""check-deploy fails on unsafe settings and passes on the README's production example; backups
are consistent while the app writes, and restore."""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from groupfinder import config as config_module
from groupfinder.deploycheck import check, weak_secret, worker_count
from groupfinder.extensions import db
from groupfinder.interop.reference import load_vocabularies
from groupfinder.models import Condition

from ..conftest import database_url, make_app

ROOT = Path(__file__).resolve().parents[2]
STRONG = "Jx8t2mQ9vR4wZ7pL0sK3nB6cF1hD5gA-yE_uT"


def readme_production_environ() -> dict[str, str]:
    """The `export GROUPFINDER_…` lines of the README's deployment section, as documented."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Deployment", 1)[1].split("\n## ", 1)[0]
    env = dict(re.findall(r"export (GROUPFINDER_[A-Z_]+)=(\S+)", section))
    assert "GROUPFINDER_SECRET_KEY" in env and "GROUPFINDER_RATELIMIT_STORAGE_URI" in env
    env["GROUPFINDER_SECRET_KEY"] = STRONG  # the README generates one
    return env


def ids(findings):
    return {f.id for f in findings if f.level == "error"}


def test_readme_production_example_passes(tmp_path):
    env = readme_production_environ()
    cfg = config_module.load(str(tmp_path), environ=env)
    findings = check(cfg, {"WEB_CONCURRENCY": "4"})
    assert ids(findings) == set(), findings


@pytest.mark.parametrize("change,expected", [
    ({"GROUPFINDER_DEBUG": "true"}, "GF-E001"),
    ({"GROUPFINDER_SECRET_KEY": "dev-secret-key-that-is-long-enough-1234"}, "GF-E003"),
    ({"GROUPFINDER_SECRET_KEY": "short"}, "GF-E003"),
    ({"GROUPFINDER_BASE_URL": "http://groups.example.org"}, "GF-E004"),
    ({"GROUPFINDER_RATELIMIT_STORAGE_URI": "memory://"}, "GF-E006"),
    ({"GROUPFINDER_RATELIMIT_ENABLED": "false"}, "GF-E007"),
    ({"GROUPFINDER_MAIL_BACKEND": "console"}, "GF-E011"),
    ({"GROUPFINDER_LOG_LEVEL": "DEBUG"}, "GF-E012"),
    ({"GROUPFINDER_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0"}, "GF-E016"),
])
def test_each_unsafe_setting_fails_with_its_own_message(tmp_path, change, expected):
    env = {**readme_production_environ(), **change}
    findings = check(config_module.load(str(tmp_path), environ=env), {"WEB_CONCURRENCY": "4"})
    assert expected in ids(findings)


def test_sqlite_on_a_network_filesystem_fails(tmp_path):
    mounts = tmp_path / "mounts"
    mounts.write_text(f"server:/export {tmp_path} nfs4 rw 0 0\n/dev/vda / ext4 rw 0 0\n")
    env = {**readme_production_environ(),
           "GROUPFINDER_DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}
    cfg = config_module.load(str(tmp_path), environ=env)
    assert "GF-E009" in ids(check(cfg, {}, mounts_file=str(mounts)))


def test_command_fails_on_the_test_configuration_and_lists_problems(app):
    result = app.test_cli_runner().invoke(args=["check-deploy"])
    assert result.exit_code == 1
    assert "GF-E002" in result.output and "GF-E011" in result.output


def test_a_schema_behind_the_migrations_fails(backend, tmp_path):
    app = make_app(database_url(backend, "deploy", tmp_path))
    with app.app_context():
        findings = check(dict(app.config), {}, engine=db.engine)
        assert "GF-E015" in ids(findings)
        upgrade()
        assert "GF-E015" not in ids(check(dict(app.config), {}, engine=db.engine))
        db.engine.dispose()


def test_helpers():
    assert worker_count({"GUNICORN_CMD_ARGS": "--bind 0.0.0.0:8000 -w 3"}) == 3
    assert worker_count({"WEB_CONCURRENCY": "5"}) == 5
    assert weak_secret(STRONG) is None and weak_secret("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")


def test_sqlite_backup_while_writing_restores(tmp_path):
    source = tmp_path / "live.sqlite3"
    app = make_app(f"sqlite:///{source}")
    with app.app_context():
        upgrade()
        load_vocabularies()
    stop = threading.Event()

    def writer() -> None:
        with app.app_context():
            n = 0
            while not stop.is_set():
                cond = db.session.scalars(sa.select(Condition).where(Condition.slug == "ocd")).one()
                n += 1
                cond.description = f"edit {n}"
                db.session.commit()
            db.session.remove()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        copy = tmp_path / "backups" / "copy.sqlite3"
        result = app.test_cli_runner().invoke(args=["backup", str(copy)])
        assert result.exit_code == 0, result.output
        assert "Backed up to" in result.output
        again = app.test_cli_runner().invoke(args=["backup", str(copy)])
        assert again.exit_code == 1 and "--force" in again.output
    finally:
        stop.set()
        thread.join()
    restored = make_app(f"sqlite:///{copy}")
    with restored.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Condition)) == 16
        r = restored.test_client().get("/api/v1/conditions")
        assert r.status_code == 200 and len(r.get_json()["items"]) == 16
        db.engine.dispose()
    with app.app_context():
        db.engine.dispose()


@pytest.mark.postgres
def test_postgres_backup_restores_into_a_new_database(tmp_path):
    from ..conftest import PG_URL, _pg_database

    if not PG_URL:
        pytest.skip("GROUPFINDER_TEST_DATABASE_URL is not set")
    if not shutil.which("pg_restore"):
        pytest.fail("pg_restore is missing")
    app = make_app(_pg_database("backup_src"))
    with app.app_context():
        upgrade()
        load_vocabularies()
    dump = tmp_path / "groupfinder.dump"
    result = app.test_cli_runner().invoke(args=["backup", str(dump)])
    assert result.exit_code == 0, result.output
    target_url = _pg_database("backup_dst")
    plain = sa.make_url(target_url).set(drivername="postgresql").render_as_string(hide_password=False)
    subprocess.run(["pg_restore", "--no-owner", "--dbname", plain, str(dump)], check=True,
                   capture_output=True)
    restored = make_app(target_url)
    with restored.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Condition)) == 16
        db.engine.dispose()
    with app.app_context():
        db.engine.dispose()
