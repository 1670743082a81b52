"""The staff side of proposals at service level: answers (each state, costs on and off,
published at once or later), bulk publication and its notifications, valuators, official
proposals, the export, and the action log."""

import csv
import io

import pytest
from sqlalchemy import select

from decide.admin.views import log_sentence
from decide.components.proposals import answers
from decide.components.proposals.models import Proposal
from decide.core.models import ActionLog
from decide.core.models import utcnow
from decide.core.services import DomainError
from decide.notifications.models import Notification
from decide.notifications.services import follow
from decide.spaces.models import Role

# --- fixtures (process, component, configure, make_proposal and staff: conftest.py) --------


def answered_notifications(db) -> list[tuple[int, int, dict]]:
    return [(n.user_id, n.resource_id, n.data) for n in db.session.scalars(
        select(Notification).where(Notification.event == "proposal_answered")
        .order_by(Notification.id))]


def log(db) -> list[tuple[str, str, int]]:
    return [(entry.action, entry.resource_type, entry.resource_id)
            for entry in db.session.scalars(select(ActionLog).order_by(ActionLog.id))]


def answer(actor, proposal, **values):
    values.setdefault("answer", {"en": "<p>We will look at it.</p>"})
    return answers.answer_proposal(actor, proposal, **values)


# --- answers --------------------------------------------------------------------------------

@pytest.mark.parametrize("state", ["evaluating", "accepted", "rejected"])
def test_each_state_is_an_answer_published_at_once_by_default(db, admin, make_proposal, state):
    proposal = make_proposal()
    answer(admin, proposal, state=state)
    db.session.commit()
    assert proposal.state == state
    assert proposal.public_state == state
    assert proposal.answered_at is not None and proposal.answer_published_at is not None
    assert proposal.answer == {"en": "<p>We will look at it.</p>"}
    assert log(db) == [("answer", "proposal", proposal.id)]


def test_the_author_and_the_followers_hear_once_and_the_actor_never(
        db, admin, make_proposal, create_user):
    proposal = make_proposal()
    follower = create_user()
    follow(follower, resource=proposal)
    follow(proposal.author, resource=proposal)  # authors follow their own proposals
    follow(admin, resource=proposal)
    answer(admin, proposal, state="accepted")
    db.session.commit()
    assert sorted(answered_notifications(db)) == sorted([
        (proposal.author_id, proposal.id, {"state": "accepted"}),
        (follower.id, proposal.id, {"state": "accepted"}),
    ])


def test_the_answer_is_sanitized(db, admin, make_proposal):
    proposal = make_proposal()
    answer(admin, proposal, state="accepted", answer={
        "en": '<p onclick="x()">Yes <script>alert(1)</script><a href="javascript:x">it</a></p>',
        "es": "",
    })
    assert "<script" not in proposal.answer["en"] and "onclick" not in proposal.answer["en"]
    assert "javascript:" not in proposal.answer["en"]
    assert proposal.answer["en"].startswith("<p>Yes")
    assert "es" not in proposal.answer


@pytest.mark.parametrize("text", [{}, {"en": ""}, {"en": "<p> </p>"}, {"en": "<p>&nbsp;</p>"},
                                  {"en": "<br><strong></strong>"}])
def test_a_rejection_says_why(db, admin, make_proposal, text):
    proposal = make_proposal()
    with pytest.raises(DomainError) as error:
        answers.answer_proposal(admin, proposal, state="rejected", answer=text)
    assert error.value.field == "answer"
    assert error.value.message == "Say why the proposal is rejected."
    assert proposal.state is None


def test_a_rejection_may_be_written_in_any_language(db, admin, make_proposal):
    proposal = make_proposal()
    answer(admin, proposal, state="rejected", answer={"es": "<p>No hay presupuesto.</p>"})
    assert proposal.state == "rejected"


@pytest.mark.parametrize("state", [None, "", "approved", "not_answered", "ACCEPTED"])
def test_an_unknown_state_is_refused(db, admin, make_proposal, state):
    proposal = make_proposal()
    with pytest.raises(DomainError) as error:
        answer(admin, proposal, state=state)
    assert error.value.field == "state"
    assert proposal.state is None


