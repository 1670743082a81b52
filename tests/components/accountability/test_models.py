"""The tables hold what the services rely on."""

import pytest
from sqlalchemy.exc import IntegrityError

from decide.components.accountability.models import Confirmation


def test_a_result_and_its_children_and_timeline(db, make_result, make_entry, default_statuses):
    statuses = default_statuses()
    parent = make_result(status=statuses["in_progress"])
    child = make_result(parent=parent)
    make_entry(parent)
    assert parent.progress == 50
    assert [each.id for each in parent.children] == [child.id]
    assert len(parent.timeline) == 1
    assert parent.summary == parent.title["en"]


def test_a_resident_confirms_a_result_once(db, make_result, create_user):
    result, user = make_result(progress=100), create_user()
    db.session.add(Confirmation(result_id=result.id, user_id=user.id, answer="yes"))
    db.session.commit()
    db.session.add(Confirmation(result_id=result.id, user_id=user.id, answer="no"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize("progress", [-1, 101])
def test_progress_is_a_percentage(db, make_result, progress):
    with pytest.raises(IntegrityError):
        make_result(progress=progress)
    db.session.rollback()
