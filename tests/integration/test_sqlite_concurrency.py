"""Several writers on one SQLite file never see "database is locked" (BEGIN IMMEDIATE + WAL)."""

import threading

import sqlalchemy as sa
from flask_migrate import upgrade

from groupfinder.db import writing
from groupfinder.extensions import db
from groupfinder.interop.reference import load_vocabularies
from groupfinder.models import Condition

from ..conftest import make_app


def test_concurrent_read_then_write_transactions_all_commit(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'busy.sqlite3'}")
    with app.app_context():
        upgrade()
        load_vocabularies()
        assert db.session.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        db.session.remove()
    errors: list[BaseException] = []
    rounds, workers = 25, 6

    def work(n: int) -> None:
        try:
            with app.app_context():
                for _ in range(rounds):
                    with writing():
                        cond = db.session.scalars(
                            sa.select(Condition).where(Condition.slug == "anxiety")).one()
                        last = cond.description.rsplit(" ", 1)[-1]
                        cond.description = f"count {int(last) + 1 if last.isdigit() else 1}"
                        db.session.commit()
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with app.app_context():
        final = db.session.scalars(sa.select(Condition).where(Condition.slug == "anxiety")).one()
        # no lost update: every read-then-write saw the previous commit
        assert final.description == f"count {rounds * workers}"
        db.engine.dispose()
