import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_wheel_ships_templates_static_data_and_migrations(tmp_path):
    # --no-isolation: offline, with the build backend from the test extras.
    done = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir",
                           str(tmp_path), str(ROOT)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    (wheel,) = tmp_path.glob("groupfinder-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in ("groupfinder/templates/base.html", "groupfinder/static/css/site.css",
                     "groupfinder/data/vocabularies/conditions.csv",
                     "groupfinder/data/gazetteer/GB-postcode_sectors.csv.gz",
                     "groupfinder/data/demo/listings.json",
                     "groupfinder/migrations/env.py", "groupfinder/migrations/alembic.ini",
                     # compiled by hatch_build.py at build time (never committed)
                     "groupfinder/translations/es/LC_MESSAGES/messages.mo",
                     "groupfinder/translations/cy/LC_MESSAGES/messages.mo"):
        assert expected in names, expected
    assert any(n.startswith("groupfinder/migrations/versions/") for n in names)
    tracked = subprocess.run(["git", "-C", str(ROOT), "ls-files", "*.mo"], capture_output=True, text=True)
    assert tracked.stdout == "", "compiled catalogues are built, not committed"
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "groupfinder = groupfinder.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
