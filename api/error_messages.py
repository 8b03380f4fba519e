"""What each error says, in the reader's language: the one catalogue of the API's messages.

Errors reach the edge as a code, a `reason` where one code covers several conditions, and
the message's parameters: the engine's in `DomainError.details`, the edge's own (HTTP
errors, refused requests) from their handlers. Message ids are the Vietnamese text; English
is in api/translations/en, and the locale is the pages' (`?lang=`, the `lang` cookie, then
Accept-Language). Marshmallow's and the schemas' field messages are said here too;
jsonschema's form problems in api/form_problems.py.
"""

import re
from datetime import date, datetime

from flask_babel import gettext

from api.form_problems import problem_message
from api.formatting import local_date, local_moment, role_name
from engine.errors import DomainError, InvalidFormData
from engine.statuses import Role

# Engine error codes, with a reason where one code covers several conditions.
DOMAIN_MESSAGES = {
    ("not_found", None): "Không tìm thấy thứ được yêu cầu.",
    ("not_found", "no_apology"): "Hồ sơ %(code)s chưa có văn bản xin lỗi và hẹn lại.",
    ("not_found", "unknown_slip"): "Không có phiếu %(form)s; các phiếu in được: %(forms)s.",
    ("not_found", "no_calendar_override"): "Ngày %(day)s không có điều chỉnh lịch làm việc.",
    ("procedure_not_found", None):
        "Không có thủ tục nào mã %(code)s; GET /api/v1/procedures liệt kê các mã.",
    ("dossier_not_found", None): "Không có hồ sơ nào mã %(code)s.",
    ("dossier_not_found", "code_and_pin"):
        "Không tìm thấy hồ sơ với mã hồ sơ và mã PIN này. Vui lòng kiểm tra lại cả hai trên Giấy "
        "tiếp nhận và hẹn trả kết quả.",
    ("task_not_found", None): "Không có bước xử lý nào mã %(task_id)s.",
    ("user_not_found", None): "Không tìm thấy người dùng này.",
    ("department_not_found", None): "Không có phòng ban nào mã %(code)s.",
    ("version_not_found", None): "Thủ tục %(code)s không có phiên bản %(number)s.",
    ("task_already_claimed", None):
        "Bước %(task)s đang do %(assignee)s xử lý; hãy hỏi người đó hoặc trưởng phòng để trả lại.",
    ("task_already_claimed", "held_by_caller"): "Bạn đã nhận bước %(task)s rồi.",
    ("task_not_claimed_by_caller", None): "Bạn chưa nhận bước %(task)s: hãy nhận bước trước.",
    ("task_not_open", None): "Bước %(task)s không còn mở (trạng thái: %(state)s).",
    ("task_not_open", "not_waiting"): "Bước %(task)s không còn chờ xử lý trong quy trình.",
    ("concurrent_update", None):
        "Hồ sơ %(dossier)s vừa được người khác thay đổi; hãy tải lại và thử lại.",
    ("not_permitted", None): "Bạn không có quyền làm việc này.",
    ("not_permitted", "reads_no_dossiers"): "Vai trò %(role)s không được xem hồ sơ.",
    ("not_permitted", "receives_no_dossiers"):
        "Vai trò %(role)s không tiếp nhận hồ sơ; cán bộ tiếp nhận làm việc này.",
    ("not_permitted", "other_department"):
        "Bước này thuộc phòng ban %(department)s; bạn thuộc phòng ban %(own_department)s.",
    ("not_permitted", "no_department"):
        "Vai trò %(role)s không thuộc phòng ban nào nên không có bước xử lý.",
    ("not_permitted", "own_department_only"):
        "Bạn chỉ xem được các bước của phòng ban %(own_department)s.",
    ("not_permitted", "step_role"):
        "Bước %(step)s phải do %(required_role)s của phòng ban làm; vai trò của bạn là %(role)s.",
    ("not_permitted", "head_assigns"): "Chỉ trưởng phòng %(department)s được giao bước này.",
    ("not_permitted", "head_lists_members"):
        "Chỉ trưởng phòng %(department)s hoặc quản trị hệ thống được xem danh sách thành viên.",
    ("not_permitted", "extends_no_deadline"):
        "Trưởng phòng đang xử lý hồ sơ %(dossier)s, lãnh đạo hoặc quản trị hệ thống mới được lập "
        "văn bản xin lỗi và hẹn lại; vai trò của bạn là %(role)s.",
    ("not_permitted", "withdraws_no_dossiers"):
        "Vai trò %(role)s không rút hồ sơ; cán bộ tiếp nhận rút hồ sơ theo yêu cầu của công dân.",
    ("not_permitted", "stops_no_dossiers"):
        "Trưởng phòng đang xử lý hồ sơ %(dossier)s hoặc lãnh đạo mới được dừng xử lý hồ sơ; vai "
        "trò của bạn là %(role)s.",
    ("not_permitted", "reads_no_audit"):
        "Vai trò %(role)s không được xem nhật ký; giám sát và quản trị hệ thống được xem.",
    ("not_permitted", "reads_no_personal_data_reads"):
        "Vai trò %(role)s không được tra cứu các lượt đọc dữ liệu cá nhân; giám sát và quản trị "
        "hệ thống được tra cứu.",
    ("not_permitted", "collects_no_fees"):
        "Vai trò %(role)s không thu phí, lệ phí; cán bộ tiếp nhận làm việc này.",
    ("not_permitted", "reads_no_reports"):
        "Vai trò %(role)s không được xem báo cáo; giám sát, lãnh đạo và quản trị hệ thống được "
        "xem.",
    ("not_permitted", "designers_only"):
        "Chỉ người thiết kế quy trình và quản trị hệ thống được làm việc này; vai trò của bạn là "
        "%(role)s.",
    ("not_permitted", "admins_only"):
        "Chỉ quản trị hệ thống được làm việc này; vai trò của bạn là %(role)s.",
    ("invalid_form_data", None):
        "Dữ liệu không đúng biểu mẫu %(form)s: hãy sửa các trường được liệt kê.",
    ("invalid_input", None): "Giá trị không hợp lệ.",
    ("invalid_input", "stop_reason_required"):
        "Hãy ghi lý do dừng xử lý: thông báo gửi công dân (Mẫu 05) nêu lý do này.",
    ("invalid_input", "unknown_role"): "Không có vai trò %(role)s; hãy chọn một trong: %(known)s.",
    ("invalid_input", "department_required"):
        "Vai trò %(role)s thuộc một phòng ban: hãy cho biết phòng ban.",
    ("invalid_input", "username_taken"): "Tên đăng nhập %(username)s đã có người dùng.",
    ("idempotency_key_reused", None):
        "Khóa Idempotency-Key này đã được gửi lúc %(first_used_at)s với nội dung khác: hãy gửi "
        "một khóa mới cho hồ sơ mới.",
    ("invalid_input", "appointment_not_later"):
        "Ngày hẹn mới phải sau ngày hẹn hiện tại, %(current)s.",
    ("invalid_input", "appointment_not_working_time"):
        "Ngày hẹn mới không rơi vào giờ làm việc: hãy chọn một ngày làm việc, trong các khung giờ "
        "%(hours)s.",
    ("invalid_input", "appointment_too_late"):
        "Ngày hẹn mới chậm nhất là %(latest)s: thời hạn giải quyết của thủ tục tính lại từ ngày "
        "hẹn hiện tại.",
    ("invalid_input", "note_required"): "Hãy ghi lý do, ví dụ “Làm bù thứ Bảy cho thứ Hai 31/8”.",
    ("invalid_input", "note_too_long"): "Ghi chú không được quá %(max_length)s ký tự.",
    ("invalid_input", "target_is_draft"):
        "Phiên bản %(number)s còn là bản nháp; hãy công bố trước khi chuyển hồ sơ sang, hoặc chạy "
        "thử.",
    ("invalid_input", "assignee_inactive"):
        "Tài khoản %(username)s đã bị vô hiệu hóa; hãy giao cho một thành viên đang làm việc.",
    ("invalid_input", "period_reversed"):
        "Kỳ bắt đầu ngày %(first_day)s, sau ngày kết thúc %(last_day)s.",
    ("invalid_input", "unknown_grouping"):
        "Không nhóm được theo %(group_by)s; hãy chọn một trong: %(known)s.",
    ("invalid_input", "pin_mismatch"):
        "Mã PIN không khớp với hồ sơ %(dossier)s: hãy dùng mã PIN vừa cấp khi tiếp nhận.",
    ("invalid_input", "negative_count"): "Số lượng không được âm.",
    ("invalid_input", "no_working_day"):
        "Không có ngày làm việc nào từ %(first_day)s đến %(last_day)s.",
    ("invalid_input", "sample_gaps"):
        "%(folder)s/samples.json thiếu dữ liệu cho các bước %(steps)s; hãy thêm một phương án cho "
        "mỗi bước.",
    ("invalid_input", "nothing_to_simulate"):
        "Chưa thủ tục đã công bố nào có samples.json để mô phỏng.",
    ("invalid_input", "no_simulation_staff"):
        "Không có người dùng mô phỏng nào làm %(role)s ở phòng ban %(department)s.",
    ("invalid_input", "components_exceed_total"):
        "%(digitised)s thành phần đã số hóa và %(reused)s thành phần tái sử dụng vượt quá "
        "%(total)s thành phần đã nộp.",
    ("invalid_input", "unknown_fee_exemption"):
        "Thủ tục này không miễn phí, lệ phí cho đối tượng %(exemption)s; các đối tượng được "
        "miễn là: %(allowed)s.",
    ("invalid_input", "fee_date_after_receipt"):
        "Ngày %(day)s ở trường %(field)s sau ngày tiếp nhận %(received_on)s.",
    ("invalid_input", "samples_unreadable"): "Không đọc được workflows/%(folder)s/samples.json.",
    ("invalid_input", "unknown_step"):
        "Quyết định nêu bước %(step)s, nhưng mô hình không có bước đó; các bước là: %(known)s.",
    ("invalid_input", "decision_not_variants"):
        "Quyết định cho bước %(step)s phải là tên một phương án hoặc một danh sách tên.",
    ("invalid_input", "model_not_text"): "Mô hình BPMN phải là văn bản UTF-8.",
    ("invalid_input", "unknown_departments"):
        "Không có phòng ban mã %(codes)s; các mã đã có: %(known)s.",
    ("invalid_input", "change_note_required"):
        "Hãy ghi điều gì thay đổi và vì sao, bằng văn bản thường.",
    ("invalid_input", "meta_not_object"): "Siêu dữ liệu phải là một đối tượng JSON.",
    ("invalid_input", "meta_code_differs"):
        "Mã %(meta_code)s trong siêu dữ liệu khác mã thủ tục %(code)s.",
    ("invalid_input", "forms_not_schemas"):
        "forms phải gán cho mỗi mã biểu mẫu một JSON Schema (đối tượng).",
    ("invalid_input", "decisions_not_tables"):
        "decisions phải gán tối đa %(max_files)s tên tệp đơn giản có đuôi .dmn cho nội dung "
        "XML của bảng quyết định.",
    ("invalid_input", "path_escapes"): "%(name)s sẽ được ghi ra ngoài thư mục đích.",
    ("invalid_input", "not_a_date"):
        "%(text)s không phải là ngày: hãy viết dạng YYYY-MM-DD, ví dụ 2026-08-22.",
    ("invalid_input", "count_missing"):
        "Hãy cho working_days hoặc working_hours (hoặc một thủ tục).",
    ("invalid_input", "count_twice"): "Hãy cho working_days hoặc working_hours, không cho cả hai.",
    ("invalid_input", "count_out_of_range"): "Giá trị phải từ 0 đến %(limit)s.",
    ("samples_missing", None): "Thiếu dữ liệu mẫu để chạy thử thủ tục.",
    ("samples_missing", "no_folder"):
        "Thủ tục không có thư mục trong workflows/, nên không có samples.json để chạy thử.",
    ("samples_missing", "no_samples_file"):
        "Chưa có workflows/%(folder)s/samples.json: hãy thêm dữ liệu mẫu cho tiếp nhận và cho các "
        "bước.",
    ("samples_missing", "no_step_samples"): "Bước %(step)s chưa có dữ liệu mẫu trong samples.json.",
    ("samples_missing", "no_default_variant"):
        "Bước %(step)s có các phương án %(variants)s nhưng không có “approve” hay “default”: hãy "
        "chọn một trong decisions.",
    ("samples_missing", "no_intake"):
        "samples.json cần mục “intake”: dữ liệu biểu mẫu tiếp nhận để bắt đầu.",
    ("samples_missing", "no_steps"): "samples.json cần mục “steps”: dữ liệu mẫu cho từng bước.",
    ("samples_missing", "unknown_variant"):
        "Bước %(step)s không có phương án mẫu %(variant)s; samples.json có: %(known)s.",
    ("model_invalid", None): "Mô hình quy trình không hợp lệ: %(problem)s",
    ("model_unreadable", None): "Tệp không phải là mô hình BPMN nhập được.",
    ("model_unreadable", "not_xml"): "Dòng %(line)s: tệp không phải XML hợp lệ: %(problem)s",
    ("model_unreadable", "not_bpmn"):
        "Tệp không phải mô hình BPMN 2.0: phần tử gốc là %(root)s, không phải bpmn:definitions.",
    ("model_unreadable", "no_process"):
        "Tệp không có quy trình nào có sự kiện bắt đầu: không có gì để nhập.",
    ("engine_incident", None):
        "Bộ máy quy trình gặp lỗi ở bước %(step)s: %(error)s. Sự cố %(incident)s đã được ghi "
        "lại; hồ sơ không thay đổi.",
    ("deadline_extension_used", None):
        "Hồ sơ %(dossier)s đã được hẹn lại một lần; pháp luật chỉ cho hẹn lại một lần.",
    ("dossier_not_running", None):
        "Hồ sơ %(dossier)s không còn đang xử lý nên không đổi được thời hạn.",
    ("dossier_not_running", "processed"): "Hồ sơ %(dossier)s đã giải quyết xong; thời hạn đã đóng.",
    ("dossier_not_running", "paused"):
        "Hồ sơ %(dossier)s đang tạm dừng tính thời hạn nên chưa hẹn lại được.",
    ("slip_not_applicable", None): "Phiếu này không áp dụng cho hồ sơ %(dossier)s.",
    ("slip_not_applicable", "no_supplement_request"):
        "Hồ sơ %(dossier)s không có yêu cầu bổ sung, hoàn thiện hồ sơ.",
    ("slip_not_applicable", "not_refused"): "Hồ sơ %(dossier)s không bị từ chối tiếp nhận.",
    ("slip_not_applicable", "no_apology"):
        "Hồ sơ %(dossier)s chưa có phiếu xin lỗi và hẹn lại ngày trả kết quả.",
    ("slip_not_applicable", "not_stopped"): "Hồ sơ %(dossier)s không bị dừng xử lý.",
    ("slip_not_applicable", "not_paid"):
        "Hồ sơ %(dossier)s chưa nộp phí, lệ phí nên chưa có biên lai.",
    ("not_found", "no_qr"): "Hồ sơ %(code)s không có mã QR thanh toán lúc này.",
    ("payment_not_found", None):
        "Hồ sơ %(code)s chưa có khoản phí, lệ phí nào phải nộp.",
    ("payment_conflict", None):
        "Khoản phí, lệ phí của hồ sơ %(dossier)s đang ở trạng thái %(state)s nên không làm được "
        "việc này.",
    ("payment_conflict", "collected_at_receipt"):
        "Thủ tục của hồ sơ %(dossier)s thu phí, lệ phí khi tiếp nhận; không cần yêu cầu nộp.",
    ("payment_conflict", "already_requested"):
        "Hồ sơ %(dossier)s đã được yêu cầu nộp phí, lệ phí.",
    ("payment_conflict", "not_due"):
        "Hồ sơ %(dossier)s hiện không có khoản phí, lệ phí chờ nộp; không áp dụng được giao dịch "
        "chuyển khoản này.",
    ("payment_conflict", "amount_mismatch"):
        "Giao dịch chuyển %(amount_vnd)s đồng nhưng hồ sơ %(dossier)s phải nộp %(due_vnd)s "
        "đồng; không áp dụng được.",
    ("payment_conflict", "already_resolved"):
        "Giao dịch %(transaction_id)s đã được đối soát trước đó (%(resolution)s).",
    ("not_found", "no_held_transfer"): "Không có giao dịch chờ đối soát số %(held)s.",
    ("payment_conflict", "not_now"):
        "Hồ sơ %(dossier)s đang ở trạng thái %(status)s; chưa yêu cầu nộp phí, lệ phí được lúc "
        "này.",
    ("dossier_not_running", "awaiting_payment"):
        "Hồ sơ %(dossier)s đang chờ công dân nộp phí, lệ phí; hãy xử lý tiếp sau khi đã nộp.",
    ("dossier_decided", None):
        "Hồ sơ %(dossier)s đã được lãnh đạo ký duyệt hoặc đã giải quyết xong; không thể rút hay "
        "dừng xử lý nữa.",
    ("dossier_decided", "ended"):
        "Hồ sơ %(dossier)s đã kết thúc (trạng thái %(status)s); không thể rút hay dừng xử lý nữa.",
    ("password_too_short", None): "Mật khẩu cần ít nhất %(min_length)s ký tự.",
    ("sign_in_refused", None): "Tên đăng nhập hoặc mật khẩu không đúng.",
    ("sign_in_refused", "current_password_wrong"): "Mật khẩu hiện tại không đúng.",
    ("account_locked", None): "Tài khoản tạm khóa vì nhập sai mật khẩu nhiều lần, đến %(until)s.",
    ("version_not_draft", None):
        "Phiên bản %(number)s của thủ tục %(code)s đang ở trạng thái %(state)s; chỉ bản nháp mới "
        "sửa hoặc công bố được. Hãy tạo một bản nháp mới.",
    ("form_invalid", None): "Biểu mẫu %(key)s có lỗi: hãy sửa các lỗi được liệt kê.",
    ("not_found", "unknown_form"):
        "Không có biểu mẫu %(key)s trong forms/ hay trong các phiên bản đã công bố.",
    ("version_invalid", None):
        "Phiên bản %(number)s của thủ tục %(code)s có lỗi ngăn việc công bố: hãy sửa các lỗi được "
        "liệt kê.",
    ("version_invalid", "unrunnable"):
        "Phiên bản %(number)s không chạy được: hãy sửa các lỗi được liệt kê trước.",
    ("procedure_exists", None):
        "Đã có thủ tục mã %(code)s; hãy mở thủ tục đó và tạo phiên bản mới.",
    ("invalid_input", "not_a_handling_department"):
        "Phòng ban %(department)s không giải quyết thủ tục; hãy chọn một trong: %(known)s.",
    ("invalid_input", "deadline_too_short"):
        "Thời hạn giải quyết phải từ 01 ngày làm việc, hoặc chọn giải quyết trong ngày.",
    ("hostile_xml", None): "Tài liệu bị từ chối mà không đọc.",
    ("hostile_xml", "too_large"): "Mô hình có %(size)s byte, vượt giới hạn %(max_bytes)s byte.",
    ("hostile_xml", "nul_bytes"): "Tài liệu chứa byte NUL, điều không tài liệu XML nào được có.",
    ("hostile_xml", "declarations"):
        "Mô hình BPMN không được khai báo DOCTYPE hay ENTITY; hãy bỏ DTD.",
    ("hostile_xml", "entities"):
        "Mô hình BPMN không được dùng tham chiếu thực thể ngoài &lt; &gt; &amp; &quot; &apos; và "
        "tham chiếu ký tự.",
    ("document_not_found", None): "Hồ sơ %(code)s không có giấy tờ số %(document)s có tệp.",
    ("document_not_found", "not_signed"):
        "Giấy tờ số %(document)s của hồ sơ %(code)s không có chữ ký số.",
    ("document_too_large", None):
        "Tệp vượt giới hạn %(max_bytes)s byte (%(limit)s): hãy quét lại với độ phân giải thấp "
        "hơn hoặc tách thành nhiều tệp.",
    ("unsupported_document_type", None):
        "Chỉ nhận tệp %(accepted)s; nội dung tệp này không phải loại nào trong số đó, dù tên tệp "
        "là gì.",
    ("too_many_documents", None):
        "Hồ sơ %(dossier)s đã có đủ %(max_documents)s giấy tờ, giới hạn %(limit)s.",
    ("invalid_input", "unknown_required_document"):
        "Thủ tục của hồ sơ không có thành phần số %(required_document)s; các số là từ 0 đến "
        "%(last)s.",
    ("invalid_input", "scan_required"):
        "Thành phần đã số hóa phải kèm bản quét: hãy gửi tệp trong trường file.",
    ("invalid_input", "no_file_kept"):
        "Thành phần %(handling)s không lưu tệp mới: đừng gửi trường file.",
    ("invalid_input", "reuse_of_required"):
        "Thành phần tái sử dụng phải nêu reuse_of: số của giấy tờ đã lưu cho công dân.",
    ("invalid_input", "reuse_of_unexpected"):
        "Chỉ thành phần tái sử dụng mới nêu reuse_of.",
    ("invalid_input", "not_held_for_citizen"):
        "Không có tệp số %(document)s được lưu cho công dân này từ hồ sơ trước.",
    ("not_permitted", "adds_no_result"):
        "Cán bộ phòng ban đang xử lý hồ sơ %(dossier)s, lãnh đạo hoặc quản trị hệ thống mới "
        "thêm được kết quả; vai trò của bạn là %(role)s.",
    ("too_many_requests", None):
        "Quá nhiều lượt tra cứu; hãy thử lại sau %(retry_after_seconds)s giây.",
    ("invalid_input", "procedure_not_online"):
        "Thủ tục %(procedure_code)s chưa tiếp nhận hồ sơ trực tuyến; hãy nộp tại Bộ phận Một cửa.",
    ("invalid_input", "contact_required"):
        "Hãy cho biết số điện thoại hoặc email để nhận thông báo về hồ sơ.",
    ("submission_not_waiting", None): "Hồ sơ %(code)s không chờ việc này.",
    ("submission_not_waiting", "answered"):
        "Hồ sơ %(code)s đã được Bộ phận Một cửa trả lời (%(state)s).",
    ("submission_not_waiting", "not_incomplete"):
        "Hồ sơ %(code)s không ở trạng thái chờ bổ sung.",
    ("too_many_requests", "submissions"):
        "Quá nhiều hồ sơ nộp trực tuyến từ máy này: tối đa %(limit)s hồ sơ trong "
        "%(window_seconds)s giây; hãy thử lại sau %(retry_after_seconds)s giây.",
    ("signing_credential_missing", None):
        "Lãnh đạo %(user)s chưa có chứng thư số để ký: quản trị hệ thống cần cấp (motcua pki "
        "issue) hoặc nạp (motcua pki import) chứng thư cho người này.",
    ("signing_credential_missing", "no_ca"):
        "Chưa có CA thử nghiệm trong %(pki_dir)s: hãy chạy motcua pki init-ca trước.",
    ("signing_credential_unreadable", None):
        "Không mở được %(file)s: không phải tệp khóa hay PKCS#12, hoặc sai cụm mật khẩu.",
    ("invalid_input", "ca_exists"): "Đã có CA thử nghiệm trong %(pki_dir)s.",
    ("invalid_input", "signer_not_leader"):
        "Chỉ lãnh đạo ký kết quả; %(username)s có vai trò %(role)s.",
    ("invalid_input", "not_a_pdf"): "Tệp không phải là PDF.",
    ("invalid_input", "unsigned_pdf"): "Tệp PDF không có chữ ký số nào.",
}
# The edge's own codes: HTTP errors and requests refused before any use case runs.
EDGE_MESSAGES = {
    ("bad_request", None): "Yêu cầu không hợp lệ.",
    ("bad_request", "not_json"):
        "Nội dung không phải JSON hợp lệ; hãy gửi một đối tượng JSON với Content-Type: "
        "application/json.",
    ("bad_request", "too_deep"):
        "Nội dung lồng mảng hoặc đối tượng quá sâu để đọc; hãy gửi một đối tượng JSON phẳng hơn.",
    ("bad_request", "unstorable_text"):
        "Yêu cầu chứa ký tự NUL hoặc nửa cặp UTF-16 không lưu được; hãy bỏ nó đi.",
    ("bad_request", "pin_in_url"):
        "Đừng đặt mã PIN trong URL, nơi nhật ký truy cập lưu lại: hãy gửi nó trong tiêu đề "
        '%(header)s của yêu cầu GET, hoặc {"pin": "…"} trong nội dung JSON của yêu cầu POST tới '
        "%(lookup)s.",
    ("unauthenticated", None): "Hãy đăng nhập.",
    ("unauthenticated", "no_token"):
        "Hãy gửi 'Authorization: Bearer <token>'; lệnh `motcua user add` in ra token.",
    ("unauthenticated", "unknown_token"): "Token không tồn tại hoặc đã bị thu hồi.",
    ("unauthenticated", "unknown_session"):
        "Phiên đăng nhập đã hết hạn hoặc đã đăng xuất; hãy đăng nhập lại.",
    ("csrf_refused", None):
        "Yêu cầu dùng phiên đăng nhập phải gửi kèm mã chống giả mạo của phiên trong tiêu đề "
        "%(header)s; hãy tải lại trang.",
    ("unauthenticated", "bad_signature"):
        "Chữ ký X-Motcua-Signature của thông báo thanh toán thiếu hoặc không đúng.",
    ("not_found", "no_route"): "Không có địa chỉ này; tài liệu OpenAPI liệt kê các địa chỉ.",
    ("method_not_allowed", None): "Địa chỉ này không nhận phương thức %(method)s.",
    ("conflict", None): "Yêu cầu xung đột với trạng thái hiện tại.",
    ("body_too_large", None): "Nội dung yêu cầu quá lớn.",
    ("body_too_large", "submission"):
        "Hồ sơ nộp trực tuyến quá lớn: tối đa %(max_bytes)s byte.",
    ("unsupported_media_type", None): "Hãy gửi nội dung dạng application/json.",
    ("invalid_request", None): "Yêu cầu có trường không hợp lệ: hãy sửa các trường được liệt kê.",
    ("internal_error", None): "Máy chủ gặp lỗi ngoài dự kiến; lỗi đã được ghi lại.",
    ("unavailable", None): "Dịch vụ tạm thời không sẵn sàng; hãy thử lại sau.",
    ("unavailable", "database"):
        "Hiện không kết nối được cơ sở dữ liệu; hãy thử lại sau %(seconds)s giây.",
    ("unavailable", "rate_limit_store"):
        "Hiện không kết nối được kho đếm lượt tra cứu; hãy thử lại sau %(seconds)s giây.",
    ("assets_missing", None):
        "Chưa dựng tài nguyên bpmn-js của trang thiết kế: hãy chạy `make assets`.",
    ("too_many_requests", "http"): "Quá nhiều yêu cầu; hãy thử lại sau.",
    ("error", None): "Yêu cầu không thực hiện được.",
}
MESSAGES = {**DOMAIN_MESSAGES, **EDGE_MESSAGES}
# Marshmallow's default messages and the schemas' own, as the English templates they format.
FIELD_MESSAGES = {
    "Missing data for required field.": "Trường này là bắt buộc.",
    "1 to 255 printable ASCII characters (a UUID is a good key)":
        "Từ 1 đến 255 ký tự ASCII in được (nên dùng một UUID).",
    "Field may not be null.": "Trường này không được để trống (null).",
    "Invalid value.": "Giá trị không hợp lệ.",
    "Invalid input.": "Giá trị không hợp lệ.",
    "Invalid type.": "Kiểu dữ liệu không hợp lệ.",
    "Invalid input type.": "Kiểu dữ liệu không hợp lệ.",
    "Unknown field.": "Không có trường này.",
    "Not a valid boolean.": "Giá trị phải là có/không (true/false).",
    "Not a valid integer.": "Giá trị phải là số nguyên.",
    "Not a valid number.": "Giá trị phải là số.",
    "Number too large.": "Số quá lớn.",
    "Special numeric values (nan or infinity) are not permitted.":
        "Không được dùng giá trị số đặc biệt (nan, infinity).",
    "Not a valid string.": "Giá trị phải là văn bản.",
    "Not a valid utf-8 string.": "Văn bản không đúng mã UTF-8.",
    "Not a valid list.": "Giá trị phải là một danh sách.",
    "Not a valid mapping type.": "Giá trị phải là một đối tượng JSON.",
    "Not a valid date.": "Giá trị phải là một ngày (YYYY-MM-DD).",
    "Not a valid datetime.": "Giá trị phải là một thời điểm (ISO 8601).",
    "Not a valid aware datetime.": "Thời điểm phải có múi giờ (ISO 8601).",
    "Not a valid email address.": "Địa chỉ thư điện tử không hợp lệ.",
    "String does not match expected pattern.": "Giá trị không đúng định dạng yêu cầu.",
    "Must be one of: {choices}.": "Hãy chọn một trong: %(choices)s.",
    "Length must be between {min} and {max}.": "Độ dài phải từ %(min)s đến %(max)s.",
    "Length must be {equal}.": "Độ dài phải là %(equal)s.",
    "Longer than maximum length {max}.": "Độ dài không được quá %(max)s.",
    "Shorter than minimum length {min}.": "Độ dài phải ít nhất %(min)s.",
    "Must be greater than or equal to {min} and less than or equal to {max}.":
        "Giá trị phải từ %(min)s đến %(max)s.",
    "Must be greater than {min} and less than {max}.":
        "Giá trị phải lớn hơn %(min)s và nhỏ hơn %(max)s.",
    "Must be greater than or equal to {min}.": "Giá trị phải lớn hơn hoặc bằng %(min)s.",
    "Must be less than or equal to {max}.": "Giá trị phải nhỏ hơn hoặc bằng %(max)s.",
    "Must be greater than {min}.": "Giá trị phải lớn hơn %(min)s.",
    "Must be less than {max}.": "Giá trị phải nhỏ hơn %(max)s.",
    "give a day from {min} to {max}": "Hãy cho một ngày từ %(min)s đến %(max)s.",
    "give a moment from {min} to {max}": "Hãy cho một thời điểm từ %(min)s đến %(max)s.",
    "until must come after since": "until phải sau since.",
    "'from' must be on or before 'to'": "from phải trước hoặc trùng to.",
    "a citizen ID has 12 digits (or 9 for an old ID card)":
        "Số định danh cá nhân có 12 chữ số (hoặc 9 với chứng minh nhân dân cũ).",
    "the PIN is the 6 digits printed on the receipt slip":
        "Mã PIN là 6 chữ số in trên Giấy tiếp nhận.",
    "give at least one of bpmn_xml, meta, forms, change_note":
        "Hãy cho ít nhất một trong bpmn_xml, meta, forms, change_note.",
    "give working_days or working_hours, not both":
        "Hãy cho working_days hoặc working_hours, không cho cả hai.",
    "give working_days or working_hours (or a procedure)":
        "Hãy cho working_days hoặc working_hours (hoặc một thủ tục).",
}
# Parameters shown as a person reads them rather than as stored.
ROLE_PARAMETERS = {"role", "required_role"}
ROLE_VALUES = {role.value for role in Role}
MOMENT_PARAMETERS = {"until", "current", "latest", "first_used_at"}
DAY_PARAMETERS = {"day", "first_day", "last_day", "received_on"}


