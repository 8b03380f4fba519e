"""Every procedure's samples.json is valid against its forms and covers its whole model."""

import pytest

from engine.procedures import WORKFLOWS_DIR, load_procedures
from engine.simulation import sample_gaps
from engine.trial_run import load_samples
from forms import FormCatalog

FORMS = FormCatalog()
DEFINITIONS = {d.folder: d for d in load_procedures(forms=FORMS)[1]}


def decision_values(form_key: str) -> tuple[str, list[str]] | None:
    """Return the form's decision field and its values, if the step decides the path."""
    for name, schema in FORMS.schema(form_key)["properties"].items():
        if name.endswith("_decision") and "enum" in schema:
            return name, schema["enum"]
    return None


@pytest.mark.parametrize("folder", sorted(DEFINITIONS))
def test_the_intake_sample_satisfies_the_intake_form(folder):
    samples = load_samples(WORKFLOWS_DIR, folder)

    errors = FORMS.field_errors(DEFINITIONS[folder].meta["intake_form"], samples["intake"])

    assert errors == []


@pytest.mark.parametrize("folder", sorted(DEFINITIONS))
def test_every_step_sample_satisfies_its_form(folder):
    model = DEFINITIONS[folder].model
    samples = load_samples(WORKFLOWS_DIR, folder)

    errors = {(step, variant): FORMS.field_errors(model.step(step).form_key, data)
              for step, variants in samples["steps"].items()
              for variant, data in variants.items()}

    assert errors and all(found == [] for found in errors.values()), errors


@pytest.mark.parametrize("folder", sorted(DEFINITIONS))
def test_the_samples_cover_every_step_of_the_model_and_no_other(folder):
    model = DEFINITIONS[folder].model
    samples = load_samples(WORKFLOWS_DIR, folder)

    assert sample_gaps(samples, model) == []
    assert set(samples["steps"]) == set(model.steps)


@pytest.mark.parametrize("folder", sorted(DEFINITIONS))
def test_deciding_steps_have_one_variant_per_decision_and_others_a_default(folder):
    model = DEFINITIONS[folder].model
    samples = load_samples(WORKFLOWS_DIR, folder)

    for step, variants in samples["steps"].items():
        decision = decision_values(model.step(step).form_key)
        if decision is None:
            assert list(variants) == ["default"], step
            continue
        field, values = decision
        assert sorted(variants) == sorted(values), step
        assert all(data[field] == variant for variant, data in variants.items()), step
