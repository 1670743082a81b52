"""The ballot at service level: who may vote where (every refusal), the three voting rules
with their boundaries, the progress sentence, checkout with its receipt and e-mail, the vote
counts, cancelling."""

from datetime import date
from datetime import timedelta

import pytest
from flask import g
from flask_login import AnonymousUserMixin
from sqlalchemy import func
from sqlalchemy import select

from decide.components.budgets import results
from decide.components.budgets import services
from decide.components.budgets.models import Budget
from decide.components.budgets.models import Order
from decide.components.budgets.models import OrderLine
from decide.components.budgets.models import Project
from decide.core.models import OutboxMessage
from decide.core.models import User
from decide.core.models import utcnow
from decide.core.services import DomainError
from decide.spaces.services import today_here
from decide.verification.models import Verification


def refused(call, *args, **kwargs) -> str:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    return caught.value.message


def forget_verifications():
    """verification_of reads once per request; a test that changes one starts a new one."""
    g.pop("verifications", None)


def years_ago(years: int, day: date | None = None) -> date:
    day = day or today_here()
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def votes(db, project) -> int:
    return db.session.scalar(select(Project.votes_count).where(Project.id == project.id))


@pytest.fixture
def voting(configure):
    configure(voting_enabled=True)


@pytest.fixture
def voter(create_user, verified):
    return verified(create_user(nickname="ana"), document="12345678Z")


@pytest.fixture
def budget(make_budget):
    return make_budget(total=100_000)


# --- who may vote where ---------------------------------------------------------------------

def test_a_verified_resident_may_vote_while_voting_is_open(budget, voter, voting):
    assert services.vote_refusal(voter, budget) is None
    assert services.can_vote(voter, budget)


def test_voting_closed(budget, voter, configure):
    configure(voting_enabled=False)
    assert services.vote_refusal(voter, budget) == "closed"
    configure(voting_enabled=True)
    assert services.vote_refusal(voter, budget) is None


def test_a_closed_budget_takes_no_votes(db, budget, voter, voting):
    budget.closed_at = utcnow()
    db.session.commit()
    assert services.vote_refusal(voter, budget) == "closed"


def test_anonymous_visitors_are_asked_to_sign_in(budget, voting):
    assert services.vote_refusal(AnonymousUserMixin(), budget) == "sign_in"
    assert services.vote_refusal(None, budget) == "sign_in"


def test_blocked_accounts_cannot_vote(db, budget, voter, voting):
    voter.blocked_at = utcnow()
    db.session.commit()
    assert services.vote_refusal(voter, budget) == "sign_in"


def test_unverified_residents_are_asked_to_verify(budget, create_user, voting):
    assert services.vote_refusal(create_user(), budget) == "verify"


def test_without_verification_required_anyone_signed_in_votes(db, budget, create_user,
                                                               configure, make_project):
    configure(voting_enabled=True, verify_vote=False)
    resident = create_user()
    assert services.vote_refusal(resident, budget) is None
    order = services.add_project(resident, make_project(budget, amount=80_000))
    assert order.identity_hash is None and order.user_id == resident.id


@pytest.mark.parametrize(("born", "refusal"), [
    (0, None),  # turning 16 today
    (1, "too_young"),  # turning 16 tomorrow
    (-1, None),
])
def test_minimum_age_counts_the_birthday(budget, create_user, verified, configure, born,
                                         refusal):
    configure(voting_enabled=True, minimum_age=16)
    birth = years_ago(16) + timedelta(days=born)
    resident = verified(create_user(), birth_date=birth)
    assert services.vote_refusal(resident, budget) == refusal


def test_minimum_age_needs_a_verification_even_when_voting_does_not(budget, create_user,
                                                                    configure):
    configure(voting_enabled=True, verify_vote=False, minimum_age=16)
    assert services.vote_refusal(create_user(), budget) == "verify"


def test_district_budgets(make_budget, create_scope, create_user, verified, configure):
    north, south = create_scope(), create_scope()
    configure(voting_enabled=True, vote_in="district")
    north_budget = make_budget(scope_id=north.id)
    south_budget = make_budget(scope_id=south.id)
    citywide = make_budget(scope_id=None)
    resident = verified(create_user(), scope=north)
    unplaced = verified(create_user())
    assert services.vote_refusal(resident, north_budget) is None
    assert services.vote_refusal(resident, south_budget) == "district"
    assert services.vote_refusal(resident, citywide) is None
    assert services.vote_refusal(unplaced, north_budget) == "district"