def test_no_answers_when_they_are_switched_off(db, admin, make_proposal, configure):
    configure(answers_enabled=False)
    proposal = make_proposal()
    with pytest.raises(DomainError, match="switched off"):
        answer(admin, proposal, state="accepted")


def test_drafts_and_withdrawn_proposals_are_not_answered(db, admin, make_proposal):
    with pytest.raises(DomainError, match="draft"):
        answer(admin, make_proposal(published_at=None), state="accepted")
    with pytest.raises(DomainError, match="withdrawn"):
        answer(admin, make_proposal(withdrawn_at=utcnow()), state="accepted")


# --- costs ----------------------------------------------------------------------------------

def test_with_costs_an_acceptance_carries_its_cost_report_and_period(db, admin, make_proposal,
                                                                     configure):
    configure(answers_with_costs=True)
    proposal = make_proposal()
    answer(admin, proposal, state="accepted", cost=48_000,
           cost_report={"en": "<p>36 trees <script>x()</script></p>"},
           execution_period={"en": "<p>Next autumn</p>"})
    assert proposal.cost == 48_000
    assert proposal.cost_report == {"en": "<p>36 trees x()</p>"}
    assert proposal.execution_period == {"en": "<p>Next autumn</p>"}


@pytest.mark.parametrize("cost, message", [
    (None, "Give the cost of an accepted proposal."),
    (-1, "The cost cannot be negative."),
    (2**31, "The cost can be at most 2,147,483,647."),
    (10**30, "The cost can be at most 2,147,483,647."),
    ("1200", "Enter a whole number, without decimals."),
    (12.5, "Enter a whole number, without decimals."),
    (True, "Enter a whole number, without decimals."),
])
def test_with_costs_an_acceptance_needs_a_sensible_cost(db, admin, make_proposal, configure,
                                                        cost, message):
    configure(answers_with_costs=True)
    proposal = make_proposal()
    with pytest.raises(DomainError) as error:
        answer(admin, proposal, state="accepted", cost=cost)
    assert (error.value.field, error.value.message) == ("cost", message)


def test_with_costs_a_free_acceptance_is_fine(db, admin, make_proposal, configure):
    configure(answers_with_costs=True)
    proposal = make_proposal()
    answer(admin, proposal, state="accepted", cost=0)
    assert proposal.cost == 0


def test_with_costs_other_states_need_no_cost_and_keep_none(db, admin, make_proposal,
                                                           configure):
    configure(answers_with_costs=True)
    proposal = make_proposal()
    answer(admin, proposal, state="accepted", cost=100, cost_report={"en": "<p>x</p>"})
    answer(admin, proposal, state="evaluating", cost=100)
    assert (proposal.cost, proposal.cost_report, proposal.execution_period) == (None, {}, {})


@pytest.mark.parametrize("extra", [{"cost": 10}, {"cost": 0}, {"cost_report": {"en": "x"}},
                                   {"execution_period": {"en": "2030"}}])
def test_without_costs_an_answer_has_none(db, admin, make_proposal, extra):
    proposal = make_proposal()
    with pytest.raises(DomainError) as error:
        answer(admin, proposal, state="accepted", **extra)
    assert error.value.field == "cost"
    assert proposal.cost is None


# --- publication ------------------------------------------------------------------------------

def test_answers_wait_when_not_published_immediately(db, admin, make_proposal, configure):
    configure(publish_answers_immediately=False)
    proposal = make_proposal()
    follow(proposal.author, resource=proposal)
    answer(admin, proposal, state="accepted")
    db.session.commit()
    assert proposal.state == "accepted" and proposal.public_state is None
    assert proposal.answer_published_at is None
    assert answered_notifications(db) == []