def say(code: str, reason: str | None = None, /, **params) -> str:
    """Return the message of an error code (and reason) in the request's language."""
    msgid = MESSAGES.get((code, reason)) or MESSAGES[(code, None)]
    return gettext(msgid, **{name: _shown(name, value) for name, value in params.items()})


def message_of(err: DomainError) -> str:
    """Say a domain error from its code, reason and details."""
    return say(err.code, err.details.get("reason"), **err.details)


def details_of(err: DomainError) -> dict:
    """Return the error's details with each listed field's message in the reader's language.

    A form's fields are said from jsonschema's validator kind; the fields of any other error
    share the error's own message.
    """
    fields = err.details.get("fields")
    if not isinstance(fields, list):
        return err.details
    if isinstance(err, InvalidFormData):
        said = [{**row, "message": problem_message(problem)}
                for row, problem in zip(fields, err.problems, strict=True)]
    else:
        said = [{**row, "message": message_of(err)} for row in fields]
    return {**err.details, "fields": said}


def field_message(text: str) -> str:
    """Say one of marshmallow's or a schema's field messages in the request's language."""
    for pattern, msgid in _FIELD_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            return gettext(msgid, **match.groupdict())
    return text


def _pattern(template: str) -> re.Pattern:
    parts = re.split(r"\{(\w+)\}", template)
    return re.compile("".join(f"(?P<{part}>.+?)" if index % 2 else re.escape(part)
                              for index, part in enumerate(parts)), re.DOTALL)


_FIELD_PATTERNS = [(_pattern(template), msgid) for template, msgid in FIELD_MESSAGES.items()]


def _shown(name: str, value) -> str:
    if value is None:
        return "—"
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    if name in ROLE_PARAMETERS and value in ROLE_VALUES:
        return role_name(value)
    if name in MOMENT_PARAMETERS and isinstance(value, str):
        return local_moment(datetime.fromisoformat(value))
    if name in DAY_PARAMETERS and isinstance(value, str):
        return local_date(date.fromisoformat(value))
    return str(value)
