"""The results of an accountability component as a CSV file, and back.

The export has one row per result (each before its sub-results) with the identifiers a
spreadsheet can carry: references, status keys, category ids, scope codes, the ids of the
proposals and projects each result carries out, and the texts in every shipped language.
The import reads the same columns: every line is checked before anything is written; then
each row runs the same services as the forms (so the action log and the followers'
notifications happen), in the caller's transaction. A row whose reference exists updates
that result; the others are created; a row equal to its result changes nothing.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from decide.components.accountability import services
from decide.components.accountability.forms import parse_ids
from decide.components.accountability.models import PROJECT_LINK
from decide.components.accountability.models import PROPOSAL_LINK
from decide.components.accountability.models import Result
from decide.components.accountability.models import Status
from decide.components.accountability.services import DESCRIPTION_MAX
from decide.components.accountability.services import REFERENCE_MAX
from decide.components.accountability.services import TITLE_MAX
from decide.components.budgets.models import Project
from decide.components.budgets.projects import MAX_AMOUNT
from decide.components.budgets.projects import WEIGHT_BOUNDS
from decide.components.proposals.models import Proposal
from decide.core.forms import CONTROL_CHARACTERS
from decide.core.i18n import default_locale
from decide.core.i18n import language_name
from decide.core.models import ResourceLink
from decide.core.services import DomainError
from decide.core.spreadsheets import FORMULA_STARTS
from decide.core.spreadsheets import NotUtf8
from decide.core.spreadsheets import csv_delimiter
from decide.core.spreadsheets import decode_csv
from decide.core.spreadsheets import spreadsheet_safe
from decide.extensions import db
from decide.spaces.models import Category
from decide.spaces.models import Component
from decide.spaces.models import Scope

BASE_COLUMNS = ("reference", "parent_reference", "status", "progress", "progress_manual",
                "start_date", "end_date", "category_id", "scope_code", "amount",
                "proposal_ids", "project_ids", "weight")
MAX_ERRORS = 200  # a file with the wrong columns on every line says so once, not 10,000 times
TRUE, FALSE = ("true", "1", "yes"), ("false", "0", "no", "")


class CsvError(Exception):
    """What is wrong with a file, one sentence per problem, each naming its line."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class ImportCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def languages() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def columns() -> list[str]:
    return [*BASE_COLUMNS, *(f"title_{code}" for code in languages()),
            *(f"description_{code}" for code in languages())]


# --- export ----------------------------------------------------------------------------------

def _links(result_ids) -> dict[int, dict[str, list[int]]]:
    """{result id: {link name: [ids]}} for these results: one query."""
    found: dict[int, dict[str, list[int]]] = {
        id_: {PROPOSAL_LINK: [], PROJECT_LINK: []} for id_ in result_ids}
    if found:
        for from_id, name, to_id in db.session.execute(
            select(ResourceLink.from_id, ResourceLink.name, ResourceLink.to_id)
            .where(ResourceLink.from_id.in_(found),
                   ResourceLink.name.in_((PROPOSAL_LINK, PROJECT_LINK)))
            .order_by(ResourceLink.to_id)
        ):
            found[from_id][name].append(to_id)
    return found


def _in_file_order(results: list[Result]) -> list[Result]:
    """Each top-level result followed by its sub-results, so a reader meets it first."""
    parts: dict[int, list[Result]] = {}
    for result in results:
        if result.parent_id is not None:
            parts.setdefault(result.parent_id, []).append(result)
    ordered = []
    for result in results:
        if result.parent_id is None:
            ordered.append(result)
            ordered.extend(parts.pop(result.id, []))
    for orphans in parts.values():  # cannot happen with two levels; never lose a row
        ordered.extend(orphans)
    return ordered


def _ids_text(ids) -> str:
    return " ".join(str(each) for each in ids)


def results_csv(component) -> str:
    """The export, with a byte order mark so spreadsheets read it as UTF-8: two queries."""
    results = db.session.scalars(
        select(Result).where(Result.component_id == component.id)
        .order_by(Result.weight, Result.id)
    ).all()
    references = {result.id: result.reference for result in results}
    links = _links(list(references))
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns())
    for result in _in_file_order(results):
        row = [
            result.reference,
            references.get(result.parent_id, ""),
            result.status.key if result.status else "",
            result.progress,
            "true" if result.progress_manual else "false",
            result.start_date.isoformat() if result.start_date else "",
            result.end_date.isoformat() if result.end_date else "",
            result.category_id or "",
            result.scope.code if result.scope else "",
            "" if result.amount is None else result.amount,
            _ids_text(links[result.id][PROPOSAL_LINK]),
            _ids_text(links[result.id][PROJECT_LINK]),
            result.weight,
            *((result.title or {}).get(code, "") for code in languages()),
            *((result.description or {}).get(code, "") for code in languages()),
        ]
        writer.writerow([spreadsheet_safe(value) for value in row])
    return out.getvalue()


