"""`python -m app …` is the `jembatan` command (used to start child processes)."""

from app.cli import main

main(prog_name="jembatan")
