"""The census import and deletion, residents' verification and staff revocation, without
the client."""

import time
from datetime import date

import pytest
from flask import g
from sqlalchemy import func
from sqlalchemy import select

from decide.core.models import ActionLog
from decide.core.services import DomainError
from decide.verification import services
from decide.verification.models import CensusEntry
from decide.verification.models import Verification
from decide.verification.services import CensusFileError
from decide.verification.services import identity_hash
from tests.verification.conftest import census_file

BIRTH = date(1990, 5, 17)


def entries(db) -> list[CensusEntry]:
    return db.session.scalars(select(CensusEntry).order_by(CensusEntry.id)).all()


def problems_of(data: bytes) -> list[tuple[int, str]]:
    with pytest.raises(CensusFileError) as caught:
        services.read_census(data)
    return [(problem.line, problem.message) for problem in caught.value.problems]


# --- documents and dates -------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["12.345.678-z", " 12345678 Z ", "12345678z", "12-345-678Z"])
def test_a_document_is_compared_on_its_letters_and_digits(app, typed):
    assert services.normalize_document(typed) == "12345678Z"
    assert identity_hash(typed) == identity_hash("12345678Z")


def test_the_hash_is_keyed_with_the_census_key(app, monkeypatch):
    before = identity_hash("12345678Z")
    monkeypatch.setitem(app.config, "CENSUS_KEY", "another-key")
    assert identity_hash("12345678Z") != before
    assert "12345678" not in before


@pytest.mark.parametrize("text, expected", [
    ("1990-05-17", BIRTH), ("17/05/1990", BIRTH), (" 1990-05-17 ", BIRTH),
    ("1990-02-30", None), ("17.05.1990", None), ("05/17/1990", None), ("", None),
    ("3000-01-01", None), ("1700-01-01", None), ("yesterday", None),
])
def test_birth_dates_in_two_formats(text, expected):
    assert services.parse_birth_date(text) == expected


# --- the census ---------------------------------------------------------------------------

def test_import_stores_hashes_dates_and_scopes_only(db, admin, create_scope):
    north = create_scope(code="NORTH")
    data = census_file(("12.345.678-Z", "1990-05-17", "NORTH"), ("X1234567L", "01/02/2003", ""),
                       header="document_number,birth_date,scope")

    assert services.import_census(admin, data) == 2
    db.session.commit()

    rows = entries(db)
    assert [(row.identity_hash, row.birth_date, row.scope_id) for row in rows] == [
        (identity_hash("12345678Z"), BIRTH, north.id),
        (identity_hash("X1234567L"), date(2003, 2, 1), None),
    ]
    assert all("12345678" not in row.identity_hash for row in rows)
    assert services.census_status().entries == 2
    assert services.census_status().uploaded_at is not None


def test_scope_codes_match_whatever_their_case(db, admin, create_scope):
    north = create_scope(code="North")
    services.import_census(admin, census_file(("A1", "1990-05-17", "NORTH"),
                                              header="document_number,birth_date,scope"))
    assert entries(db)[0].scope_id == north.id


def test_a_bom_semicolons_and_blank_lines_are_read(db, admin):
    data = "\ufeffDocument_Number;Birth_Date\r\nA1;1990-05-17\r\n\r\nB2;17/05/1990\r\n\r\n"
    assert services.import_census(admin, data.encode()) == 2


def test_a_new_census_replaces_the_old_and_keeps_verifications(db, admin, user, census,
                                                               verified):
    census("OLD1")
    census("OLD2")
    verified(user, document="OLD1")

    services.import_census(admin, census_file(("NEW1", "2000-01-01")))
    db.session.commit()

    assert [row.identity_hash for row in entries(db)] == [identity_hash("NEW1")]
    assert db.session.scalar(select(Verification.identity_hash)) == identity_hash("OLD1")


