"""bin/check-prerequisites names everything a fresh Debian machine lacks, with one apt-get line."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

CHECK = Path(__file__).parents[2] / "bin" / "check-prerequisites"
# The interpreter this test's .venv was made from (python3 may be a shim needing a shell).
PYTHON3 = Path(sys.base_prefix) / "bin" / "python3"


def machine(tmp_path: Path, *commands: str) -> dict[str, str]:
    """Return an environment whose PATH holds only these commands of this machine."""
    path = tmp_path / "bin"
    path.mkdir()
    for command in commands:
        found = str(PYTHON3) if command == "python3" else shutil.which(command)
        assert found, f"this machine lacks {command}, which the test lends to the check"
        (path / command).symlink_to(found)
    return {"PATH": str(path), "HOME": os.environ.get("HOME", "/root")}


def check(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(CHECK), *args], env=env, capture_output=True, text=True,
                          timeout=60)


def test_a_machine_with_everything_passes_in_silence(tmp_path):
    env = machine(tmp_path, "python3", "node", "npm")

    result = check(env)

    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_a_machine_without_npm_is_told_so_with_the_apt_get_line(tmp_path):
    env = machine(tmp_path, "python3", "node")

    result = check(env)

    assert result.returncode == 1
    assert "  - npm, to install the pinned bpmn-js and Chart.js\n" in result.stderr
    assert "  apt-get update && apt-get install -y npm\n" in result.stderr
    assert "Python" not in result.stderr and "Node.js" not in result.stderr


def test_a_python_without_ensurepip_asks_for_python3_venv(tmp_path):
    # Debian's python3 without python3-venv: `import ensurepip` fails, so `-m venv` does.
    stdlib_without_ensurepip = tmp_path / "lib"
    stdlib_without_ensurepip.mkdir()
    (stdlib_without_ensurepip / "ensurepip.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'ensurepip'\")\n")
    env = {**machine(tmp_path, "python3", "node", "npm"),
           "PYTHONPATH": str(stdlib_without_ensurepip)}

    result = check(env)

    assert result.returncode == 1
    assert "  - Python's venv module with ensurepip" in result.stderr
    assert "  apt-get update && apt-get install -y python3-venv\n" in result.stderr


def test_every_missing_piece_is_named_in_one_message(tmp_path):
    env = {**machine(tmp_path), "CHROMIUM_LOCALES": str(tmp_path / "no-locales")}

    result = check(env, "--browser")

    assert result.returncode == 1
    assert result.stderr.count("\n  - ") == 7
    assert "  - Python 3.11 or newer (python3: not found)\n" in result.stderr
    assert "  - Chromium, for the browser tests\n" in result.stderr
    assert "  - Chromium's Vietnamese locale, so date fields read dd/mm/yyyy\n" in result.stderr
    assert "  - zbarimg, to decode the slips' QR codes\n" in result.stderr
    assert ("  apt-get update && apt-get install -y python3 python3-venv nodejs npm chromium "
            "chromium-l10n poppler-utils zbar-tools\n" in result.stderr)


def test_the_python_the_makefile_names_is_the_one_checked(tmp_path):
    env = {**machine(tmp_path, "python3", "node", "npm"), "PYTHON": "python3.10"}

    result = check(env)

    assert result.returncode == 1
    assert "  - Python 3.11 or newer (python3.10: not found)\n" in result.stderr


def test_a_machine_without_the_noto_fonts_is_told_which_package_has_them(tmp_path):
    env = {**machine(tmp_path, "python3", "node", "npm"), "NOTO_FONTS": str(tmp_path / "none")}

    result = check(env)

    assert result.returncode == 1
    assert "  - The Noto fonts, which the printable slips embed\n" in result.stderr
    assert "  apt-get update && apt-get install -y fonts-noto-core\n" in result.stderr
