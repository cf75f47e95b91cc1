"""python -m crmsim --host 127.0.0.1 --port 5011 --db PATH [--speed N] [--seed N] …"""

from __future__ import annotations

import argparse
from fractions import Fraction

from crmsim.app import DEFAULT_SPEED
from crmsim.server import serve


def _speed(text: str) -> float:
    # "86400/10" reads better than 8640 for "a day lasts ten seconds".
    try:
        value = float(Fraction(text.strip()))
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"not a speed: {text!r} (e.g. 1440 or 86400/10)") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("speed must be > 0")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The command line of the simulator."""
    parser = argparse.ArgumentParser(prog="python -m crmsim", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5011)
    parser.add_argument("--db", required=True, help="the simulator's own SQLite file")
    parser.add_argument(
        "--speed",
        type=_speed,
        default=DEFAULT_SPEED,
        help="simulated seconds per real second, e.g. 86400/10 (a day lasts 10 s)",
    )
    parser.add_argument("--seed", type=int, default=0, help="makes progression reproducible")
    parser.add_argument("--api-key", default=None, help="require this api_key on POST")
    parser.add_argument("--jurisdiction", default="jakarta")
    parser.add_argument("--tokens", action="store_true", help="answer POSTs with a token")
    parser.add_argument(
        "--token-delay", type=float, default=1.0, help="seconds until a token's ticket exists"
    )
    parser.add_argument("--categories", default=None, help="categories.toml to read services")
    parser.add_argument("--tick", type=float, default=0.05, help="progression tick, seconds")
    return parser


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and serve."""
    args = build_parser().parse_args(argv)
    serve(
        args.host,
        args.port,
        args.db,
        args.speed,
        args.seed,
        args.api_key,
        tokens=args.tokens,
        token_delay_s=args.token_delay,
        jurisdiction=args.jurisdiction,
        categories_path=args.categories,
        tick_s=args.tick,
    )


if __name__ == "__main__":
    main()