@pytest.mark.parametrize("body, expected", [
    (b"document_number,birth_date\n,1990-05-17\n",
     [(2, "The document number is missing.")]),
    (b"document_number,birth_date\n--.--,1990-05-17\n",
     [(2, "The document number is missing.")]),
    (b"document_number,birth_date\nA1,1990-13-01\n",
     [(2, "\u201c1990-13-01\u201d is not a date of birth: write it as YYYY-MM-DD or DD/MM/YYYY.")]),
    (b"document_number,birth_date\nA1\n",
     [(2, "Expected 2 values separated by commas, found 1.")]),
    (b"document_number,birth_date,scope\nA1,1990-05-17,NOWHERE\n",
     [(2, "No scope has the code \u201cNOWHERE\u201d.")]),
    (b"document_number,birth_date\nA1,1990-05-17\nB2,1990-05-17\na-1,1991-01-01\n",
     [(4, "The same document number as line 2.")]),
    (b"document_number,birth_date\n" + b"9" * 65 + b",1990-05-17\n",
     [(2, "The document number is longer than 64 characters.")]),
])
def test_each_malformed_line_is_reported_by_number(db, body, expected):
    assert problems_of(body) == expected


def test_every_malformed_line_is_reported_at_once(db):
    body = (b"document_number,birth_date\nA1,1990-05-17\n,1990-05-17\nB2,someday\n"
            b"C3,1990-05-17\nA1,1990-05-17\n")
    assert [line for line, _message in problems_of(body)] == [3, 4, 6]


@pytest.mark.parametrize("header", [
    b"dni,fecha", b"birth_date,document_number", b"document_number", b"", b"   ",
    b"document_number,birth_date,scope,extra",
])
def test_a_wrong_header_is_refused(db, header):
    problems = problems_of(header + b"\nA1,1990-05-17\n")
    assert [line for line, _message in problems] == [1]


def test_a_file_that_is_not_utf8_is_refused_by_line(db):
    body = "document_number,birth_date\nA1,1990-05-17\nÑ2,1990-05-17\n".encode("latin-1")
    problems = problems_of(body)
    assert problems == [(3, "This line is not UTF-8 text: save the file as CSV UTF-8.")]


def test_a_malformed_file_imports_nothing_and_keeps_the_census(db, admin, census):
    census("KEPT")
    body = census_file(("A1", "1990-05-17"), ("B2", "not a date"))

    with pytest.raises(CensusFileError):
        services.import_census(admin, body)
    db.session.rollback()

    assert [row.identity_hash for row in entries(db)] == [identity_hash("KEPT")]
    assert db.session.scalar(select(func.count(ActionLog.id))) == 0


def test_upload_and_deletion_go_to_the_action_log(db, admin):
    services.import_census(admin, census_file(("A1", "1990-05-17"), ("B2", "1990-05-17")))
    assert services.delete_census(admin) == 2
    db.session.commit()

    log = db.session.scalars(select(ActionLog).order_by(ActionLog.id)).all()
    assert [(entry.action, entry.resource_type, entry.user_id, entry.details)
            for entry in log] == [("upload", "census", admin.id, {"entries": 2}),
                                  ("delete", "census", admin.id, {"entries": 2})]


def test_deleting_the_census_keeps_verifications(db, admin, user, census, verified):
    census("A1")
    verified(user, document="A1")

    services.delete_census(admin)
    db.session.commit()

    assert entries(db) == []
    assert services.census_status() == services.CensusStatus(0, None)
    assert services.is_verified(user)


def test_fifty_thousand_people_import_in_a_few_seconds(db, admin):
    rows = [(f"{number:08d}Z", "1980-01-01") for number in range(50_000)]
    data = census_file(*rows)

    start = time.perf_counter()
    assert services.import_census(admin, data) == 50_000
    db.session.commit()
    elapsed = time.perf_counter() - start

    assert db.session.scalar(select(func.count(CensusEntry.id))) == 50_000
    assert elapsed < 5, f"{elapsed:.1f} s"


# --- residents ---------------------------------------------------------------------------

def test_a_resident_of_the_census_is_verified_with_its_district_and_birth_date(
        db, user, census, create_scope):
    north = create_scope()
    census("12345678Z", BIRTH, scope=north)

    verification = services.verify_identity(user, document="12.345.678-z", birth_date=BIRTH)
    db.session.commit()

    assert verification.user_id == user.id
    assert (verification.birth_date, verification.scope_id) == (BIRTH, north.id)
    assert services.verification_of(user) == verification
    assert services.is_verified(user)


def test_the_request_cache_is_cleared_after_verifying(db, user, census):
    census("A1")
    assert not services.is_verified(user)  # cached as "not verified"
    services.verify_identity(user, document="A1", birth_date=BIRTH)
    assert services.is_verified(user)
    assert user.id in g.verifications


