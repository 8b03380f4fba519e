"""A problem found in a BPMN model, and how a designer sees the element it is about."""

from dataclasses import dataclass
from enum import StrEnum

from lxml import etree

from engine.specs import BPMN_NS

FLOW_NODES = {
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
    "boundaryEvent", "task", "userTask", "manualTask", "serviceTask", "scriptTask",
    "businessRuleTask", "sendTask", "receiveTask", "callActivity", "subProcess", "transaction",
    "adHocSubProcess", "exclusiveGateway", "inclusiveGateway", "parallelGateway",
    "eventBasedGateway", "complexGateway",
}

# Elements with flow of their own inside a process: each has its own start and end.
SCOPES = {"subProcess", "transaction", "adHocSubProcess"}


class Severity(StrEnum):
    """Whether a problem stops publication."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One thing to fix in a model or its metadata, with where to find it."""

    message: str
    line: int | None = None
    element: str | None = None
    severity: Severity = Severity.ERROR

    def as_dict(self) -> dict:
        """Return the problem as plain JSON-safe data."""
        return {"message": self.message, "line": self.line, "element": self.element,
                "severity": str(self.severity)}


def local_name(el) -> str:
    """Return the tag without its namespace; empty for comments and processing instructions."""
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def is_bpmn(el) -> bool:
    """Tell whether the element is one of BPMN's own."""
    return isinstance(el.tag, str) and etree.QName(el).namespace == BPMN_NS


def scopes(process) -> list:
    """Return the process and every sub-process in it: each has its own start and end."""
    return [process, *(el for el in process.iter() if is_bpmn(el) and local_name(el) in SCOPES)]


def owner_id(el) -> str | None:
    """Return the id of the element or of its nearest ancestor that has one."""
    while el is not None and not el.get("id"):
        el = el.getparent()
    return el.get("id") if el is not None else None


def label(el) -> str:
    """Name an element the way a designer sees it: its name, else its id."""
    name, ident = el.get("name"), el.get("id")
    return f"'{name}' ({ident})" if name and ident else f"'{ident or name or local_name(el)}'"
