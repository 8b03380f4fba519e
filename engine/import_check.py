"""Check an imported model as `motcua workflows check` would, and trial-run it.

The check's problems name lines of the converted model (the file the designer will open),
located and worded by the check itself (engine.validation), so import and check agree.
"""

from datetime import datetime

from engine.bpmn_import import ImportedModel
from engine.calendar import WorkingCalendar
from engine.context import EngineContext
from engine.form_samples import generate_samples
from engine.specs import parse_model
from engine.trial_run import TrialRun, trial_run
from engine.validation import FormLookup, Problem, validate_model


def check_imported(imported: ImportedModel, *, known_forms: FormLookup,
                   department_codes: set[str]) -> list[Problem]:
    """Return the check's problems of the converted model with the forms the import brings."""
    def forms(key: str) -> bool:
        return key in imported.forms or known_forms(key)

    return validate_model(imported.bpmn_xml, meta=imported.meta, forms=forms,
                          department_codes=department_codes, file_name=imported.meta["bpmn"])


def trial_imported(ctx: EngineContext, imported: ImportedModel, *, calendar: WorkingCalendar,
                   start_at: datetime) -> TrialRun:
    """Trial-run a converted model that passed the check, with data from its forms."""
    model = parse_model(imported.bpmn_xml, process_id=imported.meta["process_id"],
                        file_name=imported.meta["bpmn"])
    samples = generate_samples(imported.forms.get, intake_form=imported.meta["intake_form"],
                               step_forms={s.bpmn_id: s.form_key for s in model.steps.values()})
    return trial_run(ctx, model=model, meta=imported.meta, samples=samples, decisions=None,
                     start_at=start_at, calendar=calendar)

