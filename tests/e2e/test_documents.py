"""Reception attaches a dossier's components; whoever may see the dossier fetches its files."""

import hashlib
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from api.cli_documents import documents_group
from engine.document_store import DirectoryStore
from tests.conftest import snapshot
from tests.e2e.helpers import APPLICANT, received

SCAN = b"%PDF-1.7\n" + b"giay chung sinh " * 200 + b"\n%%EOF\n"
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 500
OTHER_CITIZEN = {**APPLICANT, "id_number": "001099007777", "full_name": "Trần Thị Mai"}


@pytest.fixture
def documents_dir(app, tmp_path) -> Path:
    """The document store of this test: an empty directory of its own."""
    root = tmp_path / "documents"
    app.config["MOTCUA_DOCUMENTS_DIR"] = str(root)
    return root


def attach(http, person, code, *, required_document=1, handling="digitised", content=SCAN,
           name="scan.pdf", **fields):
    """Attach a component over multipart/form-data and return the response."""
    files = {"file": (name, content, "application/pdf")} if content is not None else None
    data = {"required_document": str(required_document), "handling": handling,
            **{key: str(value) for key, value in fields.items()}}
    return http.post(f"/api/v1/dossiers/{code}/documents", data=data, files=files,
                     headers=person.headers)


def blobs(root: Path) -> list[str]:
    return list(DirectoryStore(root).hashes())


def blob_path(root: Path, sha256: str) -> Path:
    """Where the store keeps a blob: sharded by the hash's first two pairs of hex digits."""
    return root / sha256[:2] / sha256[2:4] / sha256


def test_a_digitised_scan_is_stored_by_its_hash_listed_and_fetched_as_an_attachment(
        http, staff, documents_dir):
    dossier = received(http, staff["reception"])

    attached = attach(http, staff["reception"], dossier["code"], required_document=1)
    listed = http.get(f"/api/v1/dossiers/{dossier['code']}/documents",
                      headers=staff["office"].headers)
    fetched = http.get(f"/api/v1/dossiers/{dossier['code']}/documents/{attached.json()['id']}",
                       headers=staff["office"].headers)

    sha256 = hashlib.sha256(SCAN).hexdigest()
    assert attached.status_code == 201, attached.text
    assert listed.json() == [{
        "id": attached.json()["id"], "kind": "component", "stage": "receipt",
        "title": "Giấy chứng sinh; trường hợp không có thì văn bản xác nhận của người làm chứng "
                 "hoặc giấy cam đoan về việc sinh",
        "required_document": 1, "handling": "digitised", "media_type": "application/pdf",
        "size": len(SCAN), "sha256": sha256, "uploaded_at": attached.json()["uploaded_at"],
        "uploaded_by": "reception", "reused_from": None}]
    assert fetched.status_code == 200
    assert fetched.content == SCAN
    assert fetched.headers["Content-Type"] == "application/pdf"
    assert fetched.headers["Content-Disposition"].startswith("attachment;")
    assert fetched.headers["X-Content-Type-Options"] == "nosniff"
    assert blob_path(documents_dir, sha256).read_bytes() == SCAN


def test_the_type_comes_from_the_content_whatever_the_name_says(http, staff, documents_dir):
    dossier = received(http, staff["reception"])

    photo = attach(http, staff["reception"], dossier["code"], content=PHOTO, name="scan.pdf")

    assert photo.status_code == 201, photo.text
    assert photo.json()["media_type"] == "image/jpeg"


def test_the_same_bytes_attached_twice_are_stored_once(http, staff, documents_dir):
    dossier = received(http, staff["reception"])

    first = attach(http, staff["reception"], dossier["code"], required_document=0)
    second = attach(http, staff["reception"], dossier["code"], required_document=1)

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["sha256"] == second.json()["sha256"]
    assert first.json()["id"] != second.json()["id"]
    assert blobs(documents_dir) == [hashlib.sha256(SCAN).hexdigest()]


def test_an_executable_renamed_pdf_is_refused_415_naming_the_accepted_types(
        http, staff, session, documents_dir):
    dossier = received(http, staff["reception"])
    before = snapshot(session)

    refused = attach(http, staff["reception"], dossier["code"], content=EXECUTABLE,
                     name="giay-chung-sinh.pdf")

    assert refused.status_code == 415
    assert refused.json()["error"]["code"] == "unsupported_document_type"
    assert "PDF, JPEG, PNG" in refused.json()["error"]["message"]
    assert snapshot(session) == before
    assert blobs(documents_dir) == []


