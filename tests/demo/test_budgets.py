"""The demo city's budgets (decide/demo/budgets.py): the census and who is verified against
it, District Budgets in its voting phase with ballots in every state, Budget of last year
with its confirmed winners, what README.md promises a visitor. A second run changes
nothing (tests/test_cli.py counts every table after a second run)."""

from datetime import date
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlalchemy import select

from decide.components.budgets import results
from decide.components.budgets.models import Budget
from decide.components.budgets.models import Order
from decide.components.budgets.models import OrderLine
from decide.components.budgets.models import Project
from decide.components.budgets.pabulib import parse_pb
from decide.components.budgets.projects import INCLUDED_PROPOSALS
from decide.components.budgets.rules import equal_shares
from decide.components.budgets.rules import greedy
from decide.components.budgets.services import add_project
from decide.components.budgets.services import age_on
from decide.components.budgets.services import ballot_progress
from decide.components.budgets.services import can_cancel
from decide.components.budgets.services import enter_paper_ballot
from decide.components.budgets.services import vote_refusal
from decide.components.proposals.models import Proposal
from decide.core.models import OutboxMessage
from decide.core.models import ResourceLink
from decide.core.models import User
from decide.core.models import utcnow
from decide.core.services import DomainError
from decide.demo import DEMO_ACCOUNTS
from decide.demo import load_demo
from decide.demo.budget_data import ANA
from decide.demo.budget_data import DISTRICT_BALLOTS
from decide.demo.budget_data import DISTRICT_PROJECTS
from decide.demo.budget_data import FREE
from decide.demo.budget_data import IMPORTED_KEYS
from decide.demo.budget_data import LAST_YEAR_PROJECTS
from decide.demo.budget_data import LISTED
from decide.demo.budget_data import MARIA
from decide.demo.budget_data import MINOR
from decide.demo.budget_data import PAPER
from decide.demo.budget_data import VOTERS
from decide.demo.budget_data import census_identities
from decide.demo.green_streets import RESIDENTS_DOMAIN
from decide.demo.participation import RESIDENTS
from decide.notifications.models import Notification
from decide.spaces.models import Process
from decide.spaces.services import active_phase
from decide.spaces.services import today_here
from decide.verification.models import CensusEntry
from decide.verification.models import Verification
from decide.verification.services import identity_hash
from decide.verification.services import verify_identity

README = Path(__file__).resolve().parents[2] / "README.md"
LOCALES = {"en", "es", "ca", "fr"}
IDENTITIES = census_identities(tuple(resident.nickname for resident in RESIDENTS))


@pytest.fixture
def demo(db):
    load_demo()
    db.session.commit()
    return {user.nickname: user for user in db.session.scalars(select(User))}


