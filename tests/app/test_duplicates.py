"""Duplicates across factions (app/duplicates.py, docs/ARCHITECTURE.md#duplicates)."""

from __future__ import annotations

import os
from pathlib import Path

from app.database import Database


def test_migration_0006_adds_the_duplicate_columns_and_downgrade_removes_them(
    tmp_path: Path,
) -> None:
    from alembic import command
    from sqlalchemy import inspect, text

    from app.migrate import alembic_config, upgrade

    url = os.environ.get("JEMBATAN_TEST_DATABASE_URL_SCRATCH") or f"sqlite:///{tmp_path}/m.db"
    scratch = Database(url)
    if url.startswith("postgresql"):
        with scratch.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(url, "0005")
    with scratch.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO factions (code, name, active, feed_format, created_at, updated_at)"
            " VALUES ('PSI', 'Fraksi PSI', true, 'xml', '2026-12-01', '2026-12-01')"))
        faction_id = connection.execute(text("SELECT id FROM factions")).scalar_one()
        connection.execute(text(
            "INSERT INTO complaints (id, tracking_code, faction_id, external_id, source,"
            " category, title, description, kelurahan_code, kecamatan_code, kota_code,"
            " visibility, attachments, content_hash, status_secret, status, seq, due_at,"
            " overdue, created_at, updated_at) VALUES ('0a1b2c3d4e5f40718293a4b5c6d7e8f9',"
            " 'JBT-AAAA2222', :faction, 'x-1', 'api', 'jalan', 'Jalan rusak', 'Berlubang',"
            " '3171010001', '317101', '3171', 'public', '[]', 'h', 's', 'received', 1,"
            " '2026-12-10', false, '2026-12-01', '2026-12-01')"), {"faction": faction_id})
    upgrade(url)
    with scratch.engine.connect() as connection:
        row = connection.execute(text(
            "SELECT tracking_code, duplicate_of_id, duplicate_state, duplicate_score,"
            " matcher_version, duplicate_decided_at, geocell FROM complaints")).one()
        indexes = {i["name"] for i in inspect(connection).get_indexes("complaints")}
    assert tuple(row) == ("JBT-AAAA2222", None, None, None, None, None, None)
    assert {"ix_complaints_dedup_cell", "ix_complaints_dedup_kelurahan",
            "ix_complaints_duplicate_of_id", "ix_complaints_public_overdue"} <= indexes
    command.downgrade(alembic_config(url), "0005")
    with scratch.engine.connect() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("complaints")}
        kept = connection.execute(text("SELECT tracking_code FROM complaints")).scalar_one()
        indexes = {i["name"] for i in inspect(connection).get_indexes("complaints")}
    assert kept == "JBT-AAAA2222"
    assert not columns & {"duplicate_of_id", "duplicate_state", "geocell", "matcher_version"}
    assert "ix_complaints_public_overdue" in indexes
    assert not indexes & {"ix_complaints_dedup_cell", "ix_complaints_dedup_kelurahan"}
    upgrade(url)  # and up again
    scratch.dispose()
