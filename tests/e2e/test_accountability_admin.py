"""The back office of accountability in a real browser.

The organization admin opens Budget of last year's "What we are doing" from the process's
components and goes through every page of its back office; Maria follows the library's
Sunday opening, the admin publishes its progress update with a timeline entry, and Maria
has it under the bell, by e-mail and on the result's page. A new result typed badly (in
Catalan, to read the translated errors) keeps what was typed; the export is imported back
unchanged, and a file with a bad line is refused whole. The file runs a demo city of its
own (tests/e2e/staff.py); its tests run in order.
"""

import csv
import io
import re

import pytest

from tests.e2e import staff
from tests.e2e.staff import catalog_text
from tests.e2e.staff import db_value
from tests.e2e.staff import field_errors
from tests.e2e.staff import flash
from tests.e2e.staff import in_english
from tests.e2e.test_accountability import PROCESS
from tests.e2e.test_accountability import component_id
from tests.e2e.test_accountability import db_rows
from tests.e2e.test_accountability import result_url

pytestmark = pytest.mark.e2e

server = staff.server
person = staff.person

MARIA = "maria@decide.example"
COMPONENT = "What we are doing"
LIBRARY = "The library open on Sundays for a year"  # in progress, 65 % set by hand
UPDATED = f"The result “{LIBRARY}” is now 75% done."


def admin_url(server) -> str:
    return f"{server.url}/admin{PROCESS}/f/{component_id(server)}/accountability/"


def action(verb: str, subject: str) -> re.Pattern:
    """The name of a row's link or button ("Edit" and, for screen readers, ": title")."""
    return re.compile(rf"^{re.escape(verb)}\W+{re.escape(subject)}$")


def rows(page):
    return page.locator("main table tbody tr")


def row(page, title: str):
    return rows(page).filter(has=page.get_by_role("link", name=title, exact=True))


def bell_count(page) -> int:
    count = page.locator(".bell .bell__count")
    return int(count.inner_text()) if count.count() else 0


def results_in_db(server) -> dict[str, tuple]:
    """{reference: (parent's reference, English title, progress)} of every result."""
    found = db_rows(server, "select r.reference, p.reference, json_extract(r.title, '$.en'), "
                            "r.progress from accountability_results r "
                            "join resources res on res.id = r.id "
                            "left join accountability_results p on p.id = r.parent_id "
                            "where res.component_id = ?", component_id(server))
    return {reference: (parent or "", title, progress)
            for reference, parent, title, progress in found}


def export(page) -> bytes:
    """The CSV file the index's link downloads."""
    with page.expect_download() as started:
        page.get_by_role("link", name="Export the results as CSV").click()
    download = started.value
    assert re.fullmatch(r"results-\d+\.csv", download.suggested_filename)
    with open(download.path(), "rb") as file:
        return file.read()


def upload(page, submit, content: bytes) -> None:
    page.get_by_label("Results file (CSV)").set_input_files(
        {"name": "results.csv", "mimeType": "text/csv", "buffer": content})
    submit(page.locator("main form").get_by_role("button", name="Import"))


