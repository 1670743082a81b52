"""Paper ballots entered by staff: the service's refusals (census, age, district, one budget,
already voted, the voting rule, bad projects), the online draft replaced, the online vote
refused afterwards, the action log; and the back-office page through the client."""

import html
import re
import time
from datetime import date

import pytest
from sqlalchemy import func
from sqlalchemy import select

from decide.components.budgets import results
from decide.components.budgets import services
from decide.components.budgets.models import Order
from decide.components.budgets.models import OrderLine
from decide.components.budgets.models import Project
from decide.core.models import ActionLog
from decide.core.models import utcnow
from decide.core.services import DomainError
from decide.spaces.models import Role
from decide.spaces.services import today_here
from decide.verification.services import identity_hash

DOCUMENT = "12345678Z"
BORN = date(1990, 5, 17)
VOTED = "This person has already voted in this budget."
NOT_IN_CENSUS = ("No one in the census has this document number and date of birth: "
                 "check both.")


def refused(call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    return caught.value


def votes(db, project) -> int:
    return db.session.scalar(select(Project.votes_count).where(Project.id == project.id))


def orders(db) -> int:
    return db.session.scalar(select(func.count(Order.id)))


@pytest.fixture
def budget(make_budget):
    return make_budget(total=100_000)


@pytest.fixture
def voting(configure):
    configure(voting_enabled=True)


@pytest.fixture
def person(census):
    return census(DOCUMENT, BORN)


@pytest.fixture
def enter(admin, budget):
    def call(project_ids, *, document=DOCUMENT, birth_date=BORN, actor=None, target=None):
        return services.enter_paper_ballot(actor or admin, target or budget, document=document,
                                           birth_date=birth_date, project_ids=project_ids)
    return call


# --- the service ---------------------------------------------------------------------------

def test_a_paper_ballot_counts_at_once(db, budget, admin, person, voting, make_project, enter):
    first, second = make_project(budget, amount=50_000), make_project(budget, amount=30_000)
    other = make_project(budget)
    code = enter([first.id, second.id])
    db.session.commit()
    order = db.session.scalars(select(Order)).one()
    assert (order.channel, order.user_id, order.entered_by_id) == ("paper", None, admin.id)
    assert order.identity_hash == identity_hash(DOCUMENT)
    assert order.is_checked_out and order.receipt_hash == results.receipt_hash(code)
    assert len(order.ballot_key) == 32
    assert sorted(line.project_id for line in order.lines) == [first.id, second.id]
    assert [votes(db, p) for p in (first, second, other)] == [1, 1, 0]
    assert services.paper_ballots_count(budget) == 1


def test_the_action_log_names_the_budget_and_nothing_of_the_voter(db, budget, admin, person,
                                                                  voting, make_project, enter):
    project = make_project(budget, amount=80_000)
    enter([project.id])
    db.session.commit()
    entry = db.session.scalars(select(ActionLog)).one()
    assert (entry.action, entry.resource_type, entry.resource_id) == (
        "enter_paper_ballot", "budget", budget.id)
    assert entry.user_id == admin.id and entry.process_id == budget.component.process_id
    assert entry.details == {}
    logged = repr((entry.details, entry.resource_label))
    assert DOCUMENT not in logged and identity_hash(DOCUMENT) not in logged
    assert str(project.id) not in repr(entry.details)


def test_the_document_is_compared_without_separators(db, budget, person, voting,
                                                     make_project, enter):
    assert enter([make_project(budget, amount=80_000).id], document=" 12.345.678-z ")


@pytest.mark.parametrize(("document", "born", "field", "message"), [
    ("99999999R", BORN, "document", NOT_IN_CENSUS),
    (DOCUMENT, date(1990, 5, 18), "document", NOT_IN_CENSUS),
    ("", BORN, "document", "Type the document number as it is written on the document."),
    ("-. ", BORN, "document", "Type the document number as it is written on the document."),
    ("1" * 65, BORN, "document", "Use at most 64 characters."),
    (DOCUMENT, None, "birth_date", "Type the date of birth."),
])
def test_the_person_must_be_in_the_census(db, budget, person, voting, make_project, enter,
                                          document, born, field, message):
    error = refused(enter, [make_project(budget, amount=80_000).id], document=document,
                    birth_date=born)
    assert (error.field, error.message) == (field, message)
    assert orders(db) == 0


def test_too_young(db, budget, census, configure, make_project, enter):
    configure(voting_enabled=True, minimum_age=16)
    today = today_here()
    project = make_project(budget, amount=80_000)
    try:
        sixteen_tomorrow = today.replace(year=today.year - 16)
    except ValueError:  # 29 February
        sixteen_tomorrow = date(today.year - 16, 3, 1)
    sixteen_tomorrow = date.fromordinal(sixteen_tomorrow.toordinal() + 1)
    census("Y0000001", sixteen_tomorrow)
    error = refused(enter, [project.id], document="Y0000001", birth_date=sixteen_tomorrow)
    assert error.message == "This person is not old enough to vote in this budget."
    assert error.field == "birth_date"
    birthday_today = date.fromordinal(sixteen_tomorrow.toordinal() - 1)
    census("Y0000002", birthday_today)
    assert enter([project.id], document="Y0000002", birth_date=birthday_today)


def test_district(db, make_budget, census, create_scope, configure, make_project, enter):
    configure(voting_enabled=True, vote_in="district")
    north, south = create_scope(), create_scope()
    north_budget = make_budget(scope_id=north.id)
    census("N1", BORN, scope=north)
    census("S1", BORN, scope=south)
    project = make_project(north_budget, amount=80_000)
    error = refused(enter, [project.id], document="S1", target=north_budget)
    assert error.message.startswith("This person lives in another district")
    assert enter([project.id], document="N1", target=north_budget)


def test_one_budget_mode(db, make_budget, census, configure, make_project, enter, create_user,
                         verified):
    configure(voting_enabled=True, vote_in="one")
    first, second = make_budget(), make_budget()
    census("P1", BORN)
    enter([make_project(first, amount=80_000).id], document="P1", target=first)
    error = refused(enter, [make_project(second, amount=80_000).id], document="P1",
                    target=second)
    assert error.message.startswith("This person is already voting in another budget")
    # An online ballot in progress elsewhere holds the person too.
    census("P2", BORN)
    resident = verified(create_user(), document="P2")
    services.add_project(resident, make_project(first, amount=1_000))
    assert refused(enter, [make_project(second, amount=80_000).id], document="P2",
                   target=second).message.startswith("This person is already voting")


def test_already_voted_online(db, budget, person, create_user, verified, voting,
                                          make_project, enter):
    project = make_project(budget, amount=80_000)
    resident = verified(create_user(), document=DOCUMENT)
    services.add_project(resident, project)
    services.checkout_order(resident, budget)
    assert refused(enter, [project.id]).message == VOTED
    assert votes(db, project) == 1 and orders(db) == 1
    assert services.order_of(resident, budget).channel == "online"


def test_twice_on_paper(db, budget, person, voting, make_project, enter):
    project = make_project(budget, amount=80_000)
    enter([project.id])
    assert refused(enter, [project.id]).message == VOTED
    assert votes(db, project) == 1 and orders(db) == 1


def test_an_online_draft_is_replaced_and_online_voting_refused(db, budget, person, create_user,
                                                               verified, voting, make_project,
                                                               enter):
    online, paper = make_project(budget, amount=80_000), make_project(budget, amount=75_000)
    resident = verified(create_user(), document=DOCUMENT)
    services.add_project(resident, online)
    db.session.commit()
    enter([paper.id])
    db.session.commit()
    assert orders(db) == 1
    assert services.order_of(resident, budget) is None
    assert db.session.scalar(select(OrderLine.project_id)) == paper.id
    assert services.vote_refusal(resident, budget) == "paper"
    message = services.refusal_message("paper")
    assert refused(services.add_project, resident, online).message == message
    assert refused(services.checkout_order, resident, budget).message == message
    assert [votes(db, online), votes(db, paper)] == [0, 1]


def test_a_draft_started_before_verifying_is_replaced_too(db, budget, person, create_user,
                                                         verified, configure, make_project,
                                                         enter):
    configure(voting_enabled=True, verify_vote=False)
    resident = create_user()
    services.add_project(resident, make_project(budget, amount=80_000))
    verified(resident, document=DOCUMENT)
    enter([make_project(budget, amount=75_000).id])
    db.session.commit()
    assert orders(db) == 1 and services.order_of(resident, budget) is None


def test_the_ballot_must_follow_the_voting_rule(db, budget, person, configure, make_project,
                                                enter):
    configure(voting_enabled=True, vote_rule="minimum_percent", vote_minimum_percent=70)
    small, large = make_project(budget, amount=60_000), make_project(budget, amount=50_000)
    for chosen in ([small], [small, large]):
        error = refused(enter, [project.id for project in chosen])
        assert error.field == "project_ids"
        assert error.message == ("This ballot does not follow the voting rule: Choose projects "
                                 "worth at least €70,000 (70% of the budget) and at most "
                                 "€100,000.")
    configure(vote_rule="project_range", vote_range_min=2, vote_range_max=2)
    assert refused(enter, [small.id]).field == "project_ids"
    assert enter([small.id, large.id])  # whatever they cost


@pytest.mark.parametrize("ids", [[], ["abc"], [None], [0], ["other"], ["hidden"]])
def test_projects_must_be_of_this_budget(db, budget, make_budget, person, voting, make_project,
                                         enter, ids):
    valid = make_project(budget, amount=80_000)
    others = {"other": make_project(make_budget(), amount=1).id,
              "hidden": make_project(budget, amount=1, hidden_at=utcnow()).id}
    error = refused(enter, [valid.id, *(others.get(each, each) for each in ids)]
                    if ids else [])
    assert error.field == "project_ids"
    assert orders(db) == 0


def test_voting_closed(db, budget, person, configure, make_project, enter):
    configure(voting_enabled=False)
    assert refused(enter, [make_project(budget, amount=80_000).id]).message == \
        "Voting is not open in this budget."


def test_only_the_process_admins(db, budget, person, voting, make_project, enter, create_user,
                                 grant, process):
    project = make_project(budget, amount=80_000)
    moderator = create_user()
    grant(moderator, process, Role.MODERATOR)
    assert refused(enter, [project.id], actor=moderator).message == \
        "Only the process's administrators can enter paper ballots."
    process_admin = create_user()
    grant(process_admin, process, Role.PROCESS_ADMIN)
    assert enter([project.id], actor=process_admin)


# --- the back-office page ------------------------------------------------------------------

@pytest.fixture
def sign_in(client):
    def become(user) -> None:
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
            session["last_seen"] = time.time()
    return become


@pytest.fixture
def url(component, budget) -> str:
    return (f"/admin/processes/{component.process.slug}/f/{component.id}/budgets/"
            f"{budget.id}/paper-ballots")


@pytest.fixture
def staff(admin, sign_in):
    sign_in(admin)
    return admin


def page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def field_error(response, field_id: str) -> str:
    match = re.search(rf'<p class="field-error" id="{re.escape(field_id)}-error">(.*?)</p>',
                      response.get_data(as_text=True), re.S)
    return html.unescape(match.group(1)) if match else ""


@pytest.mark.parametrize("who", ["anonymous", "resident", "moderator", "valuator",
                                 "admin of another process", "process admin",
                                 "organization admin"])
def test_who_reaches_the_page(client, db, url, budget, person, voting, make_project,
                              create_user, create_process, grant, process, sign_in, who):
    project = make_project(budget, amount=80_000)
    if who != "anonymous":
        user = create_user(admin=who == "organization admin")
        roles = {"moderator": Role.MODERATOR, "valuator": Role.VALUATOR,
                 "process admin": Role.PROCESS_ADMIN}
        if who in roles:
            grant(user, process, roles[who])
        if who == "admin of another process":
            grant(user, create_process(), Role.PROCESS_ADMIN)
        sign_in(user)
    shown = client.get(url)
    posted = client.post(url, data={"document": DOCUMENT, "birth_date": "1990-05-17",
                                    "project_ids": [str(project.id)]})
    if who == "anonymous":
        assert shown.status_code == posted.status_code == 302
        assert "/signin" in shown.location
    elif who in ("process admin", "organization admin"):
        assert shown.status_code == posted.status_code == 200
        assert orders(db) == 1
        return
    else:
        assert shown.status_code == posted.status_code == 403
    assert orders(db) == 0


def test_entering_a_ballot_shows_the_receipt_once(client, db, url, budget, person, voting,
                                                  make_project, staff):
    project = make_project(budget, amount=80_000, title={"en": "Shade trees"})
    form = client.get(url)
    assert form.status_code == 200
    assert "Shade trees · €80,000" in page(form)
    assert "no-store" in form.headers["Cache-Control"]
    response = client.post(url, data={"document": DOCUMENT, "birth_date": "1990-05-17",
                                      "project_ids": [str(project.id)]})
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    code = re.search(r"<code>([A-Z0-9-]{19})</code>", response.get_data(as_text=True)).group(1)
    order = db.session.scalars(select(Order)).one()
    assert order.receipt_hash == results.receipt_hash(code)
    assert DOCUMENT not in page(response)
    assert votes(db, project) == 1
    # Sent again (the browser's back and resend): refused, nothing counted twice.
    again = client.post(url, data={"document": DOCUMENT, "birth_date": "1990-05-17",
                                   "project_ids": [str(project.id)]})
    assert again.status_code == 400 and VOTED in page(again)
    assert votes(db, project) == 1


@pytest.mark.parametrize(("data", "field", "message"), [
    ({}, "document", "Fill in this field."),
    ({"document": "", "birth_date": "1990-05-17"}, "document", "Fill in this field."),
    ({"document": "x" * 65, "birth_date": "1990-05-17"}, "document",
     "Use at most 64 characters."),
    ({"document": DOCUMENT, "birth_date": "17/05/1990x"}, "birth_date",
     "Enter a date like 1990-05-17."),
    ({"document": DOCUMENT, "birth_date": "1990-05-17", "project_ids": ["abc"]},
     "project_ids", "Tick the projects marked on the ballot."),
    ({"document": DOCUMENT, "birth_date": "1990-05-17"}, "project_ids",
     "Tick the projects marked on the ballot."),
    ({"document": "<script>alert(1)</script>", "birth_date": "1990-05-17", "project_ids": "P"},
     "document", NOT_IN_CENSUS),
    ({"document": DOCUMENT, "birth_date": "1991-05-17", "project_ids": "P"}, "document",
     NOT_IN_CENSUS),
    ({"document": DOCUMENT, "birth_date": "1990-05-17", "project_ids": "OTHER"},
     "project_ids", "Choose projects of this budget."),
])
def test_bad_input_is_refused_and_kept(client, db, url, budget, make_budget, person, voting,
                                       make_project, staff, data, field, message):
    project = make_project(budget, amount=80_000)
    other = make_project(make_budget(), amount=1)
    chosen = {"P": [str(project.id)], "OTHER": [str(project.id), str(other.id)]}
    data = {key: chosen.get(value, value) if isinstance(value, str) else value
            for key, value in data.items()}
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert field_error(response, field) == message
    assert orders(db) == 0
    body = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in body
    if data.get("document") and len(data["document"]) <= 64:
        assert f'value="{html.escape(data["document"])}"' in body  # what was typed stays
    if data.get("project_ids") == [str(project.id)]:
        assert re.search(rf'value="{project.id}"[^>]*checked|checked[^>]*value="{project.id}"',
                         body)


def test_a_budget_of_another_component_is_404(client, db, budget, create_component, process,
                                              make_budget, staff):
    other = create_component(process, manifest_name="budgets")
    foreign = make_budget(other)
    response = client.get(f"/admin/processes/{process.slug}/f/{budget.component_id}/budgets/"
                          f"{foreign.id}/paper-ballots")
    assert response.status_code == 404


def test_the_page_says_when_voting_is_closed(client, url, budget, configure, make_project,
                                             staff):
    configure(voting_enabled=False)
    make_project(budget)
    response = client.get(url)
    assert response.status_code == 200
    assert "Voting is not open in this budget" in page(response)
    assert 'name="document"' not in response.get_data(as_text=True)
    refused_post = client.post(url, data={"document": DOCUMENT, "birth_date": "1990-05-17"})
    assert refused_post.status_code == 400


def test_the_budget_sections_link_to_the_paper_ballots(client, component, budget, url, staff,
                                                       voting):
    projects = client.get(f"/admin/processes/{component.process.slug}/f/{component.id}/"
                          f"budgets/{budget.id}/projects/")
    assert f'href="{url}"' in projects.get_data(as_text=True)
