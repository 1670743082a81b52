"""Fixtures: a migrated database per run (SQLite, or PostgreSQL with --db=postgresql),
emptied after every test; a client that sends valid CSRF tokens; factories.

`make test` runs the suite on SQLite, then again with --db=postgresql for every test not
marked `nodb` or `e2e`. The PostgreSQL run creates its own uniquely named database through
the `postgres` maintenance database and drops it at the end. It is skipped when no server
answers, except in CI (CI=true), where that is a failure.
"""

import email
import hashlib
import os
import secrets
from datetime import date
from datetime import timedelta
from itertools import count
from pathlib import Path

import psycopg
import pytest
from flask import Blueprint
from flask import g
from flask import has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import event
from sqlalchemy import text
from sqlalchemy.engine import make_url

from decide import create_app
from decide.components import Manifest
from decide.components import Setting
from decide.components import get_manifest
from decide.core.mail import deliver_pending
from decide.core.models import User
from decide.core.models import utcnow
from decide.core.passwords import hash_password
from decide.extensions import db as _db
from decide.extensions import limiter
from decide.spaces.models import Category
from decide.spaces.models import Component
from decide.spaces.models import Phase
from decide.spaces.models import Process
from decide.spaces.models import ProcessRole
from decide.spaces.models import Role
from decide.spaces.models import Scope
from decide.spaces.services import today_here
from decide.verification.models import CensusEntry
from decide.verification.models import Verification
from decide.verification.services import identity_hash

DEFAULT_PASSWORD = "correct-horse-battery-staple"
STAFF_PASSWORD = "correct-horse-battery-staple-staff"


def pytest_addoption(parser):
    parser.addoption("--db", default="sqlite", choices=("sqlite", "postgresql"),
                     help="database backend for the database-dependent tests")


def _maintenance_url() -> str:
    return os.environ.get("TEST_DATABASE_URL", "postgresql://127.0.0.1:5432/postgres")


def _maintenance_connection():
    url = make_url(_maintenance_url()).set(drivername="postgresql")
    return psycopg.connect(url.render_as_string(hide_password=False), autocommit=True,
                           connect_timeout=5)


def pytest_configure(config):
    if config.getoption("--db") != "postgresql":
        return
    try:
        _maintenance_connection().close()
    except psycopg.OperationalError as error:
        if os.environ.get("CI", "").lower() == "true":
            pytest.exit(f"CI needs PostgreSQL and none answers: {error}", returncode=1)
        pytest.exit(f"PostgreSQL does not answer ({error}); skipping the PostgreSQL run.",
                    returncode=0)


@pytest.fixture(scope="session")
def database_url(request, tmp_path_factory):
    if request.config.getoption("--db") == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        return
    name = f"decide_test_{os.getpid()}_{secrets.token_hex(4)}"
    with _maintenance_connection() as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = make_url(_maintenance_url()).set(drivername="postgresql+psycopg", database=name)
    yield url.render_as_string(hide_password=False)
    with _maintenance_connection() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def _app(database_url, tmp_path_factory):
    mail_dir = tmp_path_factory.mktemp("mail")
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MAIL_DIR": mail_dir,
        "MAIL_URL": "",
        "PUBLIC_URL": "https://decide.test",
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": None,
    })
    app.test_client_class = Client
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    yield app
    with app.app_context():
        _db.engine.dispose()


def _empty_tables():
    tables = [table.name for table in reversed(_db.metadata.sorted_tables)]
    if _db.engine.dialect.name == "postgresql":
        _db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            _db.session.execute(text(f"DELETE FROM {table}"))
    _db.session.commit()


@pytest.fixture
def app(_app):
    """The app with an empty database; whatever a test commits is removed afterwards."""
    with _app.app_context():
        yield _app
        _db.session.rollback()
        _empty_tables()
        _db.session.remove()
    limiter.reset()
    for path in Path(_app.config["MAIL_DIR"]).glob("*.eml"):
        path.unlink()


@pytest.fixture
def db(app):
    return _db


