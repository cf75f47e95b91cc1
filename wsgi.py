"""The WSGI entry point: `gunicorn wsgi:app`.

A configuration that cannot run (docs/OPERATIONS.md) stops the process with its one-line
reason on stderr, not a traceback; exit status 4 is what gunicorn's arbiter reads as "the
application failed to load", so it halts instead of restarting workers forever.
"""

import sys

from app import create_app
from app.config import ConfigError, load_dotenv_if_present

APP_LOAD_ERROR = 4

load_dotenv_if_present()
try:
    app = create_app()
except ConfigError as exc:
    print(f"jembatan: configuration error: {exc}", file=sys.stderr, flush=True)
    raise SystemExit(APP_LOAD_ERROR) from None
