"""Proposals, the residents' side: drafting, publishing, editing, withdrawing, supports and
endorsements. The staff's side (answers, valuators, export) is in answers.py."""

import re
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import BigInteger
from sqlalchemy import cast
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from decide.components.proposals.models import Endorsement
from decide.components.proposals.models import Proposal
from decide.components.proposals.models import Support
from decide.core.database import paginate
from decide.core.models import User
from decide.core.models import utcnow
from decide.core.services import DomainError
from decide.extensions import db
from decide.notifications.services import follow
from decide.notifications.services import notify_followers
from decide.spaces.models import Scope
from decide.spaces.services import component_settings
from decide.verification.services import needs_verification

# --- residents: drafts, publication, edits, withdrawal, supports, endorsements ----------

TITLE_LENGTH = (15, 150)  # as Decidim
BODY_MIN_LENGTH = 15
ADDRESS_MAX_LENGTH = 255
SIMILAR_LIMIT = 5
SIMILAR_CANDIDATES = 50
# The words searched to find similar proposals: the longest few of the title, not the short
# ones every title has ("the", "and", "els", "une"...).
SIMILAR_WORDS = 4
SIMILAR_MIN_WORD = 4
WORD = re.compile(r"\w+", re.UNICODE)


def _active(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def _check_participant(user) -> None:
    if not _active(user):
        raise DomainError(_("Your account cannot take part."))


def _is_author(user, proposal: Proposal) -> bool:
    return _active(user) and proposal.author_id == user.id


def _is_open(proposal: Proposal) -> bool:
    """Published, not withdrawn, not hidden: what supports and endorsements need."""
    return proposal.is_published and not proposal.is_withdrawn and not proposal.is_hidden


def _takes_supports(proposal: Proposal) -> bool:
    """Open and not rejected: once the council's no is published, its supports stay as they
    are (Decidim hides the button of rejected proposals)."""
    return _is_open(proposal) and proposal.public_state != "rejected"


def _check_fields(component, values: dict, settings) -> dict:
    """The cleaned values of a proposal form, or a DomainError on the first wrong field."""
    title = " ".join((values.get("title") or "").split())
    body = (values.get("body") or "").strip().replace("\r\n", "\n")
    address = " ".join((values.get("address") or "").split())
    low, high = TITLE_LENGTH
    if not low <= len(title) <= high:
        raise DomainError(_("Use between %(min)d and %(max)d characters.", min=low, max=high),
                          field="title")
    maximum = settings["proposal_length"]
    if not BODY_MIN_LENGTH <= len(body) <= maximum:
        raise DomainError(_("Use between %(min)d and %(max)d characters.",
                            min=BODY_MIN_LENGTH, max=maximum), field="body")
    if len(address) > ADDRESS_MAX_LENGTH:
        raise DomainError(_("Use at most %(max)d characters.", max=ADDRESS_MAX_LENGTH),
                          field="address")
    category_id = values.get("category_id")
    if category_id is not None and category_id not in {
            category.id for category in component.process.categories}:
        raise DomainError(_("Choose one of the categories of this process."),
                          field="category_id")
    scope_id = values.get("scope_id")
    if scope_id is not None and scope_id not in set(db.session.scalars(select(Scope.id))):
        raise DomainError(_("Choose one of the scopes in the list."), field="scope_id")
    return {"title": title, "body": body, "address": address, "category_id": category_id,
            "scope_id": scope_id}


def _check_creation(user, component, settings) -> None:
    _check_participant(user)
    if not settings["creation_enabled"]:
        raise DomainError(_("New proposals cannot be written in this phase."))
    if needs_verification(user, component, "create"):
        raise DomainError(_("Only residents verified against the census may write proposals "
                            "here."))


def _check_proposal_limit(user, component, settings) -> None:
    """Published, not withdrawn proposals of the author in the component, as Decidim counts."""
    limit = settings["proposal_limit"]
    if not limit:
        return
    published = db.session.scalar(
        select(func.count(Proposal.id)).where(
            Proposal.component_id == component.id, Proposal.author_id == user.id,
            Proposal.published_at.is_not(None), Proposal.withdrawn_at.is_(None),
        )
    )
    if published >= limit:
        raise DomainError(ngettext(
            "You have published %(num)d proposal here, the most each participant may.",
            "You have published %(num)d proposals here, the most each participant may.",
            limit,
        ))


def draft_of(user, component) -> Proposal | None:
    """The author's draft in the component: one at a time, as Decidim keeps it."""
    if not _active(user):
        return None
    return db.session.scalars(
        select(Proposal).where(Proposal.component_id == component.id,
                               Proposal.author_id == user.id, Proposal.published_at.is_(None))
        .order_by(Proposal.id)
    ).first()


def create_draft(author: User, component, *, title: str, body: str,
                 category_id: int | None = None, scope_id: int | None = None,
                 address: str = "", locale: str | None = None) -> Proposal:
    """Step one: the proposal is saved as a draft only its author sees."""
    settings = component_settings(component)
    _check_creation(author, component, settings)
    if draft_of(author, component) is not None:
        raise DomainError(_("You already have a draft here: publish or discard it first."))
    _check_proposal_limit(author, component, settings)
    values = _check_fields(component, {"title": title, "body": body, "category_id": category_id,
                                       "scope_id": scope_id, "address": address}, settings)
    proposal = Proposal(component_id=component.id, author_id=author.id,
                        locale=locale or author.locale, **values)
    db.session.add(proposal)
    db.session.flush()
    return proposal


def _check_draft(author, proposal: Proposal) -> None:
    if not _is_author(author, proposal) or proposal.is_published:
        raise DomainError(_("Only its author can change this draft."))


def _rewrite(proposal: Proposal, fields: dict) -> None:
    """A draft's or a published proposal's new text, checked as a new one's is."""
    values = _check_fields(proposal.component, fields, component_settings(proposal.component))
    for name, value in values.items():
        setattr(proposal, name, value)
    db.session.flush()


def update_draft(author: User, proposal: Proposal, *, title: str, body: str,
                 category_id: int | None = None, scope_id: int | None = None,
                 address: str = "") -> None:
    _check_draft(author, proposal)
    _rewrite(proposal, {"title": title, "body": body, "category_id": category_id,
                        "scope_id": scope_id, "address": address})


def discard_draft(author: User, proposal: Proposal) -> None:
    _check_draft(author, proposal)
    db.session.delete(proposal)
    db.session.flush()


def publish_proposal(author: User, proposal: Proposal) -> None:
    """Step three: the draft becomes public; its author follows it, and the author's and the
    process's followers are told."""
    _check_draft(author, proposal)
    component = proposal.component
    settings = component_settings(component)
    _check_creation(author, component, settings)
    _check_proposal_limit(author, component, settings)
    # The settings may have changed since the draft was written (a shorter body...).
    _check_fields(component, {"title": proposal.title, "body": proposal.body,
                              "category_id": proposal.category_id,
                              "scope_id": proposal.scope_id, "address": proposal.address},
                  settings)
    proposal.published_at = utcnow()
    db.session.flush()
    follow(author, resource=proposal)
    notify_followers("proposal_published", proposal, actor=author)


def _words(text: str) -> set[str]:
    return {word for word in WORD.findall(text.casefold()) if len(word) >= SIMILAR_MIN_WORD}


def _like_pattern(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def similar_proposals(component, title: str, body: str = "",
                      exclude: Proposal | None = None) -> list[Proposal]:
    """Published proposals of the component that look like this one, the closest first (at
    most five, none withdrawn): the candidates share one of the longest words of the title;
    those sharing enough words of the title are scored by the words they share with the title
    and body, the title's counting double."""
    title_words = _words(title)
    searched = sorted(title_words, key=lambda word: (-len(word), word))[:SIMILAR_WORDS]
    if not searched:
        return []
    query = (
        select(Proposal)
        .where(Proposal.component_id == component.id, Proposal.published_at.is_not(None),
               Proposal.hidden_at.is_(None), Proposal.withdrawn_at.is_(None),
               or_(*(Proposal.title.ilike(_like_pattern(word), escape="\\")
                     for word in searched)))
        .order_by(Proposal.published_at.desc())
        .limit(SIMILAR_CANDIDATES)
    )
    if exclude is not None and exclude.id is not None:
        query = query.where(Proposal.id != exclude.id)
    body_words = _words(body)
    # One word in common is chance ("street"); two make a resemblance (one for short titles).
    needed = 1 if len(title_words) <= 2 else 2
    scored = []
    for candidate in db.session.scalars(query):
        shared = len(title_words & _words(candidate.title))
        if shared >= needed:
            score = 2 * shared + len((title_words | body_words) & _words(candidate.body))
            scored.append((-score, candidate.id, candidate))
    scored.sort(key=lambda item: item[:2])
    return [candidate for _score, _id, candidate in scored[:SIMILAR_LIMIT]]


def editable_until(proposal: Proposal, settings):
    """When the author's edit window closes; None when there is no limit."""
    minutes = settings["proposal_edit_time"]
    if not minutes or proposal.published_at is None:
        return None
    return proposal.published_at + timedelta(minutes=minutes)


def edit_proposal(author: User, proposal: Proposal, *, title: str, body: str,
                  category_id: int | None = None, scope_id: int | None = None,
                  address: str = "") -> None:
    """The author corrects a published proposal, within the edit window and before an
    answer is published."""
    if not can_edit(author, proposal):
        raise DomainError(_("This proposal can no longer be edited."))
    _rewrite(proposal, {"title": title, "body": body, "category_id": category_id,
                        "scope_id": scope_id, "address": address})


def _has_supports(proposal: Proposal) -> bool:
    """Any support, counted yet or not (see minimum_supports_per_user)."""
    return db.session.scalar(
        select(Support.id).where(Support.proposal_id == proposal.id).limit(1)
    ) is not None


def withdraw_proposal(author: User, proposal: Proposal) -> None:
    if not _is_author(author, proposal):
        raise DomainError(_("Only its author can withdraw this proposal."))
    _lock_proposal(proposal)  # a support arriving now waits, then finds it withdrawn
    db.session.refresh(proposal)
    if not _is_open(proposal):
        raise DomainError(_("This proposal cannot be withdrawn."))
    if _has_supports(proposal):
        raise DomainError(_("This proposal has supports: it can no longer be withdrawn."))
    proposal.withdrawn_at = utcnow()
    db.session.flush()


# Supports. Writers lock in one order, the supporter's user row then the proposal's row (a
# no-op on SQLite, where BEGIN IMMEDIATE already runs one writer at a time), so that
# counting then inserting is safe: never two supports of one resident for one proposal
# (also a unique constraint), never past the resident's limit or the proposal's threshold.

def _lock_user(user: User) -> None:
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())


def _lock_proposal(proposal: Proposal) -> None:
    _lock_proposals([proposal.id])


def _lock_proposals(ids) -> None:
    """Row locks taken in ascending id order: two residents whose supports change the same
    proposals' counts take them in the same order, so neither can wait on the other."""
    table = Proposal.__table__
    db.session.execute(select(table.c.id).where(table.c.id.in_(set(ids)))
                       .order_by(table.c.id).with_for_update())


def _supports_given(user, component) -> int:
    return db.session.scalar(
        select(func.count(Support.id))
        .join(Proposal, Proposal.id == Support.proposal_id)
        .where(Support.user_id == user.id, Proposal.component_id == component.id)
    )


def _supported_ids(user, component) -> list[int]:
    return list(db.session.scalars(
        select(Support.proposal_id)
        .join(Proposal, Proposal.id == Support.proposal_id)
        .where(Support.user_id == user.id, Proposal.component_id == component.id)
    ))


def _add_to_counts(ids, step: int) -> None:
    if ids:
        table = Proposal.__table__
        db.session.execute(update(table).where(table.c.id.in_(ids))
                           .values(supports_count=table.c.supports_count + step))


def _supports_now(proposal: Proposal) -> int:
    table = Proposal.__table__
    return db.session.scalar(select(table.c.supports_count).where(table.c.id == proposal.id))


def remaining_supports(user, component) -> int | None:
    """How many more proposals the resident may support here; None: no limit."""
    limit = component_settings(component)["support_limit"]
    if not limit:
        return None
    if not _active(user):
        return limit
    return max(limit - _supports_given(user, component), 0)


def supports_pending(user, component) -> int:
    """How many more supports the resident must give before theirs count (0: they count)."""
    minimum = component_settings(component)["minimum_supports_per_user"]
    if not minimum or not _active(user):
        return 0
    return max(minimum - _supports_given(user, component), 0)


def has_supported(user, proposal: Proposal) -> bool:
    if not _active(user):
        return False
    return db.session.scalar(
        select(Support.id).where(Support.proposal_id == proposal.id, Support.user_id == user.id)
    ) is not None


def _threshold_reached(proposals: list[Proposal], threshold: int) -> None:
    """Mark, once, the proposals that reached the threshold, and tell their followers."""
    if not threshold:
        return
    table = Proposal.__table__
    now = utcnow()
    for proposal in proposals:
        claimed = db.session.execute(
            update(table).where(table.c.id == proposal.id, table.c.supports_count >= threshold,
                                table.c.threshold_reached_at.is_(None))
            .values(threshold_reached_at=now)
        ).rowcount
        if claimed:
            db.session.expire(proposal, ["threshold_reached_at"])
            notify_followers("support_threshold_reached", proposal)


def support_proposal(user: User, proposal: Proposal) -> None:
    """One support of the resident for the proposal, within the component's limits.

    With a minimum of supports per participant, a resident's supports count only once they
    have given that many (as Decidim's temporary votes): reaching the minimum counts all of
    them at once.
    """
    component = proposal.component
    settings = component_settings(component)
    _locked_for_supports(user, proposal, settings)
    if has_supported(user, proposal):
        raise DomainError(_("You already support this proposal."))
    given = _supports_given(user, component)
    limit = settings["support_limit"]
    if limit and given >= limit:
        raise DomainError(ngettext(
            "You have given your %(num)d support: withdraw one to support this proposal.",
            "You have given your %(num)d supports: withdraw one to support this proposal.",
            limit,
        ))
    threshold = settings["threshold_per_proposal"]
    if (threshold and not settings["can_accumulate_supports_beyond_threshold"]
            and _supports_now(proposal) >= threshold):
        raise DomainError(_("This proposal has reached the supports it needed."))
    try:
        with db.session.begin_nested():
            db.session.add(Support(proposal_id=proposal.id, user_id=user.id))
    except IntegrityError as error:  # a concurrent request of the same resident was first
        raise DomainError(_("You already support this proposal.")) from error
    given += 1
    minimum = settings["minimum_supports_per_user"]
    counted = []
    if given == minimum:  # the resident's earlier supports start counting, with this one
        counted = _supported_ids(user, component)
    elif given > minimum:
        counted = [proposal.id]
    _add_to_counts(counted, +1)
    db.session.expire(proposal, ["supports_count"])
    if counted:
        touched = db.session.scalars(select(Proposal).where(Proposal.id.in_(counted))).all()
        _threshold_reached(touched, threshold)
    db.session.flush()


def unsupport_proposal(user: User, proposal: Proposal) -> None:
    component = proposal.component
    settings = component_settings(component)
    _locked_for_supports(user, proposal, settings)
    if not has_supported(user, proposal):
        raise DomainError(_("You do not support this proposal."))
    given = _supports_given(user, component)
    minimum = settings["minimum_supports_per_user"]
    if given - 1 >= minimum:
        uncounted = [proposal.id]
    elif given >= minimum:  # below the minimum again: none of the resident's supports count
        uncounted = _supported_ids(user, component)
    else:
        uncounted = []
    _add_to_counts(uncounted, -1)
    db.session.execute(delete(Support).where(Support.proposal_id == proposal.id,
                                             Support.user_id == user.id))
    db.session.expire(proposal, ["supports_count"])
    db.session.flush()


def _locked_for_supports(user, proposal: Proposal, settings) -> None:
    """Check that supports are open, holding the locks; the proposal is read again under the
    lock, so a withdrawal committed meanwhile is seen."""
    _check_participant(user)
    _lock_user(user)
    ids = [proposal.id]
    if settings["minimum_supports_per_user"]:  # reaching or leaving it changes all their counts
        ids += _supported_ids(user, proposal.component)
    _lock_proposals(ids)
    db.session.refresh(proposal)
    if not settings["supports_enabled"]:
        raise DomainError(_("Supports are not open in this phase."))
    if settings["supports_blocked"]:
        raise DomainError(_("Supports are closed: they can no longer change."))
    if not _takes_supports(proposal):
        raise DomainError(_("This proposal cannot be supported."))
    if needs_verification(user, proposal.component, "support"):
        raise DomainError(_("Only residents verified against the census may support here."))


def endorse_proposal(user: User, proposal: Proposal) -> None:
    """A public "I back this", shown with the endorser's name."""
    _check_endorsements_open(user, proposal)
    try:
        with db.session.begin_nested():
            db.session.add(Endorsement(proposal_id=proposal.id, user_id=user.id))
    except IntegrityError as error:
        raise DomainError(_("You already endorse this proposal.")) from error
    table = Proposal.__table__
    db.session.execute(update(table).where(table.c.id == proposal.id)
                       .values(endorsements_count=table.c.endorsements_count + 1))
    db.session.expire(proposal, ["endorsements_count"])
    db.session.flush()


def unendorse_proposal(user: User, proposal: Proposal) -> None:
    _check_endorsements_open(user, proposal)
    removed = db.session.execute(
        delete(Endorsement).where(Endorsement.proposal_id == proposal.id,
                                  Endorsement.user_id == user.id)
    ).rowcount
    if not removed:
        raise DomainError(_("You do not endorse this proposal."))
    table = Proposal.__table__
    db.session.execute(update(table).where(table.c.id == proposal.id)
                       .values(endorsements_count=table.c.endorsements_count - 1))
    db.session.expire(proposal, ["endorsements_count"])
    db.session.flush()


def _check_endorsements_open(user, proposal: Proposal) -> None:
    _check_participant(user)
    if not component_settings(proposal.component)["endorsements_enabled"]:
        raise DomainError(_("Endorsements are not open in this phase."))
    if not _is_open(proposal):
        raise DomainError(_("This proposal cannot be endorsed."))


def has_endorsed(user, proposal: Proposal) -> bool:
    if not _active(user):
        return False
    return db.session.scalar(
        select(Endorsement.id).where(Endorsement.proposal_id == proposal.id,
                                     Endorsement.user_id == user.id)
    ) is not None


def endorsers(proposal: Proposal, limit: int = 100) -> list[User]:
    """Who endorsed the proposal, the first first (the users come in the same query)."""
    return [endorsement.user for endorsement in db.session.scalars(
        select(Endorsement).where(Endorsement.proposal_id == proposal.id)
        .order_by(Endorsement.created_at, Endorsement.id).limit(limit)
    )]


# Permission predicates: the views answer 403 and the templates hide the button alike.

def _open_for_creation(user, component) -> bool:
    return _active(user) and component_settings(component)["creation_enabled"]


def can_create(user, component) -> bool:
    return (_open_for_creation(user, component)
            and not needs_verification(user, component, "create"))


def must_verify_to_create(user, component) -> bool:
    """Writing is open to the resident, once verified against the census."""
    return _open_for_creation(user, component) and needs_verification(user, component, "create")


def can_edit(user, proposal: Proposal) -> bool:
    """The author, while the proposal is a draft, or published within the edit window, not
    withdrawn and without a published answer."""
    if not _is_author(user, proposal):
        return False
    if not proposal.is_published:
        return True
    if proposal.is_withdrawn or proposal.is_hidden or proposal.public_state is not None:
        return False
    until = editable_until(proposal, component_settings(proposal.component))
    return until is None or utcnow() <= until


def can_withdraw(user, proposal: Proposal) -> bool:
    return _is_author(user, proposal) and _is_open(proposal) and not _has_supports(proposal)


def _open_for_supports(user, proposal: Proposal) -> bool:
    settings = component_settings(proposal.component)
    return (_active(user) and settings["supports_enabled"] and not settings["supports_blocked"]
            and _takes_supports(proposal))


def can_support(user, proposal: Proposal) -> bool:
    """Supports (and withdrawing one) are open for the resident on this proposal now."""
    return (_open_for_supports(user, proposal)
            and not needs_verification(user, proposal.component, "support"))


def must_verify_to_support(user, proposal: Proposal) -> bool:
    """Supports are open to the resident, once verified against the census."""
    return (_open_for_supports(user, proposal)
            and needs_verification(user, proposal.component, "support"))


def can_endorse(user, proposal: Proposal) -> bool:
    return (_active(user) and component_settings(proposal.component)["endorsements_enabled"]
            and _is_open(proposal))


# The list: filters, search and orders, in two queries (the count and the page) whatever
# the number of proposals; the counts shown come from the denormalized columns.

LIST_STATES = ("accepted", "evaluating", "rejected", "not_answered", "withdrawn")
ORDERS = ("random", "recent", "most_supported", "most_commented", "most_endorsed")
# A fixed shuffle per seed that both databases compute on 64-bit integers: y = (id × f + s)
# mod 2³¹, then y² mod 2³¹ (the square mixes what a linear step keeps in order), with f odd
# and drawn from the seed s.
SHUFFLE_MODULUS = 2**31


def _list_conditions(component, *, viewer, state: str, category: int | None,
                     scope: int | None, mine: bool, q: str) -> list:
    conditions = [Proposal.component_id == component.id, Proposal.published_at.is_not(None),
                  Proposal.hidden_at.is_(None)]
    if state == "withdrawn":
        conditions.append(Proposal.withdrawn_at.is_not(None))
    else:  # withdrawn proposals are listed apart, as Decidim does
        conditions.append(Proposal.withdrawn_at.is_(None))
        if state == "not_answered":
            conditions.append(Proposal.answer_published_at.is_(None))
        elif state:
            conditions += [Proposal.state == state, Proposal.answer_published_at.is_not(None)]
    if category is not None:  # a category finds its subcategories' proposals too
        ids = {category} | {each.id for each in component.process.categories
                            if each.parent_id == category}
        conditions.append(Proposal.category_id.in_(ids))
    if scope is not None:
        conditions.append(Proposal.scope_id == scope)
    if mine and _active(viewer):
        conditions.append(Proposal.author_id == viewer.id)
    if q:
        conditions.append(or_(Proposal.title.icontains(q, autoescape=True),
                              Proposal.body.icontains(q, autoescape=True)))
    return conditions


def _ordering(order: str, seed: int) -> tuple:
    latest = (Proposal.published_at.desc(), Proposal.id.desc())
    if order == "recent":
        return latest
    if order == "most_supported":
        return (Proposal.supports_count.desc(), *latest)
    if order == "most_commented":
        return (Proposal.comments_count.desc(), *latest)
    if order == "most_endorsed":
        return (Proposal.endorsements_count.desc(), *latest)
    seed %= SHUFFLE_MODULUS
    factor = (seed * 2_654_435_761 + 1_013_904_223) % SHUFFLE_MODULUS | 1
    mixed = (cast(Proposal.id, BigInteger) * factor + seed) % SHUFFLE_MODULUS
    return ((mixed * mixed + seed) % SHUFFLE_MODULUS, Proposal.id)


def list_proposals(component, *, viewer=None, state: str = "", category: int | None = None,
                   scope: int | None = None, mine: bool = False, q: str = "",
                   order: str = "random", seed: int = 0, page: int = 1,
                   per_page: int = 20) -> tuple[int, list[Proposal], int, int]:
    """(total, the page's proposals, the page shown, the number of pages). Drafts and hidden
    proposals are never listed; authors, categories and scopes come in the same query.

    Two queries: the page's ids with the total (one pass over the matching rows, narrow rows
    sorted), then those proposals joined with what the cards show. A page past the end shows
    the last one (two queries more).
    """
    conditions = _list_conditions(component, viewer=viewer, state=state, category=category,
                                  scope=scope, mine=mine, q=q)
    ordering = _ordering(order, seed)
    return paginate(Proposal, conditions, ordering, page=page, per_page=per_page)
