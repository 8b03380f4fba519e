"""The generic pattern's output, written as a procedure folder, passes `motcua workflows check`."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.procedure_patterns import generic_procedure

MOTCUA = Path(sys.executable).with_name("motcua")


@pytest.mark.parametrize(("department", "working_days", "same_day"), [
    ("OFFICE", 0, True), ("ECONOMIC", 3, False), ("CULTURE_SOCIAL", 20, False)])
def test_a_drawn_procedure_folder_passes_the_check(tmp_path, department, working_days,
                                                   same_day):
    folder = tmp_path / "thu_tuc_mau"
    generic_procedure(code="MC.MAU.001", name_vi="Thủ tục mẫu", name_en="Sample procedure",
                      department=department, working_days=working_days,
                      same_day=same_day).write_folder(folder)
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("MOTCUA_", "FLASK_"))}
    env["MOTCUA_DATABASE_URL"] = f"sqlite:///{tmp_path / 'check.db'}"

    result = subprocess.run([str(MOTCUA), "workflows", "check", str(folder)], env=env,
                            cwd=tmp_path, capture_output=True, text=True, timeout=60,
                            check=False)

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("ok   thu_tuc_mau: MC.MAU.001 (6 steps)")