def test_the_admin_goes_through_the_back_office_and_tells_maria_of_progress(
        server, person, check_page, submit):
    # Maria follows the library's Sunday opening from its page.
    maria = person("maria")
    in_english(maria, submit)
    maria.goto(result_url(server, LIBRARY))
    submit(maria.locator("main").get_by_role("button", name="Follow"))
    assert maria.locator("main").get_by_role("button", name="Stop following").is_visible()
    server.deliver(to=MARIA)  # what the demo city queued for her
    unread = bell_count(maria)

    # From the process's components to the component's back office.
    admin = person("admin")
    admin.goto(f"{server.url}/admin{PROCESS}")
    submit(admin.get_by_role("navigation", name="Sections of this process").get_by_role(
        "link", name="Components"))
    check_page(admin, "accountability-admin-components")
    submit(admin.locator("main tbody").get_by_role(
        "link", name=action("Manage content", COMPONENT)))
    assert admin.url == admin_url(server)
    assert admin.locator("main h2").first.inner_text() == COMPONENT
    assert admin.locator(".results-count").inner_text() == "8 top-level results"
    assert rows(admin).count() == len(results_in_db(server)) == 13  # and their parts
    check_page(admin, "accountability-admin-index")

    submit(admin.get_by_role("link", name="New result"))
    assert admin.locator("main h2").inner_text() == "New result"
    check_page(admin, "accountability-admin-new")

    # A result's pages: edit, timeline, an entry, the progress update, delete.
    admin.goto(admin_url(server))
    submit(row(admin, LIBRARY).get_by_role("link", name=action("Edit", LIBRARY)))
    assert admin.locator("#title-en").input_value() == LIBRARY
    assert admin.get_by_label("Progress (%)").input_value() == "65"
    check_page(admin, "accountability-admin-edit")
    sections = admin.get_by_role("navigation", name="Sections of this result")

    submit(sections.get_by_role("link", name="Timeline"))
    entries = admin.locator("ol.timeline > li")
    library_id = db_value(server, "select id from accountability_results "
                                  "where json_extract(title, '$.en') = ?", LIBRARY)
    before = db_value(server, "select count(*) from accountability_timeline_entries "
                              "where result_id = ?", library_id)
    assert entries.count() == before
    check_page(admin, "accountability-admin-timeline")
    submit(entries.first.get_by_role("link", name=re.compile("^Edit")))
    assert admin.locator("main h2").inner_text() == "Edit the timeline entry"
    check_page(admin, "accountability-admin-entry")
    submit(admin.get_by_role("link", name="Back to the timeline"))

    submit(sections.get_by_role("link", name="Delete"))
    assert admin.locator("main h2").inner_text() == (
        f"Delete the result “{LIBRARY}”? This cannot be undone.")
    assert admin.locator("main").get_by_role("button", name="Delete the result").is_visible()
    check_page(admin, "accountability-admin-delete")
    submit(admin.locator("main").get_by_role("link", name="Cancel"))

    # The progress update, with a timeline entry.
    admin.goto(admin_url(server))
    submit(row(admin, LIBRARY).get_by_role("link", name=action("Progress update", LIBRARY)))
    check_page(admin, "accountability-admin-progress")
    assert admin.get_by_label("Status").locator("option:checked").inner_text() == (
        "In progress (50 %)")
    admin.get_by_label("Progress (%)").fill("75")
    admin.locator("#entry_title-en").fill("Ten months open")
    admin.locator("#entry_title-ca").fill("Deu mesos oberta")
    admin.locator("#entry_description-en").fill("<p>11,200 visits; the council keeps it "
                                                "open next year.</p>")
    submit(admin.get_by_role("button", name="Publish the update"))
    assert "The progress update is published." in flash(admin)
    assert "75 %" in row(admin, LIBRARY).locator("td").nth(3).inner_text()

    admin.goto(f"{server.url}/admin/logs")
    assert f"published a progress update of the result {LIBRARY}" in admin.locator(
        "main").inner_text()
    check_page(admin, "accountability-admin-log")

    # The component's other pages.
    admin.goto(admin_url(server))
    submit(admin.locator("main").get_by_role("link", name="Statuses", exact=True))
    assert [line.locator("td").first.inner_text() for line in rows(admin).all()] == [
        "Not started", "In preparation", "In progress", "Completed"]
    check_page(admin, "accountability-admin-statuses")
    submit(admin.get_by_role("link", name="New status"))
    check_page(admin, "accountability-admin-status-new")
    submit(admin.get_by_role("link", name="Back to the statuses"))
    submit(row(admin, "Completed").get_by_role("link", name=action("Edit", "Completed")))
    assert admin.get_by_label("Key").input_value() == "completed"
    check_page(admin, "accountability-admin-status-edit")

    admin.goto(admin_url(server))
    submit(admin.get_by_role("link", name="Create results from a budget"))
    check_page(admin, "accountability-admin-from-budget")
    admin.get_by_label("Budget", exact=True).select_option(label="Budgets · City budget")
    submit(admin.get_by_role("button", name="Create the results"))
    assert ("Every selected project of this budget has a result already: nothing new."
            in flash(admin))
    assert admin.locator(".results-count").inner_text() == "8 top-level results"

    submit(admin.get_by_role("link", name="Import a CSV file"))
    check_page(admin, "accountability-admin-import")

    # Maria: under the bell, in her notifications, by e-mail, on the result's page.
    maria.reload()
    assert bell_count(maria) == unread + 1
    submit(maria.locator("header a.bell"))
    first = maria.locator(".notification").first
    assert UPDATED in first.inner_text()
    check_page(maria, "accountability-notification")
    [message] = server.deliver(to=MARIA)
    assert message["Subject"] == UPDATED
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert UPDATED in text and result_url(server, LIBRARY) in text.split()
    submit(first.get_by_role("link", name=UPDATED))
    assert maria.url.startswith(result_url(server, LIBRARY))
    assert maria.get_by_label("Progress", exact=True).get_attribute("value") == "75"
    assert maria.locator(".result__main .result-progress__value").first.inner_text() == "75%"
    newest = maria.get_by_role("region", name="Timeline").locator("li").first
    assert newest.locator("h3").inner_text() == "Ten months open"
    assert "11,200 visits" in newest.inner_text()
    check_page(maria, "accountability-result-updated")


