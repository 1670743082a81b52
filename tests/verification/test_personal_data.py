"""A verification is personal data: "download my data" lists it, deleting the account
deletes it (and frees the identity for nobody else to claim by mistake: it is gone)."""

import json
from datetime import date

from sqlalchemy import func
from sqlalchemy import select

from decide.core.services import delete_account
from decide.core.services import export_user_data
from decide.verification.models import Verification
from tests.conftest import DEFAULT_PASSWORD


def test_the_download_lists_the_verification_without_the_identity(client, user, login,
                                                                  verified):
    verified(user, document="12345678Z", birth_date=date(1984, 2, 29))
    login(user)

    response = client.get("/account/data")

    assert response.status_code == 200
    data = json.loads(response.get_data(as_text=True))
    rows = data["verification_verifications"]
    assert len(rows) == 1
    assert rows[0]["birth_date"] == "1984-02-29"
    assert "created_at" in rows[0]
    assert "identity_hash" not in rows[0]
    assert "12345678" not in response.get_data(as_text=True)


def test_the_download_of_someone_unverified_has_none(db, user, create_user, verified):
    verified(create_user())
    assert export_user_data(user)["verification_verifications"] == []


def test_deleting_the_account_deletes_the_verification(db, user, create_user, verified):
    verified(user)
    other = verified(create_user())

    delete_account(user, DEFAULT_PASSWORD)
    db.session.commit()

    assert db.session.scalars(select(Verification.user_id)).all() == [other.id]
    assert db.session.scalar(select(func.count(Verification.id))) == 1
