"""Verification: the census, residents' verifications, and what components ask of them.

The census is replaced as a whole by each upload (one transaction: a file with one bad line
imports nothing); verifications copy the birth date and district from it, so they outlive
a new census or its deletion. Services flush, never commit.
"""

import csv
import hashlib
import hmac
import io
import re
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime

from flask import current_app
from flask import g
from flask_babel import gettext as _
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from decide.core.models import User
from decide.core.models import utcnow
from decide.core.services import DomainError
from decide.core.services import record_action
from decide.core.spreadsheets import NotUtf8
from decide.core.spreadsheets import csv_delimiter
from decide.core.spreadsheets import decode_csv
from decide.extensions import db
from decide.spaces.models import Scope
from decide.spaces.services import component_settings
from decide.verification.models import CensusEntry
from decide.verification.models import Verification

# What a document number is compared on: letters and digits, upper case ("12.345.678-z"
# and "12345678Z" are the same document).
NOT_SIGNIFICANT = re.compile(r"[^0-9A-Z]")
DOCUMENT_MAX_LENGTH = 64  # characters typed (or in a census line), separators included
HEADER = ("document_number", "birth_date")
OPTIONAL_COLUMNS = ("scope",)
ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
DAY_FIRST_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
OLDEST_BIRTH = date(1880, 1, 1)
MAX_PROBLEMS = 1000  # a file that wrong is not read any further


def normalize_document(document: str) -> str:
    return NOT_SIGNIFICANT.sub("", (document or "").upper())


def identity_hash(document: str) -> str:
    """The keyed hash an identity is stored and compared as (never the number itself)."""
    return _hash_normalized(current_app.config["CENSUS_KEY"].encode(),
                            normalize_document(document))


def _hash_normalized(key: bytes, normalized: str) -> str:
    return hmac.digest(key, normalized.encode(), hashlib.sha256).hex()


def verification_of(user) -> Verification | None:
    """The user's verification, read once per request."""
    if user is None or not user.is_authenticated:
        return None
    cache = g.setdefault("verifications", {})
    if user.id not in cache:
        cache[user.id] = db.session.scalars(
            select(Verification).where(Verification.user_id == user.id)
        ).first()
    return cache[user.id]


def _forget(user_id: int) -> None:
    """The request's cached answer for this user is stale after a change."""
    g.setdefault("verifications", {}).pop(user_id, None)


def is_verified(user) -> bool:
    return verification_of(user) is not None


def needs_verification(user, component, action: str) -> bool:
    """The component asks a verified resident for `action`, and `user` is not one yet."""
    return bool(component_settings(component).get(f"verify_{action}")) and not is_verified(user)


# --- the census -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    """A line of a census file that cannot be imported, and why."""

    line: int
    message: str


class CensusFileError(DomainError):
    """The file was refused; `problems` says which lines and why (nothing was imported)."""

    def __init__(self, problems: list[Problem]):
        super().__init__(_("The census was not imported: correct these lines and upload the "
                           "file again."), field="file")
        self.problems = problems


class Census:
    """The census as a whole, as the action log names it (it has no row of its own)."""

    id = None

    def __init__(self, entries: int):
        self.entries = entries


@dataclass(frozen=True)
class CensusStatus:
    entries: int
    uploaded_at: datetime | None


def census_status() -> CensusStatus:
    entries, uploaded_at = db.session.execute(
        select(func.count(CensusEntry.id), func.max(CensusEntry.created_at))
    ).one()
    return CensusStatus(entries, uploaded_at)


def parse_birth_date(text: str, today: date | None = None) -> date | None:
    """A date of birth written YYYY-MM-DD or DD/MM/YYYY, in the past; None otherwise."""
    text = text.strip()
    if match := ISO_DATE.fullmatch(text):
        year, month, day = match.groups()
    elif match := DAY_FIRST_DATE.fullmatch(text):
        day, month, year = match.groups()
    else:
        return None
    try:
        value = date(int(year), int(month), int(day))
    except ValueError:
        return None
    return value if OLDEST_BIRTH <= value <= (today or date.today()) else None


