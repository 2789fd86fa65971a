"""The README's deployment steps, run as written (paths substituted) against a real PostgreSQL and
Redis, so the README can't drift: step 3 writes the settings, step 4's ``gf`` commands upgrade the
database, load reference data, create the admin and pass ``check-deploy``; step 5's gunicorn
command line, unescaped as systemd would, serves ``/readyz`` over plain HTTP and logs no query
string. Skipped without GROUPFINDER_TEST_DATABASE_URL (the suite's convention)."""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

from ..conftest import PG_URL, _pg_database

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDIS_URL = os.environ.get("GROUPFINDER_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PASSWORD = "tangerine lighthouse parable"


def deployment_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("\n## Deployment", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^```sh\n(.*?)^```$", section, re.S | re.M)


def block(number: int) -> str:
    (found,) = [b for b in deployment_blocks() if b.startswith(f"# {number}. ")]
    return found


def substitute(text: str, replacements: list[tuple[str, str]]) -> str:
    """Each replacement must apply: a README that no longer says it fails here, not silently."""
    for old, new in replacements:
        assert old in text, f"the README's deployment block no longer contains {old!r}"
        text = text.replace(old, new)
    return text


def test_the_blocks_a_newcomer_needs_are_there():
    steps = "\n".join(deployment_blocks())
    for needed in ("createdb --owner groupfinder groupfinder", "python3 -m venv /srv/groupfinder/venv",
                   "gf db upgrade", "gf check-deploy", "systemctl enable --now groupfinder",
                   "GROUPFINDER_PROXY_HOPS=1", "proxy_set_header X-Forwarded-Proto $scheme",
                   "access_log /var/log/nginx/groupfinder.log private", "ssl_certificate ",
                   "curl -fsS http://127.0.0.1:8000/readyz"):
        assert needed in steps, needed
    upgrade = [b for b in deployment_blocks() if "pip install --upgrade" in b][0]
    assert upgrade.index("gf db upgrade") < upgrade.index("systemctl restart groupfinder")
    # every groupfinder command goes through gf (absolute path, the app's user and instance)
    assert not re.search(r"^groupfinder ", steps, re.M)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.postgres
@pytest.mark.slow
def test_the_readme_deployment_runs_as_written(tmp_path):
    if not PG_URL:
        pytest.skip("GROUPFINDER_TEST_DATABASE_URL is not set")
    srv = tmp_path / "srv"
    srv.mkdir()
    url = _pg_database("readme_deploy")
    script = substitute(block(3) + "\n" + block(4), [
        ("/srv/groupfinder", str(srv)),
        ("postgresql+psycopg://groupfinder@/groupfinder", url),
        ("redis://127.0.0.1:6379/0", REDIS_URL),
        # not root: no other user to become, no ownership to give
        (" -o groupfinder -g groupfinder", ""),
        ("chown groupfinder:groupfinder", ": chown"),
        ("sudo -u groupfinder env", "env"),
        (f"{srv}/venv/bin/groupfinder", str(BIN / "groupfinder")),
    ])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GROUPFINDER_", "FLASK_"))}
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], input=PASSWORD + "\n",
                            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Created admin account you@example.org" in result.stdout
    assert "No deployment errors found." in result.stdout, result.stdout + result.stderr
    settings = srv / "instance" / "groupfinder.env"
    assert oct(settings.stat().st_mode & 0o777) == "0o600"
    key = re.search(r"GROUPFINDER_SECRET_KEY=(\S+)", settings.read_text()).group(1)
    assert len(key) >= 64 and "$(" not in key  # generated when written

    # Step 5's gunicorn, as systemd passes it: continuation lines joined, %% → %.
    unit = re.search(r"cat > /etc/systemd/system/groupfinder.service <<'EOF'\n(.*?)\nEOF\n",
                     block(5), re.S).group(1)
    service_env = dict(re.findall(r"^Environment=(\w+)=(\S+)$", unit, re.M))
    assert service_env["GROUPFINDER_INSTANCE_PATH"] == "/srv/groupfinder/instance"
    exec_start = re.search(r"^ExecStart=(.*?[^\\])$", unit, re.S | re.M).group(1)
    argv = shlex.split(exec_start.replace("\\\n", " ").replace("%%", "%"))
    assert argv[0] == "/srv/groupfinder/venv/bin/gunicorn" and "--access-logfile" in argv
    port = _free_port()
    argv = [str(BIN / "gunicorn")] + [a.replace("127.0.0.1:8000", f"127.0.0.1:{port}") for a in argv[1:]]
    server_env = {**env, "GROUPFINDER_INSTANCE_PATH": str(srv / "instance"), "WEB_CONCURRENCY": "1"}
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, env=server_env, cwd=tmp_path, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                    assert r.status == 200 and b'"database":"ok"' in r.read()
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("gunicorn did not answer /readyz:\n" + log.read_text())
                time.sleep(0.3)
        request = urllib.request.Request(f"http://127.0.0.1:{port}/search?where=LS1+4AP",
                                         headers={"X-Forwarded-Proto": "https"})
        with urllib.request.urlopen(request, timeout=10) as r:
            assert r.status == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    access = [line for line in log.read_text().splitlines() if '"GET /search' in line]
    assert access and all("LS1" not in line and "where" not in line for line in access), access
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT count(*) FROM users WHERE role = 'admin'")) == 1
    engine.dispose()


def test_the_service_unit_escapes_every_percent_for_systemd():
    exec_start = block(5).split("ExecStart=", 1)[1].split("\nExecReload", 1)[0]
    assert "%%(h)s" in exec_start and not re.search(r"(?<!%)%\(", exec_start)
