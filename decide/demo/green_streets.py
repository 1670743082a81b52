"""Green Streets in its proposals phase (DESIGN.md §6, process 1): the participation written
in decide/demo/participation.py, loaded through the services, as residents and staff would
have made it, so counters, follows and notifications are those of real use.

Each resident's comment (and each batch of answers) is its own transaction, as it would be
its own request: the notifications tell a resident once per change and transaction, so in
one transaction Maria would hear of the first comment on her proposal and of nothing after.
Afterwards the dates are spread over the last two weeks, deterministically.
"""

from datetime import datetime
from datetime import timedelta

from sqlalchemy import func
from sqlalchemy import select

from decide.comments.models import Comment
from decide.comments.models import CommentVote
from decide.comments.services import create_comment
from decide.comments.services import vote_comment
from decide.components.debates.models import Debate
from decide.components.debates.services import close_debate
from decide.components.debates.services import create_debate
from decide.components.proposals.answers import answer_proposal
from decide.components.proposals.answers import assign_valuator
from decide.components.proposals.answers import create_official_proposal
from decide.components.proposals.answers import publish_answers
from decide.components.proposals.models import Endorsement
from decide.components.proposals.models import Proposal
from decide.components.proposals.models import Support
from decide.components.proposals.services import create_draft
from decide.components.proposals.services import endorse_proposal
from decide.components.proposals.services import publish_proposal
from decide.components.proposals.services import support_proposal
from decide.components.proposals.services import withdraw_proposal
from decide.core.models import Resource
from decide.core.models import User
from decide.core.models import utcnow
from decide.demo.participation import COMMENT_REPORTS
from decide.demo.participation import DEBATE_THREADS
from decide.demo.participation import DEBATES
from decide.demo.participation import MARIA_FOLLOWS
from decide.demo.participation import PROPOSALS
from decide.demo.participation import REPORTS
from decide.demo.participation import RESIDENTS
from decide.demo.participation import THREADS
from decide.demo.participation import VALUATIONS
from decide.demo.participation import DemoProposal
from decide.extensions import db
from decide.moderation.models import Report
from decide.moderation.services import report
from decide.notifications.models import Notification
from decide.notifications.services import follow
from decide.spaces.models import Component
from decide.spaces.models import Process
from decide.spaces.models import Scope
from decide.spaces.services import add_component
from decide.spaces.services import publish_component
from decide.spaces.services import update_component

SLUG = "green-streets"
RESIDENTS_DOMAIN = "residents.decide.example"
# Matches no password (as a deleted account's): the residents take part, nobody signs in.
NO_PASSWORD = "!"

PROPOSALS_NAME = {"en": "Proposals", "es": "Propuestas", "ca": "Propostes",
                  "fr": "Propositions"}
DEBATES_NAME = {"en": "Debates", "es": "Debates", "ca": "Debats", "fr": "Débats"}

# A proposal or two reach the threshold; supports may go on past it, as the demo data has
# more supporters than that for one of them.
THRESHOLD = 15
PROPOSAL_SETTINGS = {
    "threshold_per_proposal": THRESHOLD,
    "can_accumulate_supports_beyond_threshold": True,
    "official_proposals_enabled": True,
    "answers_enabled": True,
    "comments_enabled": True,
}
# By the English title of the phase. The council publishes its answers together (so one
# can wait, written and not published yet); costs are given from the start.
PROPOSAL_PHASES = {
    "Proposals": {"creation_enabled": True, "supports_enabled": True,
                  "endorsements_enabled": True, "answers_with_costs": True,
                  "publish_answers_immediately": False},
    "Supports": {"supports_enabled": True, "endorsements_enabled": True,
                 "answers_with_costs": True, "publish_answers_immediately": False},
    "Evaluation": {"supports_enabled": True, "supports_blocked": True,
                   "answers_with_costs": True, "publish_answers_immediately": False},
    "Results": {"supports_enabled": True, "supports_blocked": True, "comments_blocked": True,
                "answers_with_costs": True},
}
DEBATE_SETTINGS = {"comments_enabled": True}
DEBATE_PHASES = {
    "Proposals": {"creation_enabled": True},
    "Supports": {"creation_enabled": True},
    "Results": {"comments_blocked": True},
}

# The state an "answer-pending" proposal was given, waiting to be published.
PENDING_STATE = "accepted"
ANSWERED = {"accepted": "accepted", "rejected": "rejected", "evaluating": "evaluating",
            "answer-pending": PENDING_STATE}
