#!/usr/bin/env python
"""SQLite writers benchmark (issue 12): failed sign-ins and listing saves at once, under gunicorn.

"On SQLite with 4 gunicorn workers, 50 concurrent sign-ins with wrong passwords and 50
concurrent listing saves: no 5xx, no 503." Prints every status code, median and p95 per kind, and
the saves' p95 against saves alone, measured in the same run. This machine is shared and noisy:
read the ratio and the status counts, never the absolute timings. Not a test; never run by pytest.
Exits 1 on any 5xx (503 included), connection error or unexpected status.

    python bench/sqlite_writers.py              # 3 rounds (~1 min)
    python bench/sqlite_writers.py --rounds 1   # smoke run

What it does:

1. **Data.** A temp instance folder (``GROUPFINDER_INSTANCE_PATH``) with a fresh SQLite file,
   built the way an operator would: ``groupfinder db upgrade`` then ``groupfinder seed-demo``
   (706 published demo listings). Then, in-process through the app's models in one
   ``transaction()``: 50 confirmed organizer accounts sharing one random password (one Argon2
   hash), each the only organizer of one published, non-sensitive demo listing.
   ``GROUPFINDER_RATELIMIT_ENABLED=false`` (the lock is measured, not the limiter: 50 wrong
   passwords would otherwise be refused with 429 before reaching Argon2 or the database);
   ``GROUPFINDER_MAIL_BACKEND=file`` (nothing leaves the machine).
2. **gunicorn**, 4 sync workers on a free loopback port, on that file; the default
   ``SQLITE_BUSY_TIMEOUT_MS`` (5 s: a writer still waiting for the lock then gets a 503).
3. **Clients.** 100 stdlib clients (urllib, each its own cookie jar, no redirects followed):
   50 save clients, each signed in once as its organizer; 50 sign-in clients. Before every
   burst, untimed: each save client GETs its listing's edit form (``/manage/groups/<id>``: CSRF
   token, ``version``, every field as a browser would send it) and each sign-in client GETs
   ``/accounts/login`` (its own CSRF token).
4. **Bursts**, one thread per request, all released together by a ``threading.Barrier``; each
   POST is timed alone (connect → full response):
   * *mixed*: 50 wrong-password sign-ins (organizers' addresses; expected 422) and 50 saves
     (expected 302);
   * *saves alone*: the same 50 saves without the sign-ins.
   Each round runs both (the order flips every round, so drift hits both alike). A save changes
   the description, so it is a real write: the listing is published, so the edit becomes a
   pending revision (the previous one withdrawn), the listing's version moves on and an audit
   row is written, all in one ``BEGIN IMMEDIATE`` transaction.
5. **Output.** Per burst and overall: status counts per kind, 5xx / 503 / connection errors,
   median and p95 ms per kind, the burst's wall time; the ratio of the saves' p95 (and median)
   mixed / alone. Afterwards every edit form is read again: its version must have moved by the
   number of saves answered 302, and it must show the last description sent. gunicorn's log is
   scanned for tracebacks and "database is locked". gunicorn's process group is stopped and the
   temp folder removed in ``finally``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.cookiejar
import os
import platform
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from feeds import cli_command  # noqa: E402
from search import free_port, log, ms, p50, pct, ratio, stop_process_group  # noqa: E402

SECRET = "bench-secret-key-that-is-long-enough-0123456789"
WORKERS = 4
PREP_THREADS = 8  # untimed GETs before each burst
TIMEOUT = 60  # seconds per request; gunicorn's --timeout too


# --- forms, as a browser sends them -------------------------------------------------------------


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)

    def value(self, name: str) -> str | None:
        return next((v for k, v in self.fields if k == name), None)

    def replace(self, name: str, value: str) -> None:
        self.fields = [(k, value if k == name else v) for k, v in self.fields]


class FormParser(HTMLParser):
    """Every ``<form>`` of a page with the fields a browser would submit: inputs (checkboxes and
    radios only when checked), selected options, textareas; submit buttons apart."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: tuple[str, bool, list[tuple[str, bool]]] | None = None
        self._option: list[Any] | None = None
        self._textarea: list[str] | None = None
        self._textarea_name = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self._form)
            return
        f = self._form
        if f is None:
            return
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "image", "button", "reset", "file"):
                if kind == "submit":
                    f.buttons.append((name, a.get("value", "")))
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    f.fields.append((name, a.get("value", "on")))
            else:
                f.fields.append((name, a.get("value", "")))
        elif tag == "button" and name and a.get("type", "submit").lower() == "submit":
            f.buttons.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select = (name, "multiple" in a, [])
        elif tag == "option" and self._select is not None:
            self._option = [a.get("value"), "selected" in a, []]
            self._select[2].append(("", False))  # placeholder, set when the option ends
        elif tag == "textarea" and name:
            self._textarea, self._textarea_name = [], name

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.append(data)
        if self._option is not None:
            self._option[2].append(data)

    def _end_option(self) -> None:
        if self._option is not None and self._select is not None:
            value, selected, text = self._option
            self._select[2][-1] = (value if value is not None else "".join(text).strip(), selected)
        self._option = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "option":
            self._end_option()
        elif tag == "select" and self._select is not None and self._form is not None:
            self._end_option()
            name, multiple, options = self._select
            chosen = [v for v, sel in options if sel]
            if not chosen and not multiple and options:
                chosen = [options[0][0]]
            self._form.fields += [(name, v) for v in chosen]
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            text = "".join(self._textarea)
            self._form.fields.append((self._textarea_name, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "form":
            self._form = None


def find_form(html: str, action: str) -> Form:
    parser = FormParser()
    parser.feed(html)
    for form in parser.forms:
        if form.method == "post" and urllib.parse.urlsplit(form.action).path == action:
            return form
    raise RuntimeError(f"no POST form to {action} on the page "
                       f"(forms: {[f.action for f in parser.forms]})")


# --- one browser: its own cookie jar, no redirects followed ------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the 302 itself is the answer: urllib raises it as an HTTPError


class Client:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar),
                                                  _NoRedirect())

    def request(self, path: str, fields: list[tuple[str, str]] | None = None) -> tuple[int, bytes]:
        """(status, body) of a GET, or of a form POST when ``fields`` is given."""
        data = urllib.parse.urlencode(fields).encode() if fields is not None else None
        req = urllib.request.Request(self.base + path, data=data)
        try:
            with self.opener.open(req, timeout=TIMEOUT) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, exc.read()

    def page(self, path: str) -> str:
        status, body = self.request(path)
        if status != 200:
            raise RuntimeError(f"GET {path}: HTTP {status}: {body[:300]!r}")
        return body.decode("utf-8")