def _decode(data: bytes) -> str:
    """The file's text; a CensusFileError naming every line that is not UTF-8."""
    try:
        return decode_csv(data, MAX_PROBLEMS)
    except NotUtf8 as error:
        raise CensusFileError([Problem(number, _("This line is not UTF-8 text: save the file "
                                                 "as CSV UTF-8.")) for number in error.lines]
                              ) from error


def _columns(header: list[str]) -> list[str]:
    names = [name.strip().lower() for name in header]
    if tuple(names) not in (HEADER, HEADER + OPTIONAL_COLUMNS):
        raise CensusFileError([Problem(1, _(
            "The first line must name the columns: %(columns)s (scope is optional).",
            columns=",".join(HEADER + OPTIONAL_COLUMNS)))])
    return names


def read_census(data: bytes) -> list[dict]:
    """The rows of a census file (identity hash, birth date, scope id), every line checked;
    a CensusFileError lists the lines that cannot be imported, by number."""
    text = _decode(data)
    if not text.strip():
        raise CensusFileError([Problem(1, _("The file is empty."))])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=csv_delimiter(text))
    columns = _columns(next(reader))
    context = _LineContext(key=current_app.config["CENSUS_KEY"].encode(), today=date.today())
    scopes = {}
    for scope_id, code in db.session.execute(select(Scope.id, Scope.code)):
        scopes.setdefault(code.strip().casefold(), scope_id)
        scopes[code.strip()] = scope_id
    rows, problems, seen = [], [], {}
    try:
        for values in reader:
            line = reader.line_num
            if not any(value.strip() for value in values):
                continue  # a blank line, often the last one
            problem = _check_line(values, columns, scopes, seen, line, context)
            if isinstance(problem, str):
                problems.append(Problem(line, problem))
                if len(problems) >= MAX_PROBLEMS:
                    break
            else:
                rows.append(problem)
    except csv.Error:
        problems.append(Problem(reader.line_num, _("This line is not valid CSV (check its "
                                                   "quotes).")))
    if problems:
        raise CensusFileError(problems)
    return rows


@dataclass
class _LineContext:
    """What every line of one file is checked with, looked up once."""

    key: bytes
    today: date
    dates: dict = field(default_factory=dict)  # text → date: a census repeats birthdays


def _check_line(values: list[str], columns: list[str], scopes: dict, seen: dict,
                line: int, context: _LineContext) -> dict | str:
    """The row of one census line, or what is wrong with it."""
    if len(values) != len(columns):
        return _("Expected %(expected)d values separated by commas, found %(found)d.",
                 expected=len(columns), found=len(values))
    fields = dict(zip(columns, (value.strip() for value in values), strict=True))
    document = fields["document_number"]
    if len(document) > DOCUMENT_MAX_LENGTH:
        return _("The document number is longer than %(max)d characters.",
                 max=DOCUMENT_MAX_LENGTH)
    normalized = normalize_document(document)
    if not normalized:
        return _("The document number is missing.")
    text = fields["birth_date"]
    if text not in context.dates:
        context.dates[text] = parse_birth_date(text, context.today)
    birth_date = context.dates[text]
    if birth_date is None:
        return _("“%(value)s” is not a date of birth: write it as YYYY-MM-DD or DD/MM/YYYY.",
                 value=fields["birth_date"][:20])
    scope_id = None
    code = fields.get("scope", "")
    if code:
        scope_id = scopes.get(code, scopes.get(code.casefold()))
        if scope_id is None:
            return _("No scope has the code “%(code)s”.", code=code[:20])
    if normalized in seen:
        return _("The same document number as line %(line)d.", line=seen[normalized])
    seen[normalized] = line
    return {"identity_hash": _hash_normalized(context.key, normalized), "birth_date": birth_date,
            "scope_id": scope_id}


CENSUS_COLUMNS = ("identity_hash", "birth_date", "scope_id", "created_at")


