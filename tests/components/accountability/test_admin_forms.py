"""Bad input in every form of the accountability back office: a translated message beside
the field, the page again (400) with what was typed, never a 500, and nothing written."""

import html
import re

import pytest
from sqlalchemy import func
from sqlalchemy import select

from decide.components.accountability.models import Result
from decide.components.accountability.models import Status
from decide.components.accountability.models import TimelineEntry
from decide.components.budgets.models import Budget
from decide.core.models import ActionLog
from tests.components.accountability import test_admin as shared

# The back office's fixtures, shared with test_admin.py.
base, sign_in, process_admin = shared.base, shared.sign_in, shared.process_admin
other_component = shared.other_component


def field_error(response, field_id: str) -> str:
    match = re.search(rf'<p class="field-error" id="{re.escape(field_id)}-error">(.*?)</p>',
                      response.get_data(as_text=True), re.S)
    return html.unescape(match.group(1)) if match else ""


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def count(db, model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(model.id)))


@pytest.fixture
def foreign(db, other_component, make_result, make_status, create_process, create_category,
            create_component, make_proposal, make_budget, make_project, create_user):
    """Ids that exist but belong elsewhere: another component, another process."""
    elsewhere = create_process(slug="far-away")
    budgets = create_component(elsewhere, manifest_name="budgets")
    budget = Budget(component_id=budgets.id, title={"en": "Far"}, total=10)
    db.session.add(budget)
    db.session.commit()
    return {
        "result": make_result(other_component).id,
        "status": make_status(other_component).id,
        "category": create_category(elsewhere).id,
        "proposal": make_proposal(create_component(elsewhere, manifest_name="proposals")).id,
        "project": make_project(budget).id,
        "budget": budget.id,
    }


# --- the result form --------------------------------------------------------------------------

RESULT_CASES = [
    ({"title-en": ""}, "title", "Write this text at least in English."),
    ({"title-en": "x" * 151}, "title",
     "The English text is too long (at most 150 characters)."),
    ({"title-en": "Bell\x07"}, "title", "Remove the control characters from this text."),
    ({"reference": "R" * 65}, "reference", "Use at most 64 characters."),
    ({"progress": "abc"}, "progress", "Enter a whole number, without decimals."),
    ({"progress": "7.5"}, "progress", "Enter a whole number, without decimals."),
    ({"progress": "101"}, "progress", "Enter a number from 0 to 100."),
    ({"progress": "-1"}, "progress", "Enter a number from 0 to 100."),
    ({"amount": "-5"}, "amount", "Enter an amount from 0 to 999999999999999."),
    ({"amount": "99999999999999999999999"}, "amount",
     "Enter an amount from 0 to 999999999999999."),
    ({"start_date": "2026-02-30"}, "start_date", "Enter a date like 2026-05-17."),
    ({"end_date": "tomorrow"}, "end_date", "Enter a date like 2026-05-17."),
    ({"start_date": "2026-05-02", "end_date": "2026-05-01"}, "end_date",
     "The end date cannot be before the start date."),
    ({"weight": "1.5"}, "weight", "Enter a whole number, without decimals."),
    ({"weight": ""}, "weight", "Fill in this field."),
    ({"weight": "5000"}, "weight", "Enter a number from -1000 to 1000."),
    ({"status_id": "abc"}, "status_id", "Choose one of the statuses."),
    ({"status_id": "{status}"}, "status_id", "Choose one of the statuses."),
    ({"category_id": "{category}"}, "category_id", "Choose a category of this process."),
    ({"scope_id": "99999999"}, "scope_id", "Choose one of the scopes."),
    ({"parent_id": "{result}"}, "parent_id", "Choose a result of this component."),
    ({"parent_id": "99999999999999"}, "parent_id", "Choose a result of this component."),
    ({"proposal_ids": "{proposal}"}, "proposal_ids", "Choose proposals of this process."),
    ({"proposal_ids": "12, abc"}, "proposal_ids",
     "Write the numbers separated by spaces or commas, like 12 15 31."),
    ({"proposal_ids": "99999999999"}, "proposal_ids",
     "Write the numbers separated by spaces or commas, like 12 15 31."),
    ({"project_ids": "{project}"}, "project_ids", "Choose projects of this process."),
    ({"project_ids": " ".join(str(n) for n in range(1, 502))}, "project_ids",
     "Name at most 500 of them."),
]