VALUATOR = "nadia"
PERIOD = timedelta(days=13)  # the proposals were published over the phase so far


def load_participation(council: User, accounts: dict[str, User]) -> None:
    """Everything Green Streets shows, once: skipped when the process has a proposals
    component already (the demo ran before)."""
    process = db.session.scalars(select(Process).where(Process.slug == SLUG)).one()
    if any(component.manifest_name == "proposals" for component in process.components):
        return
    first_notification = db.session.scalar(select(func.max(Notification.id))) or 0
    people = {**accounts, **load_residents()}
    proposals_component = _add_component(council, process, "proposals", PROPOSALS_NAME,
                                         PROPOSAL_SETTINGS, PROPOSAL_PHASES)
    debates_component = _add_component(council, process, "debates", DEBATES_NAME,
                                       DEBATE_SETTINGS, DEBATE_PHASES)
    proposals = load_proposals(council, proposals_component, people)
    load_supports(proposals, people)
    _next_request()
    comments = load_threads(THREADS, {demo.title: proposal
                                      for demo, proposal in proposals}, people)
    load_outcomes(council, proposals, people)
    load_reports(proposals, comments, people)
    debates = load_debates(council, debates_component, people)
    _spread_dates(proposals, debates, first_notification)
    db.session.flush()


def _next_request() -> None:
    """End the transaction, as the request that made the change would (see the module)."""
    db.session.commit()


# The proposals of the data with the rows made for them, in the data's order.
Loaded = list[tuple[DemoProposal, Proposal]]


def _made(proposals: Loaded) -> list[Proposal]:
    return [proposal for _demo, proposal in proposals]


def _by_title(items, start: str):
    """The one item whose title starts with `start` (the data names proposals that way)."""
    [found] = [item for item in items if item.title.startswith(start)]
    return found


def load_residents(people=RESIDENTS) -> dict[str, User]:
    """The residents who take part in the background: confirmed, terms accepted, no password
    and no notification e-mail (nobody reads their inbox)."""
    now = utcnow()
    residents = {}
    for resident in people:
        user = User(email=f"{resident.nickname}@{RESIDENTS_DOMAIN}", nickname=resident.nickname,
                    name=resident.name, locale=resident.locale, password_hash=NO_PASSWORD,
                    confirmed_at=now, accepted_terms_version=1, accepted_terms_at=now,
                    notifications_email="none")
        db.session.add(user)
        residents[resident.nickname] = user
    db.session.flush()
    return residents


def _add_component(council, process, kind: str, name: dict, settings: dict,
                   phases: dict) -> Component:
    component = add_component(council, process, manifest_name=kind, name=name)
    by_title = {phase.title["en"]: phase.id for phase in process.phases}
    update_component(council, component, name=name, settings=settings,
                     phase_settings={by_title[title]: values for title, values in phases.items()
                                     if title in by_title})
    publish_component(council, component)
    db.session.flush()
    return component


# --- proposals -------------------------------------------------------------------------------

def load_proposals(council, component, people) -> Loaded:
    """Drafted and published by their authors (the official ones by the council)."""
    categories = {category.name["en"]: category.id for category in component.process.categories}
    scopes = _scope_ids()
    proposals = []
    for demo in PROPOSALS:
        fields = {"title": demo.title, "body": demo.body,
                  "category_id": categories[demo.category] if demo.category else None,
                  "scope_id": scopes[demo.scope] if demo.scope else None,
                  "address": demo.address, "locale": demo.locale}
        if not demo.author:
            proposal = create_official_proposal(council, component, **fields)
        else:
            author = people[demo.author]
            proposal = create_draft(author, component, **fields)
            if demo.outcome != "draft":
                publish_proposal(author, proposal)
        proposals.append((demo, proposal))
    return proposals


def _scope_ids() -> dict[str, int]:
    return dict(db.session.execute(select(Scope.code, Scope.id)).all())


def _chosen(pool: list[str], count: int, offset: int, leave_out=()) -> list[str]:
    """`count` nicknames of the pool, from `offset` on, round the pool, leaving some out."""
    candidates = [name for name in pool[offset % len(pool):] + pool[:offset % len(pool)]
                  if name not in leave_out]
    if count > len(candidates):
        raise ValueError(f"{count} residents wanted, {len(candidates)} available")
    return candidates[:count]


