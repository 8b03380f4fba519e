"""Check an imported model as `motcua workflows check` would, and trial-run it.

The check's problems name lines of the converted model (the file the designer will open);
a problem SpiffWorkflow raised without a line gets its element's line here.
"""

import re
from dataclasses import replace
from datetime import datetime

from engine.bpmn_import import ImportedModel
from engine.calendar import WorkingCalendar
from engine.context import EngineContext
from engine.form_samples import generate_samples
from engine.specs import parse_model
from engine.trial_run import TrialRun, trial_run
from engine.validation import FormLookup, Problem, safe_parse, validate_model

_QUOTED = re.compile(r"'([^']+)'")


def check_imported(imported: ImportedModel, *, known_forms: FormLookup,
                   department_codes: set[str]) -> list[Problem]:
    """Return the check's problems of the converted model with the forms the import brings."""
    def forms(key: str) -> bool:
        return key in imported.forms or known_forms(key)

    problems = validate_model(imported.bpmn_xml, meta=imported.meta, forms=forms,
                              department_codes=department_codes,
                              file_name=imported.meta["bpmn"])
    root = safe_parse(imported.bpmn_xml)
    return [_located(p, root) for p in problems]


def _located(problem: Problem, root) -> Problem:
    """Find the line of a problem that names its element, or an element only in words."""
    if problem.line is not None:
        if problem.element is None:  # the XML schema names the line only
            at_line = next((el for el in root.iter() if isinstance(el.tag, str)
                            and el.sourceline == problem.line and el.get("id")), None)
            return replace(problem, element=at_line.get("id")) if at_line is not None \
                else problem
        return problem
    names = [problem.element] if problem.element else _QUOTED.findall(problem.message)
    for name in names:
        for el in root.iter():
            if isinstance(el.tag, str) and name in (el.get("id"), *el.attrib.values()):
                return replace(problem, line=el.sourceline, element=_owner_id(el))
    return problem


def _owner_id(el) -> str | None:
    while el is not None and not el.get("id"):
        el = el.getparent()
    return el.get("id") if el is not None else None


def trial_imported(ctx: EngineContext, imported: ImportedModel, *, calendar: WorkingCalendar,
                   start_at: datetime) -> TrialRun:
    """Trial-run a converted model that passed the check, with data from its forms."""
    model = parse_model(imported.bpmn_xml, process_id=imported.meta["process_id"],
                        file_name=imported.meta["bpmn"])
    samples = generate_samples(imported.forms.get, intake_form=imported.meta["intake_form"],
                               step_forms={s.bpmn_id: s.form_key for s in model.steps.values()})
    return trial_run(ctx, model=model, meta=imported.meta, samples=samples, decisions=None,
                     start_at=start_at, calendar=calendar)

