"""Decision table cells are code a designer wrote: they run in the sandbox, never plain eval."""

import pytest
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException

from engine.script_engine import ScriptStopped
from engine.scripting import ScriptRejected
from engine.specs import parse_model
from engine.validation import validate_model

BPMN = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="Definitions_sized" targetNamespace="https://motcua.example/test">
  <bpmn:process id="sized" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:businessRuleTask id="size_it" name="Size it">
      <bpmn:extensionElements>
        <spiffworkflow:calledDecisionId>size</spiffworkflow:calledDecisionId>
      </bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:businessRuleTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="size_it" />
    <bpmn:sequenceFlow id="f2" sourceRef="size_it" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def table(input_entry: str, output: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="d"
    namespace="https://motcua.example/test">
  <decision id="size" name="Size">
    <decisionTable id="t">
      <input id="i" label="Amount">
        <inputExpression id="ie" typeRef="number"><text>amount</text></inputExpression>
      </input>
      <output id="o" label="Size" name="size" typeRef="string" />
      <rule id="r1">
        <inputEntry id="r1i"><text>{input_entry}</text></inputEntry>
        <outputEntry id="r1o"><text>{output}</text></outputEntry>
      </rule>
    </decisionTable>
  </decision>
</definitions>
"""


def run(app, dmn: str, amount: int = 5) -> dict:
    model = parse_model(BPMN, process_id="sized", file_name="sized.bpmn",
                        decisions={"size.dmn": dmn})
    workflow = app.extensions["motcua"].runtime.start(model, {"amount": amount})
    assert workflow.is_completed()
    return workflow.data


def test_a_table_decides_through_the_sandboxed_script_engine(app):
    assert run(app, table("&gt; 3", '"big"'))["size"] == "big"
    assert run(app, table("? in (1, 2)", '"small"'), amount=2)["size"] == "small"
    assert "size" not in run(app, table("&gt; 3", '"big"'), amount=1)


@pytest.mark.parametrize("input_entry, output, refusal", [
    ("&gt; 3", "__import__('os').system('touch {marker}')", ScriptRejected),
    ("().__class__.__base__.__subclasses__()", '"big"', ScriptRejected),
    ("&gt; 3", "open('{marker}', 'w')", NameError),  # no such builtin in the sandbox
])
def test_a_hostile_cell_is_refused_when_the_dossier_reaches_it(app, tmp_path, input_entry,
                                                                 output, refusal):
    """Parsed without the publication checks, as if a table had slipped past them."""
    marker = tmp_path / "escaped"
    dmn = table(input_entry, output.format(marker=marker))

    with pytest.raises(WorkflowTaskException) as raised:
        run(app, dmn)

    assert type(raised.value.__context__) is refusal
    assert "Business Rule Task 'Size it'" in str(raised.value)
    assert not marker.exists()


def test_a_runaway_cell_is_stopped_by_the_sandboxs_limits(app):
    with pytest.raises(WorkflowTaskException) as raised:
        run(app, table("&gt; 3", "sum(range(10**11))"))

    # The CPU limit, or on a busy machine the wall-clock one, whichever comes first.
    assert type(raised.value.__context__) is ScriptStopped
    assert "was stopped" in str(raised.value)


def test_a_hostile_cell_is_a_located_problem_before_publication():
    dmn = table("&gt; 3", "__import__('os').system('id')")
    line = next(n for n, text in enumerate(dmn.splitlines(), start=1) if 'id="r1o"' in text)

    problems = validate_model(BPMN, meta={}, forms=lambda key: True, department_codes=set(),
                              file_name="sized.bpmn", decisions={"size.dmn": dmn})

    cell = [p for p in problems if p.element == "decisions.size.dmn"]
    assert len(cell) == 1 and cell[0].line == line
    assert cell[0].message.startswith("size.dmn, rule 1: expression rejected")