class Client(FlaskClient):
    """A test client whose form posts carry a valid CSRF token unless csrf=False.

    Requests reuse the test's app context (so they share its database session), but each
    starts with an empty `g`, as in production: otherwise the signed-in user, the locale
    and the CSRF token of one request would leak into the next, even from another client.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            vars(g._get_current_object()).clear()
        return super().open(*args, **kwargs)

    def csrf_token(self) -> str:
        with self.session_transaction() as session:
            if "csrf_token" not in session:
                session["csrf_token"] = hashlib.sha1(os.urandom(64)).hexdigest()
            raw = session["csrf_token"]
        return URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token").dumps(raw)

    def post(self, *args, csrf: bool = True, **kwargs):
        data = kwargs.get("data")
        if csrf and (data is None or isinstance(data, dict)) and "csrf_token" not in (data or {}):
            kwargs["data"] = {**(data or {}), "csrf_token": self.csrf_token()}
        return super().post(*args, **kwargs)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


_HASHES: dict[str, str] = {}


def _hash(password: str) -> str:
    # Argon2 is slow on purpose; the factories reuse one hash per password.
    if password not in _HASHES:
        _HASHES[password] = hash_password(password)
    return _HASHES[password]


@pytest.fixture
def create_user(db):
    counter = iter(range(1, 10_000))

    def make(**overrides) -> User:
        number = next(counter)
        admin = overrides.get("admin", False)
        password = overrides.pop("password", STAFF_PASSWORD if admin else DEFAULT_PASSWORD)
        values = {
            "email": f"resident{number}@example.org",
            "nickname": f"resident{number}",
            "name": f"Resident {number}",
            "locale": "en",
            "confirmed_at": utcnow(),
            "accepted_terms_version": 1,
            "password_hash": _hash(password),
        }
        values.update(overrides)
        user = User(**values)
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def user(create_user):
    return create_user()


@pytest.fixture
def admin(create_user):
    return create_user(admin=True, nickname="council", email="council@example.org")


@pytest.fixture
def login(client):
    def sign_in(user: User, password: str | None = None):
        password = password or (STAFF_PASSWORD if user.is_staff else DEFAULT_PASSWORD)
        response = client.post("/signin", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return sign_in


@pytest.fixture
def mails(app):
    """Deliver the outbox and return the messages written, oldest first."""

    def delivered() -> list[email.message.EmailMessage]:
        deliver_pending()
        paths = sorted(Path(app.config["MAIL_DIR"]).glob("*.eml"))
        return [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in paths
        ]

    return delivered


@pytest.fixture
def count_queries(app):
    """Counts the SQL statements run inside a `with count_queries() as counter:` block."""

    class Counter:
        def __init__(self):
            self.count = 0

        def __call__(self, *args):
            self.count += 1

        def __enter__(self):
            event.listen(_db.engine, "before_cursor_execute", self)
            return self

        def __exit__(self, *exc):
            event.remove(_db.engine, "before_cursor_execute", self)

    return Counter


# --- processes and what they hold ------------------------------------------------------
# Factory fixtures for processes and what they hold. Each commits and returns the new row.
#
#     process = create_process(published=False, title={"en": "Green Streets"})
#     phase = create_phase(process, active=True)
#     component = create_component(process, manifest_name="pages")
#     grant(user, process, Role.PROCESS_ADMIN)
#     survey = create_component(process, manifest_name="survey")  # with the survey_kind fixture
#     survey_kind.extra["participated"].add(survey.id)  # residents took part in it
#
# They write rows directly (no action log): the services are tested on their own.

@pytest.fixture
def create_scope(db):
    numbers = count(1)

    def make(**overrides) -> Scope:
        number = next(numbers)
        values = {"name": {"en": f"District {number}"}, "code": f"D{number}",
                  "position": number}
        values.update(overrides)
        scope = Scope(**values)
        db.session.add(scope)
        db.session.commit()
        return scope

    return make


@pytest.fixture
def create_process(db):
    """A process running from ten days ago to thirty days ahead, published unless told."""
    numbers = count(1)

    def make(*, published: bool = True, **overrides) -> Process:
        number = next(numbers)
        today = today_here()
        values = {
            "slug": f"process-{number}",
            "title": {"en": f"Process {number}"},
            "subtitle": {},
            "description": {},
            "start_date": today - timedelta(days=10),
            "end_date": today + timedelta(days=30),
            "published_at": utcnow() if published else None,
        }
        values.update(overrides)
        process = Process(**values)
        db.session.add(process)
        db.session.commit()
        return process

    return make


@pytest.fixture
def create_phase(db):
    """A phase placed after the process's others; by default it spans the process's dates."""
    numbers = count(1)

    def make(process: Process, *, active: bool = False, **overrides) -> Phase:
        number = next(numbers)
        values = {
            "title": {"en": f"Phase {number}"},
            "description": {},
            "start_date": process.start_date,
            "end_date": process.end_date,
            "position": max((p.position for p in process.phases), default=-1) + 1,
            "active": active,
        }
        values.update(overrides)
        phase = Phase(process=process, **values)
        db.session.add(phase)
        db.session.commit()
        return phase

    return make


@pytest.fixture
def create_component(db):
    """A component (pages unless told) placed last in its process, published unless told."""
    numbers = count(1)

    def make(process: Process, *, manifest_name: str = "pages", published: bool = True,
             **overrides) -> Component:
        number = next(numbers)
        values = {
            "name": {"en": f"Component {number}"},
            "weight": max((c.weight for c in process.components), default=-1) + 1,
            "published_at": utcnow() if published else None,
            "settings": {},
            "phase_settings": {},
        }
        values.update(overrides)
        component = Component(process=process, manifest_name=manifest_name, **values)
        db.session.add(component)
        db.session.commit()
        return component

    return make


@pytest.fixture
def create_category(db):
    numbers = count(1)

    def make(process: Process, *, parent: Category | None = None, **overrides) -> Category:
        number = next(numbers)
        values = {"name": {"en": f"Category {number}"}, "position": len(process.categories)}
        values.update(overrides)
        category = Category(process=process, parent=parent, **values)
        db.session.add(category)
        db.session.commit()
        return category

    return make


@pytest.fixture
def grant(db):
    """Give a user a role in a process (process admin unless told)."""

    def make(user, process: Process, role: Role | str = Role.PROCESS_ADMIN) -> ProcessRole:
        assignment = ProcessRole(process=process, user=user, role=str(role))
        db.session.add(assignment)
        db.session.commit()
        return assignment

    return make


SURVEY_SETTINGS = (
    Setting("comments_enabled", True, bool, label="Comments enabled"),
    Setting("answers_limit", 3, int, label="Answers per person", bounds=(1, 10)),
    Setting("order", "random", str, label="Order",
            choices=(("random", "Random"), ("recent", "Most recent"))),
    Setting("announcement", {}, dict, label="Announcement", translated=True),
    Setting("hashtag", "", str, label="Hashtag"),
)
SURVEY_PHASE_SETTINGS = (
    Setting("answers_enabled", False, bool, label="Answers enabled"),
    Setting("questions_limit", 5, int, label="Questions", bounds=(0, 20)),
)


@pytest.fixture
def survey_kind(app, monkeypatch):
    """A component kind registered for one test only ("survey"), with a setting of every
    sort; `extra["participated"]` holds the ids of the components residents took part in."""
    participated = set()
    manifest = Manifest(
        name="survey", label="Survey", public=Blueprint("survey", __name__),
        settings=SURVEY_SETTINGS, phase_settings=SURVEY_PHASE_SETTINGS,
        has_participation=lambda component: component.id in participated,
        extra={"participated": participated},
    )
    monkeypatch.setitem(app.extensions["decide.components"], "survey", manifest)
    return manifest


@pytest.fixture
def census(db):
    """Add a census entry: census("12345678Z", date(1990, 5, 17), scope=None)."""
    def add(document: str, birth_date: date = date(1990, 5, 17), scope=None) -> CensusEntry:
        entry = CensusEntry(identity_hash=identity_hash(document), birth_date=birth_date,
                            scope_id=scope.id if scope else None)
        db.session.add(entry)
        db.session.commit()
        return entry

    return add


@pytest.fixture
def verified(db):
    """Mark a user verified as a census identity (without going through the census)."""
    counter = iter(range(1, 10_000))

    def verify(user, *, document: str | None = None, birth_date: date = date(1990, 5, 17),
               scope=None):
        document = document or f"DOC{next(counter):06d}"
        db.session.add(Verification(user_id=user.id, identity_hash=identity_hash(document),
                                    birth_date=birth_date, scope_id=scope.id if scope else None))
        db.session.commit()
        return user

    return verify


def change_settings(component: Component, **values) -> Component:
    """Set settings of a component by their names: the global ones, and the phase ones for
    its process's active phase (the first phase when none is active)."""
    phase_names = {setting.name for setting in get_manifest(component.manifest_name)
                   .phase_settings}
    phases = component.process.phases
    active = next((each for each in phases if each.active), phases[0] if phases else None)
    component.settings = {**(component.settings or {}),
                          **{k: v for k, v in values.items() if k not in phase_names}}
    if active is not None:
        key = str(active.id)
        component.phase_settings = {**(component.phase_settings or {}), key: {
            **(component.phase_settings or {}).get(key, {}),
            **{k: v for k, v in values.items() if k in phase_names},
        }}
    _db.session.commit()
    return component