# --- reading ---------------------------------------------------------------------------------

def _line(number: int, message: str) -> str:
    return _("Line %(line)d: %(message)s", line=number, message=message)


def _decode(data: bytes) -> str:
    try:
        return decode_csv(data, MAX_ERRORS)
    except NotUtf8 as error:
        raise CsvError([_line(number, _("This line is not UTF-8 text: save the file as CSV "
                                        "UTF-8.")) for number in error.lines]) from error


def _header(names: list[str]) -> list[str]:
    names = [name.strip().lower() for name in names]
    known = set(columns())
    errors = []
    unknown = [name for name in names if name not in known]
    if unknown:
        errors.append(_("Unknown columns: %(names)s.", names=", ".join(unknown)))
    missing = [name for name in (*BASE_COLUMNS, f"title_{default_locale()}")
               if name not in names]
    if missing:
        errors.append(_("Missing columns: %(names)s.", names=", ".join(missing)))
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        errors.append(_("Columns named twice: %(names)s.", names=", ".join(repeated)))
    if errors:
        errors.append(_("The first line must name the columns of the export: %(names)s.",
                        names=",".join(columns())))
        raise CsvError([_line(1, message) for message in errors])
    return names


def _unquoted(text: str) -> str:
    """The text without the quote the export puts before what a spreadsheet would run."""
    if text.startswith("'") and text[1:2] and text[1] in FORMULA_STARTS:
        return text[1:]
    return text


@dataclass
class _Context:
    """What every line of one file is checked against, looked up once."""

    statuses: dict[str, int]
    categories: set[int]
    scopes: dict[str, int]
    existing: dict[str, Result]
    proposals: set[int]
    projects: set[int]


def _context(component, rows: list[dict]) -> _Context:
    wanted_proposals = {id_ for row in rows for id_ in parse_ids(row.get("proposal_ids", ""))
                        or ()}
    wanted_projects = {id_ for row in rows for id_ in parse_ids(row.get("project_ids", ""))
                       or ()}
    scopes = {}
    for scope_id, code in db.session.execute(select(Scope.id, Scope.code)):
        scopes.setdefault(code.strip().casefold(), scope_id)
        scopes[code.strip()] = scope_id
    process_components = select(Component.id).where(
        Component.process_id == component.process_id)
    return _Context(
        statuses=dict(db.session.execute(
            select(Status.key, Status.id).where(Status.component_id == component.id)).all()),
        categories=set(db.session.scalars(
            select(Category.id).where(Category.process_id == component.process_id))),
        scopes=scopes,
        existing={result.reference: result for result in db.session.scalars(
            select(Result).where(Result.component_id == component.id))},
        proposals=set(db.session.scalars(
            select(Proposal.id).where(Proposal.id.in_(wanted_proposals),
                                      Proposal.component_id.in_(process_components),
                                      Proposal.published_at.is_not(None)))
        ) if wanted_proposals else set(),
        projects=set(db.session.scalars(
            select(Project.id).where(Project.id.in_(wanted_projects),
                                     Project.component_id.in_(process_components)))
        ) if wanted_projects else set(),
    )


