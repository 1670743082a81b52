"""The `flask decide` commands: the demo city and mail delivery."""

from pathlib import Path

import pytest
from sqlalchemy import func
from sqlalchemy import select

from decide.core.mail import queue_email
from decide.core.models import Organization
from decide.core.models import OutboxMessage
from decide.core.models import User
from decide.core.passwords import password_problem
from decide.demo import DEMO_ACCOUNTS

README = Path(__file__).resolve().parent.parent / "README.md"


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def demo_mode(app, monkeypatch):
    monkeypatch.setitem(app.config, "DEMO_MODE", True)


@pytest.fixture
def production_like(app, monkeypatch):
    monkeypatch.setitem(app.config, "DEMO_MODE", False)
    monkeypatch.setitem(app.config, "DEBUG", False)


def test_the_demo_refuses_to_run_outside_debug_or_demo_mode(db, runner, production_like):
    result = runner.invoke(args=["decide", "demo"])

    assert result.exit_code != 0
    assert "DEMO_MODE" in result.output
    assert count(db, User) == 0
    assert count(db, Organization) == 0


def test_the_demo_runs_in_debug_mode(app, db, runner, production_like, monkeypatch):
    monkeypatch.setitem(app.config, "DEBUG", True)

    result = runner.invoke(args=["decide", "demo"])

    assert result.exit_code == 0, result.output
    assert count(db, User) == len(DEMO_ACCOUNTS)


def test_the_demo_creates_the_city_once(db, runner, demo_mode):
    first = runner.invoke(args=["decide", "demo"])

    assert first.exit_code == 0, first.output
    organization = db.session.scalars(select(Organization)).one()
    assert organization.name
    assert set(organization.available_locales) == {"en", "es", "ca", "fr"}
    assert organization.terms_of_service["es"]
    users = db.session.scalars(select(User).order_by(User.email)).all()
    assert sorted(user.email for user in users) == sorted(a.email for a in DEMO_ACCOUNTS)
    assert all(user.is_confirmed for user in users)
    assert [user.email for user in users if user.admin] == ["admin@decide.example"]
    for account in DEMO_ACCOUNTS:
        assert f"{account.email} / {account.password}" in first.output
    before = [(user.id, user.password_hash) for user in users]

    second = runner.invoke(args=["decide", "demo"])

    assert second.exit_code == 0, second.output
    db.session.expire_all()
    assert count(db, Organization) == 1
    assert count(db, OutboxMessage) == 0
    users = db.session.scalars(select(User).order_by(User.email)).all()
    assert [(user.id, user.password_hash) for user in users] == before


def test_every_demo_account_signs_in_with_its_listed_password(app, db, runner, demo_mode):
    assert runner.invoke(args=["decide", "demo"]).exit_code == 0

    for account in DEMO_ACCOUNTS:
        client = app.test_client()
        response = client.post("/signin", data={"email": account.email,
                                                "password": account.password})
        assert response.status_code == 302, account.email
        assert client.get("/account").status_code == 200, account.email
        assert (client.get("/admin/").status_code == 200) == account.admin, account.email


@pytest.mark.parametrize("account", DEMO_ACCOUNTS, ids=lambda account: account.nickname)
def test_demo_passwords_pass_the_apps_own_rules(app, account):
    personal = (account.nickname, account.name, account.email.split("@")[0])

    assert password_problem(account.password, staff=account.admin, personal=personal) is None


@pytest.mark.nodb
def test_the_readme_lists_every_demo_account():
    lines = README.read_text("utf-8").splitlines()

    for account in DEMO_ACCOUNTS:
        assert f"{account.email} / {account.password}" in lines


def test_deliver_sends_the_pending_mail(app, db, runner, user):
    queue_email(user, "Waiting", "core/confirm", link="https://decide.test/confirm/abc")
    db.session.commit()

    result = runner.invoke(args=["decide", "deliver"])

    assert result.exit_code == 0, result.output
    assert "sent 1 message(s)" in result.output
    db.session.expire_all()
    assert db.session.scalars(select(OutboxMessage)).one().sent_at is not None
    [path] = Path(app.config["MAIL_DIR"]).glob("*.eml")
    assert "Subject: Waiting" in path.read_text()

    again = runner.invoke(args=["decide", "deliver"])
    assert again.exit_code == 0
    assert "sent" not in again.output
