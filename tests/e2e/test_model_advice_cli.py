"""`motcua workflows check` on models from other tools: a line and an action, never a crash."""

import re

from tests.e2e.test_cli import database_file, database_url, motcua  # noqa: F401
from tests.unit.test_model_advice import ADVICE_MODELS, FIXTURES

# "FAIL <folder>: file <file>, line <n>[, element <id>]: <message>"
VERDICT = re.compile(r"^FAIL (?P<folder>\S+): file \S+, line (?P<line>\d+)(, element \S+)?: "
                     r"(?P<message>.+)$")


def test_every_advice_model_is_refused_by_the_cli_with_a_line_and_a_whole_sentence(
        motcua):  # noqa: F811
    folders = sorted(ADVICE_MODELS.iterdir())

    checked = motcua("workflows", "check", *map(str, folders))

    verdicts = [VERDICT.match(line) for line in checked.stdout.splitlines()]
    assert checked.returncode == 1, checked.stderr
    assert checked.stderr == f"{len(folders)} of {len(folders)} procedures are invalid.\n"
    assert all(verdicts), checked.stdout
    assert [v["folder"] for v in verdicts] == [str(f) for f in folders]
    for verdict in verdicts:
        message = verdict["message"]
        assert int(verdict["line"]) > 0
        assert "0x" not in message and "<Element" not in message, message
        assert message.endswith("."), message
        assert re.search(r"\b(use|make|put|add|set|write|remove|give|correct)\b", message), message


def test_a_bare_iso_duration_passes_the_cli(motcua):  # noqa: F811
    checked = motcua("workflows", "check", str(FIXTURES / "iso_timer"))

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout == "ok   iso_timer: TEST.ADVICE.ISO_TIMER (2 steps)\n"