@pytest.mark.parametrize("where", ["new", "edit"])
@pytest.mark.parametrize("values, field, message", RESULT_CASES,
                         ids=[f"{field}:{values[next(iter(values))][:12]}"
                              for values, field, _ in RESULT_CASES])
def test_the_result_form_refuses_bad_input_and_keeps_it(client, db, base, process_admin,
                                                        make_result, foreign, where, values,
                                                        field, message):
    existing = make_result(title={"en": "Before"})
    data = {**shared.RESULT_FORM, "title-en": "Kept <i>title</i>", "amount": "1234",
            **{name: value.format(**foreign) for name, value in values.items()}}
    url = base + ("/results/new" if where == "new" else f"/results/{existing.id}")
    results, logs = count(db, Result), count(db, ActionLog)

    response = client.post(url, data=data)

    assert response.status_code == 400
    assert field_error(response, field) == message
    body = response.get_data(as_text=True)
    if "title-en" not in values:
        assert 'value="Kept &lt;i&gt;title&lt;/i&gt;"' in body  # typed, kept, escaped
    if "amount" not in values:
        assert 'value="1234"' in body
    for name, value in values.items():
        if name not in ("title-en", "status_id", "category_id", "scope_id", "parent_id") \
                and "\x07" not in value:
            assert html.escape(value.format(**foreign), quote=True) in body, name
    assert (count(db, Result), count(db, ActionLog)) == (results, logs)
    db.session.refresh(existing)
    assert existing.title == {"en": "Before"}