def test_publishing_in_bulk_tells_each_author_and_follower_once(db, admin, make_proposal,
                                                                configure, create_user):
    configure(publish_answers_immediately=False)
    follower = create_user()
    first, second, unanswered = make_proposal(), make_proposal(), make_proposal()
    for proposal in (first, second):
        follow(proposal.author, resource=proposal)
        follow(follower, resource=proposal)
        answer(admin, proposal, state="evaluating")
    db.session.commit()

    assert answers.publish_answers(admin, [first, second, unanswered]) == 2
    db.session.commit()

    assert first.public_state == "evaluating" and second.public_state == "evaluating"
    assert unanswered.answer_published_at is None
    assert sorted(answered_notifications(db)) == sorted([
        (first.author_id, first.id, {"state": "evaluating"}),
        (follower.id, first.id, {"state": "evaluating"}),
        (second.author_id, second.id, {"state": "evaluating"}),
        (follower.id, second.id, {"state": "evaluating"}),
    ])
    assert [action for action, *_ in log(db)].count("publish_answer") == 2
    # Nothing waits any more: publishing again is refused and tells nobody twice.
    with pytest.raises(DomainError, match="waiting"):
        answers.publish_answers(admin, [first, second])
    assert len(answered_notifications(db)) == 4


def test_a_public_answer_stays_public_and_a_new_state_is_told_again(db, admin, make_proposal,
                                                                    configure):
    proposal = make_proposal()
    answer(admin, proposal, state="evaluating")
    db.session.commit()
    configure(publish_answers_immediately=False)
    answer(admin, proposal, state="evaluating", answer={"en": "<p>Still looking.</p>"})
    db.session.commit()
    assert proposal.public_state == "evaluating"
    assert len(answered_notifications(db)) == 1  # the same state: nothing new to tell
    answer(admin, proposal, state="accepted")
    db.session.commit()
    assert proposal.public_state == "accepted"
    assert [data for *_, data in answered_notifications(db)] == [
        {"state": "evaluating"}, {"state": "accepted"}]


def test_an_official_proposal_without_author_tells_its_followers_only(db, admin, make_proposal,
                                                                      create_user):
    proposal = make_proposal(official=True)
    follower = create_user()
    follow(follower, resource=proposal)
    answer(admin, proposal, state="accepted")
    db.session.commit()
    assert answered_notifications(db) == [(follower.id, proposal.id, {"state": "accepted"})]


# --- valuators ------------------------------------------------------------------------------

def test_who_may_answer(db, admin, staff, make_proposal, create_user, grant, create_process,
                        process):
    process_admin, valuator = staff
    other_valuator = create_user()
    grant(other_valuator, process, Role.VALUATOR)
    elsewhere = create_user()
    grant(elsewhere, create_process(), Role.VALUATOR)
    moderator = create_user()
    grant(moderator, process, Role.MODERATOR)
    assigned, unassigned = make_proposal(valuator_id=valuator.id), make_proposal()
    elsewhere_assigned = make_proposal(valuator_id=elsewhere.id)

    for person in (admin, process_admin):
        assert answers.can_answer(person, assigned) and answers.can_answer(person, unassigned)
    assert answers.can_answer(valuator, assigned)
    assert not answers.can_answer(valuator, unassigned)
    assert not answers.can_answer(other_valuator, assigned)
    assert not answers.can_answer(elsewhere, elsewhere_assigned)  # not a valuator here
    assert not answers.can_answer(moderator, assigned)
    assert not answers.can_answer(assigned.author, assigned)

    assert answers.can_enter_proposals_admin(valuator, process)
    assert not answers.can_enter_proposals_admin(moderator, process)
    assert not answers.can_manage_proposals(valuator, assigned.component)
    assert answers.can_manage_proposals(process_admin, assigned.component)


def test_a_valuator_answers_the_assigned_proposals_only(db, staff, make_proposal):
    _, valuator = staff
    assigned, unassigned = make_proposal(valuator_id=valuator.id), make_proposal()
    answer(valuator, assigned, state="accepted")
    assert assigned.state == "accepted"
    with pytest.raises(DomainError, match="valuator assigned"):
        answer(valuator, unassigned, state="accepted")
    assert unassigned.state is None


def test_a_valuator_whose_role_is_taken_away_answers_no_more(db, staff, make_proposal, process):
    _, valuator = staff
    proposal = make_proposal(valuator_id=valuator.id)
    role = valuator.process_roles[0]
    process.roles.remove(role)
    db.session.delete(role)
    db.session.commit()
    db.session.expire(valuator)
    assert not answers.can_answer(valuator, proposal)


