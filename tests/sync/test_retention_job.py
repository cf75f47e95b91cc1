"""The worker runs retention, with a run id on every log line of each job."""

from __future__ import annotations

import io
import json
import logging
from dataclasses import replace
from datetime import timedelta

from app.clock import utcnow
from app.models import Complaint
from tests.support.complaints import store_complaint


def test_worker_runs_retention_and_marks_its_log_lines(app, db, keys, settings,
                                                      monkeypatch) -> None:
    from sync import worker

    old = store_complaint(app, "PSI", external_id="OLD")
    fresh = store_complaint(app, "PSI", external_id="FRESH")
    with db.transaction() as session:
        complaint = session.get(Complaint, old.id)
        complaint.status = "rejected"
        complaint.updated_at = utcnow() - timedelta(days=10)

    buffer = io.StringIO()
    worker_settings = replace(settings, RETENTION_DAYS=7, LOG_JSON=True)
    original_configure = worker.configure_logging

    def configure_into_buffer(settings, process="web", stream=None):
        return original_configure(settings, process, stream=buffer)

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    monkeypatch.setattr(worker, "configure_logging", configure_into_buffer)
    try:
        worker.run_worker(worker_settings, once=True)
    finally:
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)

    with db.session() as session:
        assert session.get(Complaint, old.id).reporter_nik is None
        assert session.get(Complaint, fresh.id).reporter_nik == "3171010101900001"
    lines = [json.loads(line) for line in buffer.getvalue().splitlines()]
    erased = [line for line in lines
              if line["logger"] == "sync.retention" and "retention erased" in line["message"]]
    assert len(erased) == 1
    assert erased[0]["job"] == "retention" and len(erased[0]["run_id"]) == 16
    assert erased[0]["process_kind"] == "worker"