def test_html_in_the_title_stays_escaped_when_the_form_comes_back(client, base, process_admin):
    response = client.post(base + "/results/new", data={
        **shared.RESULT_FORM, "title-en": "<script>alert(1)</script>", "progress": "x"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_a_reference_taken_by_another_result_is_refused(client, db, base, process_admin,
                                                        make_result):
    make_result(reference="T-1")
    response = client.post(base + "/results/new", data={**shared.RESULT_FORM, "reference": "T-1"})
    assert response.status_code == 400
    assert field_error(response, "reference") == \
        "Another result of this component has this reference."
    assert count(db, Result) == 1


def test_a_result_cannot_be_its_own_parent(client, db, base, process_admin, make_result):
    result = make_result()
    response = client.post(base + f"/results/{result.id}",
                           data={**shared.RESULT_FORM, "parent_id": str(result.id)})
    assert response.status_code == 400
    assert field_error(response, "parent_id") == "A result cannot be its own parent."


# --- the progress update ----------------------------------------------------------------------

PROGRESS_CASES = [
    ({"progress": "ten"}, "progress", "Enter a whole number, without decimals."),
    ({"progress": "250"}, "progress", "Enter a number from 0 to 100."),
    ({"status_id": "{status}"}, "status_id", "Choose one of the statuses."),
    ({"entry_description-en": "<p>Text <b>kept</b></p>"}, "entry_title",
     "Give the timeline entry a title, or leave its description empty."),
    ({"entry_title-en": "Works <started>", "entry_date": ""}, "entry_date",
     "Give the timeline entry its date."),
    ({"entry_title-en": "Works <started>", "entry_date": "2026-13-01"}, "entry_date",
     "Enter a date like 2026-05-17."),
    ({"entry_title-en": "x" * 151, "entry_date": "2026-01-01"}, "entry_title",
     "The English text is too long (at most 150 characters)."),
]


@pytest.mark.parametrize("values, field, message", PROGRESS_CASES)
def test_the_progress_update_refuses_bad_input_and_keeps_it(client, db, base, process_admin,
                                                            make_result, foreign, values,
                                                            field, message):
    result = make_result(progress=5, progress_manual=True)
    data = {"status_id": "", "progress": "42", "entry_date": "2026-04-01",
            **{name: value.format(**foreign) for name, value in values.items()}}

    response = client.post(base + f"/results/{result.id}/progress", data=data)

    assert response.status_code == 400
    assert field_error(response, field) == message
    body = response.get_data(as_text=True)
    for name, value in data.items():
        if name != "status_id":
            assert html.escape(value.format(**foreign), quote=True) in body, name
    db.session.refresh(result)
    assert result.progress == 5
    assert count(db, TimelineEntry) == 0


# --- the timeline -----------------------------------------------------------------------------

TIMELINE_CASES = [
    ({"date": ""}, "date", "Fill in this field."),
    ({"date": "01/02/2026"}, "date", "Enter a date like 2026-05-17."),
    ({"title-en": ""}, "title", "Write this text at least in English."),
    ({"title-en": "x" * 151}, "title", "The English text is too long (at most 150 characters)."),
    ({"description-en": "x" * 50_001}, "description",
     "The English text is too long (at most 50000 characters)."),
]


@pytest.mark.parametrize("where", ["add", "edit"])
@pytest.mark.parametrize("values, field, message", TIMELINE_CASES)
def test_the_timeline_forms_refuse_bad_input_and_keep_it(client, db, base, process_admin,
                                                         make_result, make_entry, where,
                                                         values, field, message):
    result = make_result()
    entry = make_entry(result, title={"en": "Before"})
    data = {"date": "2026-02-01", "title-en": "Kept <b>entry</b>", "description-en": "",
            **values}
    url = base + (f"/results/{result.id}/timeline" if where == "add"
                  else f"/results/{result.id}/timeline/{entry.id}")

    response = client.post(url, data=data)

    assert response.status_code == 400
    assert field_error(response, field) == message
    if "title-en" not in values:
        assert "Kept &lt;b&gt;entry&lt;/b&gt;" in response.get_data(as_text=True)
    assert count(db, TimelineEntry) == 1
    db.session.refresh(entry)
    assert entry.title == {"en": "Before"}


# --- statuses ---------------------------------------------------------------------------------

STATUS_CASES = [
    ({"key": ""}, "key", "Fill in this field."),
    ({"key": "In Progress"}, "key",
     "Use 1 to 40 lowercase letters without accents, digits and _."),
    ({"key": "x" * 41}, "key", "Use 1 to 40 lowercase letters without accents, digits and _."),
    ({"key": "taken"}, "key", "Another status of this component has this key."),
    ({"name-en": ""}, "name", "Write this text at least in English."),
    ({"name-en": "x" * 101}, "name", "The English text is too long (at most 100 characters)."),
    ({"progress": "101"}, "progress", "Enter a number from 0 to 100."),
    ({"progress": "ten"}, "progress", "Enter a whole number, without decimals."),
]


@pytest.mark.parametrize("where", ["new", "edit"])
@pytest.mark.parametrize("values, field, message", STATUS_CASES)
def test_the_status_form_refuses_bad_input_and_keeps_it(client, db, base, process_admin,
                                                        make_status, where, values, field,
                                                        message):
    make_status(key="taken")
    edited = make_status(key="mine", name={"en": "Before"})
    data = {"key": "fresh", "name-en": "Kept <em>name</em>", "description-en": "",
            "progress": "10", **values}
    url = base + ("/statuses/new" if where == "new" else f"/statuses/{edited.id}")

    response = client.post(url, data=data)

    assert response.status_code == 400
    assert field_error(response, field) == message
    body = response.get_data(as_text=True)
    if "name-en" not in values:
        assert "Kept &lt;em&gt;name&lt;/em&gt;" in body
    assert f'value="{html.escape(data["key"], quote=True)}"' in body
    assert count(db, Status) == 2
    db.session.refresh(edited)
    assert (edited.key, edited.name) == ("mine", {"en": "Before"})


# --- results from a budget --------------------------------------------------------------------

@pytest.mark.parametrize("value, message", [
    ("", "Choose a budget."),
    ("abc", "Choose a budget from the list."),
    ("{budget}", "Choose a budget from the list."),
    ("99999999999999999", "Choose a budget from the list."),
])
def test_results_from_a_budget_need_a_budget_of_this_process(client, db, base, process_admin,
                                                             make_budget, foreign, value,
                                                             message):
    make_budget()
    response = client.post(base + "/from-budget",
                           data={"budget_id": value.format(**foreign)})
    assert response.status_code == 400
    assert field_error(response, "budget_id") == message
    assert count(db, Result) == 1  # the foreign fixture's result only