def test_assigning_needs_a_valuator_of_the_process(db, admin, staff, make_proposal, create_user,
                                                   grant, create_process):
    process_admin, valuator = staff
    proposals = [make_proposal(), make_proposal()]
    moderator = create_user()
    grant(moderator, proposals[0].component.process, Role.MODERATOR)
    elsewhere = create_user()
    grant(elsewhere, create_process(), Role.VALUATOR)
    for wrong in (None, create_user(), moderator, elsewhere, process_admin, admin):
        with pytest.raises(DomainError) as error:
            answers.assign_valuator(admin, proposals, wrong)
        assert error.value.field == "valuator_id"
    assert {p.valuator_id for p in proposals} == {None}

    assert answers.assign_valuator(admin, proposals, valuator) == 2
    assert {p.valuator_id for p in proposals} == {valuator.id}
    assert answers.unassign_valuator(admin, proposals[:1]) == 1
    assert [p.valuator_id for p in proposals] == [None, valuator.id]
    assert [action for action, *_ in log(db)] == ["assign_valuator", "assign_valuator",
                                                   "unassign_valuator"]


def test_bulk_actions_refuse_what_is_not_a_published_proposal_of_the_component(
        db, admin, staff, make_proposal, component, create_component, process):
    _, valuator = staff
    mine = make_proposal()
    other = make_proposal(create_component(process, manifest_name="proposals"))
    draft = make_proposal(published_at=None)
    for ids in ([mine.id, other.id], [draft.id], [mine.id, 2**31], [mine.id, -1]):
        with pytest.raises(DomainError) as error:
            answers.apply_bulk_action(admin, component, action="assign_valuator",
                                       proposal_ids=ids, valuator_id=valuator.id)
        assert error.value.field == "proposal_ids"
    with pytest.raises(DomainError) as error:
        answers.apply_bulk_action(admin, component, action="assign_valuator", proposal_ids=[])
    assert error.value.field == "proposal_ids"
    with pytest.raises(DomainError) as error:
        answers.apply_bulk_action(admin, component, action="delete", proposal_ids=[mine.id])
    assert error.value.field == "action"
    with pytest.raises(DomainError) as error:
        answers.apply_bulk_action(admin, component, action="assign_valuator",
                                   proposal_ids=[mine.id], valuator_id=2**40)
    assert error.value.field == "valuator_id"
    assert {mine.valuator_id, other.valuator_id, draft.valuator_id} == {None}
    assert answers.apply_bulk_action(admin, component, action="assign_valuator",
                                      proposal_ids=[mine.id], valuator_id=valuator.id) == 1
    assert mine.valuator_id == valuator.id


# --- official proposals -------------------------------------------------------------------------

def test_an_official_proposal_is_the_councils_and_published_at_once(
        db, admin, component, create_category, create_scope, process):
    category, scope = create_category(process), create_scope()
    proposal = answers.create_official_proposal(
        admin, component, title="  A new library in the old market  ", body="With a garden.",
        category_id=category.id, scope_id=scope.id, address="Market square")
    db.session.commit()
    assert proposal.official and proposal.author_id is None and proposal.is_published
    assert (proposal.title, proposal.category_id, proposal.scope_id, proposal.locale) == (
        "A new library in the old market", category.id, scope.id, "en")
    assert log(db) == [("create", "proposal", proposal.id)]


@pytest.mark.parametrize("values, field", [
    ({"title": "Too short"}, "title"),
    ({"title": "x" * 151}, "title"),
    ({"body": "   "}, "body"),
    ({"body": "x" * 10_001}, "body"),
    ({"address": "x" * 256}, "address"),
    ({"category_id": 2**40}, "category_id"),
    ({"category_id": "other"}, "category_id"),
    ({"scope_id": 2**31 - 1}, "scope_id"),
    ({"scope_id": -3}, "scope_id"),
])
def test_an_official_proposal_with_bad_values_is_refused(db, admin, component, create_process,
                                                         create_category, values, field):
    if values.get("category_id") == "other":
        values = {"category_id": create_category(create_process()).id}
    fields = {"title": "A new library in the old market", "body": "With a garden.", **values}
    with pytest.raises(DomainError) as error:
        answers.create_official_proposal(admin, component, **fields)
    assert error.value.field == field
    assert db.session.scalars(select(Proposal)).all() == []


