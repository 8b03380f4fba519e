"""Map running workflows to JSON and back, keeping each model's spec out of the dossier row.

The stock serializer embeds the full spec in every dossier. Here the spec is serialized once
per model hash (table workflow_specs) and restored specs are shared, which also pins every
running dossier to the model version it started on.
"""

import json
from decimal import Decimal

from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG


class _SpecFreeWorkflowConverter(BpmnWorkflowConverter):
    """Convert a workflow without its spec; the caller supplies the shared spec on restore."""

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct


def _build_serializer() -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = _SpecFreeWorkflowConverter
    registry = BpmnWorkflowSerializer.configure(config)
    registry.register(Decimal, lambda value: {"value": str(value)},
                      lambda dct: Decimal(dct["value"]))
    return BpmnWorkflowSerializer(registry)


class WorkflowSerializer:
    """Turn running workflows into JSON text and back."""

    def __init__(self):
        self._serializer = _build_serializer()

    def dump_workflow(self, workflow: BpmnWorkflow) -> str:
        """Return the workflow's state as JSON, without its spec."""
        return self._serializer.serialize_json(workflow)

    def load_workflow(self, state: str, spec, subprocess_specs: dict,
                      script_engine) -> BpmnWorkflow:
        """Restore a workflow on a shared spec and give it the restricted script engine."""
        dct = json.loads(state)
        self._serializer.migrate(dct)
        dct["spec"] = spec
        dct["subprocess_specs"] = dict(subprocess_specs)
        workflow = self._serializer.from_dict(dct)
        # The script engine is not serialized: without this line the workflow would silently
        # fall back to SpiffWorkflow's unrestricted default.
        workflow.script_engine = script_engine
        return workflow
