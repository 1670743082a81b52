"""The results CSV: export then import changes nothing; an import creates and updates through
the services; a bad file names its lines and writes nothing (also through the upload page)."""

import csv
import html
import io
from datetime import date

import pytest
from sqlalchemy import func
from sqlalchemy import select

from decide.components.accountability import files
from decide.components.accountability.models import PROJECT_LINK
from decide.components.accountability.models import PROPOSAL_LINK
from decide.components.accountability.models import Result
from decide.core.models import ActionLog
from decide.core.models import ResourceLink
from decide.core.models import utcnow
from decide.notifications.models import Follow
from decide.notifications.models import Notification
from tests.components.accountability import test_admin as shared

# The back office's fixtures, shared with test_admin.py.
base, sign_in, process_admin = shared.base, shared.sign_in, shared.process_admin
other_component = shared.other_component


def rows_of(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def to_csv(rows: list[dict], delimiter: str = ",") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=delimiter,
                            lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def row(**values) -> dict:
    """A line of the file with every column, empty unless given."""
    line = dict.fromkeys(files.BASE_COLUMNS, "")
    line.update({"title_en": "", "description_en": ""})
    line.update(values)
    return line


def snapshot(db) -> list[tuple]:
    db.session.expire_all()
    results = db.session.scalars(select(Result).order_by(Result.id)).all()
    links = db.session.execute(select(ResourceLink.from_id, ResourceLink.name,
                                      ResourceLink.to_id).order_by(ResourceLink.id)).all()
    return [tuple((column.key, getattr(result, column.key))
                  for column in Result.__table__.columns) for result in results] + links


def log_count(db) -> int:
    return db.session.scalar(select(func.count(ActionLog.id)))


@pytest.fixture
def city(db, component, make_result, default_statuses, create_category, create_scope,
         process, make_proposal, make_budget, make_project):
    """Results with every kind of value: sub-results, statuses, dates, links, texts to protect."""
    statuses = default_statuses()
    category, scope = create_category(process), create_scope(code="NORTH")
    proposal = make_proposal()
    project = make_project(make_budget(), selected_at=utcnow())
    park = make_result(reference="P-1", title={"en": "=Park, \"north\"", "es": "Parque"},
                       description={"en": "<p>Trees,\r\nbenches &amp; <strong>shade</strong></p>"},
                       status=statuses["in_progress"], category_id=category.id,
                       scope_id=scope.id, amount=90_000, start_date=date(2026, 1, 10),
                       end_date=date(2026, 12, 1), weight=-2, children_count=2, progress=40)
    make_result(reference="P-1.1", parent=park, progress=30, progress_manual=True, amount=30_000)
    make_result(reference="P-1.2", parent=park, status=statuses["in_progress"], amount=60_000)
    library = make_result(reference="L-1", title={"en": "Library"}, status=statuses["completed"])
    db.session.add_all([ResourceLink(from_id=library.id, to_id=proposal.id, name=PROPOSAL_LINK),
                        ResourceLink(from_id=library.id, to_id=project.id, name=PROJECT_LINK)])
    db.session.commit()
    return {"statuses": statuses, "category": category, "scope": scope, "proposal": proposal,
            "project": project, "park": park, "library": library}


# --- the round trip ---------------------------------------------------------------------------

def test_exporting_then_importing_changes_nothing(db, admin, component, city):
    before, logs = snapshot(db), log_count(db)
    exported = files.results_csv(component)

    rows = files.read_results_csv(component, exported.encode("utf-8"))
    counts = files.import_results(admin, component, rows)

    assert counts == files.ImportCounts(created=0, updated=0, unchanged=4)
    assert snapshot(db) == before
    assert log_count(db) == logs
    assert [row["reference"] for row in rows] == ["P-1", "P-1.1", "P-1.2", "L-1"]


def test_the_export_of_the_page_reads_back_the_same_rows(client, db, base, process_admin,
                                                        component, city):
    exported = client.get(base + "/export.csv").get_data()
    assert exported.startswith("\ufeff".encode())
    rows = files.read_results_csv(component, exported)
    park = next(row for row in rows if row["reference"] == "P-1")["values"]
    assert park["title"] == {"en": "=Park, \"north\"", "es": "Parque"}  # the quote is undone
    assert park["scope_id"] == city["scope"].id and park["weight"] == -2


# --- importing --------------------------------------------------------------------------------

def test_an_import_creates_and_updates_through_the_services(db, admin, component, city,
                                                            create_user):
    follower = create_user()
    db.session.add(Follow(user_id=follower.id, resource_id=city["library"].id))
    db.session.commit()
    lines = rows_of(files.results_csv(component))
    library = next(line for line in lines if line["reference"] == "L-1")
    library.update(status="in_preparation", title_en="Library (renovated)")
    lines.append(row(reference="", parent_reference="L-1", title_en="Library roof",
                     status="not_started", proposal_ids=str(city["proposal"].id)))
    lines.append(row(reference="NEW-2", title_en="Bike lane", progress="15",
                     progress_manual="true", start_date="2026-05-01"))

    counts = files.import_results(admin, component, files.read_results_csv(
        component, to_csv(lines)))

    assert counts == files.ImportCounts(created=2, updated=1, unchanged=3)
    db.session.expire_all()
    updated = db.session.get(Result, city["library"].id)
    assert updated.title == {"en": "Library (renovated)"}
    assert updated.status_id == city["statuses"]["in_preparation"].id
    roof = db.session.scalars(select(Result).where(Result.title["en"].as_string()
                                                   == "Library roof")).one()
    assert roof.parent_id == updated.id and roof.reference.startswith("R-")
    assert updated.children_count == 1
    bike = db.session.scalars(select(Result).where(Result.reference == "NEW-2")).one()
    assert (bike.progress, bike.progress_manual, bike.start_date) == (15, True, date(2026, 5, 1))
    # The services ran: the action log and the followers' notifications.
    assert db.session.scalar(select(func.count(ActionLog.id)).where(
        ActionLog.action == "create", ActionLog.resource_type == "result")) == 2
    assert db.session.scalar(select(func.count(ActionLog.id)).where(
        ActionLog.action == "update", ActionLog.resource_type == "result")) == 1
    assert db.session.scalar(select(Notification.event).where(
        Notification.user_id == follower.id)) == "result_status_changed"


def test_a_part_may_come_before_its_parent_in_the_file(db, admin, component):
    rows = files.read_results_csv(component, to_csv([
        row(reference="C-1", parent_reference="B-1", title_en="Sub", progress="80",
            progress_manual="true"),
        row(reference="B-1", title_en="Whole"),
    ]))
    files.import_results(admin, component, rows)
    whole = db.session.scalars(select(Result).where(Result.reference == "B-1")).one()
    part = db.session.scalars(select(Result).where(Result.reference == "C-1")).one()
    assert part.parent_id == whole.id and whole.progress == 80


def test_semicolons_and_a_bom_are_read(db, admin, component):
    data = "\ufeff".encode() + to_csv([row(reference="S-1", title_en="Semi; colon")],
                                      delimiter=";")
    files.import_results(admin, component, files.read_results_csv(component, data))
    assert db.session.scalars(select(Result.title)).one() == {"en": "Semi; colon"}


# --- bad files --------------------------------------------------------------------------------

def problems(component, data: bytes) -> list[str]:
    with pytest.raises(files.CsvError) as caught:
        files.read_results_csv(component, data)
    return caught.value.errors


def test_a_wrong_header_is_refused_on_line_1(component):
    errors = problems(component, b"reference,title,colour\nR-1,Park,green\n")
    assert errors[0] == "Line 1: Unknown columns: title, colour."
    assert errors[1].startswith("Line 1: Missing columns: parent_reference, status,")
    assert "title_en" in errors[1]


@pytest.mark.parametrize("values, message", [
    ({"start_date": "31/02/2026"}, "“31/02/2026” is not a date: write it as YYYY-MM-DD."),
    ({"start_date": "2026-05-02", "end_date": "2026-05-01"},
     "The end date is before the start date."),
    ({"status": "done"}, "The status “done” does not exist."),
    ({"parent_reference": "NOPE"},
     "No result has the reference “NOPE”, in the file or already saved."),
    ({"progress": "150", "progress_manual": "true"},
     "The progress must be a whole number from 0 to 100, not “150”."),
    ({"progress_manual": "true"},
     "The progress is set by hand (progress_manual is true) but it is empty."),
    ({"progress_manual": "maybe"}, "progress_manual must be true or false, not “maybe”."),
    ({"amount": "-5"}, "The amount must be a whole number of 0 or more, not “-5”."),
    ({"amount": "12.5"}, "The amount must be a whole number of 0 or more, not “12.5”."),
    ({"weight": "abc"}, "The weight must be a whole number from -1000 to 1000."),
    ({"category_id": "999999"}, "No category of this process has the id “999999”."),
    ({"scope_code": "MOON"}, "No scope has the code “MOON”."),
    ({"proposal_ids": "12 x"}, "proposal_ids must hold numbers separated by spaces."),
    ({"project_ids": "999999"}, "Not projects of this process: 999999."),
    ({"title_en": ""}, "The title in English is missing."),
    ({"title_en": "x" * 151}, "The English title is too long (at most 150 characters)."),
    ({"reference": "R" * 65}, "The reference is too long (at most 64 characters)."),
    ({"title_en": "Bell\x07"}, "Remove the control characters from this line."),
])
def test_a_bad_value_is_named_with_its_line(component, values, message):
    lines = [row(reference="OK-1", title_en="Fine"), row(reference="BAD-1", title_en="Bad")]
    lines[1].update(values)
    assert problems(component, to_csv(lines)) == [f"Line 3: {message}"]


def test_ids_of_another_process_are_refused(component, other_component, create_component,
                                            create_process, make_proposal, make_budget,
                                            make_project, create_category):
    elsewhere = create_process(slug="far")
    proposal = make_proposal(create_component(elsewhere, manifest_name="proposals"))
    category = create_category(elsewhere)
    draft = make_proposal(published_at=None)
    errors = problems(component, to_csv([
        row(reference="A", title_en="A", proposal_ids=f"{proposal.id} {draft.id}",
            category_id=str(category.id))]))
    assert errors == [f"Line 2: No category of this process has the id “{category.id}”.",
                      f"Line 2: Not published proposals of this process: {proposal.id} "
                      f"{draft.id}."]


def test_a_duplicate_reference_and_sub_results_of_sub_results_are_refused(component, make_result):
    existing_part = make_result(reference="E-2", parent=make_result(reference="E-1"))
    errors = problems(component, to_csv([
        row(reference="D-1", title_en="One"),
        row(reference="D-1", title_en="Again"),
        row(reference="D-2", parent_reference="D-3", title_en="Deep"),
        row(reference="D-3", parent_reference="D-1", title_en="Middle"),
        row(reference="D-4", parent_reference=existing_part.reference, title_en="Deeper"),
        row(reference="D-5", parent_reference="D-5", title_en="Itself"),
    ]))
    assert errors == [
        "Line 3: The reference “D-1” is also on line 2.",
        "Line 4: The result “D-3” is itself under another: a sub-result cannot have "
        "sub-results.",
        "Line 5: This result has sub-results in the file, so it cannot go under another.",
        "Line 6: The result “E-2” is itself under another: a sub-result cannot have "
        "sub-results.",
        "Line 7: A result cannot be under itself.",
    ]


def test_a_file_that_is_not_utf8_names_its_lines(component):
    data = to_csv([row(reference="A", title_en="Plaza"), row(reference="B", title_en="x")])
    data = data.replace(b"Plaza", "Plaça".encode("latin-1"))
    assert problems(component, data) == [
        "Line 2: This line is not UTF-8 text: save the file as CSV UTF-8."]


HEADER = "{header}"


@pytest.mark.parametrize("data, message", [
    ("", "Line 1: The file is empty."),
    ("  \r\n", "Line 1: The file is empty."),
    (HEADER, "Line 2: The file has no results under its first line."),
    (HEADER + '\n"unclosed,a\nb', None),
])
def test_an_empty_or_broken_file_is_refused(component, data, message):
    errors = problems(component, data.format(header=",".join(files.columns())).encode())
    if message:
        assert errors == [message]
    else:
        assert len(errors) == 1 and errors[0].startswith("Line ")


def test_a_line_with_too_many_values_is_refused(component):
    data = to_csv([row(reference="A", title_en="A")]) + b"B,,,,,,,,,,,,,,,,,,,,,,,,,,,,\r\n"
    assert problems(component, data) == [
        f"Line 3: Expected {len(files.BASE_COLUMNS) + 2} values separated by commas, found 29."]


def test_a_rule_only_a_service_knows_stops_the_import_at_its_line(db, admin, component,
                                                                  make_result):
    """A result that has sub-results in the database cannot go under another: the service refuses,
    the import names the line, and the caller rolls everything back."""
    whole = make_result(reference="W-1")
    make_result(reference="W-1.1", parent=whole)
    make_result(reference="T-1")
    rows = files.read_results_csv(component, to_csv([
        row(reference="NEW", title_en="Created first"),
        row(reference="W-1", parent_reference="T-1", title_en="Whole"),
    ]))
    with pytest.raises(files.CsvError) as caught:
        files.import_results(admin, component, rows)
    assert caught.value.errors == ["Line 3: This result has results under it, so it cannot "
                                   "go under another one."]


# --- the upload page --------------------------------------------------------------------------

def upload(client, base, data: bytes, name: str = "results.csv"):
    return client.post(base + "/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_a_good_file_is_imported_from_the_page(client, db, base, process_admin):
    response = upload(client, base, to_csv([row(reference="U-1", title_en="Uploaded"),
                                            row(reference="U-2", title_en="Also")]))
    assert response.status_code == 303
    assert db.session.scalar(select(func.count(Result.id))) == 2
    page = html.unescape(client.get("/").get_data(as_text=True))
    assert "The file is imported. Created: 2. Updated: 0. Unchanged: 0." in page


def test_a_bad_file_lists_its_lines_and_saves_nothing(client, db, base, process_admin,
                                                      make_result):
    make_result(reference="K-1", title={"en": "Kept"})
    response = upload(client, base, to_csv([
        row(reference="K-1", title_en="Changed"),
        row(reference="N-1", title_en="New"),
        row(reference="N-2", title_en="Late", status="done"),
    ]))
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert "Nothing was imported" in page
    assert "Line 4: The status “done” does not exist." in page
    db.session.expire_all()
    assert db.session.scalars(select(Result.title)).all() == [{"en": "Kept"}]


def test_a_refusal_of_a_service_rolls_the_whole_file_back(client, db, base, process_admin,
                                                          make_result):
    whole = make_result(reference="W-1")
    make_result(reference="W-1.1", parent=whole)
    make_result(reference="T-1")
    response = upload(client, base, to_csv([
        row(reference="NEW", title_en="Created first"),
        row(reference="W-1", parent_reference="T-1", title_en="Whole"),
    ]))
    assert response.status_code == 400
    assert "Line 3: This result has results under it" in html.unescape(
        response.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Result.id))) == 3
    assert db.session.scalar(select(func.count(ActionLog.id))) == 0


@pytest.mark.parametrize("data, name, message", [
    (None, None, "Choose the CSV file."),
    (b"reference\n", "results.xlsx", "Choose a CSV file (its name ends in .csv)."),
])
def test_the_upload_needs_a_csv_file(client, base, process_admin, data, name, message):
    if data is None:
        response = client.post(base + "/import", data={})
    else:
        response = upload(client, base, data, name)
    assert response.status_code == 400
    assert message in html.unescape(response.get_data(as_text=True))


def test_the_upload_is_size_limited(client, app, base, process_admin, monkeypatch):
    monkeypatch.setitem(app.config, "ACCOUNTABILITY_IMPORT_MAX_SIZE", 1000)
    response = upload(client, base, to_csv([row(reference="Z", title_en="x" * 2000)]))
    assert response.status_code == 413