def test_a_file_over_the_size_limit_is_refused_413_naming_the_limit(
        http, staff, session, app, documents_dir):
    app.config["MOTCUA_MAX_DOCUMENT_BYTES"] = len(SCAN) - 1
    dossier = received(http, staff["reception"])
    before = snapshot(session)

    over_by_a_byte = attach(http, staff["reception"], dossier["code"])
    far_over = attach(http, staff["reception"], dossier["code"], content=SCAN * 100)

    for refused in (over_by_a_byte, far_over):
        assert refused.status_code == 413
        assert refused.json()["error"]["code"] == "document_too_large"
        assert refused.json()["error"]["details"]["limit"] == "MOTCUA_MAX_DOCUMENT_BYTES"
        assert refused.json()["error"]["details"]["max_bytes"] == len(SCAN) - 1
    assert f"{len(SCAN) - 1} byte (MOTCUA_MAX_DOCUMENT_BYTES)" in far_over.json()["error"][
        "message"]
    assert snapshot(session) == before
    assert blobs(documents_dir) == []


def test_a_scan_over_the_global_body_limit_is_accepted_up_to_its_own(
        http, staff, app, documents_dir):
    big = b"%PDF-1.4\n" + b"x" * (app.config["MAX_CONTENT_LENGTH"] + 100_000)
    dossier = received(http, staff["reception"])

    attached = attach(http, staff["reception"], dossier["code"], content=big)

    assert attached.status_code == 201, attached.text
    assert attached.json()["size"] == len(big)


def test_a_dossier_holding_the_most_documents_refuses_another_422_naming_the_limit(
        http, staff, session, app, documents_dir):
    app.config["MOTCUA_MAX_DOCUMENTS_PER_DOSSIER"] = 2
    dossier = received(http, staff["reception"])
    for number in (0, 1):
        assert attach(http, staff["reception"], dossier["code"],
                      required_document=number).status_code == 201
    before = snapshot(session)

    refused = attach(http, staff["reception"], dossier["code"], required_document=2,
                     handling="shown", content=None)

    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "too_many_documents"
    assert refused.json()["error"]["details"]["limit"] == "MOTCUA_MAX_DOCUMENTS_PER_DOSSIER"
    assert refused.json()["error"]["details"]["max_documents"] == 2
    assert snapshot(session) == before


def test_a_component_shown_at_the_counter_is_recorded_without_a_file(http, staff, documents_dir):
    dossier = received(http, staff["reception"])

    shown = attach(http, staff["reception"], dossier["code"], required_document=2,
                   handling="shown", content=None)
    fetched = http.get(f"/api/v1/dossiers/{dossier['code']}/documents/{shown.json()['id']}",
                       headers=staff["reception"].headers)

    assert shown.status_code == 201, shown.text
    assert (shown.json()["handling"], shown.json()["sha256"]) == ("shown", None)
    assert fetched.status_code == 404
    assert blobs(documents_dir) == []


def test_a_component_held_from_the_citizens_earlier_dossier_is_reused_without_a_new_file(
        http, staff, documents_dir):
    earlier = received(http, staff["reception"])
    scan = attach(http, staff["reception"], earlier["code"], required_document=1).json()
    later = received(http, staff["reception"])

    held = http.get("/api/v1/documents/held", params={"id_number": APPLICANT["id_number"]},
                    headers=staff["reception"].headers)
    reused = attach(http, staff["reception"], later["code"], handling="reused", content=None,
                    reuse_of=held.json()[0]["id"])
    fetched = http.get(f"/api/v1/dossiers/{later['code']}/documents/{reused.json()['id']}",
                       headers=staff["reception"].headers)

    assert held.status_code == 200
    assert held.json() == [{"id": scan["id"], "title": scan["title"],
                            "uploaded_at": scan["uploaded_at"]}]
    assert reused.status_code == 201, reused.text
    assert reused.json()["reused_from"] == scan["id"]
    assert reused.json()["sha256"] == scan["sha256"]
    assert fetched.content == SCAN
    assert blobs(documents_dir) == [scan["sha256"]]


def test_another_citizens_document_cannot_be_reused_and_nothing_changes(
        http, staff, session, documents_dir):
    theirs = received(http, staff["reception"])
    scan = attach(http, staff["reception"], theirs["code"]).json()
    mine = received(http, staff["reception"], applicant=OTHER_CITIZEN)
    before = snapshot(session)

    refused = attach(http, staff["reception"], mine["code"], handling="reused", content=None,
                     reuse_of=scan["id"])
    held = http.get("/api/v1/documents/held", params={"id_number": OTHER_CITIZEN["id_number"]},
                    headers=staff["reception"].headers)

    assert refused.status_code == 422
    assert refused.json()["error"]["details"]["reason"] == "not_held_for_citizen"
    assert held.json() == []
    assert snapshot(session) == before