def _number(text: str, lowest: int, highest: int) -> int | None:
    """The whole number written, None when empty; ValueError when it is not one in range."""
    if not text:
        return None
    if not (text.lstrip("-").isascii() and text.lstrip("-").isdigit()) or len(text) > 20:
        raise ValueError(text)
    value = int(text)
    if not lowest <= value <= highest:
        raise ValueError(text)
    return value


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def _check_row(fields: dict[str, str], context: _Context, problems: list[str]) -> dict:
    """The keyword values of a result from one line; what is wrong goes to `problems`."""
    values: dict = {}
    reference = fields["reference"]
    if len(reference) > REFERENCE_MAX:
        problems.append(_("The reference is too long (at most %(max)d characters).",
                          max=REFERENCE_MAX))
    status = fields["status"]
    values["status_id"] = context.statuses.get(status) if status else None
    if status and values["status_id"] is None:
        problems.append(_("The status “%(key)s” does not exist.", key=status[:40]))
    manual = fields["progress_manual"].lower()
    if manual not in TRUE + FALSE:
        problems.append(_("progress_manual must be true or false, not “%(value)s”.",
                          value=fields["progress_manual"][:20]))
    try:
        progress = _number(fields["progress"], 0, 100)
    except ValueError:
        progress = None
        problems.append(_("The progress must be a whole number from 0 to 100, not "
                          "“%(value)s”.", value=fields["progress"][:20]))
    if manual in TRUE and progress is None and fields["progress"] == "":
        problems.append(_("The progress is set by hand (progress_manual is true) but it is "
                          "empty."))
    values["progress"] = progress if manual in TRUE else None
    for name in ("start_date", "end_date"):
        try:
            values[name] = _day(fields[name])
        except ValueError:
            values[name] = None
            problems.append(_("“%(value)s” is not a date: write it as YYYY-MM-DD.",
                              value=fields[name][:20]))
    if values["start_date"] and values["end_date"] and values["end_date"] < values["start_date"]:
        problems.append(_("The end date is before the start date."))
    try:
        values["category_id"] = _number(fields["category_id"], 1, 2**31 - 1)
    except ValueError:
        values["category_id"] = None
        problems.append(_("No category of this process has the id “%(value)s”.",
                          value=fields["category_id"][:20]))
    else:
        if values["category_id"] is not None and values["category_id"] not in context.categories:
            problems.append(_("No category of this process has the id “%(value)s”.",
                              value=fields["category_id"]))
    code = fields["scope_code"]
    values["scope_id"] = context.scopes.get(code, context.scopes.get(code.casefold())) \
        if code else None
    if code and values["scope_id"] is None:
        problems.append(_("No scope has the code “%(code)s”.", code=code[:20]))
    try:
        values["amount"] = _number(fields["amount"], 0, MAX_AMOUNT)
    except ValueError:
        values["amount"] = None
        problems.append(_("The amount must be a whole number of 0 or more, not “%(value)s”.",
                          value=fields["amount"][:20]))
    try:
        values["weight"] = _number(fields["weight"], *WEIGHT_BOUNDS) or 0
    except ValueError:
        values["weight"] = 0
        problems.append(_("The weight must be a whole number from %(min)d to %(max)d.",
                          min=WEIGHT_BOUNDS[0], max=WEIGHT_BOUNDS[1]))
    for column, known, message in (
        ("proposal_ids", context.proposals,
         _("Not published proposals of this process: %(ids)s.")),
        ("project_ids", context.projects, _("Not projects of this process: %(ids)s.")),
    ):
        ids = parse_ids(fields[column])
        if ids is None:
            problems.append(_("%(column)s must hold numbers separated by spaces.",
                              column=column))
            ids = []
        strangers = [str(each) for each in ids if each not in known]
        if strangers:
            problems.append(message % {"ids": " ".join(strangers[:20])})
        values[column] = ids
    values["title"], values["description"] = {}, {}
    for code in languages():
        title = fields.get(f"title_{code}", "")
        description = fields.get(f"description_{code}", "")
        if len(title) > TITLE_MAX:
            problems.append(_("The %(language)s title is too long (at most %(max)d "
                              "characters).", language=language_name(code), max=TITLE_MAX))
        if len(description) > DESCRIPTION_MAX:
            problems.append(_("The %(language)s description is too long (at most %(max)d "
                              "characters).", language=language_name(code),
                              max=DESCRIPTION_MAX))
        if title:
            values["title"][code] = title
        if description:
            values["description"][code] = description
    if not values["title"].get(default_locale()):
        problems.append(_("The title in %(language)s is missing.",
                          language=language_name(default_locale())))
    if any(CONTROL_CHARACTERS.search(text) for text in fields.values()):
        problems.append(_("Remove the control characters from this line."))
    return values


def _check_parents(rows: list[dict], context: _Context, errors: dict[int, list[str]]) -> None:
    """Parents named by reference exist (in the file or saved) and are under none."""
    in_file = {row["reference"]: row for row in rows if row["reference"]}
    parents_in_file = {row["parent_reference"] for row in rows if row["parent_reference"]}
    for row in rows:
        name = row["parent_reference"]
        if not name:
            continue
        problems = errors.setdefault(row["line"], [])
        if name == row["reference"]:
            problems.append(_("A result cannot be under itself."))
            continue
        parent_row = in_file.get(name)
        if parent_row is not None:
            grandparent = parent_row["parent_reference"]
        elif name in context.existing:
            grandparent = context.existing[name].parent_id is not None
        else:
            problems.append(_("No result has the reference “%(value)s”, in the file or "
                              "already saved.", value=name[:REFERENCE_MAX]))
            continue
        if grandparent:
            problems.append(_("The result “%(value)s” is itself under another: a sub-result "
                              "cannot have sub-results.", value=name))
        if row["reference"] and row["reference"] in parents_in_file:
            problems.append(_("This result has sub-results in the file, so it cannot go "
                              "under another."))


