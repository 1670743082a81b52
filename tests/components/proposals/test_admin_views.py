"""The proposals back office through the client: who sees what (valuators see and answer their
own proposals only), the list's filters, search, pages and constant queries, bulk actions,
the answer form's bad input, official proposals, and the exports."""

import csv
import html
import io
import json
import re

import pytest
from markupsafe import escape
from sqlalchemy import select

from decide.components.proposals.models import Proposal
from decide.core.models import ActionLog
from decide.core.models import utcnow
from decide.notifications.models import Notification
from decide.spaces.models import Role
from tests.conftest import STAFF_PASSWORD

CSRF_MESSAGE = ("This form has expired or was not sent from this site. "
                "Check what you wrote and send it again.")


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def field_error(response, field_id: str) -> str:
    match = re.search(rf'<p class="field-error" id="{re.escape(field_id)}-error">(.*?)</p>',
                      response.get_data(as_text=True), re.S)
    return html.unescape(match.group(1)) if match else ""


def form_html(response) -> str:
    match = re.search(r'<form method="post" novalidate>(.*?)</form>',
                      response.get_data(as_text=True), re.S)
    assert match, "the page shows the form"
    return match.group(1)


def listed_ids(response) -> list[int]:
    return [int(number) for number in re.findall(r'/proposals/(\d+)"', text(response))]


@pytest.fixture
def base(component):
    return f"/admin/processes/green-streets/f/{component.id}/proposals"


@pytest.fixture
def as_process_admin(staff, login):
    login(staff[0])
    return staff[0]


@pytest.fixture
def as_valuator(staff, login):
    login(staff[1])
    return staff[1]


# --- who sees what -------------------------------------------------------------------------------

def test_the_component_list_links_to_the_proposals_back_office(client, as_process_admin, base):
    page = text(client.get("/admin/processes/green-streets/components"))
    assert f'href="{base}/"' in page