def count(db, model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def budgets_of(db, slug: str) -> dict[str, Budget]:
    """The budgets of the process, by English title."""
    return {budget.title["en"]: budget for budget in db.session.scalars(
        select(Budget).join(Budget.component).join(Process)
        .where(Process.slug == slug).order_by(Budget.id))}


def first_title(project: Project) -> str:
    """The English title of a project the council wrote, the author's of an imported one."""
    return project.title.get("en") or next(iter(project.title.values()))


def order_of(db, user, budget) -> Order | None:
    return db.session.scalars(select(Order).where(Order.user_id == user.id,
                                                  Order.budget_id == budget.id)).first()


# --- the census ------------------------------------------------------------------------------

@pytest.mark.nodb
def test_the_readme_lists_the_census_identities_to_try():
    lines = README.read_text("utf-8").splitlines()

    for identity in LISTED:
        assert f"{identity.document} / {identity.birth_date.isoformat()}" in lines
    documents = [identity.document for identity in IDENTITIES]
    assert len(set(documents)) == len(documents)
    assert set(LISTED) <= set(IDENTITIES)
    assert MINOR.birth_date.year > date.today().year - 16


def test_the_census_is_stored_hashed_and_verifies_maria_and_ana_not_lucas(app, db, demo):
    entries = db.session.scalars(select(CensusEntry)).all()

    assert len(entries) == len(IDENTITIES)
    assert {entry.identity_hash for entry in entries} == {
        identity_hash(identity.document) for identity in IDENTITIES}
    stored = " ".join(f"{entry.identity_hash} {entry.birth_date}" for entry in entries)
    assert not any(identity.document in stored for identity in IDENTITIES)
    verifications = {v.user.nickname: v for v in db.session.scalars(select(Verification))}
    assert verifications["maria"].scope.code == MARIA.scope == "centre"
    assert verifications["ana"].scope.code == ANA.scope == "riverside"
    assert verifications["maria"].birth_date == MARIA.birth_date
    assert "lucas" not in verifications
    for account in DEMO_ACCOUNTS:  # as `flask decide demo` prints them
        says_verified = "verified" in account.role and "not verified" not in account.role
        assert says_verified == (account.nickname in verifications), account.nickname
    assert set(verifications) == {"maria", "ana"} | {r.nickname for r in RESIDENTS + VOTERS}
    # The identities README.md gives a visitor are nobody's yet.
    used = {verification.identity_hash for verification in verifications.values()}
    assert not used & {identity_hash(each.document) for each in (*FREE, *PAPER, MINOR)}
    # Maria verified a few days ago, the others before last year's vote.
    assert utcnow() - verifications["maria"].created_at < timedelta(days=14)
    assert utcnow() - verifications["ana"].created_at > timedelta(days=290)


def test_what_the_readme_promises_a_visitor(app, db, demo, create_user):
    budgets = budgets_of(db, "district-budgets")
    centre, riverside = budgets["Centre"], budgets["Riverside"]
    project = db.session.scalars(select(Project).where(Project.budget_id == centre.id)
                                 .order_by(Project.amount)).first()

    # A new account verifies with the free Centre identity and may vote there.
    newcomer = create_user()
    verify_identity(newcomer, document=FREE[0].document, birth_date=FREE[0].birth_date)
    assert vote_refusal(newcomer, centre) is None
    assert vote_refusal(newcomer, riverside) == "district"
    add_project(newcomer, project)
    # Riverside's free identity, Lucas.
    verify_identity(demo["lucas"], document=FREE[1].document, birth_date=FREE[1].birth_date)
    assert vote_refusal(demo["lucas"], riverside) is None
    # The North's has no budget; the child may verify but not vote.
    northerner, child = create_user(), create_user()
    verify_identity(northerner, document=FREE[2].document, birth_date=FREE[2].birth_date)
    assert {vote_refusal(northerner, each) for each in budgets.values()} == {"district"}
    verify_identity(child, document=MINOR.document, birth_date=MINOR.birth_date)
    assert age_on(MINOR.birth_date, today_here()) < 16
    assert vote_refusal(child, centre) == "too_young"
    # Maria's identity is taken.
    with pytest.raises(DomainError, match="Contact the council"):
        verify_identity(create_user(), document=MARIA.document, birth_date=MARIA.birth_date)
    # Jordi enters the two paper ballots at the help desk.
    for identity in PAPER:
        budget = centre if identity.scope == "centre" else riverside
        chosen = db.session.scalars(select(Project.id).where(Project.budget_id == budget.id)
                                    .order_by(Project.amount.desc())).all()
        picked, spent = [], 0
        for project_id in chosen:
            amount = db.session.get(Project, project_id).amount
            if spent + amount <= budget.total:
                picked.append(project_id)
                spent += amount
        code = enter_paper_ballot(demo["jordi"], budget, document=identity.document,
                                  birth_date=identity.birth_date, project_ids=picked)
        assert results.find_receipt(budget, code)


# --- District Budgets ------------------------------------------------------------------------

def test_district_budgets_is_voting_with_ballots_in_every_state(app, db, demo):
    process = db.session.scalars(select(Process).where(Process.slug == "district-budgets")).one()
    components = {c.manifest_name: c for c in process.components}
    budgets = budgets_of(db, "district-budgets")
    maria, ana, jordi = demo["maria"], demo["ana"], demo["jordi"]

    assert active_phase(process).title["en"] == "Voting"
    assert components["budgets"].is_published and components["proposals"].is_published
    assert set(budgets) == {"Centre", "Riverside"}
    assert {b.scope.code for b in budgets.values()} == {"centre", "riverside"}
    centre, riverside = budgets["Centre"], budgets["Riverside"]
    assert all(results.voting_open(b) and not results.results_public(b)
               for b in budgets.values())
    for budget in budgets.values():
        projects = db.session.scalars(select(Project).where(Project.budget_id == budget.id)
                                      ).all()
        assert 6 <= len(projects) <= 10
        assert sum(p.amount for p in projects) > budget.total  # there is a choice to make
        made = [p for p in projects if set(p.title) == LOCALES]
        assert len(made) >= 4 and all(set(p.description) == LOCALES for p in made)
        assert all(p.category_id for p in projects)
        # The votes counted are the checked-out ballots' lines.
        counted = dict(db.session.execute(
            select(OrderLine.project_id, func.count()).join(Order)
            .where(Order.budget_id == budget.id, Order.checked_out_at.is_not(None))
            .group_by(OrderLine.project_id)).all())
        assert {p.id: p.votes_count for p in projects if p.votes_count} == counted

    # Projects imported from the accepted proposals, linked both ways, their authors told.
    links = db.session.scalars(
        select(ResourceLink).join(Project, Project.id == ResourceLink.from_id)
        .where(Project.component_id == components["budgets"].id,
               ResourceLink.name == INCLUDED_PROPOSALS)).all()
    assert len(links) >= 2 and {link.from_id for link in links} & {
        p.id for p in db.session.scalars(select(Project).where(Project.budget_id == centre.id))}
    proposals = db.session.scalars(select(Proposal).where(
        Proposal.component_id == components["proposals"].id)).all()
    imported = [p for p in proposals if p.id in {link.to_id for link in links}]
    assert all(p.state == "accepted" and p.cost and p.answer_published_at for p in imported)
    assert "rejected" in {p.state for p in proposals}
    told = {(n.user_id, n.resource_id) for n in db.session.scalars(
        select(Notification).where(Notification.event == "proposal_imported"))}
    assert {(p.author_id, p.id) for p in imported} <= told
    assert any(p.author_id == ana.id for p in imported)

    # Maria's draft below the rule, Ana's cast ballot, the residents' in every state.
    draft = order_of(db, maria, centre)
    assert draft is not None and not draft.is_checked_out and draft.lines
    progress = ballot_progress(centre, draft)
    assert not progress.can_checkout and progress.minimum_amount > progress.spent > 0
    assert order_of(db, maria, riverside) is None
    cast = order_of(db, ana, riverside)
    assert cast.is_checked_out and cast.receipt_hash and can_cancel(ana, riverside)
    # Each resident's ballot holds the projects of the data (a redone one, those after the
    # change), checked out or not as the data says.
    titles = {demo_project.key: demo_project.title["en"] for demo_project in DISTRICT_PROJECTS}
    titles.update({key: title for title, key in IMPORTED_KEYS.items()})
    for nickname, (state, chosen, *change) in DISTRICT_BALLOTS.items():
        order = order_of(db, demo[nickname], centre if chosen[0][0] == "C" else riverside)
        expected = set(chosen) - set(change[0]) | set(change[1]) if change else set(chosen)
        assert {first_title(line.project) for line in order.lines} == {
            titles[key] for key in expected}, nickname
        assert order.is_checked_out == (state != "draft"), nickname
        assert bool(order.receipt_hash) == order.is_checked_out, nickname
    assert "yusuf" in demo and order_of(db, demo["yusuf"], centre) is None  # not voted yet
    paper = db.session.scalars(select(Order).where(
        Order.budget_id.in_([centre.id, riverside.id]), Order.channel == "paper")).all()
    assert len(paper) == 2 and {o.entered_by_id for o in paper} == {jordi.id}
    assert all(o.is_checked_out and o.user_id is None for o in paper)
    # Voted within the voting phase so far, and the residents' receipts delivered then.
    voting = active_phase(process)
    orders = db.session.scalars(select(Order).where(
        Order.budget_id.in_([centre.id, riverside.id]), Order.checked_out_at.is_not(None)))
    assert all(voting.start_date <= o.checked_out_at.date() <= today_here() for o in orders)
    waiting = db.session.scalars(select(OutboxMessage.to_address).where(
        OutboxMessage.sent_at.is_(None))).all()
    assert not [address for address in waiting if address.endswith("@" + RESIDENTS_DOMAIN)]


# --- Budget of last year ---------------------------------------------------------------------

def test_budget_of_last_year_has_its_results_and_confirmed_winners(app, db, demo, client):
    process = db.session.scalars(select(Process).where(Process.slug == "budget-of-last-year")
                                 ).one()
    [budget] = budgets_of(db, "budget-of-last-year").values()
    component = budget.component
    projects = db.session.scalars(select(Project).where(Project.budget_id == budget.id)).all()

    assert active_phase(process).title["en"] == "Implementation"
    # Its accountability component: tests/demo/test_accountability.py.
    assert "accountability" in {c.manifest_name for c in process.components}
    assert results.voting_ended(budget) and results.results_public(budget)
    assert results.winner_rule(budget) == "equal_shares"
    assert len(projects) == len(LAST_YEAR_PROJECTS) + 4 == 12
    assert count(db, Order, Order.budget_id == budget.id, Order.checked_out_at.is_not(None)) \
        == count(db, Order, Order.budget_id == budget.id) == 60
    assert count(db, Order, Order.budget_id == budget.id, Order.channel == "paper") > 0
    assert len(results.receipt_hashes(budget)) == 60
    proposals = db.session.scalars(select(Proposal).join(Proposal.component)
                                   .where(Proposal.component.has(process_id=process.id))).all()
    assert {p.state for p in proposals} == {"accepted", "rejected"}
    assert all(set(p.answer) == LOCALES for p in proposals)
    assert all(p.cost for p in proposals if p.state == "accepted")

    # Confirmed under Equal Shares, which here funds something else than greedy would.
    mes = results.compute_winners(budget, "equal_shares")
    greedy_winners = results.compute_winners(budget, "greedy")
    assert budget.winners_confirmed_at is not None
    assert {p.reference for p in projects if p.is_selected} == set(mes.winners)
    assert set(mes.winners) != set(greedy_winners.winners)
    most_voted = max(projects, key=lambda p: p.votes_count)
    assert most_voted.reference in greedy_winners.winners
    assert not most_voted.is_selected
    # Within the phases: voted in the voting phase, confirmed after it.
    voting = next(p for p in process.phases if p.title["en"] == "Voting")
    orders = db.session.scalars(select(Order).where(Order.budget_id == budget.id)).all()
    assert all(voting.start_date <= o.checked_out_at.date() <= voting.end_date for o in orders)
    assert budget.winners_confirmed_at.date() > voting.end_date

    # The pages and downloads, and a recount from the .pb file.
    base = f"/processes/{process.slug}/f/{component.id}/budgets/{budget.id}"
    for path in ("/results", "/ballots", "/results.csv", "/ballots.csv"):
        assert client.get(base + path).status_code == 200, path
    pb = parse_pb(client.get(base + "/budget.pb").get_data(as_text=True))
    costs = [(row["project_id"], int(row["cost"])) for row in pb.projects]
    recount = equal_shares(costs, pb.ballots, pb.budget)
    assert set(recount.winners) == set(mes.winners)
    votes = {row["project_id"]: int(row["votes"]) for row in pb.projects}
    assert set(greedy(costs, votes, pb.budget).winners) == set(greedy_winners.winners)
    # Ana's receipt of last year waits in the outbox for the mail worker (README.md).
    assert count(db, OutboxMessage, OutboxMessage.user_id == demo["ana"].id,
                 OutboxMessage.sent_at.is_(None),
                 OutboxMessage.text_body.contains(f"/f/{component.id}/budgets/")) == 1
