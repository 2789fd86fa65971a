"""Screenshots for the README's tour, taken from a fresh demo: `make tour` (or run this file with
the venv's Python). Writes docs/tour/*.jpg; run it again when a page it shows changes.

A throwaway instance folder (demo listings and accounts, SQLite), gunicorn on a free port, and
Chromium through Playwright (Debian's /usr/bin/chromium when present, as the browser test uses):
a search, a group's page, the organizer's editor (saving an edit, so the review queue has one),
and the admin's review queue.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
CHROMIUM = Path("/usr/bin/chromium")
VIEWPORT = {"width": 1100, "height": 760}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not answer {url}") from None
            time.sleep(0.3)


def _accounts(instance: Path) -> dict[str, tuple[str, str]]:
    """role → (email, password), from the file `seed-demo --accounts` writes."""
    rows = (line.split() for line in (instance / "demo-accounts.txt").read_text().splitlines())
    return {row[0]: (row[1], row[2]) for row in rows if len(row) == 3 and not row[0].startswith("#")}


def _sign_in(page, base: str, email: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/accounts/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_load_state()


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    path = HERE / f"{name}.jpg"
    page.screenshot(path=str(path), type="jpeg", quality=70)
    print(f"wrote {path.relative_to(HERE.parents[1])} ({path.stat().st_size // 1024} KB)")


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="gf-tour-") as tmp:
        instance = Path(tmp)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GROUPFINDER_", "FLASK_"))}
        env.update(GROUPFINDER_INSTANCE_PATH=str(instance), GROUPFINDER_BASE_URL=base,
                   GROUPFINDER_SECRET_KEY=secrets.token_urlsafe(48), GROUPFINDER_MAIL_BACKEND="file",
                   GROUPFINDER_LOG_LEVEL="WARNING")
        for args in (["db", "upgrade"], ["seed-demo", "--accounts"]):
            subprocess.run([str(BIN / "groupfinder"), *args], env=env, check=True,
                           stdout=subprocess.DEVNULL)
        accounts = _accounts(instance)
        server = subprocess.Popen([str(BIN / "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{port}",
                                   "groupfinder.app:create_app()"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait(base + "/healthz", server)
            with sync_playwright() as pw:
                options = {"executable_path": str(CHROMIUM)} if CHROMIUM.exists() else {}
                browser = pw.chromium.launch(headless=True, **options)
                context = browser.new_context(viewport=VIEWPORT, locale="en-GB",
                                              timezone_id="Europe/London")
                page = context.new_page()
                page.goto(base + "/search?where=M1+1AE")
                _shot(page, "1-search")
                page.locator("main a[href^='/groups/']").first.click()
                page.wait_for_load_state()
                _shot(page, "2-group")

                _sign_in(page, base, *accounts["organizer"])
                page.locator("main table a[href*='/manage/groups/']").first.click()
                page.wait_for_load_state()
                _shot(page, "3-organizer-editor")
                what = page.get_by_label("What to expect", exact=False).first
                what.fill((what.input_value() + " Tea and biscuits from 6:45.").strip())
                page.get_by_role("button", name="Save changes").click()
                page.wait_for_load_state()
                page.get_by_role("button", name="Sign out").click()

                _sign_in(page, base, *accounts["admin"])
                page.goto(base + "/review/")
                _shot(page, "4-review-queue")
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
