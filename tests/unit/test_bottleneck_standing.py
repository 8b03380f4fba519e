"""Where a step stands against its budget on the bottleneck page."""

import pytest

from api.web.bottlenecks import Standing, standing
from engine.reports import StepTimingRow


def timed(*, rank: int | None, load: float | None, counted: bool = True) -> StepTimingRow:
    return StepTimingRow(rank=rank, procedure_code="MC.HKD.001", step="review",
                         step_name="Thẩm định", department_code="ECONOMIC", counted=counted,
                         completed=2, waited_mean=None, waited_median=None, waited_p90=None,
                         worked_mean=None, worked_median=None, worked_p90=None,
                         budget_hours=16.0, load=load, late_share=0.0)


@pytest.mark.parametrize(("row", "expected"), [
    (timed(rank=1, load=1.5), Standing.WORST),
    (timed(rank=2, load=1.01), Standing.OVER),
    (timed(rank=1, load=1.0), Standing.WITHIN),
    (timed(rank=3, load=0.2), Standing.WITHIN),
    (timed(rank=1, load=None), Standing.WITHIN),
    (timed(rank=None, load=3.0, counted=False), Standing.UNCOUNTED),
])
def test_a_step_over_budget_is_the_worst_only_when_ranked_first(row, expected):
    assert standing(row) == expected
