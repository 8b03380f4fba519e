"""A fresh install gets a secret key once, readable only by the server's user."""

import stat
from concurrent.futures import ThreadPoolExecutor

from api.config import stored_secret_key


def test_a_fresh_install_creates_a_private_key_and_keeps_it(tmp_path):
    path = tmp_path / "var" / "secret-key"

    first = stored_secret_key(path)
    second = stored_secret_key(path)

    assert len(first) == 64 and first == second
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_each_install_gets_its_own_key(tmp_path):
    assert stored_secret_key(tmp_path / "a") != stored_secret_key(tmp_path / "b")


def test_processes_starting_together_on_a_fresh_install_share_one_key(tmp_path):
    path = tmp_path / "var" / "secret-key"
    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = set(pool.map(lambda _: stored_secret_key(path), range(32)))

    assert len(keys) == 1 and len(keys.pop()) == 64
    assert [p.name for p in path.parent.iterdir()] == ["secret-key"]
