"""Budgets after the vote, at service level: ballots, counts, ranks and winners from the
database, confirming the winners, the settings check, the published ballots and receipts,
the CSV and .pb exports, and the .pb import for recounts (on the real pabulib files)."""

import csv
import hashlib
import io
import secrets
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlalchemy import select

from decide.components.budgets import results
from decide.components.budgets.models import Budget
from decide.components.budgets.models import Order
from decide.components.budgets.models import OrderLine
from decide.components.budgets.models import Project
from decide.components.budgets.pabulib import PbError
from decide.components.budgets.pabulib import parse_pb
from decide.core.models import ActionLog
from decide.core.models import utcnow
from decide.core.services import DomainError
from decide.spaces.models import Component
from decide.spaces.services import update_component

DATA = Path(__file__).resolve().parents[2] / "data" / "pabulib"


def read(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


@pytest.fixture
def cast(db):
    """A ballot written directly: checked out (unless draft=True), with its lines, the
    projects' vote counts kept, a receipt hash when a code is given."""

    def make(budget, projects, *, user=None, draft=False, code=None, channel="online"):
        order = Order(budget=budget, user=user, channel=channel,
                      identity_hash=None if user else secrets.token_hex(32))
        if not draft:
            order.checked_out_at = utcnow()
            order.ballot_key = secrets.token_hex(16)
            order.receipt_hash = results.receipt_hash(code) if code else None
            for project in projects:
                project.votes_count += 1
        order.lines = [OrderLine(project=project) for project in projects]
        db.session.add(order)
        db.session.commit()
        return order

    return make


@pytest.fixture
def ended(make_budget):
    """A budget whose voting is over (closed), so its results are public."""

    def make(**overrides):
        return make_budget(closed_at=utcnow(), **overrides)

    return make


def refused(call, *args, field=None, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    if field is not None:
        assert caught.value.field == field
    return caught.value


# --- ballots, counts, ranks, winners ------------------------------------------------------

def test_ballots_of_every_checked_out_ballot_in_one_query(app, db, ended, make_project, cast,
                                                          create_user, count_queries):
    budget, other = ended(), ended()
    a, b = make_project(budget), make_project(budget, code="B7")
    cast(budget, [a, b], user=create_user())
    cast(budget, [b], channel="paper")
    cast(budget, [])  # a checked-out empty ballot still holds a share
    cast(budget, [a], user=create_user(), draft=True)
    cast(other, [make_project(other)])
    db.session.refresh(budget)
    with count_queries() as counter:
        ballots = results.ballots_of(budget)
    assert counter.count == 1
    assert sorted(map(sorted, ballots)) == sorted([sorted([str(a.id), "B7"]), ["B7"], []])


def test_project_results_votes_ranks_and_greedy_order(app, ended, make_project, cast):
    budget = ended(total=100)
    big = make_project(budget, amount=60, code="3")
    cheap = make_project(budget, amount=30, code="2")
    tied = make_project(budget, amount=30, code="10")
    make_project(budget, amount=5, code="1")  # no votes
    for _ in range(3):
        cast(budget, [big, cheap, tied])
    cast(budget, [cheap, tied])
    cast(budget, [big])
    rows = results.project_results(budget)
    assert [(r.project.code, r.votes, r.rank) for r in rows] == [
        ("2", 4, 1), ("10", 4, 1), ("3", 4, 1), ("1", 0, 4)]
    # Same votes: lower cost first, then the id as a number (2 before 10). Greedy funds 2
    # and 10 (30 each), then 3 (60) does not fit in the 40 left; 1 has no votes.
    assert [r.selected for r in rows] == [True, True, False, False]


def test_project_results_in_constant_queries(app, db, ended, make_project, cast, configure,
                                             count_queries):
    configure(winner_rule="equal_shares")
    budget = ended(total=10_000)

    def add(number):
        projects = [make_project(budget, amount=100) for _ in range(number)]
        for index in range(number):
            cast(budget, projects[: index + 1])

    def queries() -> int:
        db.session.expire_all()
        with count_queries() as counter:
            results.project_results(budget)
        return counter.count

    add(3)
    few = queries()
    add(27)
    assert queries() == few


def test_compute_winners_follows_the_component_rule_and_the_budget_options(
        app, db, ended, make_project, cast, configure):
    budget = ended(total=100)
    a, b, c, d = (make_project(budget, amount=30, code=code) for code in "abcd")
    for _ in range(60):
        cast(budget, [a, b, c])
    for _ in range(40):
        cast(budget, [d])
    assert results.compute_winners(budget).winners == ("a", "b", "c")  # greedy: default
    configure(winner_rule="equal_shares")
    outcome = results.compute_winners(budget)
    assert outcome.winners == ("a", "b", "d") and outcome.total_cost == 90
    assert outcome.options == {"add1_stop_when_exhaustive": True, "greedy_completion": True}
    budget.add1_stops_when_exhaustive = False
    budget.greedy_completion = False
    db.session.commit()
    assert results.compute_winners(budget).options == {
        "add1_stop_when_exhaustive": False, "greedy_completion": False}
    assert results.compute_winners(budget, "greedy").winners == ("a", "b", "c")
    with pytest.raises(ValueError):
        results.compute_winners(budget, "borda")


# --- confirming the winners ---------------------------------------------------------------

def test_confirm_winners(app, db, admin, ended, make_project, cast):
    budget = ended(total=100)
    a, b, c = (make_project(budget, amount=amount) for amount in (60, 50, 30))
    cast(budget, [a, b, c])
    cast(budget, [a, b])
    cast(budget, [a])
    b.selected_at = utcnow()  # a stale mark is cleared
    db.session.commit()
    assert results.can_confirm_winners(budget)
    outcome = results.confirm_winners(admin, budget)
    db.session.commit()
    assert outcome.winners == (a.reference, c.reference)
    assert a.is_selected and c.is_selected and not b.is_selected
    assert budget.winners_confirmed_at is not None
    assert not results.can_confirm_winners(budget)
    entry = db.session.scalars(select(ActionLog).where(ActionLog.action == "confirm_winners")
                               ).one()
    assert entry.user_id == admin.id and entry.process_id == budget.component.process_id
    assert entry.details["rule"] == "greedy"
    assert entry.details["winners"] == [a.reference, c.reference]
    refused(results.confirm_winners, admin, budget)
    # Confirmed winners stay what the table and exports show, whatever the counts say.
    cast(budget, [b])
    cast(budget, [b])
    assert {r.project.id for r in results.project_results(budget) if r.selected} == {a.id, c.id}


def test_winners_are_not_confirmed_while_voting_is_open(app, db, admin, make_budget,
                                                        make_project, cast, configure):
    configure(voting_enabled=True)
    budget = make_budget()
    cast(budget, [make_project(budget)])
    assert not results.can_confirm_winners(budget)
    refused(results.confirm_winners, admin, budget)
    db.session.rollback()
    assert budget.winners_confirmed_at is None
    assert db.session.scalar(select(func.count()).select_from(ActionLog)
                             .where(ActionLog.action == "confirm_winners")) == 0


# --- the settings check -------------------------------------------------------------------

def update(admin, component, **settings):
    values = {**(component.settings or {}), **settings}
    update_component(admin, component, name=component.name, settings=values,
                     phase_settings={})


def test_the_voting_rule_changes_until_a_budget_holds_a_ballot(app, db, admin, component,
                                                               make_budget, make_project,
                                                               cast, create_user):
    update(admin, component, vote_rule="project_range")
    db.session.commit()
    budget = make_budget()
    cast(budget, [make_project(budget)], user=create_user(), draft=True)  # drafts count
    error = refused(update, admin, component, vote_rule="minimum_projects", field="vote_rule")
    assert "voting rule" in str(error.message)
    db.session.rollback()
    refused(update, admin, component, vote_range_max=7, field="vote_range_max")
    db.session.rollback()
    refused(update, admin, component, vote_in="one", field="vote_in")
    db.session.rollback()
    # Other settings still change, and the winner rule until winners are confirmed.
    update(admin, component, can_cancel=True, winner_rule="equal_shares")
    db.session.commit()
    assert component.settings["winner_rule"] == "equal_shares"
    assert component.settings["vote_rule"] == "project_range"
    entry = db.session.scalars(select(ActionLog).where(ActionLog.action == "update")
                               .order_by(ActionLog.id.desc())).first()
    assert entry.details["changed"] == ["can_cancel", "winner_rule"]


def test_ballots_in_another_component_do_not_lock_the_rule(app, db, admin, component, process,
                                                           create_component, make_budget,
                                                           make_project, cast):
    other = create_component(process, manifest_name="budgets")
    budget = make_budget(target=other)
    cast(budget, [make_project(budget)])
    update(admin, component, vote_rule="minimum_projects")
    db.session.commit()
    assert component.settings["vote_rule"] == "minimum_projects"


def test_the_winner_rule_is_locked_once_winners_are_confirmed(app, db, admin, component,
                                                              ended, make_project, cast):
    budget = ended()
    cast(budget, [make_project(budget)])
    results.confirm_winners(admin, budget)
    db.session.commit()
    refused(update, admin, component, winner_rule="equal_shares", field="winner_rule")
    db.session.rollback()
    update(admin, component, winner_rule="greedy", show_votes_after_voting=False)
    db.session.commit()


# --- published ballots and receipts -------------------------------------------------------

def test_anonymous_ballots_random_order_no_voter_and_unlinked_receipts(
        app, db, ended, make_project, cast, create_user):
    budget = ended()
    a, b = make_project(budget, code="20"), make_project(budget, code="3")
    voter = create_user()
    orders = [cast(budget, [a, b], user=voter, code="AAAA-1111"),
              cast(budget, [b], code="BBBB-2222"), cast(budget, [], channel="paper")]
    cast(budget, [a], user=create_user(), draft=True)
    rows = results.anonymous_ballots(budget)
    assert [row.name for row in rows] == sorted(order.ballot_key for order in orders)
    by_name = {row.name: row for row in rows}
    assert by_name[orders[0].ballot_key].projects == ["3", "20"]  # sorted as numbers
    assert all(row.receipt_hash is None for row in rows)
    assert str(voter.id) not in {row.name for row in rows}
    budget.receipts_linked = True
    db.session.commit()
    linked = {row.name: row.receipt_hash for row in results.anonymous_ballots(budget)}
    assert linked[orders[0].ballot_key] == results.receipt_hash("AAAA-1111")
    assert linked[orders[2].ballot_key] is None


def test_receipts_sorted_and_found(app, ended, make_project, cast):
    budget, other = ended(), ended()
    project = make_project(budget)
    for code in ("ZZZZ-9999", "AAAA-0000", "MMMM-5555"):
        cast(budget, [project], code=code)
    cast(other, [make_project(other)], code="OTHER-0001")
    hashes = results.receipt_hashes(budget)
    assert hashes == sorted(hashes) and len(hashes) == 3
    assert results.receipt_hash("OTHER-0001") not in hashes
    assert results.find_receipt(budget, "mmmm 5555")
    assert results.find_receipt(budget, " MMMM-5555 ")
    assert not results.find_receipt(budget, "OTHER-0001")
    assert not results.find_receipt(budget, "MMMM-5556")
    assert not results.find_receipt(budget, "")
    assert not results.find_receipt(budget, "<script>" * 100)


def test_receipt_hash():
    """SHA-256 (hex) of the code upper-cased, without spaces and dashes."""
    assert results.receipt_hash("ab-cd ef") == results.receipt_hash("ABCDEF")
    assert results.receipt_hash("abc-def") == hashlib.sha256(b"ABCDEF").hexdigest()
    assert results.receipt_hash("ABCDEF") != results.receipt_hash("ABCDEG")


# --- exports ------------------------------------------------------------------------------

def test_results_csv(app, ended, make_project, cast):
    budget = ended(total=100)
    a = make_project(budget, amount=60, title={"en": "=HYPERLINK(\"x\")", "es": "Parque"})
    b = make_project(budget, amount=50, title={"en": "Library"})
    cast(budget, [a, b])
    cast(budget, [a])
    rows = list(csv.reader(io.StringIO(results.results_csv(budget))))
    assert rows == [["project_id", "title", "cost", "votes", "rank", "selected"],
                    [str(a.id), "'=HYPERLINK(\"x\")", "60", "2", "1", "1"],
                    [str(b.id), "Library", "50", "1", "2", "0"]]


def test_ballots_csv_recounts_the_results(app, db, ended, make_project, cast):
    budget = ended()
    a, b = make_project(budget), make_project(budget)
    cast(budget, [a, b], code="AAAA-1111")
    cast(budget, [b])
    rows = list(csv.DictReader(io.StringIO(results.ballots_csv(budget))))
    assert list(rows[0]) == ["ballot", "projects"]
    recount = {}
    for row in rows:
        for reference in filter(None, row["projects"].split(",")):
            recount[reference] = recount.get(reference, 0) + 1
    assert recount == {a.reference: 1, b.reference: 2}
    budget.receipts_linked = True
    db.session.commit()
    rows = list(csv.DictReader(io.StringIO(results.ballots_csv(budget))))
    assert results.receipt_hash("AAAA-1111") in {row["receipt_hash"] for row in rows}


def test_export_pb(app, db, ended, make_project, cast, create_user, configure, phase):
    phase.start_date, phase.end_date = date(2024, 3, 1), date(2024, 3, 21)
    configure(voting_enabled=True, vote_rule="project_range", vote_range_min=2,
              vote_range_max=4, winner_rule="equal_shares")
    budget = ended(total=100, title={"en": "North; \"district\""})
    a, b, c = (make_project(budget, amount=amount) for amount in (60, 50, 30))
    voter = create_user()
    cast(budget, [a, b], user=voter)
    cast(budget, [a, c])
    cast(budget, [c])
    pb = parse_pb(results.export_pb(budget))
    meta = pb.meta
    assert meta["description"] == 'North; "district"'
    assert meta["num_projects"] == "3" and meta["num_votes"] == "3"
    assert meta["budget"] == "100" and meta["vote_type"] == "approval"
    assert meta["rule"] == "equalshares/add1"
    assert meta["add1_stops_when_exhaustive"] == "True"
    assert meta["greedy_completion"] == "True"
    assert meta["date_begin"] == "01.03.2024" and meta["date_end"] == "21.03.2024"
    assert meta["instance"] == "2024"
    assert meta["min_length"] == "2" and meta["max_length"] == "4"
    assert meta["currency"] == app.config["CURRENCY"]
    for key in ("country", "unit"):
        assert key in meta
    assert {p["project_id"]: (p["cost"], p["votes"], p["selected"]) for p in pb.projects} == {
        a.reference: ("60", "2", "1"), b.reference: ("50", "1", "0"),
        c.reference: ("30", "2", "1")}
    assert sorted(map(sorted, pb.ballots)) == sorted(map(sorted, results.ballots_of(budget)))
    assert sorted(v["voter_id"] for v in pb.votes) == ["1", "2", "3"]
    assert {frozenset(v) for v in pb.votes} == {frozenset({"voter_id", "vote"})}


@pytest.mark.parametrize("settings, limits", [
    ({"vote_rule": "minimum_percent", "vote_minimum_percent": 70},
     {"min_sum_cost": "70", "max_sum_cost": "100"}),
    ({"vote_rule": "minimum_projects", "vote_minimum_projects": 2},
     {"min_length": "2", "max_sum_cost": "100"}),
])
def test_export_pb_limits_of_the_voting_rule(app, ended, make_project, configure, settings,
                                             limits):
    configure(**settings)
    budget = ended(total=100)
    make_project(budget)
    meta = parse_pb(results.export_pb(budget)).meta
    assert {key: meta.get(key) for key in limits} == limits
    assert meta["rule"] == "greedy" and "greedy_completion" not in meta


def test_export_pb_selected_are_the_confirmed_winners(app, db, admin, ended, make_project,
                                                      cast):
    budget = ended(total=100)
    a, b = make_project(budget, amount=60), make_project(budget, amount=50)
    cast(budget, [a])
    results.confirm_winners(admin, budget)
    db.session.commit()
    cast(budget, [b])
    cast(budget, [b])
    selected = {p["project_id"]: p["selected"] for p in parse_pb(results.export_pb(budget))
                .projects}
    assert selected == {a.reference: "1", b.reference: "0"}


# --- import for recounts ------------------------------------------------------------------

def counts(db) -> tuple[int, int, int, int]:
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Component, Budget, Project, Order))


