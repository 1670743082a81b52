"""Engine set-up: SQLite pragmas and BEGIN IMMEDIATE for writers, and the health check.

pysqlite's own transaction handling is switched off so that we emit BEGIN ourselves:
BEGIN IMMEDIATE takes the write lock at the start of a writing request or command, so
concurrent writers queue behind busy_timeout instead of failing with "database is locked"
when a read transaction tries to upgrade to a write.
"""

from flask import current_app
from flask import has_request_context
from flask import request
from sqlalchemy import event
from sqlalchemy import text

from decide.extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def writes_on_get(view):
    """Mark a GET view that writes (e.g. the e-mail confirmation link)."""
    view.writes_on_get = True
    return view


def _request_writes() -> bool:
    if not has_request_context():
        return True  # commands and tests: take the write lock, they may write
    if request.method not in SAFE_METHODS:
        return True
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "writes_on_get", False)


def _sqlite_connect(dbapi_connection, connection_record):
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(connection):
    connection.exec_driver_sql("BEGIN IMMEDIATE" if _request_writes() else "BEGIN")


def database_answers() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        db.session.rollback()
        return False


def init_app(app) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_connect)
            event.listen(engine, "begin", _sqlite_begin)