def load_supports(proposals: Loaded, people) -> None:
    """Maria supports and follows a few proposals first; then the residents support and
    endorse, as many as the data says, each proposal from its own place in the list."""
    pool = [resident.nickname for resident in RESIDENTS]
    maria = people["maria"]
    for start in MARIA_FOLLOWS:
        proposal = _by_title(_made(proposals), start)
        support_proposal(maria, proposal)
        follow(maria, resource=proposal)
    for index, (demo, proposal) in enumerate(proposals):
        given = 1 if any(demo.title.startswith(start) for start in MARIA_FOLLOWS) else 0
        for nickname in _chosen(pool, demo.supporters - given, index * 7, {demo.author}):
            support_proposal(people[nickname], proposal)
        for nickname in _chosen(pool, demo.endorsers, index * 3 + 5, {demo.author}):
            endorse_proposal(people[nickname], proposal)


def load_outcomes(council, proposals: Loaded, people) -> None:
    """The council's answers (all but the pending one published together), the valuator's
    assignments, and the withdrawn proposal."""
    to_publish = []
    for demo, proposal in proposals:
        state = ANSWERED.get(demo.outcome)
        if state is None:
            continue
        answer = {code: f"<p>{text}</p>" for code, text in demo.answer.items()}
        answer_proposal(council, proposal, state=state, answer=answer,
                        cost=demo.cost if state == "accepted" else None)
        if demo.outcome != "answer-pending":
            to_publish.append(proposal)
    _next_request()
    publish_answers(council, to_publish)
    assign_valuator(council, [_by_title(_made(proposals), start) for start in VALUATIONS],
                    people[VALUATOR])
    for demo, proposal in proposals:
        if demo.outcome == "withdrawn":
            withdraw_proposal(people[demo.author], proposal)
    _next_request()


def load_reports(proposals: Loaded, comments: list[Comment],
                 people) -> None:
    """Three reports hide the spam (the organization's threshold); the others wait in the
    moderators' queue."""
    for start, reports in REPORTS:
        proposal = _by_title(_made(proposals), start)
        for nickname, reason, details in reports:
            report(people[nickname], resource=proposal, reason=reason, details=details)
    for start, reports in COMMENT_REPORTS:
        [comment] = [comment for comment in comments if comment.body.startswith(start)]
        for nickname, reason, details in reports:
            report(people[nickname], resource=comment, reason=reason, details=details)
    _next_request()


# --- comments and debates ----------------------------------------------------------------

def load_threads(threads, resources: dict, people) -> list[Comment]:
    """Each comment by its author (a reply to an earlier one of its thread), then voted up
    and down by as many distinct residents as the data says."""
    pool = [resident.nickname for resident in RESIDENTS]
    made = []
    for number, (key, entries) in enumerate(threads):
        resource = resources[key] if key in resources else _by_title(resources.values(), key)
        thread = []
        for position, (author, locale, alignment, body, reply_to, ups, downs) in enumerate(
                entries):
            parent = thread[reply_to] if reply_to is not None else None
            comment = create_comment(people[author], resource, body=body, alignment=alignment,
                                     parent=parent, locale=locale)
            voters = _chosen(pool, ups + downs, number * 5 + position * 3, {author})
            for index, nickname in enumerate(voters):
                vote_comment(people[nickname], comment, 1 if index < ups else -1)
            thread.append(comment)
            _next_request()
        made += thread
    return made


def load_debates(council, component, people) -> list[Debate]:
    """The council's debates, their comments, and the closing of those with a conclusion
    (after their comments: a closed debate takes none)."""
    debates = [create_debate(council, component, title=title, description=description)
               for title, description, _conclusion in DEBATES]
    _next_request()
    load_threads(DEBATE_THREADS, dict(enumerate(debates)), people)
    for debate, (_title, _description, conclusion) in zip(debates, DEBATES, strict=True):
        if conclusion:
            close_debate(council, debate, conclusion)
    _next_request()
    return debates


# --- dates -------------------------------------------------------------------------------

def _between(start: datetime, end: datetime, share: float) -> datetime:
    return start + (end - start) * share


