"""Change the test database from another process, as an admin's CLI beside the server does."""

import os
import subprocess
import sys
from pathlib import Path

from api.config import PROJECT_ROOT
from tests.conftest import SECRET_KEY

MOTCUA = Path(sys.executable).with_name("motcua")


def _env(database_url: str) -> dict:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("MOTCUA_", "FLASK_"))}
    return {**env, "MOTCUA_DATABASE_URL": database_url, "MOTCUA_SECRET_KEY": SECRET_KEY}


def motcua(database_url: str, *args: str) -> str:
    """Run the `motcua` command in its own process on the database; return its output."""
    done = run_motcua(database_url, *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def run_motcua(database_url: str, *args: str, env: dict | None = None,
               stdin: str | None = None) -> subprocess.CompletedProcess:
    """Run the `motcua` command in its own process on the database, with `env` added."""
    return subprocess.run([str(MOTCUA), *args], env={**_env(database_url), **(env or {})},
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
                          check=False, input=stdin)


def python(database_url: str, script: str, *args: str) -> None:
    """Run a Python script in its own process; it reads the database URL as sys.argv[1]."""
    done = subprocess.run([sys.executable, "-c", script, database_url, *args],
                          env=_env(database_url), cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