def test_district_budgets_need_a_verification_even_when_voting_does_not(
        make_budget, create_scope, create_user, configure):
    configure(voting_enabled=True, vote_in="district", verify_vote=False)
    assert services.vote_refusal(create_user(), make_budget(scope_id=create_scope().id)) \
        == "verify"


def test_every_budget_mode_lets_residents_vote_everywhere(make_budget, make_project, voter,
                                                          voting):
    first, second = make_budget(), make_budget()
    services.add_project(voter, make_project(first))
    assert services.vote_refusal(voter, second) is None


def test_one_budget_mode(db, make_budget, make_project, voter, configure):
    configure(voting_enabled=True, vote_in="one")
    first, second = make_budget(), make_budget()
    project = make_project(first, amount=80_000)
    services.add_project(voter, project)
    assert services.vote_refusal(voter, second) == "other_budget"
    assert services.vote_refusal(voter, first) is None
    refused(services.add_project, voter, make_project(second))
    # An emptied ballot holds the resident nowhere.
    services.remove_project(voter, project)
    assert services.vote_refusal(voter, second) is None


def test_one_budget_mode_counts_a_checked_out_ballot_of_the_identity(
        db, make_budget, make_project, create_user, verified, configure, component,
        create_component, process):
    configure(voting_enabled=True, vote_in="one")
    first, second = make_budget(), make_budget()
    resident = verified(create_user(), document="X1")
    db.session.add(Order(budget_id=first.id, identity_hash=Verification.query.filter_by(
        user_id=resident.id).one().identity_hash, channel="paper",
        checked_out_at=utcnow(), receipt_hash="a" * 64, ballot_key="k" * 32))
    db.session.commit()
    assert services.vote_refusal(resident, second) == "other_budget"
    # The budgets of another component do not count.
    other = create_component(process, manifest_name="budgets")
    configure(other, voting_enabled=True, vote_in="one")
    assert services.vote_refusal(resident, make_budget(other)) is None


def test_a_paper_ballot_of_the_identity_refuses_the_account(db, budget, voter, voting,
                                                            make_project, admin, census):
    census("12345678Z", date(1990, 5, 17))
    code = services.enter_paper_ballot(admin, budget, document="12345678Z",
                                       birth_date=date(1990, 5, 17),
                                       project_ids=[make_project(budget, amount=80_000).id])
    assert code
    assert services.vote_refusal(voter, budget) == "paper"
    assert "paper ballot" in refused(services.add_project, voter, make_project(budget))


def test_an_identity_used_by_another_account(db, budget, voter, voting, make_project,
                                             create_user, verified):
    """A verification revoked after voting, the identity verified on a new account."""
    services.add_project(voter, make_project(budget, amount=80_000))
    services.checkout_order(voter, budget)
    db.session.execute(Verification.__table__.delete())
    db.session.commit()
    forget_verifications()
    newcomer = verified(create_user(), document="12345678Z")
    assert services.vote_refusal(newcomer, budget) == "identity_used"
    assert "another account" in refused(services.add_project, newcomer, make_project(budget))


def test_refusal_messages_exist_for_every_code():
    for code in services.REFUSALS:
        assert services.refusal_message(code)
    assert services.refusal_message("verify") == \
        "Verify your identity against the census to vote."


# --- adding and removing ----------------------------------------------------------------

def test_the_first_project_creates_the_ballot_with_the_identity(db, budget, voter, voting,
                                                                make_project):
    order = services.add_project(voter, make_project(budget))
    db.session.commit()
    identity = db.session.scalar(select(Verification.identity_hash)
                                 .where(Verification.user_id == voter.id))
    assert order.identity_hash == identity and order.channel == "online"
    assert order.checked_out_at is None


def test_adding_twice_keeps_one_line(db, budget, voter, voting, make_project):
    project = make_project(budget)
    services.add_project(voter, project)
    services.add_project(voter, project)
    assert db.session.scalar(select(func.count(OrderLine.id))) == 1