def test_a_result_typed_badly_is_told_beside_its_fields_in_catalan(server, person, check_page,
                                                                   submit):
    admin = person("admin")
    admin.goto(admin_url(server))
    submit(admin.get_by_role("link", name="New result"))
    submit(admin.get_by_role("button", name="Català"))
    assert admin.locator("html").get_attribute("lang") == "ca"

    # No title in the default language, a progress above 100.
    admin.locator("#title-ca").fill("Bancs a l'ombra al costat del skatepark")
    admin.locator("#description-en").fill("<p>Shade and benches, as residents asked.</p>")
    admin.locator("#reference").fill("R-SHADE")
    admin.locator("#progress").fill("150")
    admin.locator("#amount").fill("12000")
    admin.locator("#proposal_ids").fill("47")
    submit(admin.locator("#submit"))
    errors = field_errors(admin)
    assert errors["title"] == catalog_text(
        "ca", "Write this text at least in %(language)s.") % {"language": "anglès"}
    assert errors["progress"] == catalog_text(
        "ca", "Enter a number from %(min)s to %(max)s.") % {"min": 0, "max": 100}
    assert set(errors) == {"title", "progress"}
    # The errors are beside their fields, and everything typed is still there.
    title = admin.locator("fieldset.has-error").filter(has=admin.locator("#title-en"))
    assert title.get_attribute("aria-describedby") == "title-error"
    assert title.locator("#title-error").is_visible()
    progress = admin.locator(".field.has-error").filter(has=admin.locator("#progress"))
    assert progress.locator("#progress-error").is_visible()
    assert admin.locator("#progress").get_attribute("aria-invalid") == "true"
    assert "progress-error" in admin.locator("#progress").get_attribute("aria-describedby")
    assert admin.locator("#title-ca").input_value() == "Bancs a l'ombra al costat del skatepark"
    assert admin.locator("#description-en").input_value() == (
        "<p>Shade and benches, as residents asked.</p>")
    assert admin.locator("#reference").input_value() == "R-SHADE"
    assert admin.locator("#progress").input_value() == "150"
    assert admin.locator("#amount").input_value() == "12000"
    assert admin.locator("#proposal_ids").input_value() == "47"
    assert db_value(server, "select count(*) from accountability_results "
                            "where reference = 'R-SHADE'") == 0
    check_page(admin, "accountability-admin-new-invalid-ca")

    # In English (the switch loads the form again, empty), corrected: saved; then deleted,
    # so the demo stays as it was.
    in_english(admin, submit)
    assert admin.locator("#reference").input_value() == ""
    admin.locator("#title-en").fill("Shaded benches by the skate park")
    admin.locator("#reference").fill("R-SHADE")
    admin.locator("#progress").fill("40")
    submit(admin.get_by_role("button", name="Save"))
    assert "The result is saved." in flash(admin)
    assert admin.locator(".results-count").inner_text() == "9 top-level results"
    shade = row(admin, "Shaded benches by the skate park")
    assert shade.locator("td").first.inner_text() == "R-SHADE"
    submit(shade.get_by_role("link", name=action("Delete", "Shaded benches by the skate park")))
    submit(admin.locator("main").get_by_role("button", name="Delete the result"))
    assert "The result is deleted." in flash(admin)
    assert admin.locator(".results-count").inner_text() == "8 top-level results"


def test_the_export_is_imported_back_unchanged_and_a_bad_file_whole_refused(
        server, person, check_page, submit):
    admin = person("admin")
    admin.goto(admin_url(server))
    exported = export(admin)
    assert exported.startswith("\ufeff".encode())  # spreadsheets read it as UTF-8
    lines = list(csv.DictReader(io.StringIO(exported.decode("utf-8-sig"))))
    # A row per result, each as the database has it, in the index's order.
    assert {line["reference"]: (line["parent_reference"], line["title_en"],
                                int(line["progress"])) for line in lines} == results_in_db(server)
    assert len(lines) == 13
    assert [line["reference"] for line in lines] == [
        each.locator("td").first.inner_text() for each in rows(admin).all()]
    library = next(line for line in lines if line["title_en"] == LIBRARY)
    assert library["status"] == "in_progress" and library["progress_manual"] == "true"

    # Imported back: nothing changes.
    submit(admin.get_by_role("link", name="Import a CSV file"))
    upload(admin, submit, exported)
    assert "The file is imported. Created: 0. Updated: 0. Unchanged: 13." in flash(admin)
    assert admin.url == admin_url(server)
    assert export(admin) == exported

    # A line that cannot be imported: named by its line, and nothing is saved.
    changed = [dict(line) for line in lines]
    changed[0]["title_en"] = "Renamed by the import"
    changed[1]["progress"] = "150"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(lines[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(changed)
    submit(admin.get_by_role("link", name="Import a CSV file"))
    upload(admin, submit, out.getvalue().encode())
    assert "Nothing was imported: correct these lines and upload the file again." in (
        admin.get_by_role("alert").inner_text())
    problems = admin.locator(".census-problems li").all_inner_texts()
    assert len(problems) == 1 and problems[0].startswith("Line 3: ")
    check_page(admin, "accountability-admin-import-refused")
    admin.goto(admin_url(server))
    assert export(admin) == exported