def test_import_wieliczka_and_recount_the_official_result(app, db, process):
    started = time.perf_counter()
    budget = results.import_pb(read("poland_wieliczka_2023_green-budget.pb"), process)
    db.session.commit()
    assert time.perf_counter() - started < 15
    component = budget.component
    assert component.process_id == process.id and component.manifest_name == "budgets"
    assert not component.is_published
    assert component.settings["winner_rule"] == "equal_shares"
    assert component.settings["vote_rule"] == "minimum_projects"
    assert budget.is_closed and budget.total == 1_000_000
    assert not budget.add1_stops_when_exhaustive and not budget.greedy_completion
    assert budget.title == {"en": "Municipal PB in Wieliczka, Green Budget (Zielony Milion)"}
    assert budget.source["currency"] == "PLN"
    assert db.session.scalar(select(func.count()).select_from(Order)
                             .where(Order.budget_id == budget.id)) == 6586
    assert db.session.scalar(select(func.count()).select_from(Order)
                             .where(Order.user_id.is_not(None))) == 0
    pb = parse_pb(read("poland_wieliczka_2023_green-budget.pb"))
    projects = {p.code: p for p in db.session.scalars(
        select(Project).where(Project.budget_id == budget.id))}
    assert set(projects) == {p["project_id"] for p in pb.projects}
    assert projects["24"].amount == 5000 and projects["24"].votes_count == 720
    assert projects["24"].title["en"].startswith("Zakup 10 fotopułapek")
    outcome = results.compute_winners(budget)
    official = {p["project_id"] for p in pb.projects if p["selected"] == "1"}
    assert set(outcome.winners) == official and len(official) == 30
    assert outcome.total_cost == 995_079
    assert results.results_public(budget)
    # The export keeps the file's META, and its ballots are the file's.
    again = parse_pb(results.export_pb(budget))
    assert again.meta["country"] == "Poland" and again.meta["unit"] == "Wieliczka"
    assert again.meta["date_begin"] == "03.04.2023"
    assert again.meta["rule"] == "equalshares/add1"
    assert again.meta["add1_stops_when_exhaustive"] == "False"
    assert sorted(map(sorted, again.ballots)) == sorted(map(sorted, pb.ballots))
    assert {p["project_id"] for p in again.projects if p["selected"] == "1"} == official
    entry = db.session.scalars(select(ActionLog).where(ActionLog.action == "import_pb")).one()
    assert entry.details == {"projects": 64, "ballots": 6586}