def test_a_valuator_sees_and_answers_only_the_proposals_assigned_to_them(
        client, db, as_valuator, base, make_proposal):
    mine = make_proposal(valuator_id=as_valuator.id, title="Benches along the river walk")
    other = make_proposal(title="Fountains in every playground")

    page = client.get(f"{base}/")
    assert page.status_code == 200
    assert listed_ids(page) == [mine.id]
    body = text(page)
    assert "Fountains" not in body
    assert "Export as CSV" not in body and 'action="' + base + '/bulk"' not in body
    assert "/admin/processes/green-streets/phases" not in body  # no tabs of the process

    assert client.get(f"{base}/{mine.id}").status_code == 200
    assert client.get(f"{base}/{other.id}").status_code == 403
    response = client.post(f"{base}/{other.id}", data={"state": "accepted"})
    assert response.status_code == 403
    response = client.post(f"{base}/{mine.id}", data={"state": "accepted", "answer-en": "Yes"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (mine.state, other.state) == ("accepted", None)


@pytest.mark.parametrize("method, path", [
    ("POST", "/bulk"), ("GET", "/new"), ("POST", "/new"), ("GET", "/export.csv"),
    ("GET", "/export.json"),
])
def test_a_valuator_has_no_bulk_actions_official_proposals_or_exports(
        client, db, as_valuator, base, make_proposal, method, path):
    proposal = make_proposal(valuator_id=as_valuator.id)
    response = (client.get(f"{base}{path}") if method == "GET" else client.post(
        f"{base}{path}", data={"proposal_ids": [proposal.id], "action": "unassign_valuator",
                               "title": "A proposal of the council", "body": "Text"}))
    assert response.status_code == 403
    db.session.expire_all()
    assert proposal.valuator_id == as_valuator.id
    assert db.session.scalars(select(Proposal)).all() == [proposal]


@pytest.mark.parametrize("role", [Role.COLLABORATOR, Role.MODERATOR])
def test_other_roles_of_the_process_stay_out(client, create_user, grant, process, login, base,
                                            role, make_proposal):
    holder = create_user(password=STAFF_PASSWORD)
    grant(holder, process, role)
    login(holder)
    proposal = make_proposal(valuator_id=holder.id)
    assert client.get(f"{base}/").status_code == 403
    assert client.get(f"{base}/{proposal.id}").status_code == 403


def test_a_valuator_of_another_process_stays_out(client, create_user, grant, create_process,
                                                 login, base, make_proposal):
    holder = create_user(password=STAFF_PASSWORD)
    grant(holder, create_process(), Role.VALUATOR)
    login(holder)
    proposal = make_proposal(valuator_id=holder.id)
    assert client.get(f"{base}/").status_code == 403
    assert client.get(f"{base}/{proposal.id}").status_code == 403


def test_another_components_proposal_and_drafts_are_not_found(
        client, as_process_admin, base, make_proposal, create_component, process,
        create_process):
    elsewhere = make_proposal(create_component(process, manifest_name="proposals"))
    other_process = make_proposal(create_component(create_process(),
                                                   manifest_name="proposals"))
    draft = make_proposal(published_at=None)
    for proposal in (elsewhere, other_process, draft):
        assert client.get(f"{base}/{proposal.id}").status_code == 404
        assert client.post(f"{base}/{proposal.id}",
                           data={"state": "accepted"}).status_code == 404
    for number in ("0", "2147483648", "99999999999999999999", "-1", "abc"):
        assert client.get(f"{base}/{number}").status_code == 404


# --- the list -----------------------------------------------------------------------------------

def test_the_list_filters_by_state(client, db, as_process_admin, base, make_proposal,
                                   staff, create_category, process):
    _, valuator = staff
    category = create_category(process)
    fresh = make_proposal()
    evaluating = make_proposal(state="evaluating", answered_at=utcnow(),
                               answer_published_at=utcnow(), category_id=category.id)
    accepted = make_proposal(state="accepted", answered_at=utcnow(), valuator_id=valuator.id)
    rejected = make_proposal(state="rejected", answered_at=utcnow(),
                             answer_published_at=utcnow())
    withdrawn = make_proposal(withdrawn_at=utcnow())
    make_proposal(published_at=None)  # drafts are never listed

    def ids(query=""):
        response = client.get(f"{base}/{query}")
        assert response.status_code == 200
        return sorted(listed_ids(response))

    assert ids() == sorted([fresh.id, evaluating.id, accepted.id, rejected.id, withdrawn.id])
    assert ids("?state=not_answered") == [fresh.id]
    assert ids("?state=evaluating") == [evaluating.id]
    assert ids("?state=accepted") == [accepted.id]
    assert ids("?state=rejected") == [rejected.id]
    assert ids("?state=withdrawn") == [withdrawn.id]
    assert ids("?state=unpublished") == [accepted.id]
    assert ids(f"?category={category.id}") == [evaluating.id]
    assert ids(f"?valuator={valuator.id}") == [accepted.id]
    assert ids("?valuator=none") == sorted([fresh.id, evaluating.id, rejected.id, withdrawn.id])
    # No filter is "All": nothing is marked as wrong.
    assert 'class="field-error"' not in text(client.get(f"{base}/"))
    # A value that does not fit is ignored and marked, never an error.
    response = client.get(f"{base}/?state=approved&category=999&valuator=x")
    assert response.status_code == 200
    assert len(listed_ids(response)) == 5
    assert field_error(response, "state") == "Choose one of the options."


def test_the_list_searches_titles_texts_and_numbers(client, as_process_admin, base,
                                                   make_proposal):
    trees = make_proposal(title="Trees along the main street of the town")
    bikes = make_proposal(title="Bicycle lanes to the high school", body="Safe 100% of the way")
    assert listed_ids(client.get(f"{base}/?q=TREES")) == [trees.id]
    assert listed_ids(client.get(f"{base}/?q=100%25")) == [bikes.id]
    assert listed_ids(client.get(f"{base}/?q=%23{bikes.id}")) == [bikes.id]
    assert listed_ids(client.get(f"{base}/?q=_")) == []
    for nasty in ("%", "\\", "' OR 1=1 --", "\x1b", "x" * 500):
        assert client.get(f"{base}/", query_string={"q": nasty}).status_code == 200


def test_the_list_has_pages(client, db, as_process_admin, base, make_proposal):
    for number in range(32):
        make_proposal(title=f"Proposal number {number:02d} of the list")
    first = listed_ids(client.get(f"{base}/"))
    second = listed_ids(client.get(f"{base}/?page=2"))
    assert len(first) == 30 and len(second) == 2 and not set(first) & set(second)
    assert listed_ids(client.get(f"{base}/?page=99")) == second
    assert client.get(f"{base}/?page=x").status_code == 200


def test_the_list_shows_state_official_hidden_and_withdrawn(client, as_process_admin, base,
                                                            make_proposal):
    make_proposal(official=True, state="accepted", answered_at=utcnow())
    make_proposal(hidden_at=utcnow())
    make_proposal(withdrawn_at=utcnow())
    page = text(client.get(f"{base}/"))
    for words in ("Official proposal", "Accepted", "not published yet", "Hidden by moderation",
                  "Withdrawn", "Not answered"):
        assert words in page


@pytest.mark.parametrize("who", ["process admin", "valuator"])
def test_the_list_runs_a_fixed_number_of_queries(client, db, login, staff, base, make_proposal,
                                                 create_category, process, count_queries,
                                                 create_user, who):
    process_admin, valuator = staff
    login(process_admin if who == "process admin" else valuator, STAFF_PASSWORD)

    def fill(number):
        for _ in range(number):
            make_proposal(category_id=create_category(process).id, valuator_id=valuator.id,
                          author_id=create_user().id, state="accepted", answered_at=utcnow())

    def measure():
        db.session.commit()
        with count_queries() as counter:
            response = client.get(f"{base}/")
            assert response.status_code == 200
        return counter.count, len(listed_ids(response))

    fill(3)
    few, shown = measure()
    assert shown == 3
    fill(27)
    assert measure() == (few, 30)


# --- bulk actions ---------------------------------------------------------------------------------

def test_publishing_answers_in_bulk(client, db, as_process_admin, base, make_proposal, configure):
    configure(publish_answers_immediately=False)
    waiting = [make_proposal(state="accepted", answered_at=utcnow()) for _ in range(2)]
    untouched = make_proposal(state="rejected", answered_at=utcnow())
    response = client.post(f"{base}/bulk", data={
        "proposal_ids": [p.id for p in waiting], "action": "publish_answers",
        "next": f"{base}/?state=unpublished"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"{base}/?state=unpublished"
    assert "2 answers are published." in text(client.get(f"{base}/"))
    db.session.expire_all()
    assert all(p.public_state == "accepted" for p in waiting)
    assert untouched.answer_published_at is None
    assert {n.resource_id for n in db.session.scalars(select(Notification))} == {
        p.id for p in waiting}


def test_assigning_and_unassigning_a_valuator_in_bulk(client, db, as_process_admin, base,
                                                      make_proposal, staff):
    _, valuator = staff
    chosen = [make_proposal(), make_proposal()]
    page = text(client.get(f"{base}/"))
    assert "Val Uator (@val)" in page
    response = client.post(f"{base}/bulk", data={
        "proposal_ids": [p.id for p in chosen], "action": "assign_valuator",
        "valuator_id": valuator.id})
    assert response.status_code == 302
    db.session.expire_all()
    assert {p.valuator_id for p in chosen} == {valuator.id}
    response = client.post(f"{base}/bulk", data={
        "proposal_ids": [chosen[0].id], "action": "unassign_valuator"})
    assert response.status_code == 302
    db.session.expire_all()
    assert [p.valuator_id for p in chosen] == [None, valuator.id]


def test_the_next_address_of_a_bulk_action_stays_on_the_site(client, as_process_admin, base,
                                                             make_proposal, staff):
    _, valuator = staff
    response = client.post(f"{base}/bulk", data={
        "proposal_ids": [make_proposal().id], "action": "assign_valuator",
        "valuator_id": valuator.id, "next": "https://evil.example/"})
    assert response.headers["Location"] == f"{base}/"


@pytest.mark.parametrize("data, field_id, message", [
    ({"action": "publish_answers"}, "proposal_ids", "Choose at least one proposal."),
    ({"action": "", "proposal_ids": ["{mine}"]}, "action", "Choose an action."),
    ({"action": "delete", "proposal_ids": ["{mine}"]}, "action",
     "Choose one of the options."),
    ({"action": "assign_valuator", "proposal_ids": ["{mine}"]}, "valuator_id",
     "Choose the valuator to assign."),
    ({"action": "assign_valuator", "proposal_ids": ["{mine}"], "valuator_id": "{resident}"},
     "valuator_id", "Choose one of the options."),
    ({"action": "assign_valuator", "proposal_ids": ["{mine}"], "valuator_id": "abc"},
     "valuator_id", "Choose one of the options."),
    ({"action": "unassign_valuator", "proposal_ids": ["{mine}", "{other}"]}, "proposal_ids",
     "Choose proposals of this component only."),
    ({"action": "unassign_valuator", "proposal_ids": ["{mine}", "99999999999999"]},
     "proposal_ids", "Choose proposals of this component only."),
    ({"action": "unassign_valuator", "proposal_ids": ["x"]}, "proposal_ids",
     "Choose proposals from the list."),
    ({"action": "publish_answers", "proposal_ids": ["{mine}"]}, "proposal_ids",
     "None of the chosen proposals has an answer waiting to be published."),
])
def test_bad_bulk_actions_are_refused_and_change_nothing(
        client, db, as_process_admin, base, make_proposal, create_component, process, staff,
        create_user, data, field_id, message):
    _, valuator = staff
    mine = make_proposal(valuator_id=valuator.id)
    other = make_proposal(create_component(process, manifest_name="proposals"),
                          valuator_id=valuator.id)
    names = {"mine": mine.id, "other": other.id, "resident": create_user().id}

    def fill(value):
        return value.format(**names) if isinstance(value, str) else [fill(v) for v in value]

    response = client.post(f"{base}/bulk", data={k: fill(v) for k, v in data.items()})
    assert response.status_code == 400
    assert field_error(response, field_id) == message
    db.session.expire_all()
    assert (mine.valuator_id, other.valuator_id) == (valuator.id, valuator.id)
    assert db.session.scalars(select(ActionLog)).all() == []
    if "{mine}" in data.get("proposal_ids", []):  # the ticked proposals are shown again
        assert f'value="{mine.id}" id="choose-{mine.id}" checked' in form_html(response)
    assert f'id="choose-{other.id}"' not in form_html(response)


def test_a_bulk_action_without_its_token_is_refused(client, db, as_process_admin, base,
                                                    make_proposal):
    proposal = make_proposal()
    response = client.post(f"{base}/bulk", csrf=False, data={
        "proposal_ids": [proposal.id], "action": "unassign_valuator"})
    assert response.status_code == 400
    assert CSRF_MESSAGE in text(response)


# --- the answer form ------------------------------------------------------------------------------

def test_answering_through_the_form(client, db, as_process_admin, base, make_proposal):
    proposal = make_proposal()
    page = text(client.get(f"{base}/{proposal.id}"))
    assert proposal.title in page and proposal.body in page
    assert 'name="cost"' not in page  # costs are off in this phase
    response = client.post(f"{base}/{proposal.id}", data={
        "state": "accepted", "answer-en": "<p>Yes <script>alert(1)</script></p>"})
    assert response.status_code == 302
    assert "The answer is saved and public." in text(client.get(response.headers["Location"]))
    db.session.expire_all()
    assert proposal.public_state == "accepted"
    assert proposal.answer == {"en": "<p>Yes alert(1)</p>"}
    # The form shows the answer again, to change it.
    page = client.get(f"{base}/{proposal.id}").get_data(as_text=True)
    assert re.search(r'<input checked id="state-\d" name="state"[^>]*value="accepted">', page)
    assert "&lt;p&gt;Yes alert(1)&lt;/p&gt;" in page


def test_answers_that_wait_say_so_and_can_be_published_from_the_page(
        client, db, as_process_admin, base, make_proposal, configure):
    configure(publish_answers_immediately=False)
    proposal = make_proposal()
    response = client.post(f"{base}/{proposal.id}", data={"state": "evaluating",
                                                          "answer-en": "Looking"})
    assert "Residents will see it once it is published." in text(
        client.get(response.headers["Location"]))
    page = text(client.get(f"{base}/{proposal.id}"))
    assert "Publish the answer" in page
    response = client.post(f"{base}/bulk", data={"proposal_ids": [proposal.id],
                                                 "action": "publish_answers",
                                                 "next": f"{base}/{proposal.id}"})
    assert response.headers["Location"] == f"{base}/{proposal.id}"
    db.session.expire_all()
    assert proposal.public_state == "evaluating"
    assert "Publish the answer" not in text(client.get(f"{base}/{proposal.id}"))


@pytest.mark.parametrize("data, field_id, message", [
    ({}, "state", "Choose a state."),
    ({"state": ""}, "state", "Choose a state."),
    ({"state": "approved"}, "state", "Choose one of the options."),
    ({"state": "rejected", "answer-en": ""}, "answer", "Say why the proposal is rejected."),
    ({"state": "rejected", "answer-en": "<p><br></p>"}, "answer",
     "Say why the proposal is rejected."),
    ({"state": "accepted", "answer-en": "x" * 20_001}, "answer",
     "The English text is too long (at most 20000 characters)."),
    ({"state": "accepted", "answer-en": "Null \x00 byte"}, "answer",
     "Remove the control characters from this text."),
])
def test_bad_answers_are_refused_with_the_typed_values_kept(
        client, db, as_process_admin, base, make_proposal, data, field_id, message):
    proposal = make_proposal()
    data = {"answer-en": "<p>Kept <b>text</b></p>", **data}
    response = client.post(f"{base}/{proposal.id}", data=data)
    assert response.status_code == 400
    assert field_error(response, field_id) == message
    if "\x00" not in data["answer-en"] and len(data["answer-en"]) < 100:
        assert str(escape(data["answer-en"])) in form_html(response)
    db.session.expire_all()
    assert proposal.state is None and proposal.answered_at is None


@pytest.mark.parametrize("cost, message", [
    ("", "Give the cost of an accepted proposal."),
    ("-5", "The cost cannot be negative."),
    ("12.5", "Enter a whole number, without decimals."),
    ("twelve", "Enter a whole number, without decimals."),
    ("99999999999", "The cost can be at most 2,147,483,647."),
])
def test_with_costs_the_form_asks_for_a_sensible_cost(client, db, as_process_admin, base,
                                                      make_proposal, configure, cost, message):
    configure(answers_with_costs=True)
    proposal = make_proposal()
    assert 'name="cost"' in text(client.get(f"{base}/{proposal.id}"))
    response = client.post(f"{base}/{proposal.id}", data={
        "state": "accepted", "answer-en": "Yes", "cost": cost,
        "cost_report-en": "<p>Report</p>", "execution_period-en": "Autumn"})
    assert response.status_code == 400
    assert field_error(response, "cost") == message
    assert 'value="' + str(escape(cost)) + '"' in form_html(response)
    assert "&lt;p&gt;Report&lt;/p&gt;" in form_html(response)
    db.session.expire_all()
    assert proposal.state is None


def test_with_costs_an_acceptance_is_saved_with_them(client, db, as_process_admin, base,
                                                     make_proposal, configure):
    configure(answers_with_costs=True)
    proposal = make_proposal()
    response = client.post(f"{base}/{proposal.id}", data={
        "state": "accepted", "answer-en": "Yes", "cost": "48000",
        "cost_report-en": "<p>Trees</p>", "execution_period-en": "Autumn"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (proposal.cost, proposal.cost_report, proposal.execution_period) == (
        48000, {"en": "<p>Trees</p>"}, {"en": "Autumn"})


def test_without_costs_a_posted_cost_is_ignored(client, db, as_process_admin, base,
                                                make_proposal):
    proposal = make_proposal()
    response = client.post(f"{base}/{proposal.id}", data={
        "state": "accepted", "answer-en": "Yes", "cost": "100"})
    assert response.status_code == 302
    db.session.expire_all()
    assert proposal.cost is None


def test_withdrawn_proposals_and_switched_off_answers_show_no_form(
        client, as_process_admin, base, make_proposal, configure):
    withdrawn = make_proposal(withdrawn_at=utcnow())
    page = text(client.get(f"{base}/{withdrawn.id}"))
    assert "it cannot be answered" in page and 'name="state"' not in page
    configure(answers_enabled=False)
    page = text(client.get(f"{base}/{make_proposal().id}"))
    assert "Answers are switched off" in page and 'name="state"' not in page


# --- official proposals ---------------------------------------------------------------------------

def test_creating_an_official_proposal(client, db, as_process_admin, base, create_category,
                                       process, create_scope):
    category, scope = create_category(process), create_scope()
    page = text(client.get(f"{base}/"))
    assert "New official proposal" in page
    response = client.post(f"{base}/new", data={
        "title": "A public library in the old market", "body": "With a <b>garden</b>.",
        "category_id": category.id, "scope_id": scope.id, "address": "Market square"})
    assert response.status_code == 302
    proposal = db.session.scalars(select(Proposal)).one()
    assert proposal.official and proposal.author_id is None and proposal.is_published
    assert proposal.body == "With a <b>garden</b>."  # plain text, escaped where shown
    page = text(client.get(f"{base}/"))
    assert "The official proposal is published." in page
    assert "Official proposal" in page


@pytest.mark.parametrize("data, field_id, message", [
    ({"title": ""}, "title", "Fill in this field."),
    ({"title": "Too short"}, "title", "Use between 15 and 150 characters."),
    ({"title": "x" * 151}, "title", "Use between 15 and 150 characters."),
    ({"body": ""}, "body", "Fill in this field."),
    ({"body": "x" * 10_001}, "body", "Use at most 10000 characters."),
    ({"address": "x" * 256}, "address", "Use at most 255 characters."),
    ({"category_id": "{other_category}"}, "category_id", "Choose one of the options."),
    ({"category_id": "abc"}, "category_id", "Choose one of the options."),
    ({"scope_id": "99999999999999999999"}, "scope_id", "Choose one of the options."),
    ({"title": "A <script>alert(1)</script> title", "body": "Text \x00"}, "body",
     "Remove the control characters from this text."),
])
def test_bad_official_proposals_are_refused_with_the_typed_values_kept(
        client, db, as_process_admin, base, create_category, create_process, data, field_id,
        message):
    values = {"title": "A public library in the old market", "body": "With a garden.",
              "address": "Market <square>", **data}
    if values.get("category_id") == "{other_category}":
        values["category_id"] = create_category(create_process()).id
    response = client.post(f"{base}/new", data=values)
    assert response.status_code == 400
    assert field_error(response, field_id) == message
    if len(values["title"]) < 100:
        assert str(escape(values["title"])) in form_html(response)
    assert str(escape("Market <square>")) in form_html(response) or field_id == "address"
    assert db.session.scalars(select(Proposal)).all() == []


def test_official_proposals_switched_off(client, db, as_process_admin, base, configure):
    configure(official_proposals_enabled=False)
    assert "New official proposal" not in text(client.get(f"{base}/"))
    page = text(client.get(f"{base}/new"))
    assert "Official proposals are switched off" in page and 'name="title"' not in page
    response = client.post(f"{base}/new", data={"title": "A public library in the old market",
                                                 "body": "With a garden."})
    assert response.status_code == 400
    assert db.session.scalars(select(Proposal)).all() == []


# --- exports --------------------------------------------------------------------------------------

def test_the_csv_export(client, as_process_admin, base, make_proposal, component, create_user):
    author = create_user(nickname="maria")
    make_proposal(author_id=author.id, title="=cmd|' /C calc'!A0 and more text",
                  state="rejected", answered_at=utcnow(),
                  answer={"en": "<p>No <em>budget</em></p>"})
    make_proposal(official=True)
    response = client.get(f"{base}/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="proposals-{component.id}.csv"')
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row["author"] for row in rows] == ["maria", "official"]
    first = rows[0]
    assert first["title"] == "'=cmd|' /C calc'!A0 and more text"
    assert (first["state"], first["answer_published"], first["answer_en"]) == (
        "rejected", "False", "No budget")


def test_the_json_export(client, as_process_admin, base, make_proposal, component):
    proposal = make_proposal(state="accepted", answered_at=utcnow(),
                             answer_published_at=utcnow(), cost=100)
    response = client.get(f"{base}/export.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="proposals-{component.id}.json"')
    rows = json.loads(response.get_data(as_text=True))
    assert rows[0]["id"] == proposal.id
    assert (rows[0]["state"], rows[0]["answer_published"], rows[0]["cost"]) == (
        "accepted", True, 100)
    assert rows[0]["title"] == proposal.title  # JSON is data: nothing to defuse
