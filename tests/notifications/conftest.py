"""Factories for notifications tests: a process with a proposals component, resources of
each kind written as rows (the services of each kind are tested on their own), follows and
notifications.

    proposal = create_proposal(author=user)
    comment = create_comment(proposal, author=other)
    create_notification(user, "comment_created", resource=comment, actor=other)
"""

from itertools import count

import pytest
from flask import url_for

from decide.comments.models import Comment
from decide.components.debates.models import Debate
from decide.components.proposals.models import Proposal
from decide.core.models import utcnow
from decide.notifications.models import Notification


@pytest.fixture(autouse=True)
def resource_pages(app, monkeypatch):
    """While a kind's public page is not built yet, its resources link to their process
    page (with an anchor), so these tests do not depend on the order modules are written."""
    for model, endpoint in ((Proposal, "proposals.show"), (Debate, "debates.show")):
        if endpoint not in app.view_functions:
            monkeypatch.setattr(model, "link", lambda self: (
                "processes.show", {"slug": self.component.process.slug,
                                   "_anchor": f"{self.kind}-{self.id}"}))


@pytest.fixture
def process(create_process, create_phase):
    process = create_process(slug="green-streets", title={"en": "Green Streets",
                                                          "es": "Calles verdes"})
    create_phase(process, active=True, title={"en": "Ideas", "es": "Ideas"})
    return process


@pytest.fixture
def proposals_component(process, create_component):
    return create_component(process, manifest_name="proposals")


@pytest.fixture
def create_proposal(db, proposals_component, create_user):
    numbers = count(1)

    def make(*, author=None, component=None, published=True, **overrides) -> Proposal:
        number = next(numbers)
        values = {
            "title": f"More trees on street number {number}",
            "body": "Shade for everyone in the summer.",
            "locale": "en",
            "published_at": utcnow() if published else None,
        }
        values.update(overrides)
        proposal = Proposal(component=component or proposals_component,
                            author=author or create_user(), **values)
        db.session.add(proposal)
        db.session.commit()
        return proposal

    return make


@pytest.fixture
def create_debate(db, process, create_component):
    component = create_component(process, manifest_name="debates")
    numbers = count(1)

    def make(**overrides) -> Debate:
        number = next(numbers)
        values = {"title": {"en": f"Debate {number}"}, "description": {"en": "Talk."}}
        values.update(overrides)
        debate = Debate(component=component, **values)
        db.session.add(debate)
        db.session.commit()
        return debate

    return make


@pytest.fixture
def create_comment(db, create_user):
    def make(commentable, *, author=None, parent=None, **overrides) -> Comment:
        values = {"body": "I agree, and benches too.", "locale": "en",
                  "depth": parent.depth + 1 if parent else 0}
        values.update(overrides)
        comment = Comment(component_id=commentable.component_id, commentable=commentable,
                          parent=parent, author=author or create_user(), **values)
        db.session.add(comment)
        db.session.commit()
        return comment

    return make


@pytest.fixture
def create_notification(db):
    def make(user, event="comment_created", *, read=False, **values) -> Notification:
        notification = Notification(user=user, event=event, read_at=utcnow() if read else None,
                                    data=values.pop("data", {}), **values)
        db.session.add(notification)
        db.session.commit()
        return notification

    return make


@pytest.fixture
def url(app):
    def build(endpoint, **values):
        with app.test_request_context():
            return url_for(endpoint, **values)

    return build
