"""The residents' side of proposals at service level: drafts and publication, similar
proposals, edits within the window, withdrawal, supports with their limits, threshold and
minimum, endorsements, the list's filters and orders, and the manifest's hooks."""

from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy import select

from decide.components import get_manifest
from decide.components.proposals import services
from decide.components.proposals.models import Endorsement
from decide.components.proposals.models import Proposal
from decide.components.proposals.models import Support
from decide.core.models import utcnow
from decide.core.services import DomainError
from decide.notifications.models import Follow
from decide.notifications.models import Notification
from decide.notifications.services import follow
from tests.components.proposals.conftest import BODY
from tests.components.proposals.conftest import TITLE


def fields(**overrides) -> dict:
    values = {"title": TITLE, "body": BODY}
    values.update(overrides)
    return values


def refused(call, *args, field=None, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    if field is not None:
        assert caught.value.field == field
    return caught.value


def notifications(db, event: str) -> list[Notification]:
    return db.session.scalars(select(Notification).where(Notification.event == event)
                              .order_by(Notification.user_id)).all()


# --- drafts ---------------------------------------------------------------------------------

@pytest.fixture
def creating(configure):
    configure(creation_enabled=True)


def test_a_draft_is_kept_for_its_author_only(db, component, resident, creating):
    draft = services.create_draft(resident, component, locale="ca", **fields(
        title="  More   trees along the main street ", address=" Main  Street 3 "))
    db.session.commit()
    assert draft.published_at is None and not draft.is_public
    assert draft.title == "More trees along the main street"
    assert draft.address == "Main Street 3"
    assert draft.locale == "ca"
    assert services.draft_of(resident, component) == draft


def test_creation_must_be_enabled_in_the_active_phase(component, resident, configure):
    refused(services.create_draft, resident, component, **fields())
    configure(creation_enabled=True)
    assert services.create_draft(resident, component, **fields()).id


@pytest.mark.parametrize(("title", "accepted"), [
    ("x" * 14, False), ("x" * 15, True), ("x" * 150, True), ("x" * 151, False), ("", False),
    ("   " + "x" * 14 + "   ", False),
])
def test_the_title_has_15_to_150_characters(db, component, resident, creating, title,
                                            accepted):
    if accepted:
        assert services.create_draft(resident, component, **fields(title=title)).title == title
    else:
        refused(services.create_draft, resident, component, **fields(title=title),
                field="title")


def test_the_body_is_needed_and_no_longer_than_the_setting(component, resident, configure):
    configure(creation_enabled=True, proposal_length=100)
    refused(services.create_draft, resident, component, **fields(body=""), field="body")
    refused(services.create_draft, resident, component, **fields(body="   \n  "), field="body")
    refused(services.create_draft, resident, component, **fields(body="x" * 14), field="body")
    refused(services.create_draft, resident, component, **fields(body="x" * 101), field="body")
    assert services.create_draft(resident, component, **fields(body="x" * 100)).id


def test_the_body_is_500_characters_at_most_by_default(component, resident, creating):
    refused(services.create_draft, resident, component, **fields(body="x" * 501), field="body")


def test_the_category_must_be_one_of_the_process(component, resident, creating, create_process,
                                                 create_category, process):
    elsewhere = create_category(create_process())
    refused(services.create_draft, resident, component, **fields(category_id=elsewhere.id),
            field="category_id")
    refused(services.create_draft, resident, component, **fields(category_id=0),
            field="category_id")
    here = create_category(process)
    assert services.create_draft(resident, component,
                                 **fields(category_id=here.id)).category == here


def test_the_scope_must_exist(component, resident, creating, create_scope):
    scope = create_scope()
    refused(services.create_draft, resident, component, **fields(scope_id=scope.id + 1000),
            field="scope_id")
    refused(services.create_draft, resident, component, **fields(scope_id=2**40),
            field="scope_id")
    assert services.create_draft(resident, component, **fields(scope_id=scope.id)).scope == scope


def test_the_address_is_255_characters_at_most(component, resident, creating):
    refused(services.create_draft, resident, component, **fields(address="x" * 256),
            field="address")


def test_one_draft_at_a_time(db, component, resident, creating):
    services.create_draft(resident, component, **fields())
    refused(services.create_draft, resident, component, **fields())


@pytest.mark.parametrize("state", ["blocked", "deleted"])
def test_blocked_and_deleted_accounts_cannot_write(db, component, resident, creating, state):
    setattr(resident, f"{state}_at", utcnow())
    db.session.commit()
    refused(services.create_draft, resident, component, **fields())
    assert not services.can_create(resident, component)


def test_only_the_author_changes_or_discards_a_draft(db, component, resident, neighbour,
                                                     creating):
    draft = services.create_draft(resident, component, **fields())
    refused(services.update_draft, neighbour, draft, **fields(title="Somebody else's title"))
    refused(services.discard_draft, neighbour, draft)
    refused(services.publish_proposal, neighbour, draft)
    services.update_draft(resident, draft, **fields(title="Shade for the main street, now"))
    assert draft.title == "Shade for the main street, now"
    refused(services.update_draft, resident, draft, **fields(title="short"), field="title")
    services.discard_draft(resident, draft)
    db.session.commit()
    assert db.session.scalar(select(func.count(Proposal.id))) == 0


# --- publication ----------------------------------------------------------------------------

def test_publishing_makes_it_public_and_the_author_follows_it(db, component, resident,
                                                              neighbour, creating):
    db.session.add(Follow(user_id=neighbour.id, followed_user_id=resident.id))
    db.session.commit()
    draft = services.create_draft(resident, component, **fields())
    services.publish_proposal(resident, draft)
    db.session.commit()
    assert draft.is_published
    assert db.session.scalar(select(Follow.id).where(Follow.user_id == resident.id,
                                                     Follow.resource_id == draft.id))
    told = notifications(db, "proposal_published")
    assert [(n.user_id, n.resource_id, n.actor_id) for n in told] == [
        (neighbour.id, draft.id, resident.id)]
    refused(services.publish_proposal, resident, draft)  # published already


def test_publishing_needs_creation_still_enabled(db, component, resident, configure):
    configure(creation_enabled=True)
    draft = services.create_draft(resident, component, **fields())
    configure(creation_enabled=False)
    refused(services.publish_proposal, resident, draft)
    assert not draft.is_published


def test_the_proposal_limit_counts_published_proposals_not_withdrawn(
        db, component, resident, configure, make_proposal):
    configure(creation_enabled=True, proposal_limit=1)
    draft = services.create_draft(resident, component, **fields())
    make_proposal(author=resident)  # published meanwhile (another tab)
    refused(services.publish_proposal, resident, draft)
    services.discard_draft(resident, draft)
    refused(services.create_draft, resident, component, **fields())
    db.session.execute(Proposal.__table__.update().values(withdrawn_at=utcnow()))
    db.session.commit()
    services.publish_proposal(resident, services.create_draft(resident, component, **fields()))


def test_the_proposal_limit_is_per_component(db, component, resident, configure, make_proposal,
                                             create_component, process):
    configure(creation_enabled=True, proposal_limit=1)
    other = create_component(process, manifest_name="proposals")
    make_proposal(other, author=resident)
    assert services.create_draft(resident, component, **fields()).id


# --- similar proposals ----------------------------------------------------------------------

def test_similar_proposals_share_long_words_of_the_title(db, component, make_proposal,
                                                         create_component, process):
    close = make_proposal(title="Plant more trees on the main street",
                          body="Trees give shade in summer.")
    closer = make_proposal(title="Trees for the main street and the square",
                           body="More trees along the main street, for shade.")
    make_proposal(title="A new library for the north district", body="Books and shade.")
    make_proposal(title="Main street trees, hidden", hidden_at=utcnow())
    make_proposal(title="Main street trees, a draft", published_at=None)
    make_proposal(create_component(process, manifest_name="proposals"),
                  title="Main street trees elsewhere")
    found = services.similar_proposals(component, TITLE, BODY)
    assert found[:2] == [closer, close]
    assert len(found) == 2


def test_similar_proposals_are_five_at_most_and_leave_out_the_draft(db, component, resident,
                                                                    make_proposal):
    for number in range(7):
        make_proposal(title=f"Street trees number {number} for us")
    draft = make_proposal(author=resident, title="Street trees for everybody",
                          published_at=None)
    found = services.similar_proposals(component, draft.title, draft.body, exclude=draft)
    assert len(found) == 5
    assert draft not in found


def test_one_word_in_common_is_not_a_resemblance(db, component, make_proposal):
    make_proposal(title="A community garden on the plot of Sun Street")
    make_proposal(title="Trees along the main street, withdrawn", withdrawn_at=utcnow())
    assert services.similar_proposals(component, TITLE) == []
    short = make_proposal(title="Fountains, fountains, fountains!")
    assert services.similar_proposals(component, "Drinking fountains") == [short]


def test_similar_proposals_with_only_short_words_or_wildcards(db, component, make_proposal):
    make_proposal(title="A 100% green street for all of us")
    assert services.similar_proposals(component, "A is to be or", "") == []
    assert services.similar_proposals(component, "%%%% ____ ____", "") == []


# --- edits ----------------------------------------------------------------------------------

def test_the_author_edits_within_the_window(db, component, resident, neighbour, make_proposal):
    proposal = make_proposal(author=resident)
    refused(services.edit_proposal, neighbour, proposal, **fields(title="Not my proposal, no"))
    services.edit_proposal(resident, proposal, **fields(title="Trees along the whole street"))
    assert proposal.title == "Trees along the whole street"
    refused(services.edit_proposal, resident, proposal, **fields(body=""), field="body")


def test_the_edit_window_closes_after_the_set_minutes(db, component, resident, configure,
                                                      make_proposal):
    proposal = make_proposal(author=resident, published_at=utcnow() - timedelta(minutes=6))
    assert not services.can_edit(resident, proposal)
    refused(services.edit_proposal, resident, proposal, **fields(title="Too late to say this"))
    configure(proposal_edit_time=10)
    assert services.can_edit(resident, proposal)
    configure(proposal_edit_time=0)  # no limit
    proposal.published_at = utcnow() - timedelta(days=300)
    assert services.can_edit(resident, proposal)


def test_no_edit_once_answered_or_withdrawn(db, resident, configure, make_proposal):
    configure(proposal_edit_time=0)
    waiting = make_proposal(author=resident, state="accepted", answered_at=utcnow())
    assert services.can_edit(resident, waiting)  # the answer is not published yet
    answered = make_proposal(author=resident, state="rejected", answered_at=utcnow(),
                             answer_published_at=utcnow())
    refused(services.edit_proposal, resident, answered, **fields())
    withdrawn = make_proposal(author=resident, withdrawn_at=utcnow())
    refused(services.edit_proposal, resident, withdrawn, **fields())


# --- withdrawal -----------------------------------------------------------------------------

def test_withdraw_unless_supported(db, resident, neighbour, configure, make_proposal):
    configure(supports_enabled=True)
    proposal = make_proposal(author=resident)
    refused(services.withdraw_proposal, neighbour, proposal)
    services.support_proposal(neighbour, proposal)
    assert not services.can_withdraw(resident, proposal)
    refused(services.withdraw_proposal, resident, proposal)
    services.unsupport_proposal(neighbour, proposal)
    services.withdraw_proposal(resident, proposal)
    db.session.commit()
    assert proposal.is_withdrawn
    refused(services.withdraw_proposal, resident, proposal)
    refused(services.support_proposal, neighbour, proposal)


def test_a_support_not_counted_yet_still_prevents_withdrawal(db, resident, neighbour,
                                                             configure, make_proposal):
    configure(supports_enabled=True, minimum_supports_per_user=3)
    proposal = make_proposal(author=resident)
    services.support_proposal(neighbour, proposal)
    assert proposal.supports_count == 0
    refused(services.withdraw_proposal, resident, proposal)


# --- supports -------------------------------------------------------------------------------

@pytest.fixture
def supporting(configure):
    configure(supports_enabled=True)


def test_a_support_counts_once(db, resident, neighbour, supporting, make_proposal):
    proposal = make_proposal(author=resident)
    services.support_proposal(neighbour, proposal)
    db.session.commit()
    assert proposal.supports_count == 1
    assert services.has_supported(neighbour, proposal)
    refused(services.support_proposal, neighbour, proposal)
    services.support_proposal(resident, proposal)  # one's own too, as Decidim allows
    assert proposal.supports_count == 2
    services.unsupport_proposal(neighbour, proposal)
    db.session.commit()
    assert proposal.supports_count == 1
    refused(services.unsupport_proposal, neighbour, proposal)


@pytest.mark.parametrize("settings", [
    {"supports_enabled": False}, {"supports_enabled": True, "supports_blocked": True},
])
def test_supports_need_the_phase_open_and_not_blocked(db, neighbour, configure, make_proposal,
                                                      settings):
    configure(supports_enabled=True)
    proposal = make_proposal()
    services.support_proposal(neighbour, proposal)
    configure(**settings)
    refused(services.support_proposal, neighbour, make_proposal())
    refused(services.unsupport_proposal, neighbour, proposal)
    assert not services.can_support(neighbour, proposal)
    assert proposal.supports_count == 1


def test_hidden_supports_can_still_be_given(db, neighbour, configure, make_proposal):
    configure(supports_enabled=True, supports_hidden=True)
    proposal = make_proposal()
    services.support_proposal(neighbour, proposal)
    assert proposal.supports_count == 1


@pytest.mark.parametrize("state", ["withdrawn", "hidden", "draft"])
def test_no_support_for_withdrawn_hidden_or_draft_proposals(db, neighbour, supporting,
                                                            make_proposal, state):
    values = {"withdrawn": {"withdrawn_at": utcnow()}, "hidden": {"hidden_at": utcnow()},
              "draft": {"published_at": None}}[state]
    proposal = make_proposal(**values)
    assert not services.can_support(neighbour, proposal)
    refused(services.support_proposal, neighbour, proposal)


def test_a_rejected_proposal_keeps_its_supports_as_they_are(db, neighbour, resident,
                                                           supporting, make_proposal):
    proposal = make_proposal()
    services.support_proposal(neighbour, proposal)
    proposal.state, proposal.answered_at = "rejected", utcnow()
    db.session.commit()
    services.support_proposal(resident, proposal)  # the answer is not published yet
    services.unsupport_proposal(resident, proposal)
    proposal.answer_published_at = utcnow()
    db.session.commit()
    assert not services.can_support(resident, proposal)
    assert not services.can_support(neighbour, proposal)
    refused(services.support_proposal, resident, proposal)
    refused(services.unsupport_proposal, neighbour, proposal)
    assert proposal.supports_count == 1


@pytest.mark.parametrize("state", ["blocked", "deleted"])
def test_blocked_and_deleted_accounts_cannot_support(db, neighbour, supporting, make_proposal,
                                                     state):
    setattr(neighbour, f"{state}_at", utcnow())
    db.session.commit()
    proposal = make_proposal()
    assert not services.can_support(neighbour, proposal)
    refused(services.support_proposal, neighbour, proposal)


def test_the_support_limit_per_participant(db, component, neighbour, configure, make_proposal,
                                           create_component, process):
    configure(supports_enabled=True, support_limit=2)
    first, second, third = make_proposal(), make_proposal(), make_proposal()
    assert services.remaining_supports(neighbour, component) == 2
    services.support_proposal(neighbour, first)
    services.support_proposal(neighbour, second)
    assert services.remaining_supports(neighbour, component) == 0
    refused(services.support_proposal, neighbour, third)
    services.unsupport_proposal(neighbour, first)
    services.support_proposal(neighbour, third)
    # Per component: supports elsewhere do not count.
    other = create_component(process, manifest_name="proposals")
    configure(other, supports_enabled=True, support_limit=1)
    services.support_proposal(neighbour, make_proposal(other))
    assert services.remaining_supports(neighbour, other) == 0
    assert services.remaining_supports(neighbour, component) == 0


def test_no_limit_means_no_remaining_count(neighbour, component, supporting):
    assert services.remaining_supports(neighbour, component) is None


def test_the_threshold_stops_supports_unless_they_may_accumulate(db, create_user, configure,
                                                                 make_proposal):
    configure(supports_enabled=True, threshold_per_proposal=2)
    proposal = make_proposal()
    follower = create_user()
    follow(follower, resource=proposal)
    first, second, third = create_user(), create_user(), create_user()
    services.support_proposal(first, proposal)
    assert proposal.threshold_reached_at is None
    services.support_proposal(second, proposal)
    db.session.commit()
    assert proposal.threshold_reached_at is not None
    assert [n.user_id for n in notifications(db, "support_threshold_reached")] == [follower.id]
    refused(services.support_proposal, third, proposal)
    configure(can_accumulate_supports_beyond_threshold=True)
    services.support_proposal(third, proposal)
    services.unsupport_proposal(third, proposal)
    services.unsupport_proposal(second, proposal)
    services.support_proposal(second, proposal)
    db.session.commit()
    assert proposal.supports_count == 2
    assert len(notifications(db, "support_threshold_reached")) == 1  # told once


def counted_supports(db, component, minimum: int) -> dict[int, int]:
    """What supports_count must be: the supports of residents who gave `minimum` or more."""
    given = dict(db.session.execute(
        select(Support.user_id, func.count(Support.id)).group_by(Support.user_id)).all())
    counts: dict[int, int] = {}
    for proposal_id, user_id in db.session.execute(select(Support.proposal_id, Support.user_id)):
        if given[user_id] >= minimum:
            counts[proposal_id] = counts.get(proposal_id, 0) + 1
    return counts


def test_supports_count_once_the_participant_gave_the_minimum(db, component, neighbour,
                                                              create_user, configure,
                                                              make_proposal):
    configure(supports_enabled=True, minimum_supports_per_user=3)
    first, second, third = make_proposal(), make_proposal(), make_proposal()
    services.support_proposal(neighbour, first)
    services.support_proposal(neighbour, second)
    assert services.supports_pending(neighbour, component) == 1
    db.session.commit()
    assert (first.supports_count, second.supports_count) == (0, 0)
    services.support_proposal(neighbour, third)
    db.session.commit()
    assert [p.supports_count for p in (first, second, third)] == [1, 1, 1]
    assert services.supports_pending(neighbour, component) == 0
    other = create_user()
    services.support_proposal(other, first)
    services.unsupport_proposal(neighbour, second)  # below the minimum again
    db.session.commit()
    assert [p.supports_count for p in (first, second, third)] == [0, 0, 0]
    expected = counted_supports(db, component, 3)
    assert all(p.supports_count == expected.get(p.id, 0) for p in (first, second, third))


# --- endorsements ---------------------------------------------------------------------------

def test_endorsements_are_public_and_once_each(db, resident, neighbour, configure,
                                               make_proposal):
    proposal = make_proposal(author=resident)
    refused(services.endorse_proposal, neighbour, proposal)
    configure(endorsements_enabled=True)
    services.endorse_proposal(neighbour, proposal)
    services.endorse_proposal(resident, proposal)
    db.session.commit()
    assert proposal.endorsements_count == 2
    assert services.endorsers(proposal) == [neighbour, resident]
    refused(services.endorse_proposal, neighbour, proposal)
    services.unendorse_proposal(neighbour, proposal)
    db.session.commit()
    assert proposal.endorsements_count == 1
    assert not services.has_endorsed(neighbour, proposal)
    refused(services.unendorse_proposal, neighbour, proposal)
    assert db.session.scalar(select(func.count(Endorsement.id))) == 1


def test_no_endorsement_of_a_withdrawn_proposal(db, neighbour, configure, make_proposal):
    configure(endorsements_enabled=True)
    proposal = make_proposal(withdrawn_at=utcnow())
    assert not services.can_endorse(neighbour, proposal)
    refused(services.endorse_proposal, neighbour, proposal)


# --- the list -------------------------------------------------------------------------------

def listed(component, **options) -> list[Proposal]:
    return services.list_proposals(component, **options)[1]


def test_the_list_leaves_out_drafts_hidden_and_withdrawn(db, component, make_proposal):
    shown = make_proposal()
    make_proposal(published_at=None)
    make_proposal(hidden_at=utcnow())
    withdrawn = make_proposal(withdrawn_at=utcnow())
    assert listed(component) == [shown]
    assert listed(component, state="withdrawn") == [withdrawn]


def test_the_list_filters_by_the_published_answer(db, component, make_proposal):
    now = utcnow()
    accepted = make_proposal(state="accepted", answered_at=now, answer_published_at=now)
    secret = make_proposal(state="rejected", answered_at=now)  # not published yet
    waiting = make_proposal()
    assert listed(component, state="accepted") == [accepted]
    assert listed(component, state="rejected") == []
    assert set(listed(component, state="not_answered")) == {secret, waiting}


def test_the_list_filters_by_category_scope_author_and_text(db, component, process, resident,
                                                            make_proposal, create_category,
                                                            create_scope):
    parent = create_category(process)
    child = create_category(process, parent=parent)
    scope = create_scope()
    in_parent = make_proposal(category_id=parent.id)
    in_child = make_proposal(category_id=child.id, scope_id=scope.id)
    mine = make_proposal(author=resident, title="A 100% shaded square, please",
                         body="Trees and awnings.")
    assert set(listed(component, category=parent.id)) == {in_parent, in_child}
    assert listed(component, category=child.id) == [in_child]
    assert listed(component, scope=scope.id) == [in_child]
    assert listed(component, mine=True, viewer=resident) == [mine]
    assert listed(component, mine=True, viewer=None) != [mine]  # no one signed in: ignored
    assert listed(component, q="100%") == [mine]
    assert listed(component, q="AWNINGS") == [mine]
    assert listed(component, q="_%") == []


def test_the_list_orders(db, component, make_proposal):
    old = make_proposal(published_at=utcnow() - timedelta(days=2), supports_count=5)
    middle = make_proposal(published_at=utcnow() - timedelta(days=1), endorsements_count=3,
                           comments_count=1)
    new = make_proposal(comments_count=4)
    assert listed(component, order="recent") == [new, middle, old]
    assert listed(component, order="most_supported") == [old, new, middle]
    assert listed(component, order="most_commented") == [new, middle, old]
    assert listed(component, order="most_endorsed") == [middle, new, old]


def test_the_random_order_is_stable_for_a_seed(db, component, make_proposal):
    for _ in range(30):
        make_proposal()
    first = listed(component, seed=12345, per_page=30)
    assert listed(component, seed=12345, per_page=30) == first
    assert listed(component, seed=999, per_page=30) != first
    assert len(set(first)) == 30


def test_the_list_pages(db, component, make_proposal):
    for _ in range(5):
        make_proposal()
    total, rows, page, pages = services.list_proposals(component, per_page=2, page=99,
                                                       order="recent")
    assert (total, len(rows), page, pages) == (5, 1, 3, 3)


# --- the manifest ---------------------------------------------------------------------------

def test_manifest_hooks(app, db, component, resident, make_proposal, configure):
    manifest = get_manifest("proposals")
    assert not manifest.has_participation(component)
    make_proposal(author=resident, published_at=None)
    assert manifest.has_participation(component)  # a draft is a resident's work too
    make_proposal(title="Benches in the park, please")
    make_proposal()
    make_proposal(hidden_at=utcnow())
    with app.test_request_context():
        assert manifest.summary(component) == "2 proposals"
    stats = {str(label): number
             for label, number in manifest.stats([component])[component.id].items()}
    assert stats == {"Proposals": 2, "Supports": 0, "Endorsements": 0}
    proposal = make_proposal(body="Wooden benches under the trees.")
    assert "Wooden benches" in manifest.search_text(proposal)
    assert manifest.actions == ("create", "support", "comment")
    assert {"support_limit", "threshold_per_proposal", "proposal_length",
            "proposal_edit_time"} <= {s.name for s in manifest.settings}
    assert manifest.setting("proposal_length").default == 500
    assert manifest.setting("proposal_edit_time").default == 5


def test_comment_rules(db, component, configure, make_proposal):
    rules = get_manifest("proposals").comment_rules
    proposal = make_proposal()
    assert (rules(proposal).enabled, rules(proposal).blocked, rules(proposal).alignment) == (
        True, False, True)
    configure(comments_blocked=True)
    assert rules(proposal).blocked
    configure(comments_blocked=False, comments_enabled=False)
    assert not rules(proposal).enabled
    configure(comments_enabled=True)
    assert rules(make_proposal(withdrawn_at=utcnow())).blocked
