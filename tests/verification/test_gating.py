"""Actions that ask for a resident verified against the census: writing and supporting
proposals, commenting on proposals and debates. A resident who is not verified sees a link
to verify instead of the button, is refused (sent to verify, then back), and the
permission predicates say no; once verified, everything works as before."""

from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
from flask import g
from sqlalchemy import func
from sqlalchemy import select

from decide.comments.models import Comment
from decide.comments.services import can_comment
from decide.comments.services import why_not_comment
from decide.components.debates.models import Debate
from decide.components.proposals import services as proposals
from decide.components.proposals.models import Proposal
from decide.components.proposals.models import Support
from decide.core.models import utcnow
from decide.core.services import DomainError
from decide.spaces.views import resource_url
from decide.verification.services import needs_verification
from tests.conftest import change_settings

LONG_TEXT = "The main street has no shade at all in summer: plant trees on both sides."


@pytest.fixture
def process(create_process):
    return create_process(slug="green-streets")


@pytest.fixture
def phase(create_phase, process):
    return create_phase(process, active=True)


@pytest.fixture
def ideas(db, create_component, process, phase):
    """Proposals open for writing, supports and comments, each needing verification."""
    component = create_component(process, manifest_name="proposals")
    return change_settings(component, creation_enabled=True, supports_enabled=True,
                           verify_create=True, verify_support=True, verify_comment=True)


@pytest.fixture
def proposal(db, ideas, create_user):
    made = Proposal(component_id=ideas.id, author_id=create_user().id, locale="en",
                    title="More trees along the main street", body=LONG_TEXT,
                    published_at=utcnow())
    db.session.add(made)
    db.session.commit()
    return made


@pytest.fixture
def debate(db, create_component, process, phase):
    component = change_settings(create_component(process, manifest_name="debates"),
                                verify_comment=True)
    made = Debate(component_id=component.id, official=True, title={"en": "Should it move?"},
                  description={"en": "<p>The market.</p>"})
    db.session.add(made)
    db.session.commit()
    return made


def base(component) -> str:
    return f"/processes/{component.process.slug}/f/{component.id}/proposals"


def verification_target(response) -> str:
    """The `next` of a redirect to the verification page (which must be one)."""
    assert response.status_code in (302, 303), response.status_code
    location = urlsplit(response.location)
    assert location.path == "/verification", response.location
    return parse_qs(location.query)["next"][0]


def count(db, model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(model.id)))


# --- the predicates and services ----------------------------------------------------------

def test_the_predicates_say_no_until_verified(app, db, user, ideas, proposal, debate,
                                              verified):
    assert needs_verification(user, ideas, "create")
    assert not proposals.can_create(user, ideas)
    assert proposals.must_verify_to_create(user, ideas)
    assert not proposals.can_support(user, proposal)
    assert proposals.must_verify_to_support(user, proposal)
    assert why_not_comment(user, proposal) == "verify"
    assert not can_comment(user, debate)

    verified(user)
    db.session.expire_all()
    g.pop("verifications", None)  # a new request

    assert not needs_verification(user, ideas, "create")
    assert proposals.can_create(user, ideas)
    assert not proposals.must_verify_to_create(user, ideas)
    assert proposals.can_support(user, proposal)
    assert not proposals.must_verify_to_support(user, proposal)
    assert can_comment(user, proposal) and can_comment(user, debate)


def test_the_predicates_ask_nothing_when_the_setting_is_off(db, user, ideas, phase, proposal):
    change_settings(ideas, verify_create=False, verify_support=False, verify_comment=False)
    assert proposals.can_create(user, ideas)
    assert not proposals.must_verify_to_create(user, ideas)
    assert proposals.can_support(user, proposal)
    assert can_comment(user, proposal)


def test_closed_actions_do_not_ask_to_verify(db, user, ideas, phase, proposal):
    """Nothing to verify for: writing and supports closed in this phase."""
    change_settings(ideas, creation_enabled=False, supports_enabled=False)
    assert not proposals.must_verify_to_create(user, ideas)
    assert not proposals.must_verify_to_support(user, proposal)


def test_the_services_refuse_an_unverified_resident(db, user, ideas, proposal):
    with pytest.raises(DomainError, match="verified against the census"):
        proposals.create_draft(user, ideas, title="More benches in the square",
                               body=LONG_TEXT)
    db.session.rollback()
    with pytest.raises(DomainError, match="verified against the census"):
        proposals.support_proposal(user, proposal)
    db.session.rollback()
    assert count(db, Support) == 0
    assert count(db, Proposal) == 1


# --- writing a proposal ----------------------------------------------------------------------

def test_the_list_offers_to_verify_instead_of_writing(client, user, login, ideas):
    login(user)
    html = client.get(base(ideas) + "/").get_data(as_text=True)
    assert "Verify your identity to write a proposal" in html
    assert f'href="/verification?next={base(ideas)}/new"' in html
    assert ">New proposal<" not in html