def test_a_project_of_another_budget_is_refused(make_budget, voter, voting, make_project):
    first, second = make_budget(), make_budget()
    assert refused(services.add_project, voter, make_project(second), first) == \
        "This project is not in this budget."
    assert refused(services.remove_project, voter, make_project(second), first) == \
        "This project is not in this budget."


def test_a_hidden_project_cannot_be_chosen(db, budget, voter, voting, make_project):
    project = make_project(budget, hidden_at=utcnow())
    assert refused(services.add_project, voter, project) == "This project cannot be chosen."


def test_refused_when_the_voter_may_not_vote(budget, create_user, voting, make_project):
    assert refused(services.add_project, create_user(), make_project(budget)) == \
        services.refusal_message("verify")
    assert refused(services.add_project, AnonymousUserMixin(), make_project(budget)) == \
        services.refusal_message("sign_in")


def test_removing(db, budget, voter, voting, make_project):
    kept, removed = make_project(budget), make_project(budget)
    services.add_project(voter, kept)
    services.add_project(voter, removed)
    order = services.remove_project(voter, removed)
    assert [line.project_id for line in order.lines] == [kept.id]
    services.remove_project(voter, removed)  # not there any more: nothing changes
    assert [line.project_id for line in services.order_of(voter, budget).lines] == [kept.id]


def test_removing_without_a_ballot_or_when_closed(budget, voter, configure, make_project):
    configure(voting_enabled=True)
    project = make_project(budget)
    assert refused(services.remove_project, voter, project) == \
        "This project is not in your ballot."
    services.add_project(voter, project)
    configure(voting_enabled=False)
    assert refused(services.remove_project, voter, project) == \
        services.refusal_message("closed")


def test_order_of_loads_lines_and_projects_in_two_queries(db, budget, voter, voting,
                                                          make_project, count_queries):
    for _ in range(3):
        services.add_project(voter, make_project(budget, amount=1_000))
    db.session.commit()
    voter_id, budget_id = voter.id, budget.id
    db.session.expunge_all()
    voter, budget = db.session.get(User, voter_id), db.session.get(Budget, budget_id)
    budget.component.process.phases  # noqa: B018 - the settings' rows, read before counting
    with count_queries() as counter:
        order = services.order_of(voter, budget)
        titles = [line.project.title["en"] for line in order.lines]
    assert len(titles) == 3 and counter.count == 2
    assert services.order_of(AnonymousUserMixin(), budget) is None


# --- rule (a): a share of the budget ------------------------------------------------------

@pytest.fixture
def percent_rule(configure):
    configure(voting_enabled=True, vote_rule="minimum_percent", vote_minimum_percent=70)


def test_percent_rule_progress_sentence(db, budget, voter, percent_rule, make_project):
    order = services.add_project(voter, make_project(budget, amount=12_000))
    progress = services.ballot_progress(budget, order)
    assert progress.message == ("You have spent €12,000 of €100,000 (12%). "
                                "Add projects worth at least €58,000 more to vote.")
    assert (progress.spent, progress.left, progress.percent_shown) == (12_000, 88_000, 12)
    assert (progress.minimum, progress.maximum) == (70_000, 100_000)
    assert not progress.can_checkout
    assert "Add projects worth at least €58,000" in refused(services.checkout_order, voter,
                                                            budget)


def test_percent_rule_exactly_the_minimum_may_vote(budget, voter, percent_rule, make_project):
    services.add_project(voter, make_project(budget, amount=69_999))
    progress = services.ballot_progress(budget, services.order_of(voter, budget))
    assert not progress.can_checkout and progress.percent_shown == 69
    services.add_project(voter, make_project(budget, amount=1))
    progress = services.ballot_progress(budget, services.order_of(voter, budget))
    assert progress.can_checkout and progress.percent_shown == 70
    assert progress.message == ("You have spent €70,000 of €100,000 (70%). "
                                "You can vote now, or add projects worth up to €30,000 more.")


def test_percent_rule_minimum_is_rounded_up(make_budget, voter, percent_rule, make_project):
    budget = make_budget(total=99_999)  # 70% is 69,999.3: 69,999 is not enough
    services.add_project(voter, make_project(budget, amount=69_999))
    progress = services.ballot_progress(budget, services.order_of(voter, budget))
    assert progress.minimum_amount == 70_000 and not progress.can_checkout


