"""Running the simulator as its own process on werkzeug's threaded server."""

from __future__ import annotations

import sys

from werkzeug.serving import run_simple

from crmsim.app import DEFAULT_SPEED, create_app


def serve(
    host: str,
    port: int,
    db_path: str,
    speed: float = DEFAULT_SPEED,
    seed: int = 0,
    api_key: str | None = None,
    *,
    tokens: bool = False,
    token_delay_s: float = 1.0,
    jurisdiction: str = "jakarta",
    categories_path: str | None = None,
    tick_s: float = 0.05,
) -> None:
    """Serve the simulator until interrupted, advancing tickets from a background thread."""
    app = create_app(
        db_path,
        speed=speed,
        seed=seed,
        api_key=api_key,
        tokens=tokens,
        token_delay_s=token_delay_s,
        jurisdiction=jurisdiction,
        categories_path=categories_path,
    )
    simulator = app.extensions["crmsim"]
    simulator.start_ticker(tick_s)
    print(
        f"CRM simulator: http://{host}:{port}/open311/v2/ (db {db_path}, speed ×{speed:g},"
        f" seed {seed}, api_key {'required' if api_key else 'not required'},"
        f" {'tokens' if tokens else 'realtime ids'})",
        file=sys.stderr,
        flush=True,
    )
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)
    finally:
        simulator.stop_ticker()
