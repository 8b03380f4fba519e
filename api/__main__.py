"""`python -m api` is the `motcua` command (motcua serve starts its scheduler this way)."""

from api.cli import main

main(prog_name="motcua")