LOGIN = "/accounts/login"


@dataclass
class Saver:
    """An organizer's browser, signed in, editing their one listing."""
    client: Client
    email: str
    group_id: int
    base_description: str = ""
    first_version: int = 0
    saved: int = 0  # saves answered 302
    sending: str = ""  # the description the next save sends
    last_description: str = ""  # the one of the last save answered 302
    form: Form | None = None

    @property
    def path(self) -> str:
        return f"/manage/groups/{self.group_id}"

    def prepare(self, tag: str) -> None:
        """GET the edit form (fresh CSRF token and version) and change the description."""
        form = find_form(self.client.page(self.path), self.path)
        if not self.base_description:
            self.base_description = form.value("description") or ""
            self.first_version = int(form.value("version") or 0)
        description = f"{self.base_description}\n\nUpdated by the writers benchmark, {tag}."
        form.replace("description", description)
        form.fields += [b for b in form.buttons if b[0] == "save"]
        self.form, self.sending = form, description


    def check(self) -> str:
        """'' when the form shows ``first_version + saved`` and the last description sent."""
        form = find_form(self.client.page(self.path), self.path)
        version = int(form.value("version") or 0)
        shown = " ".join((form.value("description") or "").split())
        if version != self.first_version + self.saved:
            return f"{self.path}: version {version}, expected {self.first_version} + {self.saved}"
        if self.saved and shown != " ".join(self.last_description.split()):
            return f"{self.path}: the form shows another description: {shown[-80:]!r}"
        return ""


@dataclass
class SignIn:
    """A browser that signs in with a wrong password."""
    client: Client
    email: str
    fields: list[tuple[str, str]] = field(default_factory=list)

    def prepare(self, tag: str) -> None:
        form = find_form(self.client.page(LOGIN), LOGIN)
        form.replace("email", self.email)
        form.replace("password", f"wrong-{secrets.token_urlsafe(9)}")
        self.fields = form.fields


# --- the data and the server ---------------------------------------------------------------------


def bench_env(workdir: Path, port: int) -> dict[str, str]:
    return {**os.environ,
            "GROUPFINDER_INSTANCE_PATH": str(workdir),
            "GROUPFINDER_DATABASE_URL": f"sqlite:///{workdir / 'groupfinder.sqlite3'}",
            "GROUPFINDER_SECRET_KEY": SECRET,
            "GROUPFINDER_BASE_URL": f"http://127.0.0.1:{port}",
            "GROUPFINDER_LOG_LEVEL": "WARNING",
            "GROUPFINDER_GEOCODER": "offline",
            "GROUPFINDER_MAIL_BACKEND": "file",  # instance/mail: nothing leaves the machine
            "GROUPFINDER_RATELIMIT_ENABLED": "false"}  # the lock, not the limiter


