"""Form data that drives every procedure in workflows/ along its happy, supplement and refusal paths."""

# ruff: noqa: E501
SUPP = {"missing_documents": ["Giấy chứng sinh (bản chính)"], "supplement_notice_channel": "phone",
        "supplement_received": True, "supplement_received_on": "2026-03-04"}

SCENARIOS = {}

# ---- birth
b_intake = {"child_full_name": "Nguyễn Minh An", "child_date_of_birth": "2026-02-20", "child_sex": "male",
            "child_ethnicity": "Kinh", "child_nationality": "Việt Nam",
            "child_place_of_birth": "Bệnh viện Đa khoa tỉnh Thanh Hóa", "father_full_name": "Nguyễn Văn Bình",
            "mother_full_name": "Lê Thị Hoa"}
b_review_ok = {"review_decision": "approve", "civil_register_book": "01/2026", "civil_register_entry_number": "125",
               "personal_id_number": "038226001234"}
b_sign = {"signer_position": "chairman"}
b_return = {"return_channel": "counter", "birth_extract_copies": 2}
SCENARIOS["birth_registration"] = {
    "intake": b_intake,
    "happy": [("review", b_review_ok), ("sign", b_sign), ("return_result", b_return)],
    "supplement": [("review", {"review_decision": "supplement", "missing_documents": ["Giấy chứng sinh (bản chính)"]}),
                   ("request_supplement", SUPP),
                   ("review", b_review_ok), ("sign", b_sign), ("return_result", b_return)],
    "refusal": [("review", {"review_decision": "refuse", "refusal_reason": "Trẻ đã được đăng ký khai sinh tại xã khác."})],
}

# ---- certified copy
c_intake = {"document_title": "Bằng tốt nghiệp trung học phổ thông", "document_number": "B1234567",
            "issuing_authority": "Sở Giáo dục và Đào tạo tỉnh Thanh Hóa", "pages": 3, "copies": 2}
c_ok = {"certify_decision": "approve", "certification_book_number": "01/2026-SCT/BS", "certification_number": "356"}
c_sign = {"signer_position": "vice_chairman"}
c_return = {"return_channel": "counter", "fee_collected_vnd": 10000}
SCENARIOS["certified_copy"] = {
    "intake": c_intake,
    "happy": [("certify", c_ok), ("sign", c_sign), ("return_result", c_return)],
    "supplement": [("certify", {"certify_decision": "supplement", "missing_documents": ["Bản chính Bằng tốt nghiệp để đối chiếu"]}),
                   ("request_supplement", {**SUPP, "missing_documents": ["Bản chính Bằng tốt nghiệp để đối chiếu"]}),
                   ("certify", c_ok), ("sign", c_sign), ("return_result", c_return)],
    "refusal": [("certify", {"certify_decision": "refuse", "refusal_reason": "Bản chính bị tẩy xóa, sửa chữa, không rõ nội dung."})],
}

# ---- business household
h_intake = {"business_name": "Hộ kinh doanh Tạp hóa Minh An", "business_address": "Thôn 3, xã Xuân Hòa, tỉnh Thanh Hóa",
            "business_lines": ["Bán lẻ lương thực, thực phẩm, đồ uống trong cửa hàng chuyên doanh"],
            "capital_vnd": 100000000, "employee_count": 2, "registered_by_household_members": False}
h_ok = {"review_decision": "approve", "business_name_unique": True, "business_lines_permitted": True}
h_head = {"household_business_code": "038226001234", "certificate_issued_on": "2026-03-06"}
h_return = {"return_channel": "online", "fee_collected_vnd": 100000}
SCENARIOS["business_household"] = {
    "intake": h_intake,
    "happy": [("review", h_ok), ("head_approval", h_head), ("return_result", h_return)],
    "supplement": [("review", {"review_decision": "supplement", "missing_documents": ["Biên bản họp thành viên hộ gia đình"]}),
                   ("request_supplement", {**SUPP, "missing_documents": ["Biên bản họp thành viên hộ gia đình"]}),
                   ("review", h_ok), ("head_approval", h_head), ("return_result", h_return)],
    "refusal": [("review", {"review_decision": "refuse", "refusal_reason": "Tên hộ kinh doanh trùng với hộ kinh doanh đã đăng ký trên địa bàn xã."})],
}