def _spread_dates(proposals: Loaded, debates: list[Debate],
                  first_notification: int) -> None:
    """Publications over the last two weeks in a fixed mixed order, so "most recent" means
    something; what followed each one (supports, comments, answers) after it; each
    notification at the time of its event."""
    now = utcnow()
    count = len(proposals)
    step = PERIOD / count
    # The answered proposals first (their answers took time), each group in a fixed
    # shuffle (37 is prime to the number of proposals).
    oldest_first = sorted(enumerate(proposals), key=lambda item: (
        item[1][0].outcome not in ANSWERED, item[0] * 37 % count))
    for rank, (_index, (_demo, proposal)) in enumerate(oldest_first):
        published = now - timedelta(hours=6) - step * (count - 1 - rank)
        proposal.created_at = published - timedelta(minutes=20)
        if proposal.is_published:
            proposal.published_at = published
            _date_after(proposal, published, now)
    opened = now - PERIOD
    for number, debate in enumerate(debates):
        debate.created_at = opened + timedelta(days=number)
        end = now - timedelta(days=2) if debate.is_closed else now
        _date_comments(debate.id, debate.created_at, end)
        if debate.is_closed:
            debate.closed_at = end
    _date_reports({debate.component_id for debate in debates}
                  | {proposal.component_id for proposal in _made(proposals)}, now)
    db.session.flush()
    _date_notifications(first_notification)


def _date_after(proposal: Proposal, published: datetime, now: datetime) -> None:
    for model in (Support, Endorsement):
        rows = db.session.scalars(select(model).where(model.proposal_id == proposal.id)
                                  .order_by(model.id)).all()
        for position, row in enumerate(rows):
            row.created_at = _between(published, now, 0.7 * (position + 1) / (len(rows) + 1))
        if model is Support and proposal.threshold_reached_at is not None:
            proposal.threshold_reached_at = rows[THRESHOLD - 1].created_at
    talk_ends = _between(published, now, 0.8)
    if proposal.answered_at is not None:
        # Published together yesterday, written some days before.
        answers_out = now - timedelta(days=1)
        proposal.answered_at = talk_ends = _between(published, answers_out, 0.8)
        if proposal.answer_published_at is not None:
            proposal.answer_published_at = answers_out
    _date_comments(proposal.id, published, talk_ends)
    if proposal.withdrawn_at is not None:
        proposal.withdrawn_at = _between(published, now, 0.5)


def _date_comments(resource_id: int, start: datetime, end: datetime) -> None:
    """The thread's comments in their order between `start` and `end`, each vote soon
    after its comment."""
    comments = db.session.scalars(select(Comment).where(Comment.commentable_id == resource_id)
                                  .order_by(Comment.id)).all()
    for position, comment in enumerate(comments):
        comment.created_at = _between(start, end, (position + 1) / (len(comments) + 1))
        for vote in db.session.scalars(select(CommentVote)
                                       .where(CommentVote.comment_id == comment.id)):
            vote.created_at = min(comment.created_at + timedelta(hours=1), end)


def _date_reports(component_ids: set[int], now: datetime) -> None:
    """Each item's reports soon after it appeared; a hidden one, hidden by the last."""
    reports = db.session.scalars(
        select(Report).join(Resource, Resource.id == Report.resource_id)
        .where(Resource.component_id.in_(component_ids)).order_by(Report.id)
    ).all()
    by_item: dict[int, list[Report]] = {}
    for row in reports:
        by_item.setdefault(row.resource_id, []).append(row)
    for rows in by_item.values():
        item = rows[0].resource
        appeared = getattr(item, "published_at", None) or item.created_at
        for position, row in enumerate(rows):
            row.created_at = _between(appeared, now, 0.05 * (position + 1))
        if item.hidden_at is not None:
            item.hidden_at = rows[-1].created_at


# When each event happened: the attribute of the notification's resource that says so.
EVENT_TIMES = {
    "comment_created": "created_at",  # the resource is the comment
    "comment_reply": "created_at",
    "mention": "created_at",
    "content_hidden": "hidden_at",
    "proposal_published": "published_at",
    "proposal_answered": "answer_published_at",
    "support_threshold_reached": "threshold_reached_at",
    "debate_closed": "closed_at",
}


def _date_notifications(first_notification: int) -> None:
    for notification in db.session.scalars(
            select(Notification).where(Notification.id > first_notification)):
        attribute = EVENT_TIMES.get(notification.event)
        moment = getattr(notification.resource, attribute, None) if attribute else None
        if moment is not None:
            notification.created_at = moment
