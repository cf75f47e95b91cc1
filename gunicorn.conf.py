"""gunicorn settings read by `gunicorn wsgi:app` from the working directory.

Metrics: set PROMETHEUS_MULTIPROC_DIR to an empty directory, shared with `jembatan worker`
on the same machine, before starting them (empty it before each start); `/metrics` then adds
up every process. Access logs stay off unless --access-logfile is given; when on, they pass
through Jembatan's log redaction (app/logging.py: `api_key=` values and the secret of
`/lacak/<code>/<secret>` status links become [REDACTED]); still, keep `api_key` out of URLs
(use the header).
"""

from __future__ import annotations

from typing import Any

bind = "127.0.0.1:5000"


def child_exit(server: Any, worker: Any) -> None:
    """A dead gunicorn worker's live gauges leave the aggregate."""
    from app.metrics import mark_process_dead

    mark_process_dead(worker.pid)
