"""check-deploy and mail: the SMTP server must answer; jobs must not run inside requests."""

from __future__ import annotations

import socket
import threading

from groupfinder.deploycheck import check, smtp_problem

BASE = {"SECRET_KEY": "k" * 64, "BASE_URL": "https://groups.example.org", "MAIL_BACKEND": "smtp",
        "RATELIMIT_STORAGE_URI": "memory://", "DATABASE_URL": "postgresql+psycopg://x/y"}


def _fake_smtp_server() -> tuple[int, threading.Thread]:
    """One connection: greets with 220, answers NOOP and QUIT."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def serve() -> None:
        conn, _ = server.accept()
        with conn, conn.makefile("rwb") as f:
            f.write(b"220 fake ESMTP\r\n")
            f.flush()
            for line in f:
                f.write(b"221 bye\r\n" if line.upper().startswith(b"QUIT") else b"250 ok\r\n")
                f.flush()
                if line.upper().startswith(b"QUIT"):
                    break
        server.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return server.getsockname()[1], thread


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ids(findings):  # type: ignore[no-untyped-def]
    return {f.id for f in findings}


def test_an_answering_smtp_server_is_no_finding():
    port, thread = _fake_smtp_server()
    assert smtp_problem("127.0.0.1", port) is None
    thread.join(5)
    port, thread = _fake_smtp_server()
    config = {**BASE, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "TASKS_IMMEDIATE": False}
    assert not ids(check(config, {}, probe_smtp=True)) & {"GF-W018", "GF-W019"}


def test_a_silent_smtp_server_is_a_warning_naming_it():
    port = _closed_port()
    config = {**BASE, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "TASKS_IMMEDIATE": False}
    [finding] = [f for f in check(config, {}, probe_smtp=True) if f.id == "GF-W018"]
    assert finding.level == "warning" and f"127.0.0.1:{port}" in finding.message
    assert "GF-W018" not in ids(check(config, {}))  # only when asked (the CLI asks)


def test_jobs_running_inside_requests_are_a_warning():
    config = {**BASE, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": 25, "TASKS_IMMEDIATE": True}
    assert "GF-W019" in ids(check(config, {}))