@pytest.mark.parametrize("name, rule, vote_rule", [
    ("poland_warszawa_2019_przywisle.pb", "greedy", "minimum_projects"),
    ("poland_lodz_2020_wzniesien-lodzkich.pb", "greedy", "project_range"),
    ("poland_gdynia_2020_babie-doly-small.pb", "greedy", "project_range"),
])
def test_import_greedy_files(app, db, process, name, rule, vote_rule):
    budget = results.import_pb(read(name), process, name="Recount")
    db.session.commit()
    settings = budget.component.settings
    assert settings["winner_rule"] == rule and settings["vote_rule"] == vote_rule
    assert budget.title == {"en": "Recount"}
    assert budget.add1_stops_when_exhaustive and budget.greedy_completion
    pb = parse_pb(read(name))
    outcome = results.compute_winners(budget)
    assert outcome == results.rules.greedy(pb.project_costs,
                                           results.rules.count_votes(pb.ballots), pb.budget)


def test_import_re_imports_its_own_export(app, db, process, ended, make_project, cast,
                                          configure):
    configure(winner_rule="equal_shares")
    budget = ended(total=100)
    budget.greedy_completion = False
    a, b = make_project(budget, amount=60), make_project(budget, amount=30)
    cast(budget, [a, b])
    cast(budget, [b])
    copy = results.import_pb(results.export_pb(budget), process)
    db.session.commit()
    assert copy.component.settings["winner_rule"] == "equal_shares"
    assert copy.add1_stops_when_exhaustive and not copy.greedy_completion
    assert results.compute_winners(copy) == results.compute_winners(budget)


