"""The private status link's secret: encrypted at rest, never in a log line (issue 13, item 9).

`/lacak/<tracking code>/<secret>` opens a reporter's status page without a login. Whoever holds
a copy of the database, or reads the access logs, must not be able to open every status page.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import requests
from alembic import command
from click.testing import CliRunner
from sqlalchemy import text

from app import crypto
from app.cli import main
from app.config import DEMO_DATA_KEY, Settings
from app.crypto import Keyring, generate_key
from app.database import Database
from app.logging import redact
from app.migrate import alembic_config, upgrade
from app.models import Complaint
from tests.support.complaints import cli_env, store_complaint
from tests.support.processes import (
    REPO_ROOT,
    free_port,
    jembatan_env,
    start_jembatan,
    stop,
    wait_until,
)


def _stored_secret(db: Database, tracking_code: str) -> str:
    with db.engine.connect() as connection:
        return connection.execute(
            text("SELECT status_secret FROM complaints WHERE tracking_code = :code"),
            {"code": tracking_code},
        ).scalar_one()


def test_the_secret_is_stored_encrypted_and_the_link_still_opens(app, db, keys) -> None:
    complaint = store_complaint(app)
    stored = _stored_secret(db, complaint.tracking_code)
    assert stored.startswith("f1:") and complaint.status_secret not in stored
    assert crypto.keyring().decrypt(stored) == complaint.status_secret
    client = app.test_client()
    link = f"/lacak/{complaint.tracking_code}/{complaint.status_secret}"
    assert client.get(link).status_code == 200
    # Neither the ciphertext nor a near miss opens it.
    assert client.get(f"/lacak/{complaint.tracking_code}/{stored}").status_code == 404
    assert client.get(link[:-1] + ("A" if link[-1] != "A" else "B")).status_code == 404


def test_key_rotation_re_encrypts_the_secret(app, db, keys, database_url) -> None:
    complaint = store_complaint(app)
    new_key = generate_key()
    env = {**cli_env(database_url), "JEMBATAN_DATA_KEYS": f"{new_key},{DEMO_DATA_KEY}"}
    try:
        result = CliRunner().invoke(main, ["keys", "rotate-data"], env=env)
        assert result.exit_code == 0, result.output
        stored = _stored_secret(db, complaint.tracking_code)
        assert Keyring([new_key]).is_current(stored)
        assert Keyring([new_key]).decrypt(stored) == complaint.status_secret
    finally:
        crypto.configure(Settings(ENV="test", DATA_KEYS=DEMO_DATA_KEY))


def test_migration_0004_encrypts_clear_secrets_and_downgrade_decrypts(tmp_path: Path) -> None:
    crypto.configure(Settings(ENV="test", DATA_KEYS=DEMO_DATA_KEY))
    url = os.environ.get("JEMBATAN_TEST_DATABASE_URL_SCRATCH") or f"sqlite:///{tmp_path}/m.db"
    db = Database(url)
    if url.startswith("postgresql"):
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(url, "0002")
    with db.engine.begin() as connection:  # as 0001/0002 stored it: in clear, with history
        connection.execute(text(
            "INSERT INTO factions (id, code, name, active, feed_format, created_at, updated_at)"
            " VALUES (1, 'PSI', 'Fraksi PSI', true, 'xml', '2026-11-01', '2026-11-01')"))
        connection.execute(text(
            "INSERT INTO complaints (id, tracking_code, faction_id, external_id, source,"
            " category, title, description, kelurahan_code, kecamatan_code, kota_code,"
            " visibility, attachments,"
            " content_hash, status_secret, status, seq, due_at, overdue, created_at,"
            " updated_at) VALUES ('11111111111141118111111111111111', 'JBT-AAAA1111', 1,"
            " 'E-1', 'api', 'sampah', 'Judul', 'Isi', '31.71.01.1001', '31.71.01', '31.71',"
            " 'anonymous', '[]',"
            " 'h', 'clear-secret-123456789012', 'received', 1, '2026-11-05', false,"
            " '2026-11-01', '2026-11-01')"))
        connection.execute(text(
            "INSERT INTO status_events (complaint_id, seq, status, source, occurred_at,"
            " recorded_at) VALUES ('11111111111141118111111111111111', 1, 'received',"
            " 'gateway', '2026-11-01', '2026-11-01')"))
    upgrade(url)
    upgrade(url)  # a rerun finds nothing left in clear
    with db.engine.connect() as connection:
        stored = connection.execute(text("SELECT status_secret FROM complaints")).scalar_one()
        events = connection.execute(text("SELECT count(*) FROM status_events")).scalar_one()
    assert stored.startswith("f1:") and crypto.keyring().decrypt(stored) == (
        "clear-secret-123456789012"
    )
    assert events == 1  # the complaint's history survived the column change
    with db.session() as session:
        (complaint,) = session.query(Complaint).all()
        assert complaint.status_secret == "clear-secret-123456789012"
    command.downgrade(alembic_config(url), "0002")
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT status_secret FROM complaints")).scalar_one() == (
            "clear-secret-123456789012"
        )
    db.dispose()


# --- never in a log line ---------------------------------------------------------------


def test_redaction_removes_the_secret_from_paths_and_urls() -> None:
    for line, expected in (
        ('127.0.0.1 - - "GET /lacak/JBT-7K2M9Q4X/s3cr3t-Tok_en HTTP/1.1" 200 -',
         '127.0.0.1 - - "GET /lacak/JBT-7K2M9Q4X/[REDACTED] HTTP/1.1" 200 -'),
        ("unhandled error on GET /lacak/JBT-7K2M9Q4X/abc?x=1",
         "unhandled error on GET /lacak/JBT-7K2M9Q4X/[REDACTED]?x=1"),
        ("link https://jembatan.example.go.id/lacak/JBT-1/abc, sent",
         "link https://jembatan.example.go.id/lacak/JBT-1/[REDACTED], sent"),
    ):
        assert redact(line) == expected
    # Public pages keep their paths.
    assert redact("GET /aduan/JBT-7K2M9Q4X HTTP/1.1") == "GET /aduan/JBT-7K2M9Q4X HTTP/1.1"


def _visit_status_page(base: str, link: str) -> None:
    wait_until(lambda: _up(base), timeout=30, what="web server")
    assert requests.get(base + link, timeout=10).status_code == 200
    assert requests.get(base + link + "x", timeout=10).status_code == 404


def _up(base: str) -> bool:
    try:
        return requests.get(base + "/healthz", timeout=1).status_code == 200
    except requests.RequestException:
        return False


def _assert_log_keeps_the_secret_out(log: str, tracking_code: str, secret: str) -> None:
    assert f"/lacak/{tracking_code}/[REDACTED]" in log, log
    assert secret not in log, log


def test_the_development_servers_request_log_keeps_the_secret_out(
    app, keys, database_url, tmp_path
) -> None:
    complaint = store_complaint(app)
    port = free_port()
    log_path = tmp_path / "serve.log"
    process = start_jembatan(["serve", "--port", str(port)], jembatan_env(database_url),
                             log_path)
    try:
        _visit_status_page(f"http://127.0.0.1:{port}",
                           f"/lacak/{complaint.tracking_code}/{complaint.status_secret}")
    finally:
        stop(process)
    _assert_log_keeps_the_secret_out(log_path.read_text(), complaint.tracking_code,
                                     complaint.status_secret)


def test_gunicorns_access_log_keeps_the_secret_out(app, keys, database_url, tmp_path) -> None:
    complaint = store_complaint(app)
    port = free_port()
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "wsgi:app", "--bind", f"127.0.0.1:{port}",
             "--workers", "1", "--access-logfile", "-"],
            cwd=REPO_ROOT, env=jembatan_env(database_url), stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        _visit_status_page(f"http://127.0.0.1:{port}",
                           f"/lacak/{complaint.tracking_code}/{complaint.status_secret}")
    finally:
        stop(process)
    _assert_log_keeps_the_secret_out(log_path.read_text(), complaint.tracking_code,
                                     complaint.status_secret)
