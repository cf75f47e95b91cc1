"""Complaint.is_overdue: one meaning, the same in Python and in SQL, and the index built on it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from app.database import Database
from app.lifecycle import STATUSES, TERMINAL
from app.models import Complaint
from app.models.complaint import PUBLIC_OVERDUE_SQL
from tests.conftest import Keys
from tests.support.complaints import store_complaint

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("flagged", [False, True])
def test_is_overdue_is_the_sweeps_flag_on_a_complaint_not_terminal_in_python_and_sql(
    app, db: Database, keys: Keys, flagged: bool
) -> None:
    stored = {status: store_complaint(app, external_id=f"S-{status}").id for status in STATUSES}
    with db.transaction() as session:
        for status, complaint_id in stored.items():
            session.execute(update(Complaint).where(Complaint.id == complaint_id)
                            .values(status=status, overdue=flagged))
    expected = {status: flagged and status not in TERMINAL for status in STATUSES}
    with db.session() as session:
        in_python = {c.status: c.is_overdue for c in session.scalars(select(Complaint))}
        in_sql = dict(session.execute(select(Complaint.status, Complaint.is_overdue)).all())
        chosen = set(session.scalars(select(Complaint.status).where(Complaint.is_overdue)))
    assert in_python == expected
    assert {status: bool(value) for status, value in in_sql.items()} == expected
    assert chosen == {status for status, late in expected.items() if late}


def test_the_public_overdue_index_text_is_the_migrations(db: Database) -> None:
    """Built from lifecycle.TERMINAL, the partial index's condition must still be the text
    migration 0001 created: a change here needs a migration."""
    migration = (ROOT / "migrations" / "versions" / "0001_initial_schema.py").read_text()
    assert f'sa.text("{PUBLIC_OVERDUE_SQL}")' in migration
    if db.dialect == "sqlite":
        with db.engine.connect() as connection:
            created = connection.execute(text(
                "SELECT sql FROM sqlite_master WHERE name = 'ix_complaints_public_overdue'"
            )).scalar_one()
        assert created.endswith(f"WHERE {PUBLIC_OVERDUE_SQL}")
