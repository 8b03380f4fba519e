"""DMN decision tables: read from a procedure folder, and checked before they can run.

A procedure's business rule tasks name a decision (`spiffworkflow:calledDecisionId`); the
tables are DMN files kept beside the BPMN (workflows/<folder>/*.dmn) and travel with every
version of the model, in its hash (engine.specs.content_hash). Their cells are Python
expressions in the restricted language of every other expression (engine.scripting), run by
the sandboxed script engine: `"approve"` compares the input with a value, `> 5` or
`? in ("a", "b")` tests it, and an output cell is an expression whose value is stored.
"""

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from engine.errors import InvalidInput, ModelInvalid
from engine.scripting import ScriptRejected, check_expression
from engine.specs import NSMAP

DMN_SUFFIX = ".dmn"
DMN_FILE = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,95}\.dmn$")
# More tables than any procedure needs; each is bounded like a model (MOTCUA_MAX_MODEL_BYTES).
MAX_DECISION_FILES = 50
# The DMN versions SpiffWorkflow reads; dmn-js writes 1.3.
DMN_NAMESPACES = ("http://www.omg.org/spec/DMN/20151101/dmn.xsd",
                  "http://www.omg.org/spec/DMN/20180521/MODEL/",
                  "https://www.omg.org/spec/DMN/20191111/MODEL/")