def test_percent_rule_exactly_the_total_and_never_more(db, budget, voter, percent_rule,
                                                       make_project):
    services.add_project(voter, make_project(budget, amount=60_000))
    message = refused(services.add_project, voter, make_project(budget, amount=40_001))
    assert message == ("This project costs €40,001 and your ballot has €40,000 left: "
                       "remove a project to make room.")
    services.add_project(voter, make_project(budget, amount=40_000))
    progress = services.ballot_progress(budget, services.order_of(voter, budget))
    assert progress.spent == 100_000 and progress.can_checkout
    assert progress.message == "You have spent €100,000 of €100,000 (100%). You can vote now."
    assert refused(services.add_project, voter, make_project(budget, amount=1))
    assert services.checkout_order(voter, budget)


def test_percent_rule_zero_still_needs_a_project(budget, voter, configure, make_project):
    configure(voting_enabled=True, vote_rule="minimum_percent", vote_minimum_percent=0)
    progress = services.ballot_progress(budget, None)
    assert not progress.can_checkout
    assert progress.message == ("You have spent €0 of €100,000 (0%). "
                                "Choose 1 more project to vote.")
    assert refused(services.checkout_order, voter, budget) == \
        "Your ballot is empty: add projects to vote."


# --- rule (b): a number of projects ------------------------------------------------------

@pytest.fixture
def projects_rule(configure):
    configure(voting_enabled=True, vote_rule="minimum_projects", vote_minimum_projects=3)


def test_projects_rule(budget, voter, projects_rule, make_project):
    services.add_project(voter, make_project(budget, amount=10_000))
    progress = services.ballot_progress(budget, services.order_of(voter, budget))
    assert progress.message == ("You have chosen 1 project, worth €10,000 of €100,000. "
                                "Choose 2 more projects to vote.")
    assert (progress.minimum, progress.maximum) == (3, 100_000)
    services.add_project(voter, make_project(budget, amount=10_000))
    assert refused(services.checkout_order, voter, budget).endswith(
        "Choose 1 more project to vote.")
    services.add_project(voter, make_project(budget, amount=10_000))
    progress = services.ballot_progress(budget, services.order_of(voter, budget))
    assert progress.can_checkout
    assert progress.message.endswith("You can vote now, or add projects worth up to €70,000 "
                                     "more.")


def test_projects_rule_never_passes_the_total(budget, voter, projects_rule, make_project):
    services.add_project(voter, make_project(budget, amount=50_000))
    services.add_project(voter, make_project(budget, amount=50_000))
    assert "remove a project" in refused(services.add_project, voter,
                                         make_project(budget, amount=1))
    assert services.order_of(voter, budget).lines.__len__() == 2


# --- rule (c): between a minimum and a maximum of projects --------------------------------

@pytest.fixture
def range_rule(configure):
    configure(voting_enabled=True, vote_rule="project_range", vote_range_min=2,
              vote_range_max=3)


def test_range_rule(budget, voter, range_rule, make_project):
    services.add_project(voter, make_project(budget, amount=90_000))
    progress = services.ballot_progress(budget, services.order_of(voter, budget))
    assert progress.message == "You have chosen 1 project. Choose 1 more project to vote."
    assert (progress.minimum, progress.maximum) == (2, 3)
    # Whatever they cost: past the total is fine.
    services.add_project(voter, make_project(budget, amount=90_000))
    progress = services.ballot_progress(budget, services.order_of(voter, budget))
    assert progress.can_checkout and progress.spent == 180_000
    assert progress.message == ("You have chosen 2 projects. "
                                "You can vote now, or add up to 1 more project.")
    services.add_project(voter, make_project(budget))
    progress = services.ballot_progress(budget, services.order_of(voter, budget))
    assert progress.message == "You have chosen 3 projects. You can vote now."
    assert refused(services.add_project, voter, make_project(budget)) == \
        "Your ballot holds 3 projects, the most it may: remove one to add this."
    assert services.checkout_order(voter, budget)


