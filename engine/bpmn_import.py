"""Convert a model drawn in bpmn.io or Camunda Modeler into a motcua procedure model.

Nothing is stored: the caller gets the converted XML (its diagram kept, so the designer can
open it), the procedure metadata, the forms the steps need and the conversion report, whose
every entry names the line and element of the file the designer gave.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from lxml import etree

from engine.errors import DomainError, Kind
from engine.import_conditions import convert_condition, route_bare_branches
from engine.import_flows import make_flow_explicit
from engine.import_forms import empty_form, form_key_of, intake_form, slug
from engine.import_lanes import assign_lanes, department_of
from engine.import_report import EntryKind, ReportEntry, entry_at
from engine.import_timers import convert_timer
from engine.iso_durations import parse_duration
from engine.model_advice import (
    NEVER_FIRES,
    UNSUPPORTED,
    WAITS_FOR_DELIVERY,
    finding_and_action,
    is_executable,
)
from engine.model_problems import is_bpmn, local_name
from engine.specs import BPMN_NS, NSMAP, SPIFF_NS
from engine.validation import refuse_hostile, safe_parse

CAMUNDA_NAMESPACES = ("http://camunda.org/schema/1.0/bpmn", "http://activiti.org/bpmn",
                      "http://camunda.org/schema/zeebe/1.0")
KEPT_NAMESPACES = (BPMN_NS, SPIFF_NS, "http://www.omg.org/spec/BPMN/20100524/DI",
                   "http://www.omg.org/spec/DD/20100524/DC", "http://www.omg.org/spec/DD/20100524/DI",
                   "http://www.w3.org/2001/XMLSchema-instance", "http://www.w3.org/XML/1998/namespace")
DEFAULT_BUDGET_HOURS = 8.0
_TO_USER_STEP = ("task", "manualTask")
# The check's own advice for what motcua cannot run, so import and check say the same.
_REFUSED_TASKS = {
    **{tag: finding_and_action(UNSUPPORTED[tag])
       for tag in ("serviceTask", "sendTask", "receiveTask")},
    "businessRuleTask": ("business rule tasks need a decision table, and an imported file "
                         "brings none", "make it a user step, or a script task that computes "
                         "the value"),
}
_REMOVED_CHILDREN = ("ioSpecification", "dataInputAssociation", "dataOutputAssociation",
                     "property")
_LOOPS = ("multiInstanceLoopCharacteristics", "standardLoopCharacteristics")
_START_TRIGGERS = ("timerEventDefinition", "messageEventDefinition", "signalEventDefinition",
                   "conditionalEventDefinition")
# Camunda attributes the import turns into motcua's and reports as it does.
_CONVERTED_ATTRIBUTES = {"formKey", "candidateGroups", "assignee", "dueDate"}
# What a sub-process holds that is not something happening inside it.
_NOT_INSIDE = {"documentation", "extensionElements", "incoming", "outgoing", "ioSpecification",
               "property", "dataInputAssociation", "dataOutputAssociation",
               "multiInstanceLoopCharacteristics", "standardLoopCharacteristics",
               "textAnnotation", "association", "group"}


class TimerMode(StrEnum):
    """How ISO-8601 timer durations are read: the law says which."""

    CALENDAR = "calendar"
    WORKING = "working"


class ModelUnreadable(DomainError):
    """The file is not a BPMN model the import can read at all."""

    kind = Kind.INVALID
    code = "model_unreadable"


@dataclass(frozen=True)
class ImportOptions:
    """The designer's choices for an import."""

    code: str | None = None
    name_vi: str | None = None
    department: str | None = None
    group_departments: Mapping[str, str] = field(default_factory=dict)
    timers: TimerMode = TimerMode.CALENDAR
    default_budget_hours: float = DEFAULT_BUDGET_HOURS


@dataclass
class ImportedModel:
    """The converted model, its metadata, its forms and the conversion report."""

    bpmn_xml: bytes
    folder: str
    meta: dict
    forms: dict[str, dict]
    entries: list[ReportEntry]

    @property
    def refused(self) -> bool:
        """Tell whether something must change before the model can run."""
        return any(e.kind == EntryKind.REFUSED for e in self.entries)


