"""A test-only kind of commentable resource ("notes"), so comments are tested without the
proposals or debates components; and factories for notes and comments.

    note = create_note()                       # in a published "notes" component
    notes_kind.extra["rules"] = CommentRules(alignment=True)   # what the kind allows now
    comment = create_comment(note, author, body="Hello", parent=None)   # via the service
"""

from itertools import count

import pytest
from flask import Blueprint

from decide.comments import services
from decide.components import CommentRules
from decide.components import Manifest
from decide.core.models import Resource


class Note(Resource):
    """A resource of a kind that exists only in these tests. Single-table inheritance: it
    needs no table (and no migration) of its own."""

    __mapper_args__ = {"polymorphic_identity": "test_note"}

    @property
    def summary(self) -> str:
        return f"Note {self.id}"

    def link(self) -> tuple[str, dict]:
        return "processes.show", {"slug": self.component.process.slug}


@pytest.fixture
def notes_kind(app, monkeypatch):
    """The "notes" kind, registered for one test; `extra["rules"]` is what its comment rules
    answer (comments on, not blocked, no alignment unless a test says otherwise)."""
    extra = {"rules": CommentRules()}
    manifest = Manifest(name="notes", label="Notes", public=Blueprint("notes", __name__),
                        comment_rules=lambda resource: extra["rules"], extra=extra)
    monkeypatch.setitem(app.extensions["decide.components"], "notes", manifest)
    return manifest


@pytest.fixture
def notes_component(notes_kind, create_process, create_phase, create_component):  # noqa: F811
    process = create_process()
    create_phase(process, active=True)
    return create_component(process, manifest_name="notes")


@pytest.fixture
def create_note(db, notes_component):
    default_id = notes_component.id

    def make(component=None, **overrides) -> Note:
        note = Note(component_id=component.id if component else default_id, comments_count=0,
                    **overrides)
        db.session.add(note)
        db.session.commit()
        return note

    return make


@pytest.fixture
def note(create_note):
    return create_note()


@pytest.fixture
def create_comment(db):
    """A comment made through the service, committed."""
    numbers = count(1)

    def make(resource, author, *, body: str | None = None, **kwargs):
        comment = services.create_comment(author, resource,
                                          body=body or f"Comment number {next(numbers)}",
                                          **kwargs)
        db.session.commit()
        return comment

    return make
