"""The departments over HTTP, for designers picking a procedure's or a lane's."""


def test_the_departments_are_listed_for_the_metadata_editor(http, staff):
    response = http.get("/api/v1/departments", headers=staff["designer"].headers)

    assert response.status_code == 200
    departments = {d["code"]: d for d in response.json()}
    assert departments["OFFICE"]["name_vi"].startswith("Văn phòng")
    assert departments["LAND_BRANCH"]["external"] is True