def test_documents_follow_the_dossiers_access_policy(http, staff, session, documents_dir):
    dossier = received(http, staff["reception"])
    scan = attach(http, staff["reception"], dossier["code"]).json()
    listing = f"/api/v1/dossiers/{dossier['code']}/documents"
    before = snapshot(session)

    other_list = http.get(listing, headers=staff["economic"].headers)
    other_file = http.get(f"{listing}/{scan['id']}", headers=staff["economic"].headers)
    officer_attaches = attach(http, staff["office"], dossier["code"], required_document=0)
    officer_lists_held = http.get("/api/v1/documents/held", headers=staff["office"].headers,
                                  params={"id_number": APPLICANT["id_number"]})
    own_file = http.get(f"{listing}/{scan['id']}", headers=staff["office"].headers)

    assert (other_list.status_code, other_file.status_code) == (404, 404)
    assert other_list.json()["error"]["code"] == "dossier_not_found"
    assert officer_attaches.status_code == 403
    assert officer_lists_held.status_code == 403
    assert own_file.status_code == 200
    assert snapshot(session) == before


def test_an_anonymous_upload_is_refused_before_its_body_is_read(http, staff, documents_dir):
    dossier = received(http, staff["reception"])

    refused = http.post(f"/api/v1/dossiers/{dossier['code']}/documents",
                        data={"required_document": "1", "handling": "digitised"},
                        files={"file": ("scan.pdf", SCAN, "application/pdf")})

    assert refused.status_code == 401
    assert blobs(documents_dir) == []


def test_staff_working_on_the_dossier_add_a_result_listed_with_its_documents(
        http, staff, documents_dir):
    dossier = received(http, staff["reception"])

    result = http.post(f"/api/v1/dossiers/{dossier['code']}/results",
                       data={"title": "Trích lục khai sinh"},
                       files={"file": ("trich-luc.pdf", SCAN, "application/pdf")},
                       headers=staff["office"].headers)
    outsider = http.post(f"/api/v1/dossiers/{dossier['code']}/results",
                         data={"title": "Trích lục khai sinh"},
                         files={"file": ("trich-luc.pdf", SCAN, "application/pdf")},
                         headers=staff["economic"].headers)
    listed = http.get(f"/api/v1/dossiers/{dossier['code']}/documents",
                      headers=staff["reception"].headers)

    assert result.status_code == 201, result.text
    assert (result.json()["kind"], result.json()["title"]) == ("result", "Trích lục khai sinh")
    assert outsider.status_code == 404
    assert [d["kind"] for d in listed.json()] == ["result"]


def test_verify_names_stored_files_changed_or_missing_and_exits_non_zero(
        http, staff, app, documents_dir):
    dossier = received(http, staff["reception"])
    scan = attach(http, staff["reception"], dossier["code"]).json()
    photo = attach(http, staff["reception"], dossier["code"], required_document=0,
                   content=PHOTO).json()
    runner = app.test_cli_runner()
    intact = runner.invoke(documents_group, ["verify"])
    blob_path(documents_dir, scan["sha256"]).write_bytes(SCAN.replace(b"giay", b"GIAY", 1))
    blob_path(documents_dir, photo["sha256"]).unlink()

    broken = runner.invoke(documents_group, ["verify"])

    assert intact.exit_code == 0, intact.output
    assert intact.stdout.startswith("Documents intact: 2 files")
    assert broken.exit_code == 1
    assert f"CHANGED {scan['sha256']}" in broken.stderr
    assert f"MISSING {photo['sha256']}" in broken.stderr
    assert "1 missing and 1 changed of 2 files" in broken.stderr


@time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")),
                     tick=False)
def test_the_progress_report_counts_components_from_records_and_typed_counters_for_older(
        http, staff, documents_dir):
    received(http, staff["reception"], components={"total": 2, "digitised": 1, "reused": 1})
    first = received(http, staff["reception"])
    scan = attach(http, staff["reception"], first["code"], required_document=0).json()
    attach(http, staff["reception"], first["code"], required_document=1, content=PHOTO)
    second = received(http, staff["reception"], components={"total": 4, "digitised": 0,
                                                             "reused": 0})
    attach(http, staff["reception"], second["code"], required_document=0, handling="reused",
           content=None, reuse_of=scan["id"])
    attach(http, staff["reception"], second["code"], required_document=1)
    for _ in range(2):  # shown twice, handed in once
        attach(http, staff["reception"], second["code"], required_document=2,
               handling="shown", content=None)
    report = http.get("/api/v1/reports/progress",
                      params={"from": "2026-03-02", "to": "2026-03-02"},
                      headers=staff["supervisor"].headers)

    total = report.json()["rows"][-1]
    # Handed in 2 + 2 + 3; digitised 1 + 2 + 1; reused 1 + 0 + 1.
    assert (total["digitised_share"], total["reused_share"]) == (round(4 / 7, 4),
                                                                 round(2 / 7, 4))