def run_cli(args: list[str], env: dict[str, str], cwd: Path) -> str:
    out = subprocess.run(cli_command() + args, env=env, cwd=cwd, capture_output=True, text=True,
                         timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"groupfinder {' '.join(args)} failed ({out.returncode}):\n"
                           f"{(out.stdout + out.stderr)[-3000:]}")
    return out.stdout.strip()


def build_data(workdir: Path, env: dict[str, str], organizers: int) -> tuple[str, list[tuple[str, int]], str]:
    """``db upgrade``, ``seed-demo``, then ``organizers`` confirmed organizers, each the only
    organizer of one published, non-sensitive listing. Returns (password, [(email, group id)], note)."""
    started = time.perf_counter()
    run_cli(["db", "upgrade"], env, workdir)
    seeded = run_cli(["seed-demo"], env, workdir).splitlines()
    os.environ.update({k: v for k, v in env.items() if k.startswith("GROUPFINDER_")})
    import sqlalchemy as sa

    from groupfinder.accounts.models import Role, User
    from groupfinder.accounts.passwords import hash_password
    from groupfinder.app import create_app
    from groupfinder.db import now_utc
    from groupfinder.extensions import db
    from groupfinder.groups.models import Group, ListingStatus
    from groupfinder.transactions import transaction

    password = secrets.token_urlsafe(15)
    app = create_app()
    pairs: list[tuple[str, int]] = []
    with app.app_context():
        password_hash = hash_password(password)
        with transaction():
            groups = db.session.scalars(
                sa.select(Group).where(Group.status == ListingStatus.published,
                                       Group.is_sensitive.is_(False))
                .order_by(Group.id).limit(organizers)).all()
            if len(groups) < organizers:
                raise RuntimeError(f"only {len(groups)} published, non-sensitive listings")
            for i, group in enumerate(groups, 1):
                email = f"bench-organizer-{i:02d}@example.org"
                user = User(email=email, display_name=f"Bench organizer {i}", role=Role.organizer,
                            is_enabled=True, email_confirmed_at=now_utc(),
                            password_hash=password_hash)
                db.session.add(user)
                group.organizers = [user]
                pairs.append((email, group.id))
        db.session.remove()
        db.engine.dispose()
    note = (f"data: `db upgrade` + `seed-demo` ({seeded[-1] if seeded else 'no output'}), "
            f"{organizers} organizers each owning one published listing, in "
            f"{time.perf_counter() - started:.1f} s")
    return password, pairs, note


