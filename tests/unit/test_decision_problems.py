"""What is wrong with a decision table is said with its file, line and what to do."""

import pytest

from engine.decisions import decision_problems
from engine.validation import safe_parse
from tests.integration.test_decision_sandbox import BPMN, table

GOOD = table("&gt; 3", '"big"')


def problems(tables: dict[str, str]) -> list[tuple]:
    return list(decision_problems(tables, safe_parse(BPMN), parse=safe_parse))


def test_a_good_table_called_by_its_task_has_no_problem():
    assert problems({"size.dmn": GOOD}) == []


@pytest.mark.parametrize("tables, words, line", [
    ({"size.dmn": GOOD.replace('<rule id="r1">', '<rule id="r1">\n<inputEntry id="x">'
                               '<text>1</text></inputEntry>')},
     "rule 1 has 2 input and 1 output cells for 1 input and 1 output columns", 10),
    ({"size.dmn": GOOD, "copy.dmn": GOOD}, "decision 'size' is defined both in copy.dmn", 4),
    ({"size.dmn": GOOD.replace("<definitions", "<other").replace("</definitions>",
                                                                  "</other>")},
     "size.dmn is not a DMN document", 3),  # lxml: the line its start tag ends on
    ({"size.dmn": GOOD.replace('<text>amount</text>', '<text></text>')},
     "input column i needs an expression", 6),
    ({"size.dmn": GOOD.replace('name="size" ', '').replace('label="Size" ', '')},
     "output column o needs a name", 9),
])
def test_a_faulty_table_is_a_located_problem(tables, words, line):
    found = [problem for problem in problems(tables) if words in problem[0]]

    assert len(found) == 1, problems(tables)
    _message, at, element = found[0]
    assert at == line and element.startswith("decisions.")