def import_model(bpmn_xml: bytes, *, options: ImportOptions, department_codes: set[str]
                 ) -> ImportedModel:
    """Convert a bpmn.io / Camunda model; raise ModelUnreadable when it is no BPMN at all.

    Raises:
        HostileXml: for documents refused unread (a DTD, entities, oversize).
    """
    refuse_hostile(bpmn_xml)
    try:
        root = safe_parse(bpmn_xml)
    except etree.XMLSyntaxError as err:
        raise ModelUnreadable(f"line {err.lineno}: not well-formed XML: {err.msg}",
                              line=err.lineno, reason="not_xml", problem=err.msg) from None
    if etree.QName(root).namespace != BPMN_NS or etree.QName(root).localname != "definitions":
        raise ModelUnreadable("the file is not a BPMN 2.0 model: its root element is "
                              f"'{etree.QName(root).localname}', not bpmn:definitions",
                              line=root.sourceline, reason="not_bpmn",
                              root=etree.QName(root).localname)
    department = options.department or sorted(department_codes)[0]
    return _Conversion(root, options, department_codes, department).run()


class _Conversion:
    """One import: walks the tree once, changing it in place and noting each change."""

    def __init__(self, root, options: ImportOptions, codes: set[str], department: str):
        self.root, self.options, self.codes, self.department = root, options, codes, department
        self.entries: list[ReportEntry] = []
        self.removed: set[str] = set()
        self.variables: dict[str, list] = {}
        self.forms: dict[str, dict] = {}
        self.budgets: list[float] = []

    def note(self, kind: EntryKind, el, message: str, action: str = "") -> None:
        self.entries.append(entry_at(kind, el, message, action))

    def run(self) -> ImportedModel:
        main, run = self._processes()
        code = self.options.code or main.get("id")
        folder = slug(code) if slug(code)[0].isalpha() else f"procedure_{slug(code)}"
        for process in run:
            if not is_executable(process):
                process.set("isExecutable", "true")
                self.note(EntryKind.CHANGED, process, "marked executable (isExecutable=true)")
            self._convert_elements(process, folder)
            self.entries += route_bare_branches(process, self.variables)
            self.entries += make_flow_explicit(process)
        for process in run:
            steps = {t.get("id"): self._asked_department(t)
                     for t in process.iterfind(".//bpmn:userTask", NSMAP)}
            lines = {t.get("id"): t.sourceline for t in process.iterfind(".//bpmn:userTask",
                                                                       NSMAP)}
            self.entries += assign_lanes(process, steps, lines=lines,
                                         mapping=self.options.group_departments,
                                         codes=self.codes, default=self.department)
        for store in self.root.iterfind("bpmn:dataStore", NSMAP):
            self._remove(store, "the data store was removed: motcua keeps case data in the "
                                "forms and its own database")
        self._strip_vendor(run)
        self._drop_diagram_of_removed()
        etree.cleanup_namespaces(self.root, top_nsmap={"spiffworkflow": SPIFF_NS})
        meta = self._meta(main, code, folder)
        self.forms[meta["intake_form"]] = intake_form(f"Tiếp nhận: {meta['name_vi']}",
                                                      self.variables)
        if self.variables:
            self.note(EntryKind.DECIDE, main,
                      f"the intake form {meta['intake_form']} asks for what the conditions "
                      f"read: {', '.join(sorted(self.variables))}",
                      "give the fields Vietnamese titles, or move them to the step that decides")
        xml = etree.tostring(self.root, xml_declaration=True, encoding="UTF-8")
        return ImportedModel(bpmn_xml=xml, folder=folder, meta=meta, forms=self.forms,
                             entries=sorted(self.entries, key=lambda e: e.line or 0))

    def _processes(self):
        processes = {p.get("id"): p for p in self.root.iterfind("bpmn:process", NSMAP)}
        with_start = [p for p in processes.values()
                      if p.find("bpmn:startEvent", NSMAP) is not None and p.get("id")]
        if not with_start:
            raise ModelUnreadable("the file has no process with a start event: nothing to "
                                  "import", line=self.root.sourceline, reason="no_process")
        main = max(with_start, key=lambda p: len(p))
        run, pending = [main], [main]
        while pending:
            for call in pending.pop().iterfind(".//bpmn:callActivity", NSMAP):
                called = processes.get(call.get("calledElement"))
                if called is not None and called not in run:
                    run.append(called)
                    pending.append(called)
        for process in processes.values():
            if process not in run:
                self.note(EntryKind.DECIDE, process,
                          f"process '{process.get('name') or process.get('id')}' is another "
                          f"pool: dossiers run '{main.get('id')}' only, and message flows "
                          "between pools are not run",
                          "draw what this pool does as steps of the main process if it matters")
        return main, run

    def _convert_elements(self, process, folder: str) -> None:
        calls = {p.get("id") for p in self.root.iterfind("bpmn:process", NSMAP)}
        for el in list(process.iter()):
            if not is_bpmn(el) or el.getroottree().getroot() is not self.root:
                continue  # not BPMN, or inside something removed already
            tag = etree.QName(el).localname
            if tag in _TO_USER_STEP or (tag == "subProcess" and _is_collapsed(el)):
                el.tag = f"{{{BPMN_NS}}}userTask"
                el.attrib.pop("triggeredByEvent", None)  # a sub-process's, not a task's
                said = "an empty sub-process" if tag == "subProcess" else tag
                self.note(EntryKind.CHANGED, el, f"{said} became a user step (userTask)")
            if tag in _REFUSED_TASKS:
                self.note(EntryKind.REFUSED, el, *_REFUSED_TASKS[tag])
            elif tag == "scriptTask":
                self._check_script(el)
            elif tag == "callActivity" and el.get("calledElement") not in calls:
                self.note(EntryKind.REFUSED, el,
                          f"the call activity calls '{el.get('calledElement') or ''}', which is "
                          "not a process in this file",
                          "copy the called process into this file, or make it a sub-process")
            elif tag in _REMOVED_CHILDREN or tag in ("dataStoreReference",):
                self._remove(el, f"{tag} removed: motcua keeps case data in the forms")
            elif tag in _LOOPS:
                self._remove(el, f"{tag} removed: the step now runs once",
                             EntryKind.DECIDE, "draw a loop with a gateway if it must repeat")
            elif tag in _START_TRIGGERS and local_name(el.getparent()) == "startEvent" and (
                    el.getparent().getparent() is process):
                self._remove(el, "the start trigger was removed: a dossier starts when it is "
                                 "received")
            elif tag == "timerEventDefinition":
                self._convert_timer(el)
            elif tag in WAITS_FOR_DELIVERY and local_name(el.getparent()) == "boundaryEvent":
                self.note(EntryKind.DECIDE, el.getparent(), *finding_and_action(NEVER_FIRES))
            elif tag == "conditionExpression":
                self.entries += convert_condition(el, self.variables)
            if el.tag == f"{{{BPMN_NS}}}userTask":
                self._user_step(el, folder)

    def _remove(self, el, message: str, kind: EntryKind = EntryKind.CHANGED,
                action: str = "") -> None:
        self.note(kind, el, message, action)
        if el.get("id"):
            self.removed.add(el.get("id"))
        el.getparent().remove(el)

    def _check_script(self, el) -> None:
        language = (el.get("scriptFormat") or "python").strip().lower()
        if language not in ("python", "text/python", "python3"):
            self.note(EntryKind.REFUSED, el, f"the script is written in {language}; motcua "
                      "runs Python only", "rewrite the script in Python")

    def _user_step(self, task, folder: str) -> None:
        camunda = _vendor_attributes(task)
        key = form_key_of(folder, camunda.get("formKey"), task.get("id"))
        title = task.get("name") or task.get("id")
        self.forms.setdefault(key, empty_form(title))
        if camunda.get("formKey"):
            self.note(EntryKind.CHANGED, task, f"formKey '{camunda['formKey']}' became the "
                      f"form '{key}'")
        self.note(EntryKind.DECIDE, task, f"the form '{key}' was generated without fields",
                  "fill the form")
        budget = self._budget(task, camunda.get("dueDate"))
        self.budgets.append(budget)
        properties = _properties_element(task)
        for name, value in (("form", key), ("budget_hours", f"{budget:g}")):
            etree.SubElement(properties, f"{{{SPIFF_NS}}}property", name=name, value=value)

    def _budget(self, task, due: str | None) -> float:
        duration = parse_duration(due) if due else None
        if duration is not None:
            self.note(EntryKind.CHANGED, task, f"dueDate '{due}' became a budget of "
                      f"{duration.working_hours:g} working hours")
            return duration.working_hours
        hours = self.options.default_budget_hours
        said = f"dueDate '{due}' is not a duration; " if due else "the step had no due date; "
        self.note(EntryKind.DECIDE, task, f"{said}its budget is {hours:g} working hours",
                  "set the step's budget_hours")
        return hours

    def _asked_department(self, task) -> str | None:
        camunda = _vendor_attributes(task)
        for source in ("candidateGroups", "assignee"):
            for name in (camunda.get(source) or "").split(","):
                found = department_of(name, self.options.group_departments, self.codes)
                if found:
                    self.note(EntryKind.CHANGED, task,
                              f"{source} '{name.strip()}' became department '{found}'")
                    return found
                if name.strip():
                    self.note(EntryKind.DECIDE, task,
                              f"{source} '{name.strip()}' maps to no department",
                              f"add --map {name.strip()}=DEPT")
        return None

    def _convert_timer(self, definition) -> None:
        for entry in convert_timer(definition, self.options.timers == TimerMode.WORKING):
            self.entries.append(entry)

    def _strip_vendor(self, run) -> None:
        for process in run:
            for el in list(process.iter()):
                if not isinstance(el.tag, str):
                    continue
                if etree.QName(el).namespace in CAMUNDA_NAMESPACES:
                    if el.getparent() is not None and local_name(el.getparent()) == \
                            "extensionElements":
                        self.note(EntryKind.DECIDE, el, f"Camunda's {local_name(el)} is not run by "
                                  "motcua and was removed",
                                  "do its work in a script task or a user step if it matters")
                    el.getparent().remove(el)
                    continue
                dropped = [name for name in el.attrib
                           if etree.QName(name).namespace in CAMUNDA_NAMESPACES]
                for name in dropped:
                    del el.attrib[name]
                unreported = sorted(etree.QName(n).localname for n in dropped
                                    if etree.QName(n).localname not in _CONVERTED_ATTRIBUTES)
                if unreported:
                    self.note(EntryKind.CHANGED, el, "Camunda settings motcua does not use were "
                              f"removed: {', '.join(unreported)}")
            for extensions in list(process.iter(f"{{{BPMN_NS}}}extensionElements")):
                if len(extensions) == 0:
                    extensions.getparent().remove(extensions)

    def _drop_diagram_of_removed(self) -> None:
        for el in list(self.root.iter()):
            if isinstance(el.tag, str) and el.get("bpmnElement") in self.removed:
                el.getparent().remove(el)

    def _meta(self, main, code: str, folder: str) -> dict:
        name = self.options.name_vi or main.get("name") or _participant_name(self.root, main)
        if not self.options.name_vi:
            name = name or code
            self.note(EntryKind.DECIDE, main, f"the procedure is named '{name}'",
                      "give --name-vi, the procedure's Vietnamese name")
        working_days = max(1, math.ceil(2 * sum(self.budgets) / 8))
        self.note(EntryKind.DECIDE, main,
                  f"the statutory deadline is set to {working_days} working days, enough for "
                  "the step budgets; the fee to free; no required documents",
                  "set the deadline, fee and documents the law gives in procedure.json")
        return {"code": code, "name_vi": name, "name_en": name, "process_id": main.get("id"),
                "bpmn": f"{folder}.bpmn", "department": self.department,
                "intake_form": f"{folder}/intake", "deadline": {"working_days": working_days},
                "fee": {"kind": "free"}, "required_documents": []}


def _vendor_attributes(el) -> dict[str, str]:
    return {etree.QName(name).localname: value for name, value in el.attrib.items()
            if etree.QName(name).namespace in CAMUNDA_NAMESPACES}


def _properties_element(task):
    extensions = task.find("bpmn:extensionElements", NSMAP)
    if extensions is None:
        extensions = etree.Element(f"{{{BPMN_NS}}}extensionElements")
        documentation = len(task.findall("bpmn:documentation", NSMAP))
        task.insert(documentation, extensions)
    properties = extensions.find("spiffworkflow:properties", NSMAP)
    if properties is None:
        properties = etree.SubElement(extensions, f"{{{SPIFF_NS}}}properties")
    return properties


def _participant_name(root, process) -> str | None:
    for participant in root.iterfind(".//bpmn:participant", NSMAP):
        if participant.get("processRef") == process.get("id"):
            return participant.get("name")
    return None


def _is_collapsed(sub_process) -> bool:
    """Tell whether a sub-process was drawn as a box with nothing inside: one step."""
    return not any(is_bpmn(child) and local_name(child) not in _NOT_INSIDE for child in sub_process)
