"""Say jsonschema's problems with submitted form data in the reader's language.

The pages mark each field with these messages and the API returns them in
`error.details.fields`: both read the validator kind and parameter that `forms.catalog`
keeps with each problem, never jsonschema's English sentence.
"""

from flask_babel import gettext as _

from forms.catalog import FieldProblem


def problem_message(problem: FieldProblem) -> str:
    """Say one jsonschema problem in the reader's language, from its validator kind."""
    kind, parameter = problem.kind, problem.parameter
    if kind == "required":
        return _("Trường này là bắt buộc.")
    if kind == "enum":
        return _("Hãy chọn một trong các giá trị cho sẵn.")
    if kind == "pattern":
        return _("Giá trị không đúng định dạng yêu cầu.")
    if kind in ("maximum", "exclusiveMaximum"):
        return _("Giá trị không được lớn hơn %(limit)s.", limit=parameter)
    if kind in ("minimum", "exclusiveMinimum"):
        return _("Giá trị không được nhỏ hơn %(limit)s.", limit=parameter)
    if kind == "minLength":
        return _("Cần ít nhất %(count)s ký tự.", count=parameter)
    if kind == "maxLength":
        return _("Không được quá %(count)s ký tự.", count=parameter)
    if kind == "minItems":
        return _("Cần ít nhất %(count)s dòng.", count=parameter)
    if kind == "type":
        return _("Giá trị phải là %(kind)s.", kind=_type_name(parameter))
    if kind == "format":
        return _("Giá trị không đúng dạng %(format)s.", format=_format_name(parameter))
    if kind == "additionalProperties":
        return _("Biểu mẫu này không có trường này.")
    return _("Giá trị không hợp lệ.")


def _type_name(kind) -> str:
    names = {"integer": _("số nguyên"), "number": _("số"), "string": _("văn bản"),
             "boolean": _("có/không"), "array": _("danh sách")}
    return names.get(kind, str(kind))


def _format_name(name) -> str:
    return {"date": _("ngày (dd/mm/yyyy)"), "email": _("địa chỉ thư điện tử")}.get(
        name, str(name))