def test_import_other_rule_takes_the_defaults(app, db, process):
    text = read("poland_warszawa_2019_radosc.pb").replace("rule;greedy", "rule;unknown-rule")
    budget = results.import_pb(text, process)
    assert "winner_rule" not in budget.component.settings
    assert budget.add1_stops_when_exhaustive and budget.greedy_completion


@pytest.mark.parametrize("change, line", [
    (lambda text: text.replace("vote_type;approval", "vote_type;ordinal"), 12),
    (lambda text: text.replace("1318;48000", "1318;48000.5"), 22),
    (lambda text: text.replace("160;38;F;internet;257,1318,2407",
                               "160;38;F;internet;257,9999"), 29),
    (lambda text: text.replace("1318", "X" * 65), 22),  # longer than Project.code
])
def test_a_malformed_file_imports_nothing(app, db, process, change, line):
    before = counts(db)
    with pytest.raises(PbError) as caught:
        results.import_pb(change(read("poland_warszawa_2019_radosc.pb")), process)
    assert caught.value.line == line
    db.session.rollback()
    assert counts(db) == before


def test_votes_column_differences():
    text = read("poland_warszawa_2019_radosc.pb").replace("1318;48000;welfare,sport,health;138",
                                                          "1318;48000;welfare,sport,health;139")
    assert results.votes_column_differences(parse_pb(text)) == [("1318", "139", 138)]
    assert results.votes_column_differences(parse_pb(read("poland_warszawa_2019_radosc.pb"))) \
        == []