# The placeholder SpiffWorkflow puts in place of `?` before evaluating a cell.
_INPUT_PLACEHOLDER = "dmninputexpr"
_QUESTION_MARK = re.compile(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")


def read_decisions(folder: Path) -> dict[str, str]:
    """Return the decision tables of a procedure folder: file name → DMN XML."""
    decisions = {}
    for path in sorted(folder.glob(f"*{DMN_SUFFIX}")):
        try:
            decisions[path.name] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise ModelInvalid(f"cannot read the decision table: {err}", file=str(path)) from None
    return decisions


def checked_decisions(decisions: dict) -> dict[str, str]:
    """Return the decision tables a draft brings, or raise InvalidInput for a bad shape.

    Each file name must be a plain .dmn name, since export writes the file under it; what
    the tables say is checked with the model (`decision_problems`).
    """
    if not isinstance(decisions, dict) or not all(
            isinstance(name, str) and DMN_FILE.match(name) and isinstance(xml, str)
            for name, xml in decisions.items()) or len(decisions) > MAX_DECISION_FILES:
        raise InvalidInput(f"decisions must map at most {MAX_DECISION_FILES} plain file names "
                           "ending in .dmn to DMN XML text", field="decisions",
                           reason="decisions_not_tables", max_files=MAX_DECISION_FILES)
    return dict(decisions)


def called_decisions(root) -> list[tuple[str | None, object]]:
    """Return each business rule task of a BPMN tree with the decision id it calls."""
    return [(task.findtext("bpmn:extensionElements/spiffworkflow:calledDecisionId",
                           namespaces=NSMAP), task)
            for task in root.iterfind(".//bpmn:businessRuleTask", NSMAP)]


def decision_problems(decisions: dict[str, str], bpmn_root, *, parse
                      ) -> Iterator[tuple[str, int | None, str | None]]:
    """Yield (message, line, element) for each problem of the tables and of their callers.

    `parse` is the safe XML parser (engine.validation.safe_parse), which owns what a problem
    is: this module only checks.
    """
    defined: dict[str, str] = {}
    for name in sorted(decisions):
        where = f"decisions.{name}"
        if not DMN_FILE.match(name):
            yield (f"decision table file '{name}' must be a plain file name ending in "
                   ".dmn, e.g. review_routing.dmn", None, where)
            continue
        try:
            root = parse(decisions[name].encode("utf-8"))
        except etree.XMLSyntaxError as err:
            yield (f"{name}: not well-formed XML: {err.msg}", err.lineno or None, where)
            continue
        yield from _table_problems(name, root, defined)
    for decision_id, task in called_decisions(bpmn_root):
        ident, line = task.get("id"), task.sourceline
        if not decision_id:
            yield ("a business rule task must name its decision table with "
                   "spiffworkflow:calledDecisionId", line, ident)
        elif decision_id not in defined:
            known = ", ".join(f"'{d}' ({f})" for d, f in sorted(defined.items())) or "none"
            yield (f"decision '{decision_id}' is in no decision table of this version; "
                   f"add its .dmn file to the procedure folder or the draft (tables "
                   f"known: {known})", line, ident)


def _table_problems(name: str, root, defined: dict[str, str]) -> Iterator[tuple]:
    where = f"decisions.{name}"
    namespace = etree.QName(root).namespace
    if etree.QName(root).localname != "definitions" or namespace not in DMN_NAMESPACES:
        yield (f"{name} is not a DMN document: its root must be <definitions> in one of "
               f"the DMN namespaces {list(DMN_NAMESPACES)}", root.sourceline, where)
        return
    ns = {"dmn": namespace}
    decisions = root.findall("dmn:decision", ns)
    if len(decisions) != 1:
        yield (f"{name} must hold exactly one decision, not {len(decisions)}: put each "
               "decision in its own file", root.sourceline, where)
        return
    decision = decisions[0]
    decision_id = decision.get("id")
    if not decision_id:
        yield (f"the decision in {name} needs an id: business rule tasks call it by "
               "that id", decision.sourceline, where)
        return
    if decision_id in defined:
        yield (f"decision '{decision_id}' is defined both in {defined[decision_id]} and "
               f"in {name}; give one of them another id", decision.sourceline, where)
        return
    defined[decision_id] = name
    tables = decision.findall("dmn:decisionTable", ns)
    if len(tables) != 1:
        yield (f"decision '{decision_id}' must be one decision table (no literal "
               "expressions or several tables)", decision.sourceline, where)
        return
    yield from _cell_problems(name, tables[0], ns)


def _cell_problems(name: str, table, ns: dict) -> Iterator[tuple]:
    where = f"decisions.{name}"
    inputs = table.findall("dmn:input", ns)
    outputs = table.findall("dmn:output", ns)
    for column in (*inputs, *outputs):
        if not column.get("id"):
            yield (f"{name}: every input and output column needs an id",
                   column.sourceline, where)
    for output in outputs:
        if not (output.get("name") or output.get("label")):
            yield (f"{name}: output column {output.get('id')} needs a name: the task data "
                   "variable its value is stored in", output.sourceline, where)
    for column in inputs:
        cell = column.find("dmn:inputExpression/dmn:text", ns)
        if cell is None or not (cell.text or "").strip():
            yield (f"{name}: input column {column.get('id')} needs an expression, e.g. "
                   "the form field it reads", column.sourceline, where)
            continue
        yield from _expression_problem(cell.text, cell, name)
    for number, rule in enumerate(table.findall("dmn:rule", ns), start=1):
        if not rule.get("id"):
            yield (f"{name}: rule {number} needs an id", rule.sourceline, where)
        entries = rule.findall("dmn:inputEntry", ns)
        results = rule.findall("dmn:outputEntry", ns)
        if len(entries) != len(inputs) or len(results) != len(outputs):
            yield (f"{name}: rule {number} has {len(entries)} input and {len(results)} "
                   f"output cells for {len(inputs)} input and {len(outputs)} output "
                   "columns", rule.sourceline, where)
            continue
        for entry in entries:
            cell = entry.find("dmn:text", ns)
            text = ("" if cell is None else cell.text or "").strip()
            if text and text != "-":
                yield from _expression_problem(_as_test(text), cell, name, rule=number)
        for result in results:
            cell = result.find("dmn:text", ns)
            text = ("" if cell is None else cell.text or "").strip()
            if text:
                yield from _expression_problem(text, cell, name, rule=number)


def _as_test(text: str) -> str:
    """Return an input cell as the expression SpiffWorkflow evaluates for it."""
    if _QUESTION_MARK.search(text):
        return _QUESTION_MARK.sub(_INPUT_PLACEHOLDER, text)
    try:
        ast.parse(text, mode="eval")  # `> 5` does not parse alone
    except SyntaxError:
        return f"{_INPUT_PLACEHOLDER} {text}"
    return text


def _expression_problem(text: str, cell, name: str, rule: int | None = None
                        ) -> Iterator:
    try:
        check_expression(text)
    except ScriptRejected as err:
        row = f", rule {rule}" if rule is not None else ""
        yield (f"{name}{row}: {err}", cell.sourceline, f"decisions.{name}")
