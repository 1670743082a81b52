"""Budgets, the ballot: who may vote where, adding and removing projects, the progress
against the voting rule, checkout with a receipt, cancelling, paper ballots entered by staff.
Safe under concurrent requests: every change to a ballot locks its order row first.

Locks are taken in one order by every writer, so two requests never wait on each other:
the voter's user row, then their verification row and census entry (the identity, which a
paper ballot entered at the help desk locks too), then the order row, then the projects'
rows (ascending ids) whose vote counts change. Under these locks the rules are checked again
on fresh rows: concurrent adds never pass the total or the maximum, a double checkout counts
once, and an online checkout racing a paper ballot of the same identity ends with one
ballot. The unique constraints (one order per account, one per identity, in each budget)
stay the last guard. On SQLite, BEGIN IMMEDIATE already runs one writer at a time.
"""

import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from flask_babel import format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import exists
from sqlalchemy import false
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from decide.components.budgets import results
from decide.components.budgets.models import Budget
from decide.components.budgets.models import Order
from decide.components.budgets.models import OrderLine
from decide.components.budgets.models import Project
from decide.core.i18n import format_money
from decide.core.mail import public_url_for
from decide.core.mail import queue_email
from decide.core.models import User
from decide.core.models import utcnow
from decide.core.services import DomainError
from decide.core.services import record_action
from decide.extensions import db
from decide.spaces.services import can_admin_process
from decide.spaces.services import component_settings
from decide.spaces.services import today_here
from decide.verification.models import CensusEntry
from decide.verification.models import Verification
from decide.verification.services import DOCUMENT_MAX_LENGTH
from decide.verification.services import identity_hash
from decide.verification.services import normalize_document
from decide.verification.services import verification_of

# Receipt codes: 4 groups of 4 characters without the look-alikes (0/O, 1/I): 80 bits.
RECEIPT_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
RECEIPT_GROUPS = 4
RECEIPT_GROUP_LENGTH = 4

REFUSALS = {
    "closed": _l("Voting is not open in this budget."),
    "sign_in": _l("Sign in to vote."),
    "verify": _l("Verify your identity against the census to vote."),
    "too_young": _l("You are not old enough to vote in this budget."),
    "district": _l("This budget is for another district: you can vote in your district's "
                   "budget."),
    "other_budget": _l("You are already voting in another budget here: each resident votes "
                       "in one budget only."),
    "paper": _l("A paper ballot has already been counted for you in this budget."),
    "identity_used": _l("Your identity has already voted in this budget from another "
                        "account. Contact the council if this is a mistake."),
}


@dataclass(frozen=True)
class Voter:
    """What the rules read of a voter's census identity (a verification or a census entry)."""

    identity_hash: str
    birth_date: date
    scope_id: int | None
    user_id: int | None = None  # the verified account, when there is one