def test_anonymous_visitors_are_asked_to_sign_in_first(client, ideas):
    html = client.get(base(ideas) + "/").get_data(as_text=True)
    assert "Sign in to write a proposal" in html
    assert "Verify your identity" not in html


def test_the_new_proposal_page_sends_to_verify_and_back(client, db, user, login, ideas,
                                                        census):
    census("12345678Z")
    login(user)

    response = client.get(base(ideas) + "/new")
    target = verification_target(response)
    assert target == base(ideas) + "/new"
    posted = client.post(base(ideas) + "/new", data={"title": "More benches in the square",
                                                     "body": LONG_TEXT})
    assert verification_target(posted) == target
    assert count(db, Proposal) == 0

    form = client.get(response.location)
    assert form.status_code == 200
    assert f'value="{target}"' in form.get_data(as_text=True)
    done = client.post("/verification", data={"document": "12345678Z",
                                              "birth_date": "1990-05-17", "next": target})
    assert done.status_code == 303
    assert done.location == target
    assert client.get(target).status_code == 200
    html = client.get(base(ideas) + "/").get_data(as_text=True)
    assert ">New proposal<" in html
    assert "Verify your identity to write a proposal" not in html


def test_a_draft_written_before_cannot_be_published_unverified(client, db, user, login, ideas):
    draft = Proposal(component_id=ideas.id, author_id=user.id, locale="en",
                     title="More benches in the square", body=LONG_TEXT)
    db.session.add(draft)
    db.session.commit()
    login(user)
    response = client.post(f"{base(ideas)}/{draft.id}/publish")
    assert verification_target(response) == f"{base(ideas)}/{draft.id}/preview"
    db.session.refresh(draft)
    assert draft.published_at is None


# --- supports ---------------------------------------------------------------------------------

def test_the_proposal_offers_to_verify_instead_of_supporting(client, user, login, proposal):
    login(user)
    html = client.get(f"{base(proposal.component)}/{proposal.id}").get_data(as_text=True)
    assert "Verify your identity to support this proposal" in html
    assert f"/{proposal.id}/support" not in html


def test_supporting_unverified_sends_to_verify_and_counts_nothing(client, db, user, login,
                                                                  proposal):
    login(user)
    page = f"{base(proposal.component)}/{proposal.id}"
    response = client.post(page + "/support")
    assert verification_target(response) == page + "#supports"
    assert count(db, Support) == 0
    db.session.refresh(proposal)
    assert proposal.supports_count == 0


def test_a_verified_resident_supports(client, db, user, login, proposal, verified):
    verified(user)
    login(user)
    page = f"{base(proposal.component)}/{proposal.id}"
    assert f"{page}/support" in client.get(page).get_data(as_text=True)
    assert client.post(page + "/support").status_code == 302
    assert count(db, Support) == 1


# --- comments ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["proposal", "debate"])
def test_the_comment_form_is_replaced_by_the_link(app, client, user, login, request, kind):
    resource = request.getfixturevalue(kind)
    login(user)
    with app.test_request_context():
        page = resource_url(resource)
    html = client.get(page).get_data(as_text=True)
    assert "Verify your identity to comment" in html
    assert 'name="body"' not in html
    assert f"/comments/{resource.id}" not in html


@pytest.mark.parametrize("kind", ["proposal", "debate"])
def test_commenting_unverified_sends_to_verify_and_back(client, db, user, login, request,
                                                         kind, verified):
    resource = request.getfixturevalue(kind)
    login(user)
    response = client.post(f"/comments/{resource.id}", data={"body": "I agree"})
    assert verification_target(response).endswith("#comments")
    assert count(db, Comment) == 0

    verified(user)
    response = client.post(f"/comments/{resource.id}", data={"body": "I agree"})
    assert response.status_code == 303
    assert count(db, Comment) == 1


def test_replying_and_voting_unverified_are_refused_too(client, db, user, create_user, login,
                                                        proposal):
    other = create_user()
    comment = Comment(component_id=proposal.component_id, commentable_id=proposal.id,
                      author_id=other.id, body="First", locale="en", depth=0,
                      comments_count=0, up_votes=0, down_votes=0)
    db.session.add(comment)
    db.session.commit()
    login(user)
    verification_target(client.get(f"/comments/{comment.id}/reply"))
    verification_target(client.post(f"/comments/{comment.id}/reply", data={"body": "Yes"}))
    verification_target(client.post(f"/comments/{comment.id}/vote", data={"weight": "1"}))
    assert count(db, Comment) == 1
    db.session.refresh(comment)
    assert comment.up_votes == 0


def test_the_authors_own_comment_can_still_be_deleted(client, db, user, login, proposal):
    """Taking back what one wrote needs no verification."""
    comment = Comment(component_id=proposal.component_id, commentable_id=proposal.id,
                      author_id=user.id, body="Mine", locale="en", depth=0,
                      comments_count=0, up_votes=0, down_votes=0)
    db.session.add(comment)
    db.session.commit()
    login(user)
    assert client.post(f"/comments/{comment.id}/delete").status_code == 303
    db.session.refresh(comment)
    assert comment.deleted_at is not None