def start_gunicorn(env: dict[str, str], port: int, workdir: Path, workers: int) -> tuple[subprocess.Popen, Any]:
    logfile = open(workdir / "gunicorn.log", "w+b")  # noqa: SIM115 (closed by the caller)
    cmd = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-k", "sync",
           "-b", f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", str(TIMEOUT),
           "groupfinder.app:create_app()"]
    proc = subprocess.Popen(cmd, env=env, cwd=workdir, stdout=logfile, stderr=subprocess.STDOUT,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    probe = Client(f"http://127.0.0.1:{port}")
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        try:
            if probe.request("/api/v1/ping")[0] == 200:
                return proc, logfile
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("gunicorn did not answer /api/v1/ping within 60 s")
        time.sleep(0.2)


# --- bursts --------------------------------------------------------------------------------------


@dataclass
class Shot:
    kind: str  # "save" or "sign-in"
    status: int | str  # HTTP status, or the exception's name
    ms: float


@dataclass
class Burst:
    label: str
    shots: list[Shot]
    wall_ms: float

    def of(self, kind: str) -> list[Shot]:
        return [s for s in self.shots if s.kind == kind]


EXPECTED = {"save": 302, "sign-in": 422}


def burst(label: str, savers: list[Saver], signins: list[SignIn]) -> Burst:
    """Every request in its own thread, all released together; each timed alone."""
    jobs: list[tuple[str, Any]] = [("save", s) for s in savers] + [("sign-in", s) for s in signins]
    gate = threading.Barrier(len(jobs))
    spans: list[tuple[float, float]] = []

    def shoot(job: tuple[str, Any]) -> Shot:
        kind, who = job
        path, fields = (who.path, who.form.fields) if kind == "save" else (LOGIN, who.fields)
        gate.wait()
        t = time.perf_counter()
        try:
            status: int | str = who.client.request(path, fields)[0]
        except OSError as exc:  # connection refused / reset, timeout
            status = type(exc).__name__
        end = time.perf_counter()
        spans.append((t, end))
        if kind == "save" and status == EXPECTED["save"]:
            who.saved += 1
            who.last_description = who.sending
        return Shot(kind, status, (end - t) * 1000)

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        shots = list(pool.map(shoot, jobs))
    wall = (max(e for _, e in spans) - min(t for t, _ in spans)) * 1000
    return Burst(label, shots, wall)


def prepare(items: list[Any], tag: str) -> None:
    with ThreadPoolExecutor(max_workers=PREP_THREADS) as pool:
        list(pool.map(lambda item: item.prepare(tag), items))


def statuses(shots: list[Shot]) -> str:
    counts = Counter(s.status for s in shots)
    return ", ".join(f"{k} ×{v}" for k, v in sorted(counts.items(), key=lambda kv: str(kv[0])))


def bad(shots: list[Shot]) -> dict[str, int]:
    """5xx, 503 (among them), transport errors, and any other status than expected."""
    out = {"5xx": 0, "503": 0, "errors": 0, "unexpected": 0}
    for s in shots:
        if isinstance(s.status, str):
            out["errors"] += 1
        elif s.status >= 500:
            out["5xx"] += 1
            out["503"] += s.status == 503
        elif s.status != EXPECTED[s.kind]:
            out["unexpected"] += 1
    return out


def line(label: str, shots: list[Shot]) -> str:
    t = [s.ms for s in shots]
    b = bad(shots)
    return (f"    {label:<24} n {len(shots):>3}  median {ms(p50(t)):>7} ms  p95 {ms(pct(t, 95)):>7} ms"
            f"  max {ms(max(t)):>7} ms  5xx {b['5xx']} (503 {b['503']})  errors {b['errors']}"
            f"  [{statuses(shots)}]")


# --- main ----------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=3,
                   help="rounds, each a mixed burst and a saves-alone burst (default 3)")
    p.add_argument("--saves", type=int, default=50, help="concurrent listing saves (default 50)")
    p.add_argument("--sign-ins", type=int, default=50,
                   help="concurrent wrong-password sign-ins (default 50)")
    p.add_argument("--workers", type=int, default=WORKERS, help="gunicorn sync workers (default 4)")
    p.add_argument("--workdir", default=None, help="instance folder (default: temp, removed)")
    p.add_argument("--keep", action="store_true", help="keep the instance folder")
    return p.parse_args(argv)


def argon2_ms() -> float:
    from groupfinder.accounts.passwords import hash_password, verify_password

    h = hash_password("x")
    t = time.perf_counter()
    verify_password(h, "y")
    return (time.perf_counter() - t) * 1000