def test_range_rule_an_exact_number(budget, configure):
    configure(voting_enabled=True, vote_rule="project_range", vote_range_min=2,
              vote_range_max=2)
    assert services.rule_summary(budget) == "Choose 2 projects, whatever they cost."


def test_rule_summaries(budget, configure):
    configure(vote_rule="minimum_percent", vote_minimum_percent=70)
    assert services.rule_summary(budget) == ("Choose projects worth at least €70,000 (70% of "
                                             "the budget) and at most €100,000.")
    configure(vote_rule="minimum_projects", vote_minimum_projects=3)
    assert services.rule_summary(budget) == ("Choose at least 3 projects, worth at most "
                                             "€100,000 together.")
    configure(vote_rule="project_range", vote_range_min=1, vote_range_max=3)
    assert services.rule_summary(budget) == ("Choose between 1 and 3 projects, whatever they "
                                             "cost.")


def test_staff_raising_an_amount_after_the_fact_blocks_checkout(db, budget, voter,
                                                                 percent_rule, make_project):
    project = make_project(budget, amount=80_000)
    services.add_project(voter, project)
    project.amount = 120_000
    db.session.commit()
    progress = services.ballot_progress(budget, services.order_of(voter, budget))
    assert not progress.can_checkout
    assert progress.message.endswith("Remove projects worth at least €20,000 to vote.")
    assert refused(services.checkout_order, voter, budget)


# --- checkout --------------------------------------------------------------------------

def test_checkout_counts_the_vote_and_gives_a_receipt(db, budget, voter, voting,
                                                      make_project, mails):
    first, second = make_project(budget, amount=40_000), make_project(budget, amount=35_000)
    other = make_project(budget, amount=1_000)
    services.add_project(voter, first)
    services.add_project(voter, second)
    code = services.checkout_order(voter, budget)
    db.session.commit()
    assert len(code) == 19 and code.count("-") == 3
    assert set(code.replace("-", "")) <= set(services.RECEIPT_ALPHABET)
    order = services.order_of(voter, budget)
    assert order.is_checked_out and order.receipt_hash == results.receipt_hash(code)
    assert order.receipt_hash == results.receipt_hash(code.lower().replace("-", " "))
    assert len(order.ballot_key) == 32 and order.ballot_key not in code
    assert code.replace("-", "") not in str(order.__dict__)
    assert [votes(db, p) for p in (first, second, other)] == [1, 1, 0]
    progress = services.ballot_progress(budget, order)
    assert progress.checked_out and not progress.can_checkout
    assert progress.message.endswith("Your vote is cast and counted.")

    [message] = mails()
    assert message["To"] == voter.email
    assert message["Subject"] == "Your vote and its receipt"
    body = message.get_body(("plain",)).get_content()
    assert code in body and "Project" in body and "€40,000" in body
    assert (f"https://decide.test/processes/district-budgets/f/{budget.component_id}/budgets/"
            f"{budget.id}/ballots") in body
    assert code in message.get_body(("html",)).get_content()


def test_receipt_codes_differ(budget):
    assert len({services.new_receipt_code() for _ in range(200)}) == 200


def test_a_second_checkout_is_refused_and_counts_nothing(db, budget, voter, voting,
                                                         make_project):
    project = make_project(budget, amount=80_000)
    services.add_project(voter, project)
    services.checkout_order(voter, budget)
    assert refused(services.checkout_order, voter, budget) == \
        "You have already voted in this budget."
    assert votes(db, project) == 1
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1


def test_a_cast_ballot_no_longer_changes(db, budget, voter, voting, make_project):
    project = make_project(budget, amount=80_000)
    services.add_project(voter, project)
    services.checkout_order(voter, budget)
    cast = "Your vote is cast: your ballot can no longer change."
    assert refused(services.add_project, voter, make_project(budget, amount=1_000)) == cast
    assert refused(services.remove_project, voter, project) == cast


