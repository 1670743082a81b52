"""The resident's verification page: the form, where it leads afterwards, bad input and the
rate limit."""

from datetime import date

import pytest
from sqlalchemy import func
from sqlalchemy import select

from decide.verification.models import Verification

BIRTH = "1990-05-17"
NOT_FOUND = ("We could not find this identity in the census. Check the document number and "
             "date of birth.")
TAKEN = "This identity already verifies another account. Contact the council to sort it out."


def verifications(db) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Verification.id)))


def page(response) -> str:
    return response.get_data(as_text=True).replace("&#39;", "'")


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/verification?next=/processes")
    assert response.status_code == 302
    assert response.location.startswith("/signin?next=")


def test_the_form_asks_for_document_and_date_of_birth(client, user, login):
    login(user)
    response = client.get("/verification")
    assert response.status_code == 200
    html = page(response)
    assert '<label for="document">Document number</label>' in html
    assert 'type="date"' in html and 'id="birth_date"' in html


def test_a_resident_of_the_census_is_verified_and_sent_to_the_account(client, db, user, login,
                                                                      census, create_scope):
    census("12345678Z", date(1990, 5, 17), scope=create_scope(name={"en": "Harbour"}))
    login(user)

    response = client.post("/verification", data={"document": "12.345.678-z",
                                                  "birth_date": BIRTH})

    assert response.status_code == 303
    assert response.location == "/account"
    assert verifications(db) == 1
    shown = page(client.get("/verification"))
    assert "Your identity is verified." in shown
    assert "Harbour" in shown
    assert 'name="document"' not in shown
    assert "Your identity is verified against the census" in page(client.get("/account"))


@pytest.mark.parametrize("target, expected", [
    ("/processes/green-streets/f/1/proposals/new", "/processes/green-streets/f/1/proposals/new"),
    ("/processes/x?order=recent#comments", "/processes/x?order=recent#comments"),
    ("https://evil.example/", "/account"),
    ("//evil.example/", "/account"),
    ("/\\evil.example", "/account"),
    ("javascript:alert(1)", "/account"),
])
def test_afterwards_the_resident_goes_back_only_to_this_site(client, user, login, census,
                                                             target, expected):
    census("A1")
    login(user)
    form = client.get("/verification", query_string={"next": target})
    assert form.status_code == 200

    response = client.post("/verification", data={"document": "A1", "birth_date": BIRTH,
                                                  "next": target})

    assert response.status_code == 303
    assert response.location == expected


def test_an_unsafe_next_is_not_offered_as_a_way_back(client, user, login, verified):
    verified(user)
    login(user)
    html = page(client.get("/verification", query_string={"next": "https://evil.example/"}))
    assert 'href="https://evil.example/"' not in html
    assert "Go back to what you were doing" not in html
    html = page(client.get("/verification", query_string={"next": "/processes"}))
    assert '<a class="button" href="/processes">Go back to what you were doing</a>' in html


@pytest.mark.parametrize("document, birth_date", [("A1", "1990-05-18"), ("B2", BIRTH)])
def test_a_wrong_identity_is_refused_without_saying_which_part(client, db, user, login,
                                                               census, document, birth_date):
    census("A1")
    login(user)
    response = client.post("/verification", data={"document": document,
                                                  "birth_date": birth_date})
    assert response.status_code == 400
    html = page(response)
    assert NOT_FOUND in html
    assert f'value="{document}"' in html  # what was typed is kept
    assert verifications(db) == 0


def test_an_identity_already_used_is_refused_with_whom_to_contact(client, db, user, login,
                                                                  create_user, census,
                                                                  verified):
    census("A1")
    verified(create_user(), document="A1")
    login(user)
    response = client.post("/verification", data={"document": "a-1", "birth_date": BIRTH})
    assert response.status_code == 400
    assert TAKEN in page(response)
    assert verifications(db) == 1


