"""Configuration a person writes once: the instance folder's groupfinder.env (``make demo`` writes
it with a generated key), read by every later command; demo links that follow HOST and PORT; and a
way in for each role of the demo."""

from __future__ import annotations

import os
import secrets
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from groupfinder import config
from groupfinder.accounts.models import Role, User
from groupfinder.accounts.passwords import verify_password
from groupfinder.cli import DEMO_ADMIN, DEMO_ORGANIZER, demo_accounts
from groupfinder.extensions import db

ROOT = Path(__file__).resolve().parents[2]
GROUPFINDER = str(Path(sys.executable).with_name("groupfinder"))


def run(tmp_path: Path, *args: str, stdin: str = "", **settings: str) -> subprocess.CompletedProcess:
    """``groupfinder ARGS`` as a person runs it: no inherited settings, an empty instance folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GROUPFINDER_", "FLASK_"))}
    env["GROUPFINDER_INSTANCE_PATH"] = str(tmp_path / "instance")
    env.update({f"GROUPFINDER_{k}": v for k, v in settings.items()})
    return subprocess.run([GROUPFINDER, *args], env=env, cwd=tmp_path, input=stdin, text=True,
                          capture_output=True, timeout=120)


def secret() -> str:
    return secrets.token_urlsafe(48)


def test_a_command_reads_groupfinder_env_from_the_instance_folder(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "groupfinder.env").write_text(
        "# written once\n"
        f"GROUPFINDER_SECRET_KEY={secret()}\n"
        f"export GROUPFINDER_DATABASE_URL='sqlite:///{tmp_path}/gf.sqlite3'\n")
    result = run(tmp_path, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "gf.sqlite3").exists()


def test_the_environment_wins_over_the_file_and_the_file_over_defaults(tmp_path):
    env_file = tmp_path / "groupfinder.env"
    env_file.write_text('GROUPFINDER_CLOCK="24h"\nGROUPFINDER_DISTANCE_UNIT=mi\n'
                        "GROUPFINDER_SECRET_KEY=from-the-file-" + "k" * 40 + "\n")
    cfg = config.load(str(tmp_path), environ={"GROUPFINDER_DISTANCE_UNIT": "km"}, env_file=env_file)
    assert (cfg["CLOCK"], cfg["DISTANCE_UNIT"]) == ("24h", "km")
    assert cfg["SECRET_KEY"].startswith("from-the-file-")


def test_a_typo_in_the_file_is_an_error_with_its_line(tmp_path):
    env_file = tmp_path / "groupfinder.env"
    env_file.write_text("GROUPFINDER_SECRET_KEY=" + "k" * 40 + "\nGROUPFINDER_CLOK=24h\nCLOCK 24h\n"
                        "GROUPFINDER_INSTANCE_PATH=/elsewhere\n")
    with pytest.raises(config.ConfigError) as info:
        config.load(str(tmp_path), environ={}, env_file=env_file)
    assert info.value.problems == [
        f"{env_file}, line 2: GROUPFINDER_CLOK can't be set here; it is not a setting (README, "
        "Configuration).",
        f"{env_file}, line 3: write NAME=value, e.g. GROUPFINDER_CLOCK=24h.",
        f"{env_file}, line 4: GROUPFINDER_INSTANCE_PATH can't be set here; it says where this file "
        "is: set it in the environment.",
    ]


def test_a_checkout_keeps_its_instance_folder_at_the_root_where_the_readme_says():
    assert config.instance_path({}) == str(ROOT / "instance")
    assert config.instance_path({"GROUPFINDER_INSTANCE_PATH": "/srv/gf/instance"}) == "/srv/gf/instance"


def make_demo_commands(tmp_path: Path, *args: str) -> list[str]:
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    result = subprocess.run(["make", "-n", "demo", f"INSTANCE={tmp_path}", *args], cwd=ROOT,
                            capture_output=True, text=True, check=True)
    return [line for line in result.stdout.splitlines() if "bin/groupfinder " in line]


def test_make_demo_links_follow_host_and_port_unless_the_base_url_is_set(tmp_path):
    commands = make_demo_commands(tmp_path, "PORT=5101")
    assert [c.split("bin/groupfinder ")[1] for c in commands] == [
        "db upgrade", "seed-demo --accounts", "run --host 127.0.0.1 --port 5101"]
    assert all(c.startswith("GROUPFINDER_BASE_URL=http://127.0.0.1:5101 ") for c in commands)
    assert "GROUPFINDER_BASE_URL=http://127.0.0.1:5000 " in make_demo_commands(tmp_path, "HOST=0.0.0.0")[0]
    (tmp_path / "groupfinder.env").write_text("GROUPFINDER_BASE_URL=http://demo.local:8080\n")
    assert all("GROUPFINDER_BASE_URL" not in c for c in make_demo_commands(tmp_path, "PORT=5101"))


def test_make_demo_writes_a_secret_key_once(tmp_path):
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    target = tmp_path / "groupfinder.env"
    for _ in range(2):
        subprocess.run(["make", str(target), f"INSTANCE={tmp_path}"], cwd=ROOT, check=True,
                       capture_output=True)
        if _ == 0:
            first = target.read_text()
    assert target.read_text() == first
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    cfg = config.load(str(tmp_path), environ={}, env_file=target)
    assert len(cfg["SECRET_KEY"]) >= 64 and cfg["BASE_URL"] == "http://127.0.0.1:5000"


def test_demo_accounts_are_random_private_and_kept(app, tmp_path):
    path = demo_accounts(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = path.read_text()
    passwords = {line.split()[1]: line.split()[2] for line in first.splitlines()
                 if not line.startswith("#")}
    assert set(passwords) == {DEMO_ADMIN, DEMO_ORGANIZER}
    assert len(set(passwords.values())) == 2 and all(len(p) >= 20 for p in passwords.values())

    def accounts() -> dict[str, tuple[Role, bool, bool]]:
        db.session.expire_all()
        users = db.session.scalars(sa.select(User)).all()
        out = {u.email: (u.role, u.email_confirmed_at is not None,
                         verify_password(u.password_hash, passwords[u.email])) for u in users}
        db.session.rollback()
        return out

    assert accounts() == {DEMO_ADMIN: (Role.admin, True, True),
                          DEMO_ORGANIZER: (Role.organizer, True, True)}
    demo_accounts(tmp_path)
    assert path.read_text() == first
    # a fresh database (the file kept): the same passwords again
    with db.engine.begin() as conn:
        conn.execute(sa.delete(User))
    demo_accounts(tmp_path)
    assert path.read_text() == first and len(accounts()) == 2


def test_the_demo_organizer_owns_the_team_of_its_first_listing(app, tmp_path):
    from groupfinder.groups.models import Group, ListingStatus
    from groupfinder.organisations.models import MemberRole, Membership
    from groupfinder.organisations.services import OrganisationData, create_organisation

    from ..factories import make_group

    org = create_organisation(OrganisationData(name="Demo Peer Network"), by=None)
    group = make_group(name="Demo listing")
    group.status, group.organisation_id = ListingStatus.published, org.id
    db.session.commit()
    for _ in range(2):  # a second run adds nothing
        demo_accounts(tmp_path)
        members = db.session.scalars(sa.select(Membership)).all()
        assert [(m.organisation_id, m.user.email, m.role) for m in members] == [
            (org.id, DEMO_ORGANIZER, MemberRole.owner)]
        assert db.session.get(Group, group.id).organizers[0].email == DEMO_ORGANIZER
        db.session.rollback()
