import pytest

from engine.procedure_folders import folder_slug, unique_folder
from engine.procedure_patterns import (
    generic_budgets,
    generic_procedure,
    statutory_hours_of,
)
from engine.procedures import load_departments
from engine.specs import parse_model
from engine.validation import is_valid, validate_model
from forms import FormCatalog

DEPARTMENTS = {d["code"] for d in load_departments()}
FORMS = FormCatalog()
DEADLINES = [(0, True), (3, True), (1, False), (2, False), (3, False), (5, False), (7, False),
             (17, False), (20, False), (45, False)]


def _drawn(department="CULTURE_SOCIAL", working_days=5, same_day=False):
    return generic_procedure(code="T.001", name_vi="Thủ tục thử", name_en="Test procedure",
                             department=department, working_days=working_days,
                             same_day=same_day)


@pytest.mark.parametrize(("working_days", "same_day"), DEADLINES)
def test_the_generic_pattern_passes_every_house_rule_for_each_deadline(working_days, same_day):
    drawn = _drawn(working_days=working_days, same_day=same_day)

    problems = validate_model(drawn.bpmn_xml, meta=drawn.meta, forms=FORMS.__contains__,
                              department_codes=DEPARTMENTS, file_name="generic_pattern.bpmn")

    assert problems == []
    assert is_valid(problems)


@pytest.mark.parametrize(("working_days", "same_day"), DEADLINES)
def test_counted_budgets_add_up_to_the_statutory_hours(working_days, same_day):
    hours = statutory_hours_of(working_days, same_day)

    budgets = generic_budgets(hours)

    assert budgets.receive + budgets.handle + budgets.check + budgets.sign == hours
    assert min(budgets.receive, budgets.handle, budgets.check, budgets.sign) >= 1


def test_the_steps_sit_in_reception_the_department_and_leadership_with_their_roles():
    model = parse_model(_drawn(department="ECONOMIC").bpmn_xml, process_id="generic_pattern",
                        file_name="generic_pattern.bpmn")

    steps = {s.bpmn_id: (s.lane, s.role, s.counted) for s in model.steps.values()}

    assert steps == {
        "receive": ("RECEPTION", None, True), "handle": ("ECONOMIC", None, True),
        "request_supplement": ("RECEPTION", None, False), "check": ("ECONOMIC", "head", True),
        "sign": ("LEADERSHIP", "leader", True), "return_result": ("RECEPTION", None, False)}


def test_procedures_of_one_department_and_deadline_share_one_model():
    one = generic_procedure(code="A.1", name_vi="Một", name_en="One", department="OFFICE",
                            working_days=3)
    other = generic_procedure(code="B.2", name_vi="Hai", name_en="Two", department="OFFICE",
                              working_days=3)

    assert one.bpmn_xml == other.bpmn_xml
    assert one.meta["code"] != other.meta["code"]


def test_a_deadline_under_half_a_day_is_refused():
    with pytest.raises(ValueError, match="too short"):
        generic_budgets(3)


def test_folder_names_are_accent_folded_and_suffixed_when_taken():
    taken = {"dang_ky_khai_sinh"}

    first = unique_folder("Đăng ký khai sinh", taken)
    second = unique_folder("ĐĂNG KÝ  khai-sinh!", taken)

    assert (first, second) == ("dang_ky_khai_sinh_2", "dang_ky_khai_sinh_3")
    assert folder_slug("Chứng thực bản sao từ bản chính") == "chung_thuc_ban_sao_tu_ban_chinh"
    assert folder_slug("???") == "thu_tuc"
