"""`jembatan reporter` and `retention run`: reporters' personal data, erased on demand or
after the retention period; the old re-encryption alias."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.clock import utcnow
from app.models import AuditEntry, Complaint
from tests.support.audit import audit_entries
from tests.support.complaints import store_complaint


def test_reencrypt_is_a_deprecated_alias_of_keys_rotate_data(jembatan, db, keys) -> None:
    alias = jembatan("reporter", "reencrypt", "--batch-size", "10")
    # One line on stderr names the command to use; stdout is what `keys rotate-data` prints.
    (warning,) = alias.stderr.splitlines()
    assert "deprecated" in warning and "keys rotate-data" in warning
    current = jembatan("keys", "rotate-data")
    assert alias.stdout == current.stdout and current.stderr == ""
    assert alias.stdout.startswith("re-encrypted ")
    with db.session() as session:
        actions = session.scalars(select(AuditEntry.action)).all()
    assert actions == ["data_keys.rotate", "data_keys.rotate"]


def test_retention_run_and_reporter_erase(jembatan, app, db, keys) -> None:
    old = store_complaint(app, "PSI", external_id="OLD")
    asked = store_complaint(app, "PSI", external_id="ASKED")
    with db.transaction() as session:
        complaint = session.get(Complaint, old.id)
        complaint.status = "resolved"
        complaint.updated_at = utcnow() - timedelta(days=40)
    assert "erased reporter data of 1 complaints" in jembatan(
        "retention", "run", "--days", "30").output
    (entry,) = audit_entries(db, "retention.run")
    assert entry.detail["erased"] == 1

    out = jembatan("reporter", "erase", asked.tracking_code).output
    assert f"erased reporter data of {asked.tracking_code}" in out
    assert "already erased" in jembatan("reporter", "erase", str(asked.id)).output
    (entry,) = audit_entries(db, "reporter.erase")
    assert entry.target_id == str(asked.id)
    with db.session() as session:
        for complaint_id in (old.id, asked.id):
            complaint = session.get(Complaint, complaint_id)
            assert complaint.reporter_name is None and complaint.reporter_erased_at
    assert "no complaint" in jembatan("reporter", "erase", "JBT-NOPE0000", ok=False).output