def _active(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def _voter_of(user) -> Voter | None:
    verification = verification_of(user)
    if verification is None:
        return None
    return Voter(verification.identity_hash, verification.birth_date, verification.scope_id,
                 verification.user_id)


def age_on(birth_date: date, day: date) -> int:
    """Whole years from the birth date to the day (on the birthday, one more)."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month,
                                                                 birth_date.day))


# --- who may vote where -----------------------------------------------------------------

def _voters_orders(voter: Voter | None, user_id: int | None):
    """The condition "an order of this voter": their account's, or their identity's."""
    conditions = []
    if user_id is not None:
        conditions.append(Order.user_id == user_id)
    if voter is not None:
        conditions.append(Order.identity_hash == voter.identity_hash)
    return or_(*conditions) if conditions else false()


def _voting_elsewhere(budget: Budget, voter: Voter | None, user_id: int | None) -> bool:
    """An order of the voter in another budget of the component that counts or holds
    projects ("one budget of their choice")."""
    has_lines = exists().where(OrderLine.order_id == Order.id)
    return db.session.scalar(
        select(Order.id)
        .join(Budget, Budget.id == Order.budget_id)
        .where(Budget.component_id == budget.component_id, Order.budget_id != budget.id,
               _voters_orders(voter, user_id),
               or_(Order.checked_out_at.is_not(None), has_lines))
        .limit(1)
    ) is not None


def _identity_refusal(budget: Budget, voter: Voter | None, user_id: int) -> str | None:
    """"paper" or "identity_used": this identity's ballot in the budget is not the account's."""
    if voter is None:
        return None
    row = db.session.execute(
        select(Order.channel, Order.user_id, Order.checked_out_at)
        .where(Order.budget_id == budget.id, Order.identity_hash == voter.identity_hash)
    ).first()
    if row is None or row.user_id == user_id:
        return None
    return "paper" if row.channel == "paper" else "identity_used"


def _refusal(user, budget: Budget, voter: Voter | None, settings) -> str | None:
    if not results.voting_open(budget):
        return "closed"
    if not _active(user):  # a blocked or deleted account is signed out too
        return "sign_in"
    if voter is None and settings["verify_vote"]:  # `voter` may be read under lock just now
        return "verify"
    return (_identity_rules(budget, voter, settings)
            or _identity_refusal(budget, voter, user.id)
            or ("other_budget" if settings["vote_in"] == "one"
                and _voting_elsewhere(budget, voter, user.id) else None))


def _identity_rules(budget: Budget, voter: Voter | None, settings) -> str | None:
    """The minimum age and the district, read from the census identity."""
    minimum_age = settings["minimum_age"]
    if minimum_age:
        if voter is None:
            return "verify"
        if age_on(voter.birth_date, today_here()) < minimum_age:
            return "too_young"
    if settings["vote_in"] == "district" and budget.scope_id is not None:
        if voter is None:
            return "verify"
        if voter.scope_id != budget.scope_id:
            return "district"
    return None


def vote_refusal(user, budget: Budget) -> str | None:
    """None when the user may vote in this budget now; else why not, as a code of REFUSALS
    (refusal_message gives the sentence)."""
    return _refusal(user, budget, _voter_of(user) if _active(user) else None,
                    component_settings(budget.component))


def refusal_message(code: str) -> str:
    return str(REFUSALS[code])


def can_vote(user, budget: Budget) -> bool:
    return vote_refusal(user, budget) is None


def order_of(user, budget: Budget) -> Order | None:
    """The user's ballot in the budget with its lines and their projects (two queries)."""
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalars(
        select(Order).where(Order.budget_id == budget.id, Order.user_id == user.id)
        .options(selectinload(Order.lines).joinedload(OrderLine.project))
    ).first()


_UNSET = object()


def can_cancel(user, budget: Budget, order=_UNSET) -> bool:
    """The user's checked-out ballot may be taken back now (the component allows it and
    voting is open). `order`: the user's order when the caller has it already."""
    if not _active(user):
        return False
    if not component_settings(budget.component)["can_cancel"] or not results.voting_open(budget):
        return False
    if order is _UNSET:
        order = order_of(user, budget)
    return order is not None and order.is_checked_out and order.channel == "online"


# --- the progress against the voting rule -----------------------------------------------

@dataclass(frozen=True)
class BallotProgress:
    """Where a ballot stands against the component's voting rule.

    rule: "minimum_percent" (a), "minimum_projects" (b) or "project_range" (c).
    minimum_amount / maximum_amount: the least and most a ballot may spend (rule a: the
    share and the total; b: 0 and the total; c: 0 and None, cost does not count).
    minimum_projects / maximum_projects: (a: 1 and None; b: the setting and None;
    c: the range).
    """

    rule: str
    projects: int
    spent: int
    total: int
    percent: Fraction  # spent × 100 / total, exact
    left: int  # total - spent (negative only if staff raised an amount after the fact)
    minimum_amount: int
    maximum_amount: int | None
    minimum_projects: int
    maximum_projects: int | None
    can_checkout: bool
    checked_out: bool
    message: str

    @property
    def percent_shown(self) -> int:
        """The share spent, rounded down (a ballot at 69.9% is not at 70%)."""
        return int(self.percent)  # floor: never negative

    @property
    def minimum(self) -> int:
        """The least the rule asks: an amount (rule a) or a number of projects (b, c)."""
        return self.minimum_amount if self.rule == "minimum_percent" else self.minimum_projects

    @property
    def maximum(self) -> int | None:
        """The most the rule allows: an amount (a, b) or a number of projects (c)."""
        return self.maximum_projects if self.rule == "project_range" else self.maximum_amount


def _percent_text(value: int) -> str:
    return format_percent(Decimal(value) / 100)


def _progress(settings, total: int, amounts: list[int], checked_out: bool) -> BallotProgress:
    rule = settings["vote_rule"]
    count = len(amounts)
    spent = sum(amounts)
    percent = Fraction(spent * 100, total)
    minimum_amount, maximum_amount = 0, total
    minimum_projects, maximum_projects = 1, None
    if rule == "minimum_percent":
        minimum_amount = -(-total * settings["vote_minimum_percent"] // 100)  # ceiling
    elif rule == "minimum_projects":
        minimum_projects = max(settings["vote_minimum_projects"], 1)
    else:
        minimum_projects = max(settings["vote_range_min"], 1)
        maximum_projects = settings["vote_range_max"]
        maximum_amount = None
    missing_amount = max(minimum_amount - spent, 0)
    missing_projects = max(minimum_projects - count, 0)
    over_amount = spent - maximum_amount if maximum_amount is not None else 0
    over_projects = count - maximum_projects if maximum_projects is not None else 0
    can_checkout = (not checked_out and not missing_amount and not missing_projects
                    and over_amount <= 0 and over_projects <= 0)

    if rule == "project_range":
        stands = ngettext("You have chosen %(num)d project.", "You have chosen %(num)d projects.",
                          count)
    elif rule == "minimum_projects":
        stands = ngettext("You have chosen %(num)d project, worth %(spent)s of %(total)s.",
                          "You have chosen %(num)d projects, worth %(spent)s of %(total)s.",
                          count, spent=format_money(spent), total=format_money(total))
    else:
        stands = _("You have spent %(spent)s of %(total)s (%(percent)s).",
                   spent=format_money(spent), total=format_money(total),
                   percent=_percent_text(int(percent)))

    if checked_out:
        needed = _("Your vote is cast and counted.")
    elif over_amount > 0:
        needed = _("Remove projects worth at least %(amount)s to vote.",
                   amount=format_money(over_amount))
    elif over_projects > 0:
        needed = ngettext("Remove %(num)d project to vote.", "Remove %(num)d projects to vote.",
                          over_projects)
    elif missing_amount:
        needed = _("Add projects worth at least %(amount)s more to vote.",
                   amount=format_money(missing_amount))
    elif missing_projects:
        needed = ngettext("Choose %(num)d more project to vote.",
                          "Choose %(num)d more projects to vote.", missing_projects)
    elif maximum_projects is not None and count < maximum_projects:
        needed = ngettext("You can vote now, or add up to %(num)d more project.",
                          "You can vote now, or add up to %(num)d more projects.",
                          maximum_projects - count)
    elif maximum_amount is not None and spent < maximum_amount:
        needed = _("You can vote now, or add projects worth up to %(amount)s more.",
                   amount=format_money(maximum_amount - spent))
    else:
        needed = _("You can vote now.")

    return BallotProgress(
        rule=rule, projects=count, spent=spent, total=total, percent=percent,
        left=total - spent, minimum_amount=minimum_amount, maximum_amount=maximum_amount,
        minimum_projects=minimum_projects, maximum_projects=maximum_projects,
        can_checkout=can_checkout, checked_out=checked_out, message=f"{stands} {needed}",
    )


def ballot_progress(budget: Budget, order: Order | None) -> BallotProgress:
    """The progress of the ballot (None: an empty one), with the sentence saying where it
    stands and what is still needed. Reads `order.lines` and their projects (order_of loads
    them)."""
    amounts = [line.project.amount for line in order.lines] if order is not None else []
    return _progress(component_settings(budget.component), budget.total, amounts,
                     order is not None and order.is_checked_out)


def rule_summary(budget: Budget) -> str:
    """The voting rule of the budget in one sentence, for the ballot page and the staff."""
    settings = component_settings(budget.component)
    rule = settings["vote_rule"]
    if rule == "minimum_percent":
        percent = settings["vote_minimum_percent"]
        least = -(-budget.total * percent // 100)
        return _("Choose projects worth at least %(least)s (%(percent)s of the budget) and at "
                 "most %(total)s.", least=format_money(least), percent=_percent_text(percent),
                 total=format_money(budget.total))
    if rule == "minimum_projects":
        return ngettext("Choose at least %(num)d project, worth at most %(total)s together.",
                        "Choose at least %(num)d projects, worth at most %(total)s together.",
                        max(settings["vote_minimum_projects"], 1),
                        total=format_money(budget.total))
    low, high = max(settings["vote_range_min"], 1), settings["vote_range_max"]
    if low == high:
        return ngettext("Choose %(num)d project, whatever it costs.",
                        "Choose %(num)d projects, whatever they cost.", high)
    return _("Choose between %(low)d and %(high)d projects, whatever they cost.",
             low=low, high=high)


# --- locks and the ballot's rows --------------------------------------------------------

def _lock_user(user_id: int) -> None:
    db.session.execute(select(User.id).where(User.id == user_id).with_for_update())


def _lock_identity(identity: str) -> None:
    """The identity's verification row, then its census entry (either may be missing)."""
    db.session.execute(select(Verification.id).where(Verification.identity_hash == identity)
                       .with_for_update())
    db.session.execute(select(CensusEntry.id).where(CensusEntry.identity_hash == identity)
                       .with_for_update())


def _locked_voter(user) -> Voter | None:
    """Lock the user's row, then their identity's; the verification as it is now (a
    revocation committed meanwhile is seen)."""
    _lock_user(user.id)
    row = db.session.execute(
        select(Verification.identity_hash, Verification.birth_date, Verification.scope_id)
        .where(Verification.user_id == user.id).with_for_update()
    ).first()
    if row is None:
        return None
    db.session.execute(select(CensusEntry.id).where(CensusEntry.identity_hash == row[0])
                       .with_for_update())
    return Voter(row.identity_hash, row.birth_date, row.scope_id, user.id)


def _locked_order(budget: Budget, **where) -> Order | None:
    """The order row, locked and read again (with fresh lines)."""
    conditions = [getattr(Order, name) == value for name, value in where.items()]
    order = db.session.scalars(
        select(Order).where(Order.budget_id == budget.id, *conditions)
        .with_for_update().execution_options(populate_existing=True)
    ).first()
    if order is not None:
        db.session.expire(order, ["lines"])
    return order


def _check_may_vote(user, budget: Budget, settings) -> Voter | None:
    """Take the voter's locks and check every rule on fresh rows."""
    if not _active(user):
        raise DomainError(refusal_message("sign_in"))
    voter = _locked_voter(user)
    refusal = _refusal(user, budget, voter, settings)
    if refusal:
        raise DomainError(refusal_message(refusal))
    return voter


def _line_amounts(order: Order) -> dict[int, int]:
    """{project id: amount} of the order's lines, read now."""
    return dict(db.session.execute(
        select(OrderLine.project_id, Project.amount)
        .join(Project, Project.id == OrderLine.project_id)
        .where(OrderLine.order_id == order.id).order_by(OrderLine.id)
    ).all())


def _claim_identity(order: Order, voter: Voter | None) -> None:
    """A ballot started before its voter was verified takes their identity now."""
    if voter is None or order.identity_hash == voter.identity_hash:
        return
    try:
        with db.session.begin_nested():
            order.identity_hash = voter.identity_hash
    except IntegrityError as error:
        raise DomainError(refusal_message("identity_used")) from error


def _open_order(user, budget: Budget, voter: Voter | None) -> Order:
    """The user's order, locked; created on the first project."""
    order = _locked_order(budget, user_id=user.id)
    if order is not None:
        return order
    order = Order(budget_id=budget.id, user_id=user.id, channel="online",
                  identity_hash=voter.identity_hash if voter else None)
    try:
        with db.session.begin_nested():
            db.session.add(order)
    except IntegrityError as error:
        # Another transaction created this account's or this identity's ballot first.
        order = _locked_order(budget, user_id=user.id)
        if order is None:
            raise DomainError(refusal_message("identity_used")) from error
    return order


def _count_votes(project_ids, step: int) -> None:
    """Add `step` to the vote counts of the projects, their rows locked in id order first
    (two checkouts sharing projects never wait on each other). The lock is the UPDATE's own
    (FOR NO KEY UPDATE): a new ballot line holds a key-share lock on its project (the foreign
    key), which FOR UPDATE would wait on, and two paper ballots of one project deadlock."""
    ids = sorted(set(project_ids))
    if not ids:
        return
    table = Project.__table__
    db.session.execute(select(table.c.id).where(table.c.id.in_(ids)).order_by(table.c.id)
                       .with_for_update(key_share=True))
    db.session.execute(update(table).where(table.c.id.in_(ids))
                       .values(votes_count=table.c.votes_count + step))
    for instance in list(db.session.identity_map.values()):
        if isinstance(instance, Project) and instance.id in ids:
            db.session.expire(instance, ["votes_count"])


def new_receipt_code() -> str:
    groups = ("".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_GROUP_LENGTH))
              for _ in range(RECEIPT_GROUPS))
    return "-".join(groups)


def _seal(order: Order) -> str:
    """Check the order out: its receipt code (returned, never stored) and published name."""
    code = new_receipt_code()
    order.checked_out_at = utcnow()
    order.receipt_hash = results.receipt_hash(code)
    order.ballot_key = secrets.token_hex(16)
    return code


# --- the resident's ballot --------------------------------------------------------------

def add_project(user, project: Project, budget: Budget | None = None) -> Order:
    """Put the project in the user's ballot of its budget (created on the first one).
    Adding a project already there changes nothing. `budget`: the budget of the page, when
    the project must belong to it."""
    if budget is not None and project.budget_id != budget.id:
        raise DomainError(_("This project is not in this budget."))
    budget = project.budget
    settings = component_settings(budget.component)
    voter = _check_may_vote(user, budget, settings)
    if project.is_hidden:
        raise DomainError(_("This project cannot be chosen."))
    order = _open_order(user, budget, voter)
    if order.is_checked_out:
        raise DomainError(_("Your vote is cast: your ballot can no longer change."))
    lines = _line_amounts(order)
    if project.id in lines:
        return order
    amount = db.session.scalar(select(Project.amount).where(Project.id == project.id))
    if settings["vote_rule"] == "project_range":
        most = settings["vote_range_max"]
        if len(lines) >= most:
            raise DomainError(ngettext(
                "Your ballot holds %(num)d project, the most it may: remove one to add this.",
                "Your ballot holds %(num)d projects, the most it may: remove one to add this.",
                most))
    elif sum(lines.values()) + amount > budget.total:
        raise DomainError(_("This project costs %(amount)s and your ballot has %(left)s left: "
                            "remove a project to make room.",
                            amount=format_money(amount),
                            left=format_money(budget.total - sum(lines.values()))))
    db.session.add(OrderLine(order_id=order.id, project_id=project.id))
    db.session.flush()
    db.session.expire(order, ["lines"])
    return order


def remove_project(user, project: Project, budget: Budget | None = None) -> Order:
    """Take the project out of the user's ballot (nothing changes when it is not in it)."""
    if budget is not None and project.budget_id != budget.id:
        raise DomainError(_("This project is not in this budget."))
    budget = project.budget
    if not _active(user):
        raise DomainError(refusal_message("sign_in"))
    _locked_voter(user)
    if not results.voting_open(budget):
        raise DomainError(refusal_message("closed"))
    order = _locked_order(budget, user_id=user.id)
    if order is None:
        raise DomainError(_("This project is not in your ballot."))
    if order.is_checked_out:
        raise DomainError(_("Your vote is cast: your ballot can no longer change."))
    line = db.session.scalars(select(OrderLine).where(OrderLine.order_id == order.id,
                                                      OrderLine.project_id == project.id)).first()
    if line is not None:
        db.session.delete(line)
        db.session.flush()
    db.session.expire(order, ["lines"])
    return order


def _receipts_url(budget: Budget) -> str:
    """Where a voter checks their receipt: the budget's published ballots."""
    return public_url_for("budgets.ballots", slug=budget.component.process.slug,
                          component_id=budget.component_id, budget_id=budget.id)


def checkout_order(user, budget: Budget) -> str:
    """Cast the user's ballot: every rule is checked again; the vote counts at once. Returns
    the receipt code (shown once, and e-mailed; only its hash is kept)."""
    settings = component_settings(budget.component)
    voter = _check_may_vote(user, budget, settings)
    order = _locked_order(budget, user_id=user.id)
    if order is not None and order.is_checked_out:
        raise DomainError(_("You have already voted in this budget."))
    lines = _line_amounts(order) if order is not None else {}
    if not lines:
        raise DomainError(_("Your ballot is empty: add projects to vote."))
    progress = _progress(settings, budget.total, list(lines.values()), False)
    if not progress.can_checkout:
        raise DomainError(progress.message)
    _claim_identity(order, voter)
    code = _seal(order)
    _count_votes(lines, +1)
    db.session.flush()
    projects = db.session.scalars(select(Project).where(Project.id.in_(lines))
                                  .order_by(Project.id)).all()
    queue_email(user, _l("Your vote and its receipt"), "budgets/receipt", code=code,
                budget=budget, projects=projects, receipts_url=_receipts_url(budget),
                can_cancel=settings["can_cancel"])
    return code


def cancel_order(user, budget: Budget) -> None:
    """Take back the user's checked-out ballot while voting is open, when the component
    allows it: the votes are uncounted and the projects stay in the ballot to edit."""
    if not _active(user):
        raise DomainError(refusal_message("sign_in"))
    if not component_settings(budget.component)["can_cancel"]:
        raise DomainError(_("Votes cannot be cancelled in this budget."))
    _locked_voter(user)
    if not results.voting_open(budget):
        raise DomainError(refusal_message("closed"))
    order = _locked_order(budget, user_id=user.id)
    if order is None or not order.is_checked_out:
        raise DomainError(_("You have no vote to cancel in this budget."))
    _count_votes(_line_amounts(order), -1)
    order.checked_out_at = None
    order.receipt_hash = None
    order.ballot_key = None
    db.session.flush()


# --- paper ballots, entered by staff ----------------------------------------------------

def _census_voter(document: str, birth_date: date | None) -> Voter:
    document = document or ""
    if len(document) > DOCUMENT_MAX_LENGTH:
        raise DomainError(_("Use at most %(max)d characters.", max=DOCUMENT_MAX_LENGTH),
                          field="document")
    normalized = normalize_document(document)
    if not normalized:
        raise DomainError(_("Type the document number as it is written on the document."),
                          field="document")
    if birth_date is None:
        raise DomainError(_("Type the date of birth."), field="birth_date")
    identity = identity_hash(normalized)
    entry = db.session.execute(
        select(CensusEntry.birth_date, CensusEntry.scope_id)
        .where(CensusEntry.identity_hash == identity)
    ).first()
    if entry is None or entry.birth_date != birth_date:
        raise DomainError(_("No one in the census has this document number and date of birth: "
                            "check both."), field="document")
    user_id = db.session.scalar(select(Verification.user_id)
                                .where(Verification.identity_hash == identity))
    return Voter(identity, entry.birth_date, entry.scope_id, user_id)


def _paper_projects(budget: Budget, project_ids) -> list[Project]:
    try:
        ids = {int(each) for each in project_ids or ()}
    except (TypeError, ValueError) as error:
        raise DomainError(_("Choose projects of this budget."), field="project_ids") from error
    if not ids:
        raise DomainError(_("Choose the projects marked on the ballot."), field="project_ids")
    projects = db.session.scalars(
        select(Project).where(Project.id.in_(ids), Project.budget_id == budget.id,
                              Project.hidden_at.is_(None)).order_by(Project.id)
    ).all()
    if len(projects) != len(ids):
        raise DomainError(_("Choose projects of this budget."), field="project_ids")
    return list(projects)


PAPER_REFUSALS = {
    "closed": _l("Voting is not open in this budget."),
    "too_young": _l("This person is not old enough to vote in this budget."),
    "district": _l("This person lives in another district: they can vote in their "
                   "district's budget."),
    "other_budget": _l("This person is already voting in another budget here: each resident "
                       "votes in one budget only."),
    "voted": _l("This person has already voted in this budget."),
}


def enter_paper_ballot(actor: User, budget: Budget, *, document: str, birth_date: date | None,
                       project_ids) -> str:
    """Count a paper ballot of a census identity, typed in by staff at a help desk or
    polling point. An online ballot of that person not yet cast is replaced; a cast one
    (online or on paper) refuses. Returns the receipt code to hand over."""
    if not can_admin_process(actor, budget.component.process):
        raise DomainError(_("Only the process's administrators can enter paper ballots."))
    settings = component_settings(budget.component)
    if not results.voting_open(budget):
        raise DomainError(str(PAPER_REFUSALS["closed"]))
    voter = _census_voter(document, birth_date)
    projects = _paper_projects(budget, project_ids)
    # The same locks, in the same order, as the person's own online requests.
    if voter.user_id is not None:
        _lock_user(voter.user_id)
    _lock_identity(voter.identity_hash)
    refusal = _identity_rules(budget, voter, settings)
    if refusal:
        raise DomainError(str(PAPER_REFUSALS[refusal]),
                          field="birth_date" if refusal == "too_young" else None)
    if settings["vote_in"] == "one" and _voting_elsewhere(budget, voter, voter.user_id):
        raise DomainError(str(PAPER_REFUSALS["other_budget"]))
    progress = _progress(settings, budget.total, [project.amount for project in projects],
                         False)
    if not progress.can_checkout:
        raise DomainError(_("This ballot does not follow the voting rule: %(rule)s",
                            rule=rule_summary(budget)), field="project_ids")
    existing = db.session.scalars(
        select(Order).where(Order.budget_id == budget.id,
                            _voters_orders(voter, voter.user_id))
        .with_for_update().execution_options(populate_existing=True)
    ).all()
    if any(order.is_checked_out for order in existing):
        raise DomainError(str(PAPER_REFUSALS["voted"]))
    for draft in existing:  # the person's online ballot, not cast: the paper one replaces it
        db.session.delete(draft)
    db.session.flush()
    order = Order(budget_id=budget.id, user_id=None, identity_hash=voter.identity_hash,
                  channel="paper", entered_by_id=actor.id)
    code = _seal(order)
    order.lines = [OrderLine(project_id=project.id) for project in projects]
    try:
        with db.session.begin_nested():
            db.session.add(order)
    except IntegrityError as error:  # the person's ballot was entered meanwhile
        raise DomainError(str(PAPER_REFUSALS["voted"])) from error
    _count_votes([project.id for project in projects], +1)
    record_action(actor, "enter_paper_ballot", budget, process_id=budget.component.process_id)
    db.session.flush()
    return code


def paper_ballots_count(budget: Budget) -> int:
    """How many paper ballots the budget counts (for the staff's page)."""
    return db.session.scalar(select(func.count(Order.id)).where(
        Order.budget_id == budget.id, Order.channel == "paper",
        Order.checked_out_at.is_not(None)))

