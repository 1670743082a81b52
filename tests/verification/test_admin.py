"""The census and the verified residents in the back office: who may use them, the upload
with its reported lines, deletion, the list and revocation."""

import io

import pytest
from sqlalchemy import func
from sqlalchemy import select

from decide.core.models import ActionLog
from decide.spaces.models import Role
from decide.verification.models import CensusEntry
from decide.verification.models import Verification
from decide.verification.services import identity_hash
from tests.conftest import STAFF_PASSWORD
from tests.verification.conftest import census_file


def upload(client, data: bytes, name: str = "census.csv"):
    return client.post("/admin/census", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def census_size(db) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(CensusEntry.id)))


def text(response) -> str:
    return response.get_data(as_text=True).replace("&#34;", '"').replace("&#39;", "'")


@pytest.fixture
def holder(create_user, verified):
    return verified(create_user(nickname="holder"), document="H1")


@pytest.fixture
def become(client, create_user, create_process, grant):
    """Sign in as a persona: anonymous, resident, process admin, moderator or admin."""
    def sign_in(persona: str):
        if persona == "anonymous":
            return None
        person = create_user(admin=persona == "admin",
                             password=STAFF_PASSWORD)
        if persona in ("process admin", "moderator"):
            role = Role.PROCESS_ADMIN if persona == "process admin" else Role.MODERATOR
            grant(person, create_process(), role)
        response = client.post("/signin", data={"email": person.email,
                                                "password": STAFF_PASSWORD})
        assert response.status_code == 302
        return person

    return sign_in


PERSONAS = ["anonymous", "resident", "process admin", "moderator", "admin"]


def pages(holder_id: int) -> list[tuple[str, str]]:
    return [("GET", "/admin/census"), ("POST", "/admin/census"),
            ("GET", "/admin/census/delete"), ("POST", "/admin/census/delete"),
            ("GET", "/admin/verifications"),
            ("GET", f"/admin/verifications/{holder_id}/revoke"),
            ("POST", f"/admin/verifications/{holder_id}/revoke")]


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_organization_admins_reach_the_census_and_verifications(
        client, db, become, holder, census, persona):
    census("C1")
    become(persona)
    for method, url in pages(holder.id):
        before = (census_size(db), db.session.scalar(select(func.count(Verification.id))))
        if method == "GET":
            response = client.get(url)
        elif url == "/admin/census":
            response = upload(client, census_file(("N1", "1990-05-17")))
        else:
            response = client.post(url)
        if persona == "anonymous":
            assert response.status_code == 302 and "/signin" in response.location, url
        elif persona != "admin":
            assert response.status_code == 403, url
        else:
            assert response.status_code in (200, 303), url
        if persona != "admin":
            db.session.expire_all()
            after = (census_size(db), db.session.scalar(select(func.count(Verification.id))))
            assert after == before, url


def test_the_admin_menu_has_the_census(client, become):
    become("admin")
    html = text(client.get("/admin/"))
    assert 'href="/admin/census"' in html
    assert 'href="/admin/verifications"' in html


# --- the census -------------------------------------------------------------------------------

def test_the_page_says_how_many_people_and_when(client, become, census):
    become("admin")
    assert "People in the census" in text(client.get("/admin/census"))
    census("A1")
    census("B2")
    html = text(client.get("/admin/census"))
    assert "<dd>2</dd>" in html
    assert "Uploaded" in html
    assert 'href="/admin/census/delete"' in html


def test_an_upload_replaces_the_census_and_is_logged(client, db, become, census, holder):
    census("OLD")
    admin = become("admin")

    response = upload(client, census_file(("12.345.678-z", "1990-05-17"),
                                          ("X1", "01/02/2003")))

    assert response.status_code == 303
    assert response.location == "/admin/census"
    assert "The census is replaced: 2 people." in text(client.get(response.location))
    assert census_size(db) == 2
    assert db.session.scalar(select(CensusEntry.id).where(
        CensusEntry.identity_hash == identity_hash("12345678Z"))) is not None
    assert db.session.scalar(select(func.count(Verification.id))) == 1  # the holder's stays
    entry = db.session.scalars(select(ActionLog)).one()
    assert (entry.user_id, entry.action, entry.resource_type) == (admin.id, "upload", "census")
    assert "uploaded a new census" in text(client.get("/admin/logs"))


def test_malformed_lines_are_listed_and_nothing_is_imported(client, db, become, census):
    census("KEPT")
    become("admin")
    data = census_file(("A1", "1990-05-17"), ("", "1990-05-17"), ("B2", "31/02/1990"),
                       ("A1", "1990-05-17"), ("<b>C3</b>", "1990-05-17", "NOWHERE"))

    response = upload(client, data)

    assert response.status_code == 400
    html = text(response)
    assert "The census was not imported" in html
    assert "Line 3: The document number is missing." in html
    assert "Line 4: “31/02/1990” is not a date of birth" in html
    assert "Line 5: The same document number as line 2." in html
    assert "Line 6: Expected 2 values separated by commas, found 3." in html
    assert census_size(db) == 1
    assert db.session.scalar(select(func.count(ActionLog.id))) == 0


def test_a_file_of_many_bad_lines_lists_the_first_hundred(client, db, become):
    become("admin")
    data = census_file(*[("", "1990-05-17") for _ in range(150)])
    html = text(upload(client, data))
    assert "Line 101: " in html
    assert "Line 102: " not in html
    assert "and 50 more lines" in html