@pytest.mark.parametrize("document, birth_date", [
    ("A1", date(1990, 5, 18)),  # the wrong date
    ("B2", BIRTH),  # not in the census
])
def test_a_wrong_identity_gets_one_generic_message(db, user, census, document, birth_date):
    census("A1")
    with pytest.raises(DomainError) as caught:
        services.verify_identity(user, document=document, birth_date=birth_date)
    assert caught.value.message == ("We could not find this identity in the census. Check the "
                                    "document number and date of birth.")
    assert not services.is_verified(user)


def test_an_identity_verifies_one_account_only(db, user, create_user, census):
    census("A1")
    services.verify_identity(user, document="A1", birth_date=BIRTH)
    db.session.commit()
    other = create_user()

    with pytest.raises(DomainError) as caught:
        services.verify_identity(other, document="a-1", birth_date=BIRTH)

    assert "already verifies another account" in caught.value.message
    assert "Contact the council" in caught.value.message
    assert not services.is_verified(other)


def test_a_concurrent_duplicate_is_refused_by_the_database(db, user, create_user, census,
                                                           monkeypatch):
    """Two accounts at once: the check passed for both; the unique hash settles it."""
    census("A1")
    other = create_user()
    db.session.add(Verification(user_id=other.id, identity_hash=identity_hash("A1"),
                                birth_date=BIRTH))
    db.session.flush()
    real_scalar = db.session.scalar
    # The check that the identity is free sees nothing, as a concurrent request would.
    monkeypatch.setattr(db.session, "scalar", lambda query, *a, **k: None
                        if "verification_verifications.identity_hash" in str(query)
                        else real_scalar(query, *a, **k))

    with pytest.raises(DomainError) as caught:
        services.verify_identity(user, document="A1", birth_date=BIRTH)

    assert "already verifies another account" in caught.value.message


def test_an_account_verifies_once(db, user, census, verified):
    census("A1")
    verified(user, document="B2")
    with pytest.raises(DomainError, match="already verified"):
        services.verify_identity(user, document="A1", birth_date=BIRTH)


@pytest.mark.parametrize("document, field", [("", "document"), ("--- ...", "document"),
                                             ("9" * 65, "document")])
def test_a_document_must_be_given_and_short(db, user, document, field):
    with pytest.raises(DomainError) as caught:
        services.verify_identity(user, document=document, birth_date=BIRTH)
    assert caught.value.field == field


def test_a_blocked_account_cannot_verify(db, create_user, census):
    from decide.core.models import utcnow

    census("A1")
    blocked = create_user(blocked_at=utcnow())
    with pytest.raises(DomainError):
        services.verify_identity(blocked, document="A1", birth_date=BIRTH)


# --- staff ------------------------------------------------------------------------------

def test_revoking_frees_the_identity_and_is_logged(db, admin, user, create_user, census,
                                                   verified):
    census("A1")
    verified(user, document="A1")
    assert services.is_verified(user)

    services.revoke_verification(admin, user)
    db.session.commit()

    assert not services.is_verified(user)
    entry = db.session.scalars(select(ActionLog)).one()
    assert (entry.action, entry.resource_type, entry.resource_id) == (
        "revoke_verification", "user", user.id)
    other = create_user()
    services.verify_identity(other, document="A1", birth_date=BIRTH)
    assert services.is_verified(other)


def test_revoking_an_account_that_is_not_verified_is_refused(db, admin, user):
    with pytest.raises(DomainError):
        services.revoke_verification(admin, user)


def test_the_list_is_searched_and_paginated(db, create_user, verified, create_scope):
    north = create_scope()
    for number in range(5):
        verified(create_user(nickname=f"walker{number}"), scope=north)
    verified(create_user(nickname="ana", email="ana@example.org"))
    create_user(nickname="walker-unverified")

    total, rows, page, pages = services.list_verifications(q="walker", per_page=2, page=3)
    assert (total, page, pages, len(rows)) == (5, 3, 3, 1)
    total, rows, _page, _pages = services.list_verifications(q="ANA@example")
    assert [row.user.nickname for row in rows] == ["ana"]
    assert services.list_verifications(q="%")[0] == 0
    assert services.list_verifications()[0] == 6
