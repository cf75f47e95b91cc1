"""`jembatan demo` builds its children's environment explicitly, in a fixed precedence."""

from __future__ import annotations

from app.cli.demo import demo_environment


def test_the_real_environment_wins_then_the_demo_defaults_then_dotenv() -> None:
    dotenv = {"JEMBATAN_ENV": "production", "JEMBATAN_POLL_INTERVAL_S": "60",
              "JEMBATAN_SECRET_KEY": "from-dotenv", "EMPTY": None}
    environ = {"JEMBATAN_FORWARD_INTERVAL_S": "5", "PATH": "/usr/bin"}
    env = demo_environment(environ, dotenv, crm_port=5999)
    # `make run` with a production `.env` still runs the demo, against the local simulator.
    assert env["JEMBATAN_ENV"] == "demo"
    assert env["JEMBATAN_CRM_URL"] == "http://127.0.0.1:5999/open311/v2/"
    assert env["JEMBATAN_POLL_INTERVAL_S"] == "2"
    # What the operator exported wins; what only `.env` says still reaches the children.
    assert env["JEMBATAN_FORWARD_INTERVAL_S"] == "5" and env["PATH"] == "/usr/bin"
    assert env["JEMBATAN_SECRET_KEY"] == "from-dotenv" and "EMPTY" not in env