# ---- ending substitute care
e_intake = {"child_full_name": "Trần Thị Mai", "child_date_of_birth": "2015-06-01",
            "placement_decision_number": "45/QĐ-UBND", "placement_decision_date": "2024-09-10",
            "termination_requested_by": "caregiver",
            "termination_reason": "Gia đình nhận chăm sóc thay thế chuyển nơi cư trú ra nước ngoài."}
e_review_ok = {"review_draft_decision": "approve",
               "care_assessment_summary": "Trẻ được chăm sóc tốt trong thời gian nhận chăm sóc thay thế.",
               "next_care_arrangement": "Chuyển trẻ về gia đình người thân thích (bà ngoại) chăm sóc."}
e_pre = [("receive", {"digitisation": "digitised"}), ("assign_handler", {"assigned_handler": "vhxh.officer1"})]
e_post = [("check", {"draft_checked": True}), ("sign", {"signer_position": "chairman"}),
          ("issue", {"decision_number": "112/QĐ-UBND", "decision_date": "2026-03-10"}),
          ("return_result", {"return_channel": "counter"})]
SCENARIOS["ending_substitute_care"] = {
    "intake": e_intake,
    "happy": [*e_pre, ("review_draft", e_review_ok), *e_post],
    "supplement": [*e_pre,
                   ("review_draft", {"review_draft_decision": "supplement", "missing_documents": ["Đơn đề nghị theo Mẫu số 15"]}),
                   ("request_supplement", {**SUPP, "missing_documents": ["Đơn đề nghị theo Mẫu số 15"]}),
                   ("review_draft", e_review_ok), *e_post],
}

# ---- first land registration
l_intake = {"parcel_number": "215", "map_sheet_number": "12", "area_m2": 350.5,
            "land_address": "Thôn 5, xã Xuân Hòa, tỉnh Thanh Hóa", "land_use_purpose": "ONT",
            "land_origin": "Ông cha để lại, sử dụng ổn định từ năm 1990, không tranh chấp",
            "land_use_since": "1990-01-01", "has_attached_assets": False, "certificate_requested": True}
l_ok = {"review_decision": "approve", "current_use_verified": True, "no_dispute": True, "plan_compliant": True}
l_post = [("public_posting", {"posting_start_date": "2026-03-09", "posting_end_date": "2026-03-24", "objections_received": False}),
          ("confirm", {"signer_position": "chairman"}),
          ("branch_review", {"cadastral_record_updated": True, "financial_obligation_status": "paid"}),
          ("issue_certificate", {"certificate_serial": "DA 123456", "certificate_register_number": "CS 01234",
                                 "certificate_issued_on": "2026-04-10"}),
          ("return_result", {"return_channel": "counter", "fee_collected_vnd": 100000})]
SCENARIOS["first_land_registration"] = {
    "intake": l_intake,
    "happy": [("receive", {"digitisation": "digitised"}), ("review", l_ok), *l_post],
    "supplement": [("receive", {"digitisation": "digitised"}),
                   ("review", {"review_decision": "supplement", "missing_documents": ["Mảnh trích đo bản đồ địa chính thửa đất"]}),
                   ("request_supplement", {**SUPP, "missing_documents": ["Mảnh trích đo bản đồ địa chính thửa đất"]}),
                   ("review", l_ok), *l_post],
    "refusal": [("receive", {"digitisation": "digitised"}),
                ("review", {"review_decision": "refuse", "refusal_reason": "Thửa đất đang có tranh chấp, chưa được giải quyết."})],
}

PROCEDURE_CODES = {
    "birth_registration": "1.001193",
    "certified_copy": "2.000815",
    "business_household": "MC.HKD.001",
    "ending_substitute_care": "MC.CTTT.001",
    "first_land_registration": "MC.DD.001",
}

# Who does a step, by the step's department and required role (test users of conftest.STAFF).
WORKER = {
    ("RECEPTION", None): "reception",
    ("OFFICE", None): "office",
    ("ECONOMIC", None): "economic",
    ("ECONOMIC", "head"): "economic_head",
    ("CULTURE_SOCIAL", None): "culture",
    ("CULTURE_SOCIAL", "head"): "culture_head",
    ("LEADERSHIP", "leader"): "leader",
    ("LAND_BRANCH", None): "land",
}
