"""Reading and writing pabulib `.pb` files, the open format of participatory-budgeting
elections (https://pabulib.org/format). No database here.

A file is UTF-8 text, `;`-separated with CSV quoting, in three sections, each a line of its
own followed by its header line:

    META                 PROJECTS                       VOTES
    key;value            project_id;cost;...            voter_id;vote;...
    budget;1000000       24;5000;...                    1;24,41,7

Readers go by the header names, never by positions. `vote` is a comma-separated list of
project ids. Every error names the 1-based line it is on.
"""

import csv
import io
import re
from dataclasses import dataclass
from dataclasses import field

SECTIONS = ("META", "PROJECTS", "VOTES")
REQUIRED = {"META": ("key", "value"), "PROJECTS": ("project_id", "cost"),
            "VOTES": ("voter_id", "vote")}
_WHOLE = re.compile(r"[0-9]+")


class PbError(ValueError):
    """A malformed .pb file: what is wrong and on which line (1-based)."""

    def __init__(self, message: str, line: int):
        super().__init__(f"line {line}: {message}")
        self.message = message
        self.line = line


@dataclass
class PbFile:
    """A parsed file: META as a dict of strings, the projects and the votes as dicts by
    header name (strings), each vote's `vote` split into a list of project ids."""

    meta: dict[str, str]
    projects: list[dict[str, str]]
    votes: list[dict]
    # The line of each META key, of each project (by id) and of each vote (by voter id),
    # so later checks can still name the line.
    lines: dict[str, dict[str, int]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def budget(self) -> int:
        return int(self.meta["budget"])

    @property
    def project_costs(self) -> list[tuple[str, int]]:
        return [(p["project_id"], int(p["cost"])) for p in self.projects]

    @property
    def ballots(self) -> list[list[str]]:
        return [v["vote"] for v in self.votes]


def _whole(value: str) -> int | None:
    value = value.strip()
    return int(value) if _WHOLE.fullmatch(value) else None


def _rows(text: str):
    """(line number, fields) of every non-blank row; a quoted field may span lines."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=";",
                        strict=True)
    last = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise PbError(f"cannot read this row ({error})", last + 1) from error
        start, last = last + 1, reader.line_num
        if any(cell.strip() for cell in row):
            yield start, row


def _section(row: list[str]) -> str | None:
    if len([cell for cell in row if cell.strip()]) == 1 and row[0].strip().upper() in SECTIONS:
        return row[0].strip().upper()
    return None


def parse_pb(text: str) -> PbFile:
    """The data of a .pb file; PbError(message, line) on the first thing wrong in it."""
    sections: dict[str, tuple[int, list[str], list[tuple[int, list[str]]]]] = {}
    current = None
    last_line = 1
    for number, row in _rows(text):
        last_line = number
        name = _section(row)
        if name is not None:
            expected = SECTIONS[len(sections)] if len(sections) < len(SECTIONS) else None
            if name != expected:
                raise PbError(f"section {name} found where {expected or 'nothing more'} "
                              "was expected (META, PROJECTS, VOTES, in this order)", number)
            sections[name] = (number, [], [])
            current = name
            continue
        if current is None:
            raise PbError("the file must start with the META section", number)
        header_line, header, rows = sections[current]
        if not header:
            names = [cell.strip() for cell in row]
            for required in REQUIRED[current]:
                if required not in names:
                    raise PbError(f"the {current} header has no column {required!r}", number)
            duplicates = {n for n in names if names.count(n) > 1}
            if duplicates or "" in names:
                raise PbError(f"the {current} header has an empty or repeated column", number)
            sections[current] = (header_line, names, rows)
        else:
            if len(row) != len(header):
                raise PbError(f"this row has {len(row)} fields, the {current} header "
                              f"{len(header)}", number)
            rows.append((number, row))
    for name in SECTIONS:
        if name not in sections:
            raise PbError(f"the section {name} is missing", last_line)
        if not sections[name][1]:
            raise PbError(f"the section {name} has no header line", sections[name][0])
    lines: dict[str, dict[str, int]] = {"meta": {}, "projects": {}, "votes": {}}
    meta = _meta(sections["META"], lines["meta"])
    projects = _projects(sections["PROJECTS"], lines["projects"])
    votes = _votes(sections["VOTES"], lines["votes"], {p["project_id"] for p in projects})
    _check_meta(meta, lines["meta"], projects, votes, sections)
    return PbFile(meta, projects, votes, lines)


def _records(section) -> list[tuple[int, dict[str, str]]]:
    _line, header, rows = section
    return [(number, dict(zip(header, row, strict=True))) for number, row in rows]


def _meta(section, lines: dict[str, int]) -> dict[str, str]:
    meta: dict[str, str] = {}
    for number, record in _records(section):
        key = record["key"].strip()
        if not key:
            raise PbError("a META row has no key", number)
        if key in meta:
            raise PbError(f"the META key {key!r} is given twice", number)
        meta[key] = record["value"]
        lines[key] = number
    return meta


def _projects(section, lines: dict[str, int]) -> list[dict[str, str]]:
    projects = []
    for number, record in _records(section):
        project_id = record["project_id"].strip()
        if not project_id:
            raise PbError("a project has no project_id", number)
        if "," in project_id:
            raise PbError(f"the project id {project_id!r} holds a comma", number)
        if project_id in lines:
            raise PbError(f"the project id {project_id!r} is given twice", number)
        if _whole(record["cost"]) is None:
            raise PbError(f"the cost of project {project_id!r} is not a whole number of at "
                          f"least 0: {record['cost']!r}", number)
        record["project_id"] = project_id
        lines[project_id] = number
        projects.append(record)
    return projects


def _votes(section, lines: dict[str, int], known: set[str]) -> list[dict]:
    votes = []
    for number, record in _records(section):
        voter_id = record["voter_id"].strip()
        if not voter_id:
            raise PbError("a vote has no voter_id", number)
        if voter_id in lines:
            raise PbError(f"the voter id {voter_id!r} is given twice", number)
        chosen = [each.strip() for each in record["vote"].split(",")] if record["vote"].strip() \
            else []
        for project_id in chosen:
            if project_id not in known:
                raise PbError(f"the vote names a project that is not in PROJECTS: "
                              f"{project_id!r}", number)
        if len(set(chosen)) != len(chosen):
            raise PbError("the vote names a project twice", number)
        record = {**record, "voter_id": voter_id, "vote": chosen}
        lines[voter_id] = number
        votes.append(record)
    return votes


def _check_meta(meta, lines, projects, votes, sections) -> None:
    if "budget" not in meta:
        raise PbError("META has no budget", sections["META"][0])
    budget = _whole(meta["budget"])
    if budget is None or budget <= 0:
        raise PbError(f"the budget is not a whole number above 0: {meta['budget']!r}",
                      lines["budget"])
    for key, rows in (("num_projects", projects), ("num_votes", votes)):
        if key in meta and _whole(meta[key]) != len(rows):
            raise PbError(f"{key} says {meta[key]!r}, the file has {len(rows)}", lines[key])


def write_pb(meta: dict, projects: list[dict], votes: list[dict]) -> str:
    """The .pb text of this data (values written with str(); a vote's list of project ids
    joined by commas; fields quoted CSV-style only when needed)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    writer.writerows([key, _text(value)] for key, value in meta.items())
    for name, rows, first in (("PROJECTS", projects, ("project_id", "cost")),
                              ("VOTES", votes, ("voter_id", "vote"))):
        header = list(first)
        for row in rows:
            header.extend(key for key in row if key not in header)
        writer.writerow([name])
        writer.writerow(header)
        writer.writerows([_text(row.get(key, "")) for key in header] for row in rows)
    return out.getvalue()


def _text(value) -> str:
    if isinstance(value, list | tuple):
        return ",".join(str(each) for each in value)
    if isinstance(value, bool):
        return "1" if value else "0"
    return "" if value is None else str(value)
