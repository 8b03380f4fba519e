"""Small HTTP helpers shared by the end-to-end tests."""

BIRTH = "1.001193"
BIRTH_INTAKE = {
    "child_full_name": "Nguyễn Minh Khôi",
    "child_date_of_birth": "2026-02-20",
    "child_sex": "male",
    "child_place_of_birth": "Trạm y tế xã Xuân Hòa",
    "mother_full_name": "Lê Thị Thu",
}
APPLICANT = {"full_name": "Nguyễn Văn Bình", "id_number": "038090001234", "phone": "0912345678"}
REVIEW_APPROVE = {
    "review_decision": "approve",
    "civil_register_book": "01/2026",
    "civil_register_entry_number": "57",
    "personal_id_number": "038226000057",
}


def receive(http, person, procedure=BIRTH, form_data=None, **extra):
    """Receive a dossier over HTTP and return the response."""
    body = {"procedure_code": procedure, "applicant": APPLICANT,
            "form_data": BIRTH_INTAKE if form_data is None else form_data, **extra}
    return http.post("/api/v1/dossiers", json=body, headers=person.headers)


def received(http, person, **kwargs) -> dict:
    """Receive a dossier and return its body, failing loudly if refused."""
    response = receive(http, person, **kwargs)
    assert response.status_code == 201, response.text
    return response.json()


def open_step(http, person, code: str, step: str) -> dict:
    """Return the dossier's open step with this id."""
    dossier = http.get(f"/api/v1/dossiers/{code}", headers=person.headers).json()
    matching = [s for s in dossier["open_steps"] if s["step"] == step]
    assert matching, f"step {step} is not open; open: {[s['step'] for s in dossier['open_steps']]}"
    return matching[0]


def do_step(http, person, task_id: int, form_data: dict) -> dict:
    """Claim and complete a step; return the completed step."""
    claim = http.post(f"/api/v1/tasks/{task_id}/claim", headers=person.headers)
    assert claim.status_code == 200, claim.text
    done = http.post(f"/api/v1/tasks/{task_id}/complete", json={"form_data": form_data},
                     headers=person.headers)
    assert done.status_code == 200, done.text
    return done.json()
