"""The app factory and its surroundings: production refusals, reverse proxies, the health
check, and SQLite's settings for concurrent writers."""

import os
import sqlite3
import subprocess
import sys
import threading
from html import unescape

import pytest
from flask_babel import force_locale
from flask_babel import gettext
from sqlalchemy import event
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from decide import create_app
from decide import extensions
from decide.config import DEFAULT_CENSUS_KEY
from decide.config import DEFAULT_SECRET_KEY
from decide.config import ROOT
from decide.core.models import Organization
from decide.core.models import OutboxMessage
from decide.core.models import User
from decide.core.services import make_token
from tests.conftest import DEFAULT_PASSWORD


@pytest.fixture
def make_app(app, database_url, tmp_path):
    """Builds another app on the test database with extra settings; disposes of it after."""
    made = []

    def make(**config):
        other = create_app({
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "MAIL_DIR": tmp_path,
            "RATELIMIT_STORAGE_URI": "memory://",
            **config,
        })
        other.test_client_class = app.test_client_class
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            extensions.db.engine.dispose()


# --- production refusals --------------------------------------------------------------------

@pytest.mark.nodb
def test_production_refuses_the_demo_secret_key():
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"ENV": "production", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


@pytest.mark.nodb
def test_production_refuses_the_demo_census_key():
    with pytest.raises(RuntimeError, match="CENSUS_KEY"):
        create_app({"ENV": "production", "SECRET_KEY": "a-real-secret-from-the-vault",
                    "SQLALCHEMY_DATABASE_URI": "sqlite://"})


