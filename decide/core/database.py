"""Engine set-up: SQLite pragmas and BEGIN IMMEDIATE for writers, the health check, and the
paging of list pages.

pysqlite's own transaction handling is switched off so that we emit BEGIN ourselves:
BEGIN IMMEDIATE takes the write lock at the start of a writing request or command, so
concurrent writers queue behind busy_timeout instead of failing with "database is locked"
when a read transaction tries to upgrade to a write.
"""

from flask import current_app
from flask import has_request_context
from flask import request
from sqlalchemy import event
from sqlalchemy import func
from sqlalchemy import select
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


def paginate(model, conditions, ordering, *, page: int,
             per_page: int) -> tuple[int, list, int, int]:
    """(total, the page's rows, the page shown, the number of pages) of a list page, in two
    queries whatever the number of rows: the page's ids with the total (one pass over narrow
    rows), then those rows with what their mapper loads eagerly. A page past the end shows
    the last one (two queries more)."""
    def page_ids(number: int) -> list:
        return db.session.execute(
            select(model.id, func.count().over()).where(*conditions).order_by(*ordering)
            .limit(per_page).offset((number - 1) * per_page)
        ).all()

    page = max(page, 1)
    chosen = page_ids(page)
    if chosen:
        total = chosen[0][1]
    else:
        total = db.session.scalar(select(func.count()).select_from(model).where(*conditions))
        if total and page > 1:
            page = -(-total // per_page)
            chosen = page_ids(page)
    pages = max(1, -(-total // per_page))
    ids = [row_id for row_id, _total in chosen]
    found = {row.id: row for row in db.session.scalars(
        select(model).where(model.id.in_(ids)))} if ids else {}
    return total, [found[i] for i in ids if i in found], min(page, pages), pages