def _sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _sigterm)  # so that finally stops gunicorn
    started = time.perf_counter()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="gf-writers-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = bench_env(workdir, port)
    log(f"groupfinder SQLite writers — gunicorn -w {args.workers} (sync); per round "
        f"{args.sign_ins} wrong-password sign-ins + {args.saves} listing saves at once, then "
        f"the {args.saves} saves alone; {args.rounds} rounds")
    busy = env.get("GROUPFINDER_SQLITE_BUSY_TIMEOUT_MS", "5000 (the default)")
    log("rate limits OFF (GROUPFINDER_RATELIMIT_ENABLED=false): SQLite's write lock is measured, "
        f"not the limiter; mail to a file; SQLITE_BUSY_TIMEOUT_MS {busy} (then 503)")
    proc = logfile = None
    failed: list[str] = []
    try:
        password, pairs, note = build_data(workdir, env, max(args.saves, args.sign_ins))
        log(note)
        proc, logfile = start_gunicorn(env, port, workdir, args.workers)
        base = f"http://127.0.0.1:{port}"

        savers = [Saver(Client(base), email, gid) for email, gid in pairs[:args.saves]]

        def sign_in(s: Saver) -> None:
            form = find_form(s.client.page(LOGIN), LOGIN)
            form.replace("email", s.email)
            form.replace("password", password)
            status, body = s.client.request(LOGIN, form.fields)
            if status not in (302, 303):
                raise RuntimeError(f"sign-in of {s.email}: HTTP {status}: {body[:300]!r}")

        with ThreadPoolExecutor(max_workers=PREP_THREADS) as pool:
            list(pool.map(sign_in, savers))
        signins = [SignIn(Client(base), pairs[i % len(pairs)][0]) for i in range(args.sign_ins)]
        log(f"gunicorn on {base}; {len(savers)} organizers signed in; sign-ins use their "
            "addresses with wrong passwords (an existing account: a real Argon2 verify)")

        bursts: dict[str, list[Burst]] = {"mixed": [], "alone": []}
        log("")
        log("== bursts (each request timed alone: connect → full response) ==")
        for r in range(1, args.rounds + 1):
            order = ("mixed", "alone") if r % 2 else ("alone", "mixed")
            for kind in order:
                tag = f"round {r}, {kind}"
                prepare(savers + (signins if kind == "mixed" else []), tag)
                b = burst(tag, savers, signins if kind == "mixed" else [])
                bursts[kind].append(b)
                log(f"  {tag}: wall {ms(b.wall_ms)} ms")
                log(line("saves", b.of("save")))
                if kind == "mixed":
                    log(line("wrong-password sign-ins", b.of("sign-in")))
            mixed, alone = bursts["mixed"][-1].of("save"), bursts["alone"][-1].of("save")
            log(f"  round {r}: saves p95 mixed / alone "
                f"{ratio(pct([s.ms for s in mixed], 95), pct([s.ms for s in alone], 95))}")

        # every 302 was a write: the version moved by as many, the form shows the last text
        with ThreadPoolExecutor(max_workers=PREP_THREADS) as pool:
            wrong = [w for w in pool.map(Saver.check, savers) if w]
        log("")
        log(f"check: {len(savers) - len(wrong)}/{len(savers)} listings' versions moved by exactly "
            "their 302 saves and their forms show the last description sent"
            + (f"; MISMATCH: {wrong[:5]}" if wrong else ""))
        if wrong:
            failed.append(f"{len(wrong)} listings' versions do not match their saves")

        log("")
        log("== overall ==")
        all_mixed = [s for b in bursts["mixed"] for s in b.shots]
        all_alone = [s for b in bursts["alone"] for s in b.shots]
        saves_mixed = [s for s in all_mixed if s.kind == "save"]
        saves_alone = [s for s in all_alone if s.kind == "save"]
        log(line("saves, mixed", saves_mixed))
        log(line("saves, alone", saves_alone))
        log(line("wrong-password sign-ins", [s for s in all_mixed if s.kind == "sign-in"]))
        tm, ta = [s.ms for s in saves_mixed], [s.ms for s in saves_alone]
        log(f"    saves with the sign-ins / saves alone: p95 {ratio(pct(tm, 95), pct(ta, 95))}, "
            f"median {ratio(p50(tm), p50(ta))}")
        walls = [b.wall_ms for b in bursts["mixed"]]
        log(f"    mixed burst wall time median {ms(p50(walls))} ms; "
            f"saves-alone {ms(p50([b.wall_ms for b in bursts['alone']]))} ms; one Argon2 verify "
            f"in this process {ms(argon2_ms())} ms")

        log(f"    (sync workers: a request waits for one of the {args.workers} to be free, so the "
            "mixed saves' latency includes queueing behind the sign-ins' Argon2 verifies, CPU "
            "bound; a save still waiting for the write lock after the busy timeout would be a 503)")
        total = bad(all_mixed + all_alone)
        log(f"    5xx {total['5xx']} (503 {total['503']}), connection errors {total['errors']}, "
            f"other unexpected statuses {total['unexpected']}")
        if total["5xx"] or total["errors"]:
            failed.append(f"{total['5xx']} 5xx ({total['503']} 503), {total['errors']} errors")
        if total["unexpected"]:
            failed.append(f"{total['unexpected']} responses other than 302 (saves) / 422 (sign-ins)")

        logfile.seek(0)
        text = logfile.read().decode("utf-8", "replace")
        locked, tracebacks = text.count("database is locked"), text.count("Traceback")
        log(f"    gunicorn log: {tracebacks} tracebacks, {locked} 'database is locked'")
        if locked or tracebacks:
            log(text[-3000:])
    finally:
        if proc is not None:
            stop_process_group(proc)
        if logfile is not None:
            logfile.close()
        if args.keep or args.workdir:
            log(f"instance folder kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    from importlib.metadata import version

    load = os.getloadavg()
    log("")
    log(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, load {load[0]:.2f} {load[1]:.2f} "
        f"{load[2]:.2f}; Python {platform.python_version()}; SQLite {sqlite3.sqlite_version}; "
        f"gunicorn {version('gunicorn')}; argon2-cffi {version('argon2-cffi')}; total "
        f"{time.perf_counter() - started:.0f} s; {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    if failed:
        log("FAILED: " + "; ".join(failed))
        return 1
    log("PASSED: no 5xx, no 503, no connection errors; every save answered 302 and was written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