def _insert_entries(rows: list[dict]) -> None:
    """All the rows at once, in the session's transaction: PostgreSQL's COPY (a city's
    census in about a second, three to four times faster than psycopg's executemany), one
    executemany elsewhere."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        db.session.execute(insert(CensusEntry), rows)
        return
    command = f"COPY {CensusEntry.__tablename__} ({', '.join(CENSUS_COLUMNS)}) FROM STDIN"
    with connection.connection.driver_connection.cursor() as cursor:
        with cursor.copy(command) as copy:
            for row in rows:
                copy.write_row(tuple(row[column] for column in CENSUS_COLUMNS))


def import_census(actor: User, data: bytes) -> int:
    """Replace the whole census with the file's (nothing at all when a line is wrong).
    Verifications stay as they are. Returns the number of entries."""
    rows = read_census(data)
    now = utcnow()
    db.session.execute(delete(CensusEntry))
    if rows:
        _insert_entries([{**row, "created_at": now} for row in rows])
    record_action(actor, "upload", Census(len(rows)), details={"entries": len(rows)})
    db.session.flush()
    return len(rows)


def delete_census(actor: User) -> int:
    """Empty the census (once a process is over); verifications stay. Returns how many
    entries it held."""
    removed = db.session.execute(delete(CensusEntry)).rowcount
    record_action(actor, "delete", Census(0), details={"entries": removed})
    db.session.flush()
    return removed


# --- residents ---------------------------------------------------------------------------

def _not_found() -> DomainError:
    # One message whatever did not match (document or date), so an attempt never tells
    # whether a document number is in the census.
    return DomainError(_("We could not find this identity in the census. Check the document "
                         "number and date of birth."))


def _taken() -> DomainError:
    return DomainError(_("This identity already verifies another account. Contact the council "
                         "to sort it out."))


def verify_identity(user: User, *, document: str, birth_date: date) -> Verification:
    """The resident proves to be a person of the census: the document's entry has this date
    of birth. The verification keeps the birth date and district of the census."""
    if user is None or not user.is_authenticated or not user.is_active:
        raise DomainError(_("Your account cannot take part."))
    if is_verified(user):
        raise DomainError(_("Your identity is already verified."))
    document = document or ""
    if len(document) > DOCUMENT_MAX_LENGTH:
        raise DomainError(_("Use at most %(max)d characters.", max=DOCUMENT_MAX_LENGTH),
                          field="document")
    if not normalize_document(document):
        raise DomainError(_("Enter the number of your identity document."), field="document")
    hashed = identity_hash(document)
    entry = db.session.scalars(
        select(CensusEntry).where(CensusEntry.identity_hash == hashed)
    ).first()
    if entry is None or entry.birth_date != birth_date:
        raise _not_found()
    if db.session.scalar(select(Verification.id).where(Verification.identity_hash == hashed)):
        raise _taken()
    verification = Verification(user_id=user.id, identity_hash=hashed,
                                birth_date=entry.birth_date, scope_id=entry.scope_id,
                                created_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(verification)
    except IntegrityError as error:  # a concurrent request was first
        _forget(user.id)
        if is_verified(user):
            raise DomainError(_("Your identity is already verified.")) from error
        raise _taken() from error
    _forget(user.id)
    return verification


# --- staff ------------------------------------------------------------------------------------

def revoke_verification(actor: User, user: User) -> None:
    """Staff take a verification back (a mistake, a dispute): the account is no longer
    verified and the identity can verify another one."""
    removed = db.session.execute(
        delete(Verification).where(Verification.user_id == user.id)
    ).rowcount
    if not removed:
        raise DomainError(_("This participant is not verified."))
    _forget(user.id)
    record_action(actor, "revoke_verification", user)
    db.session.flush()


def list_verifications(*, q: str = "", page: int = 1,
                       per_page: int = 50) -> tuple[int, list[Verification], int, int]:
    """(total, the page's verifications with their users and districts, page, pages): the
    latest first, searched by nickname, name or e-mail; two queries whatever the page."""
    conditions = [User.deleted_at.is_(None)]
    if q:
        term = q.strip().lstrip("@")
        conditions.append(or_(User.nickname.icontains(term, autoescape=True),
                              User.name.icontains(term, autoescape=True),
                              User.email.icontains(term, autoescape=True)))
    total = db.session.scalar(
        select(func.count(Verification.id)).join(User, User.id == Verification.user_id)
        .where(*conditions))
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    rows = db.session.scalars(
        select(Verification).join(Verification.user).options(contains_eager(Verification.user))
        .where(*conditions)
        .order_by(Verification.created_at.desc(), Verification.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    ).unique().all()
    return total, list(rows), page, pages