def test_a_verified_resident_posting_again_changes_nothing(client, db, user, login, census,
                                                           verified):
    census("A1")
    verified(user, document="B2")
    login(user)
    response = client.post("/verification", data={"document": "A1", "birth_date": BIRTH})
    assert response.status_code == 200
    assert "Your identity is verified." in page(response)
    assert verifications(db) == 1


@pytest.mark.parametrize("data, message", [
    ({}, "Fill in this field."),
    ({"document": "", "birth_date": BIRTH}, "Fill in this field."),
    ({"document": "A1", "birth_date": ""}, "Fill in this field."),
    ({"document": "9" * 65, "birth_date": BIRTH}, "Use at most 64 characters."),
    ({"document": "A1", "birth_date": "17 May 1990"}, "Enter a date like 1990-05-17."),
    ({"document": "A1", "birth_date": "1990-02-30"}, "Enter a date like 1990-05-17."),
    ({"document": "A1", "birth_date": ["1990-05-17", "x"]}, None),
    ({"document": "<script>alert(1)</script>", "birth_date": BIRTH}, NOT_FOUND),
    ({"document": "---", "birth_date": BIRTH}, "Enter the number of your identity document."),
    ({"document": "A\x001", "birth_date": BIRTH}, "Remove the control characters"),
])
def test_bad_input_is_refused_with_a_message(client, db, user, login, census, data, message):
    census("A1")
    login(user)
    response = client.post("/verification", data=data)
    if message is None:  # two dates: the first one is read, as any form field
        assert response.status_code in (303, 400)
        return
    assert response.status_code == 400
    html = page(response)
    assert message in html
    assert "<script>alert(1)</script>" not in html
    assert verifications(db) == 0


def test_attempts_are_limited_per_account(app, client, db, user, login, census, monkeypatch,
                                          create_user):
    monkeypatch.setitem(app.config, "RATELIMIT_VERIFICATION_ACCOUNT", "3 per 15 minutes")
    monkeypatch.setitem(app.config, "RATELIMIT_VERIFICATION_ADDRESS", "50 per 15 minutes")
    census("A1")
    login(user)
    wrong = {"document": "A1", "birth_date": "1990-01-01"}
    assert [client.post("/verification", data=wrong).status_code for _ in range(3)] == [400] * 3
    # Even the right answer waits now.
    locked = client.post("/verification", data={"document": "A1", "birth_date": BIRTH})
    assert locked.status_code == 429
    assert "Too many attempts" in page(locked)
    assert verifications(db) == 0
    assert client.get("/verification").status_code == 200  # reading is not limited

    other = app.test_client()  # another resident on the same machine
    neighbour = create_user()
    other.post("/signin", data={"email": neighbour.email,
                                "password": "correct-horse-battery-staple"})
    response = other.post("/verification", data={"document": "A1", "birth_date": BIRTH})
    assert response.status_code == 303


def test_attempts_are_limited_per_address(app, client, db, create_user, census, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_VERIFICATION_ACCOUNT", "50 per 15 minutes")
    monkeypatch.setitem(app.config, "RATELIMIT_VERIFICATION_ADDRESS", "3 per 15 minutes")
    census("A1")
    statuses = []
    for _ in range(4):
        browser = app.test_client()
        person = create_user()
        browser.post("/signin", data={"email": person.email,
                                      "password": "correct-horse-battery-staple"})
        statuses.append(browser.post("/verification", data={
            "document": "B2", "birth_date": BIRTH}).status_code)
    assert statuses == [400, 400, 400, 429]
    far = app.test_client()
    person = create_user()
    far.post("/signin", data={"email": person.email, "password": "correct-horse-battery-staple"},
             environ_base={"REMOTE_ADDR": "198.51.100.7"})
    response = far.post("/verification", data={"document": "A1", "birth_date": BIRTH},
                        environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert response.status_code == 303


def test_the_account_menu_leads_to_the_verification(client, user, login):
    login(user)
    html = page(client.get("/account"))
    assert 'href="/verification"' in html
    assert "Your identity is not verified." in html