def read_results_csv(component, data: bytes) -> list[dict]:
    """The rows of a results file, every line checked: [{"line", "reference",
    "parent_reference", "values"}]; a CsvError lists what is wrong, line by line."""
    text = _decode(data)
    if not text.strip():
        raise CsvError([_line(1, _("The file is empty."))])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=csv_delimiter(text))
    try:
        names = _header(next(reader))
        raw_rows = []
        while True:
            line = reader.line_num + 1
            try:
                values = next(reader)
            except StopIteration:
                break
            if not any(value.strip() for value in values):
                continue  # a blank line, often the last one
            raw_rows.append((line, values))
    except csv.Error:
        raise CsvError([_line(reader.line_num, _("This line is not valid CSV (check its "
                                                 "quotes)."))]) from None
    errors: dict[int, list[str]] = {}
    rows, fields_of = [], []
    for line, values in raw_rows:
        if len(values) != len(names):
            errors.setdefault(line, []).append(_(
                "Expected %(expected)d values separated by commas, found %(found)d.",
                expected=len(names), found=len(values)))
            continue
        fields = {name: _unquoted(value.strip()) for name, value in zip(names, values,
                                                                        strict=True)}
        for name in columns():
            fields.setdefault(name, "")
        fields_of.append((line, fields))
    if not fields_of and not errors:
        raise CsvError([_line(2, _("The file has no results under its first line."))])
    context = _context(component, [fields for _line_number, fields in fields_of])
    seen: dict[str, int] = {}
    for line, fields in fields_of:
        problems = errors.setdefault(line, [])
        reference = fields["reference"]
        if reference in seen:
            problems.append(_("The reference “%(value)s” is also on line %(line)d.",
                              value=reference[:REFERENCE_MAX], line=seen[reference]))
        elif reference:
            seen[reference] = line
        rows.append({"line": line, "reference": reference or None,
                     "parent_reference": fields["parent_reference"] or None,
                     "values": _check_row(fields, context, problems)})
    _check_parents(rows, context, errors)
    messages = [_line(line, problem) for line in sorted(errors) for problem in errors[line]]
    if messages:
        raise CsvError(messages[:MAX_ERRORS])
    return rows


# --- writing ---------------------------------------------------------------------------------

def _unchanged(result: Result, values: dict, parent_id: int | None,
               links: dict[str, list[int]]) -> bool:
    same = (
        result.title == values["title"]
        and (result.description or {}) == values["description"]
        and result.status_id == values["status_id"]
        and result.start_date == values["start_date"]
        and result.end_date == values["end_date"]
        and result.category_id == values["category_id"]
        and result.scope_id == values["scope_id"]
        and result.amount == values["amount"]
        and result.weight == values["weight"]
        and result.parent_id == parent_id
        and sorted(links[PROPOSAL_LINK]) == sorted(values["proposal_ids"])
        and sorted(links[PROJECT_LINK]) == sorted(values["project_ids"])
    )
    if not same or result.children_count:  # a parent's progress is its sub-results' roll-up
        return same
    if values["progress"] is None:
        return not result.progress_manual
    return result.progress_manual and result.progress == values["progress"]


def import_results(actor, component, rows: list[dict]) -> ImportCounts:
    """Create or update the results of checked rows, parents first, with the services;
    a CsvError names the line a service refused (the caller rolls back)."""
    existing = {result.reference: result for result in db.session.scalars(
        select(Result).where(Result.component_id == component.id))}
    links = _links([result.id for result in existing.values()])
    saved: dict[str, Result] = {}
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    ordered = sorted(rows, key=lambda row: (row["parent_reference"] is not None, row["line"]))
    for row in ordered:
        parent = None
        if row["parent_reference"]:
            parent = saved.get(row["parent_reference"]) or existing[row["parent_reference"]]
        values = {**row["values"], "parent_id": parent.id if parent else None}
        result = existing.get(row["reference"]) if row["reference"] else None
        try:
            if result is None:
                result = services.create_result(actor, component, reference=row["reference"],
                                                **values)
                counts["created"] += 1
            elif _unchanged(result, row["values"], values["parent_id"], links[result.id]):
                counts["unchanged"] += 1
            else:
                services.update_result(actor, result, reference=result.reference, **values)
                counts["updated"] += 1
        except DomainError as error:
            raise CsvError([_line(row["line"], error.message)]) from None
        saved[result.reference] = result
    return ImportCounts(**counts)


def import_file(actor, component, data: bytes) -> ImportCounts:
    """Read, check and import a file: every line checked, then the rows written."""
    return import_results(actor, component, read_results_csv(component, data))