@pytest.mark.nodb
def test_production_starts_with_real_keys():
    app = create_app({"ENV": "production", "SECRET_KEY": "a-real-secret-from-the-vault",
                      "CENSUS_KEY": "a-real-census-key", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SECRET_KEY"] != DEFAULT_SECRET_KEY
    assert app.config["CENSUS_KEY"] != DEFAULT_CENSUS_KEY


@pytest.mark.nodb
def test_development_starts_with_the_demo_keys():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SECRET_KEY"] == DEFAULT_SECRET_KEY


def run_python(code: str, **environment) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items()
           if key not in {"SECRET_KEY", "CENSUS_KEY", "DECIDE_ENV", "DATABASE_URL"}}
    env.update(environment)
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.nodb
def test_production_is_chosen_and_refused_from_the_environment(tmp_path):
    database = f"sqlite:///{tmp_path / 'prod.sqlite3'}"
    refused = run_python("from decide import create_app; create_app()",
                         DECIDE_ENV="production", DATABASE_URL=database)
    assert refused.returncode != 0
    assert "SECRET_KEY" in refused.stderr

    started = run_python(
        "from decide import create_app; app = create_app(); "
        "print(app.config['SQLALCHEMY_DATABASE_URI'], app.config['TRUSTED_PROXIES'], "
        "app.config['PUBLIC_URL'], app.config['SESSION_COOKIE_SECURE'])",
        DECIDE_ENV="production", DATABASE_URL=database, SECRET_KEY="s" * 40,
        CENSUS_KEY="c" * 40, TRUSTED_PROXIES="2", PUBLIC_URL="https://decide.example.org/",
    )
    assert started.returncode == 0, started.stderr
    assert started.stdout.split() == [database, "2", "https://decide.example.org", "True"]


# --- reverse proxy --------------------------------------------------------------------------

def sign_in_attempt(client, address_header: str | None = None, email="x@example.org"):
    headers = {"X-Forwarded-For": address_header} if address_header else {}
    return client.post("/signin", data={"email": email, "password": "not-the-password"},
                       headers=headers)


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_rate_limit_key(make_app):
    proxied = make_app(TRUSTED_PROXIES=1, RATELIMIT_ADDRESS="2 per minute",
                       RATELIMIT_ACCOUNT="100 per minute")
    client = proxied.test_client()
    assert sign_in_attempt(client, "203.0.113.1", "a@example.org").status_code == 400
    assert sign_in_attempt(client, "203.0.113.1", "b@example.org").status_code == 400
    assert sign_in_attempt(client, "203.0.113.1", "c@example.org").status_code == 429
    # Another resident behind the same proxy has its own budget.
    assert sign_in_attempt(client, "203.0.113.2", "d@example.org").status_code == 400
    # Only the hop the proxy added counts: a forged first entry changes nothing.
    assert sign_in_attempt(client, "10.9.9.9, 203.0.113.1", "e@example.org").status_code == 429


def test_without_trusted_proxies_forwarded_headers_are_ignored(app, client, monkeypatch):
    assert app.config["TRUSTED_PROXIES"] == 0
    monkeypatch.setitem(app.config, "RATELIMIT_ADDRESS", "2 per minute")
    assert sign_in_attempt(client, "203.0.113.1", "a@example.org").status_code == 400
    assert sign_in_attempt(client, "203.0.113.2", "b@example.org").status_code == 400
    assert sign_in_attempt(client, "203.0.113.3", "c@example.org").status_code == 429
    response = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


def test_behind_a_trusted_proxy_the_forwarded_scheme_counts(make_app, create_user):
    proxied = make_app(TRUSTED_PROXIES=1)
    email = create_user().email
    extensions.db.session.close()  # SQLite: the test's transaction would block the app's
    client = proxied.test_client()
    plain = client.get("/")
    assert "Strict-Transport-Security" not in plain.headers

    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    assert "Strict-Transport-Security" in client.get("/", headers=https).headers
    response = client.post("/signin", headers=https,
                           data={"email": email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    cookie = next(value for value in response.headers.getlist("Set-Cookie")
                  if value.startswith("session="))
    assert "Secure" in cookie


# --- health ---------------------------------------------------------------------------------

def test_health_answers_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.nodb
def test_health_answers_503_when_the_database_does_not(make_app):
    unreachable = make_app(
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://decide@127.0.0.1:1/decide"
                                "?connect_timeout=2",
    )
    response = unreachable.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "database unavailable"}


@pytest.mark.nodb
def test_pages_answer_a_translated_500_inside_the_layout_when_the_database_is_down(make_app):
    unreachable = make_app(
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://decide@127.0.0.1:1/decide"
                                "?connect_timeout=2",
        PROPAGATE_EXCEPTIONS=False,
    )
    client = unreachable.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1:some-session-token"  # a signed-in visitor
        session["locale"] = "es"
    for url in ("/", "/profiles/someone", "/admin/"):
        response = client.get(url)
        assert response.status_code == 500
        page = response.get_data(as_text=True)
        with force_locale("es"):
            assert unescape(page).count(gettext("Something went wrong on our side")) >= 1
        assert '<html lang="es">' in page
        assert '<main id="content"' in page
        assert 'class="site-footer"' in page
        assert response.headers["X-Frame-Options"] == "DENY"


def test_health_answers_503_when_a_query_fails(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionError("the database went away")

    monkeypatch.setattr(extensions.db.session, "execute", refuse)
    assert client.get("/healthz").status_code == 503


def test_health_is_reachable_when_new_terms_wait(client, db, user, login):
    organization = Organization.current(("en",))
    organization.terms_version = 5
    db.session.add(organization)
    db.session.commit()
    login(user)
    assert client.get("/").status_code == 302
    assert client.get("/healthz").status_code == 200


# --- SQLite ---------------------------------------------------------------------------------

@pytest.fixture
def sqlite(db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite settings")
    return db


def test_sqlite_runs_with_foreign_keys_wal_and_full_sync(sqlite):
    with sqlite.engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_foreign_keys_are_enforced(db):
    db.session.add(OutboxMessage(user_id=999_999, to_address="a@example.org",
                                 subject="x", text_body="x", html_body="x"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


class Statements(list):
    """The SQL statements sent (BEGIN included) after `start()`."""

    def __init__(self, db):
        super().__init__()
        self.db = db

    def start(self):
        self.db.session.close()  # the next request starts its own transaction
        self.clear()

    def __call__(self, connection, cursor, statement, *args):
        self.append(statement.strip())

    def begins(self) -> list[str]:
        return [statement for statement in self if statement.upper().startswith("BEGIN")]


@pytest.fixture
def statements(sqlite):
    recorder = Statements(sqlite)
    event.listen(sqlite.engine, "before_cursor_execute", recorder)
    yield recorder
    event.remove(sqlite.engine, "before_cursor_execute", recorder)


def test_a_post_begins_immediate(client, user, statements):
    email = user.email
    statements.start()
    response = client.post("/signin", data={"email": email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert statements.begins()[0] == "BEGIN IMMEDIATE"
    assert set(statements.begins()) == {"BEGIN IMMEDIATE"}


def test_a_get_begins_deferred(client, user, statements):
    nickname = user.nickname
    statements.start()
    assert client.get(f"/profiles/{nickname}").status_code == 200
    assert statements.begins()
    assert set(statements.begins()) == {"BEGIN"}


def test_a_get_that_writes_begins_immediate(client, create_user, statements):
    pending = create_user(confirmed_at=None)
    token = make_token("confirm", {"u": pending.id, "e": pending.email})
    statements.start()
    assert client.get(f"/confirm/{token}").status_code == 302
    assert statements.begins()[0] == "BEGIN IMMEDIATE"


def test_outside_a_request_transactions_begin_immediate(sqlite, statements):
    statements.start()
    sqlite.session.scalar(select(func.count(User.id)))
    assert statements.begins() == ["BEGIN IMMEDIATE"]


def test_a_get_does_not_hold_the_write_lock(client, user, sqlite):
    """While a GET reads, another connection can still take the write lock."""
    nickname = user.nickname
    sqlite.session.close()
    seen = {}

    def write_meanwhile(connection, cursor, statement, *args):
        if "FROM users" in statement and "written" not in seen:
            seen["written"] = True
            other = sqlite3.connect(sqlite.engine.url.database, timeout=0.1,
                                    isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")  # fails at once if the GET holds the lock
                other.execute("ROLLBACK")
            finally:
                other.close()

    event.listen(sqlite.engine, "before_cursor_execute", write_meanwhile)
    try:
        assert client.get(f"/profiles/{nickname}").status_code == 200
    finally:
        event.remove(sqlite.engine, "before_cursor_execute", write_meanwhile)
    assert seen == {"written": True}


# --- concurrent writers ---------------------------------------------------------------------

def test_concurrent_sign_ups_all_succeed(app, db):
    """Residents signing up at the same moment queue for the write lock instead of failing
    with "database is locked" (on SQLite); each request has its own connection."""
    db.session.close()
    count = 8
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def sign_up(number: int):
        try:
            with app.app_context():
                client = app.test_client()
                token = client.csrf_token()
                barrier.wait(timeout=30)
                response = client.post("/signup", data={
                    "name": f"Neighbour {number}", "nickname": f"neighbour{number}",
                    "email": f"neighbour{number}@example.org",
                    "password": "a-long-and-unusual-passphrase", "locale": "en",
                    "accept_terms": "y", "csrf_token": token,
                })
                results[number] = (response.status_code, response.get_data(as_text=True))
        except Exception as error:  # noqa: BLE001 - reported below
            results[number] = (None, repr(error))

    threads = [threading.Thread(target=sign_up, args=(number,)) for number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    failures = [(status, body[:300]) for status, body in results if status != 200]
    assert not failures
    assert all("database is locked" not in body for _status, body in results)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(User.id))) == count
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == count
