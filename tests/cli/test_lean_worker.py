"""A process that only serves pages leaves out what only commands and jobs need (memory per
worker: Alembic, Huey, zxcvbn's word lists)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import sys
from groupfinder.app import create_app
app = create_app()
client = app.test_client()
assert client.get("/").status_code == 200
assert client.get("/api/v1/ping").status_code == 200
print(",".join(m for m in ("alembic", "flask_migrate", "huey", "zxcvbn") if m in sys.modules))
"""


def test_serving_pages_imports_no_migration_job_or_password_library(tmp_path: Path) -> None:
    env = {**os.environ, "GROUPFINDER_INSTANCE_PATH": str(tmp_path),
           "GROUPFINDER_SECRET_KEY": "x" * 40, "GROUPFINDER_BASE_URL": "http://127.0.0.1:5000"}
    env = {k: v for k, v in env.items() if k != "GROUPFINDER_DATABASE_URL"}
    subprocess.run([str(Path(sys.executable).parent / "groupfinder"), "db", "upgrade"], env=env,
                   check=True, capture_output=True, timeout=300)
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1:] in ([], [""]), done.stdout