@pytest.mark.parametrize("data, name, message", [
    (b"", "census.csv", "The file is empty."),
    (b"dni;fecha\n1;2\n", "census.csv", "Line 1: The first line must name the columns"),
    ("document_number,birth_date\nÑ1,1990-05-17\n".encode("utf-16"), "census.csv",
     "is not UTF-8 text"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "picture.png", "is not UTF-8 text"),
])
def test_files_that_are_not_a_census_are_refused(client, db, become, data, name, message):
    become("admin")
    response = upload(client, data, name)
    assert response.status_code == 400
    assert message in text(response)
    assert census_size(db) == 0


def test_an_upload_without_a_file_is_refused(client, db, become):
    become("admin")
    for response in (client.post("/admin/census", data={}),
                     client.post("/admin/census", data={"file": "not a file"})):
        assert response.status_code == 400
        assert "Choose the file of the census." in text(response)
    assert census_size(db) == 0


def test_the_census_may_be_larger_than_other_forms_but_not_without_limit(app, client, db,
                                                                        become, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    monkeypatch.setitem(app.config, "CENSUS_MAX_CONTENT_LENGTH", 100_000)
    become("admin")
    data = census_file(*[(f"{number:08d}Z", "1980-01-01") for number in range(200)])
    assert 1000 < len(data) < 100_000
    assert client.post("/account", data={"name": "x" * 2000}).status_code == 413
    assert upload(client, data).status_code == 303
    assert census_size(db) == 200

    huge = census_file(*[(f"{number:08d}Z", "1980-01-01") for number in range(5000)])
    response = upload(client, huge)
    assert response.status_code == 413
    assert census_size(db) == 200


def test_the_census_is_deleted_after_confirmation(client, db, become, census, holder):
    census("A1")
    become("admin")
    confirmation = client.get("/admin/census/delete")
    assert confirmation.status_code == 200
    assert "Delete the census?" in text(confirmation)
    assert census_size(db) == 1

    response = client.post("/admin/census/delete")

    assert response.status_code == 303
    assert census_size(db) == 0
    assert db.session.scalar(select(func.count(Verification.id))) == 1
    assert db.session.scalars(select(ActionLog.action)).all() == ["delete"]
    assert "deleted the census" in text(client.get("/admin/logs"))


def test_deleting_without_a_token_deletes_nothing(client, db, become, census):
    census("A1")
    become("admin")
    response = client.post("/admin/census/delete", csrf=False)
    assert response.status_code == 400
    assert census_size(db) == 1


# --- verified residents ----------------------------------------------------------------------

def test_the_list_shows_nickname_date_and_district(client, become, create_user, verified,
                                                   create_scope):
    verified(create_user(nickname="ana", name="Ana Ruiz"),
             scope=create_scope(name={"en": "Harbour"}))
    verified(create_user(nickname="bo"))
    become("admin")
    html = text(client.get("/admin/verifications"))
    assert "2 verified residents" in html
    assert "@ana" in html and "Harbour" in html and "@bo" in html


def test_the_list_is_searched(client, become, create_user, verified):
    verified(create_user(nickname="ana", email="ana@example.org"))
    verified(create_user(nickname="bo", email="bo@example.org"))
    become("admin")
    html = text(client.get("/admin/verifications?q=ANA@EXAMPLE"))
    assert "1 verified resident" in html and "@ana" in html and "@bo" not in html
    for q in ("%", "<script>", "x" * 500, "\u00e9"):
        response = client.get("/admin/verifications", query_string={"q": q})
        assert response.status_code == 200
        assert "<script>" not in text(response).split("</header>", 1)[-1].replace(
            'value="<script>"', "")


def test_the_list_runs_the_same_queries_for_3_or_30(client, db, become, create_user,
                                                    verified, create_scope, count_queries):
    scope = create_scope()
    become("admin")

    def queries_for(number: int) -> int:
        while db.session.scalar(select(func.count(Verification.id))) < number:
            verified(create_user(), scope=scope)
        with count_queries() as counter:
            assert client.get("/admin/verifications").status_code == 200
        return counter.count

    assert queries_for(3) == queries_for(30)


def test_the_list_is_paginated(client, become, create_user, verified):
    for _ in range(51):
        verified(create_user())
    become("admin")
    first = text(client.get("/admin/verifications"))
    assert "Page 1 of 2" in first
    assert text(client.get("/admin/verifications?page=2")).count("/revoke") == 1
    assert client.get("/admin/verifications?page=abc").status_code == 200


def test_a_verification_is_revoked_after_confirmation(client, db, become, holder):
    admin = become("admin")
    confirmation = client.get(f"/admin/verifications/{holder.id}/revoke")
    assert "Revoke the verification of holder?" in text(confirmation)

    response = client.post(f"/admin/verifications/{holder.id}/revoke")

    assert response.status_code == 303
    assert "The verification of holder is revoked." in text(client.get(response.location))
    assert db.session.scalar(select(func.count(Verification.id))) == 0
    entry = db.session.scalars(select(ActionLog)).one()
    assert (entry.user_id, entry.action, entry.resource_id) == (
        admin.id, "revoke_verification", holder.id)
    assert "revoked the verification of" in text(client.get("/admin/logs"))


@pytest.mark.parametrize("target", ["unverified", "missing", "huge"])
def test_revoking_someone_not_verified_is_not_found(client, db, become, create_user, holder,
                                                    target):
    become("admin")
    user_id = {"unverified": create_user().id, "missing": 99_999,
               "huge": 10**30}[target]
    assert client.get(f"/admin/verifications/{user_id}/revoke").status_code == 404
    assert client.post(f"/admin/verifications/{user_id}/revoke").status_code == 404
    assert db.session.scalar(select(func.count(Verification.id))) == 1
