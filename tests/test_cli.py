"""The `flask decide` commands: the demo city (accounts, districts, processes) and mail
delivery."""

from pathlib import Path

import pytest
from sqlalchemy import func
from sqlalchemy import select

from decide.components.pages.models import Page
from decide.core.mail import queue_email
from decide.core.models import Organization
from decide.core.models import OutboxMessage
from decide.core.models import User
from decide.core.passwords import password_problem
from decide.demo import DEMO_ACCOUNTS
from decide.spaces.models import Process
from decide.spaces.models import ProcessRole
from decide.spaces.models import Scope
from decide.spaces.services import active_phase
from decide.spaces.services import process_status
from decide.spaces.services import today_here

README = Path(__file__).resolve().parent.parent / "README.md"


def count(db, model_or_table) -> int:
    return db.session.scalar(select(func.count()).select_from(model_or_table))


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

    rows = {table.name: count(db, table) for table in db.metadata.sorted_tables}
    assert rows["processes"] and rows["phases"] and rows["pages_pages"] and rows["action_logs"]

    second = runner.invoke(args=["decide", "demo"])

    assert second.exit_code == 0, second.output
    db.session.expire_all()
    assert count(db, Organization) == 1
    assert count(db, OutboxMessage) == 0
    assert {table.name: count(db, table) for table in db.metadata.sorted_tables} == rows
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
        assert (client.get("/admin/").status_code == 200) == account.is_staff, account.email


def test_the_demo_city_has_the_processes_of_the_design(app, db, runner, demo_mode, client):
    assert runner.invoke(args=["decide", "demo"]).exit_code == 0
    today = today_here()
    processes = {p.slug: p for p in db.session.scalars(select(Process))}

    expected = {"green-streets": ("active", "Proposals"),
                "district-budgets": ("active", "Voting"),
                "budget-of-last-year": ("active", "Implementation"),
                "riverside-park": ("upcoming", None),
                "old-town-squares": ("past", "Conclusions"),
                "night-buses": ("upcoming", None)}
    assert set(processes) == set(expected)
    for slug, (status, phase) in expected.items():
        process = processes[slug]
        assert process_status(process, today) == status, slug
        active = active_phase(process)
        assert (active.title["en"] if active else None) == phase, slug
        if active and status == "active":
            assert active.start_date <= today <= active.end_date, slug
        for text in (process.title, process.subtitle, process.description,
                     *(p.title for p in process.phases), *(c.name for c in process.categories)):
            assert set(text) == {"en", "es", "ca", "fr"}, (slug, text)
        assert any(c.parent_id for c in process.categories), slug
        [page] = process.components
        assert page.manifest_name == "pages" and page.is_published
        body = db.session.scalars(select(Page).where(Page.component_id == page.id)).one().body
        assert set(body) == {"en", "es", "ca", "fr"}
    assert [p.slug for p in processes.values() if not p.is_published] == ["night-buses"]
    scopes = db.session.scalars(select(Scope)).all()
    assert len(scopes) >= 4 and all(set(s.name) == {"en", "es", "ca", "fr"} for s in scopes)

    roles = {(r.user.nickname, r.process.slug, r.role)
             for r in db.session.scalars(select(ProcessRole))}
    assert roles == {(account.nickname, slug, role) for account in DEMO_ACCOUNTS
                     for slug, role in account.roles}
    assert {role for _nickname, _slug, role in roles} == {"process_admin", "moderator",
                                                           "valuator"}

    home = client.get("/").get_data(as_text=True)
    assert home.index("Green Streets") < home.index("Riverside Park Plan") < home.index(
        "Old Town Squares")
    assert "Night Buses" not in home


@pytest.mark.parametrize("account", DEMO_ACCOUNTS, ids=lambda account: account.nickname)
def test_demo_passwords_pass_the_apps_own_rules(app, account):
    personal = (account.nickname, account.name, account.email.split("@")[0])

    assert password_problem(account.password, staff=account.is_staff, personal=personal) is None
    if account.is_staff:
        assert len(account.password) >= 15


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