def test_no_official_proposals_when_they_are_switched_off(db, admin, component, configure):
    configure(official_proposals_enabled=False)
    with pytest.raises(DomainError, match="switched off"):
        answers.create_official_proposal(admin, component, title="A new library in town",
                                          body="With a garden.")


# --- export -----------------------------------------------------------------------------------

def test_the_export_has_the_internal_state_and_what_residents_see(
        db, admin, staff, make_proposal, configure, create_category, process, create_user):
    _, valuator = staff
    configure(publish_answers_immediately=False)
    category = create_category(process, name={"en": "Trees"})
    author = create_user(nickname="maria")
    waiting = make_proposal(author_id=author.id, category_id=category.id,
                            valuator_id=valuator.id)
    answer(admin, waiting, state="accepted", answer={"en": "<p>Yes, <b>soon</b>.</p>"})
    official = make_proposal(official=True, title="=HYPERLINK(\"http://evil\")",
                             body="+1 @SUM(A1) -2")
    make_proposal(published_at=None)  # a draft is its author's only
    db.session.commit()

    rows = answers.export_rows(waiting.component)

    assert [row["id"] for row in rows] == [waiting.id, official.id]
    first, second = rows
    assert first["author"] == "maria" and second["author"] == "official"
    assert (first["state"], first["answer_published"]) == ("accepted", False)
    assert (second["state"], second["answer_published"]) == ("not_answered", False)
    assert first["answer_en"] == "Yes, soon."
    assert first["category"] == "Trees" and first["valuator"] == "val"
    assert first["url"] == f"https://decide.test/processes/green-streets/f/{waiting.component_id}" \
                           f"/proposals/{waiting.id}"
    assert list(first) == answers.export_columns()

    table = list(csv.DictReader(io.StringIO(answers.rows_as_csv(rows))))
    assert table[1]["title"] == "'=HYPERLINK(\"http://evil\")"
    assert table[1]["body"] == "'+1 @SUM(A1) -2"
    assert table[0]["answer_published"] == "False" and table[0]["supports"] == "0"
    for cell in (value for row in table for value in row.values()):
        assert not cell.startswith(("=", "+", "-", "@"))


def test_an_empty_export_still_has_its_header(db, component):
    assert answers.rows_as_csv(answers.export_rows(component)).startswith("id,title,body,")


# --- the action log ---------------------------------------------------------------------------

def test_every_staff_action_reads_as_a_sentence_in_the_log(db, app, admin, staff,
                                                           make_proposal, component, configure):
    _, valuator = staff
    configure(publish_answers_immediately=False)
    proposal = make_proposal(title="Shade for the bus stops of the ring road")
    answers.assign_valuator(admin, [proposal], valuator)
    answers.unassign_valuator(admin, [proposal])
    answer(admin, proposal, state="evaluating")
    answers.publish_answers(admin, [proposal])
    answers.create_official_proposal(admin, component, title="A new library in the old market",
                                      body="With a garden.")
    db.session.commit()
    with app.test_request_context():
        sentences = [str(log_sentence(entry)) for entry in
                     db.session.scalars(select(ActionLog).order_by(ActionLog.id))]
    assert [sentence.split("</a> ", 1)[1] for sentence in sentences] == [
        "assigned a valuator to the proposal <strong>Shade for the bus stops of the ring "
        "road</strong>",
        "took the valuator away from the proposal <strong>Shade for the bus stops of the ring "
        "road</strong>",
        "answered the proposal <strong>Shade for the bus stops of the ring road</strong>",
        "published the answer to the proposal <strong>Shade for the bus stops of the ring "
        "road</strong>",
        "created the official proposal <strong>A new library in the old market</strong>",
    ]
    assert {entry.process_id for entry in db.session.scalars(select(ActionLog))} == {
        component.process_id}
