"""`jembatan serve`, `worker` and `crm-sim`: the long-running processes."""

from __future__ import annotations

import click

from app.cli.common import load_settings


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=None, help="default: JEMBATAN_PORT")
def serve(host: str, port: int | None) -> None:
    """Development web server (production: gunicorn wsgi:app)."""
    from app import create_app

    settings = load_settings()
    app = create_app(settings)
    app.run(host=host, port=port or settings.PORT, threaded=True, use_reloader=False)


@click.command()
@click.option("--once", is_flag=True, help="run each job once and exit (for scripts)")
def worker(once: bool) -> None:
    """The scheduler process: forward, poll, deliver, mirror, SLA sweep. Safe to run many."""
    from sync.worker import run_worker

    run_worker(load_settings(), once=once)


@click.command("crm-sim")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=5011, show_default=True)
@click.option("--db", "db_path", default="instance/crm-sim.db", show_default=True)
@click.option("--speed", type=float, default=1.0, show_default=True,
              help="simulated seconds per real second (8640: a day in 10 s)")
@click.option("--seed", type=int, default=None)
@click.option("--api-key", default=None, help="require this api_key on POST requests")
def crm_sim(
    host: str, port: int, db_path: str, speed: float, seed: int | None, api_key: str | None
) -> None:
    """Run the CRM simulator (Open311 GeoReport v2, JSC-like) in this process."""
    import crmsim

    crmsim.serve(host, port, db_path, speed=speed, seed=seed, api_key=api_key)