def test_checkout_rechecks_every_rule(db, budget, create_user, verified, configure,
                                      make_project):
    configure(voting_enabled=True)
    resident = verified(create_user(), birth_date=years_ago(15))
    services.add_project(resident, make_project(budget, amount=80_000))
    configure(minimum_age=16)
    assert refused(services.checkout_order, resident, budget) == \
        services.refusal_message("too_young")
    configure(minimum_age=0, voting_enabled=False)
    assert refused(services.checkout_order, resident, budget) == \
        services.refusal_message("closed")
    configure(voting_enabled=True)
    assert services.vote_refusal(resident, budget) is None  # the request's view: verified
    db.session.execute(Verification.__table__.delete())  # revoked meanwhile
    db.session.commit()
    assert refused(services.checkout_order, resident, budget) == \
        services.refusal_message("verify")
    assert db.session.scalar(select(func.count(Order.id)).where(
        Order.checked_out_at.is_not(None))) == 0


def test_a_ballot_started_before_verifying_takes_the_identity_at_checkout(
        db, budget, create_user, verified, configure, make_project):
    configure(voting_enabled=True, verify_vote=False)
    resident = create_user()
    services.add_project(resident, make_project(budget, amount=80_000))
    verified(resident, document="99999999R")
    forget_verifications()
    services.checkout_order(resident, budget)
    identity = db.session.scalar(select(Verification.identity_hash))
    assert services.order_of(resident, budget).identity_hash == identity


def test_checkout_without_a_ballot(budget, voter, voting):
    assert refused(services.checkout_order, voter, budget) == \
        "Your ballot is empty: add projects to vote."


# --- cancelling ------------------------------------------------------------------------

def cast(voter, budget, *projects):
    for project in projects:
        services.add_project(voter, project)
    return services.checkout_order(voter, budget)


def test_cancelling_is_refused_unless_the_component_allows_it(db, budget, voter, voting,
                                                              make_project):
    project = make_project(budget, amount=80_000)
    cast(voter, budget, project)
    assert not services.can_cancel(voter, budget)
    assert refused(services.cancel_order, voter, budget) == \
        "Votes cannot be cancelled in this budget."
    assert votes(db, project) == 1


def test_cancelling_uncounts_and_keeps_the_projects(db, budget, voter, configure,
                                                    make_project):
    configure(voting_enabled=True, can_cancel=True)
    first, second = make_project(budget, amount=40_000), make_project(budget, amount=40_000)
    code = cast(voter, budget, first, second)
    assert services.can_cancel(voter, budget)
    services.cancel_order(voter, budget)
    db.session.commit()
    order = services.order_of(voter, budget)
    assert not order.is_checked_out and order.receipt_hash is None and order.ballot_key is None
    assert sorted(line.project_id for line in order.lines) == [first.id, second.id]
    assert [votes(db, first), votes(db, second)] == [0, 0]
    assert not services.can_cancel(voter, budget)
    assert refused(services.cancel_order, voter, budget) == \
        "You have no vote to cancel in this budget."
    # The ballot changes and is cast again, with a new receipt.
    services.remove_project(voter, second)
    services.add_project(voter, make_project(budget, amount=35_000))
    assert cast(voter, budget) != code
    assert [votes(db, first), votes(db, second)] == [1, 0]


def test_cancelling_needs_voting_open(db, budget, voter, configure, make_project):
    configure(voting_enabled=True, can_cancel=True)
    project = make_project(budget, amount=80_000)
    cast(voter, budget, project)
    configure(voting_enabled=False)
    assert not services.can_cancel(voter, budget)
    assert refused(services.cancel_order, voter, budget) == services.refusal_message("closed")
    assert votes(db, project) == 1


def test_cancel_without_a_ballot_or_by_anonymous(budget, voter, configure):
    configure(voting_enabled=True, can_cancel=True)
    assert not services.can_cancel(voter, budget)
    assert not services.can_cancel(AnonymousUserMixin(), budget)
    assert refused(services.cancel_order, voter, budget) == \
        "You have no vote to cancel in this budget."
    assert refused(services.cancel_order, AnonymousUserMixin(), budget) == \
        services.refusal_message("sign_in")


def test_can_cancel_with_the_order_given(budget, voter, configure, make_project,
                                         count_queries):
    configure(voting_enabled=True, can_cancel=True)
    cast(voter, budget, make_project(budget, amount=80_000))
    order = services.order_of(voter, budget)
    services.can_cancel(voter, budget, order)  # settings loaded once
    with count_queries() as counter:
        assert services.can_cancel(voter, budget, order)
        assert not services.can_cancel(voter, budget, None)
    assert counter.count == 0
