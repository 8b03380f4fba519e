"""The applicant's inputs of an intake form, at the counter and on the citizen's page.

Checked by the API's ApplicantSchema, each with what it says when it refuses a value.
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from api.schemas import ApplicantSchema
from api.web.schema_form import FormField

APPLICANT_PREFIX = "applicant_"
APPLICANT_FIELDS = [
    (FormField(name="full_name", title=_l("Họ, chữ đệm và tên người nộp"), description=None,
               widget="text", required=True, attributes={"maxlength": 200}),
     _l("Không được quá 200 ký tự.")),
    (FormField(name="id_number", title=_l("Số định danh cá nhân"),
               description=_l("12 chữ số của thẻ căn cước (hoặc 9 chữ số của chứng minh nhân "
                              "dân cũ)."),
               widget="text", required=True, attributes={"maxlength": 12}),
     _l("Số định danh gồm 12 chữ số (hoặc 9 chữ số với chứng minh nhân dân cũ).")),
    (FormField(name="phone", title=_l("Số điện thoại"), description=None, widget="text",
               required=False, attributes={"maxlength": 16}),
     _l("Số điện thoại gồm 9 đến 15 chữ số, có thể bắt đầu bằng +.")),
    (FormField(name="email", title=_l("Thư điện tử"), description=None, widget="text",
               required=False, attributes={"maxlength": 254}),
     _l("Địa chỉ thư điện tử không hợp lệ.")),
    (FormField(name="address", title=_l("Địa chỉ"), description=None, widget="text",
               required=False, attributes={"maxlength": 500}),
     _l("Không được quá 500 ký tự.")),
]

def posted_applicant(form) -> tuple[dict, dict[str, list[str]]]:
    """Return the applicant as ApplicantSchema loads it, or the problems of each input."""
    posted = {f.name: form.get(APPLICANT_PREFIX + f.name, "").strip()
              for f, _message in APPLICANT_FIELDS}
    try:
        return ApplicantSchema().load({k: v for k, v in posted.items() if v}), {}
    except ValidationError as err:
        refused = err.messages
    return {}, {APPLICANT_PREFIX + f.name: [str(message) if posted[f.name]
                                             else _("Trường này là bắt buộc.")]
                for f, message in APPLICANT_FIELDS if f.name in refused}
