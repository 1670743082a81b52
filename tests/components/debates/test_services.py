"""Debates: the domain rules, at service level."""

import pytest
from sqlalchemy import select

from decide.comments.models import Comment
from decide.components import get_manifest
from decide.components.debates import services
from decide.components.debates.models import Debate
from decide.core.models import ActionLog
from decide.core.services import DomainError
from decide.notifications.models import Follow
from decide.notifications.models import Notification
from decide.spaces.models import Role
from tests.components.debates.conftest import hours
from tests.components.debates.conftest import now

RESIDENT_TEXT = {"title": "Should the market move to the square?",
                 "description": "The market blocks the high street every Saturday."}
OFFICIAL_TEXT = {"title": {"en": "Which streets get trees first?",
                           "es": "¿Qué calles tendrán árboles primero?"},
                 "description": {"en": "<p>We plant 400 trees a year.</p>"}}


def logged(db, action: str) -> list[ActionLog]:
    return db.session.scalars(select(ActionLog).where(ActionLog.action == action,
                                                      ActionLog.resource_type == "debate")
                              ).all()


def add_comment(db, debate, author, **values) -> Comment:
    comment = Comment(component_id=debate.component_id, author_id=author.id,
                      commentable_id=debate.id, body="I agree.", locale="en", depth=0,
                      **values)
    db.session.add(comment)
    db.session.commit()
    return comment


# --- creation ---------------------------------------------------------------------------------

def test_a_resident_creates_a_debate_when_the_phase_allows_it(db, component, set_phase,
                                                              resident):
    set_phase(creation_enabled=True)
    assert services.can_create_debate(resident, component)

    debate = services.create_debate(resident, component, **RESIDENT_TEXT)
    db.session.commit()

    assert debate.author_id == resident.id and not debate.official
    # In the author's language, as written.
    assert debate.title == {"ca": RESIDENT_TEXT["title"]}
    assert debate.description == {"ca": RESIDENT_TEXT["description"]}
    assert debate.start_at is None and debate.end_at is None
    assert services.debate_status(debate) == "open"
    # The author follows their debate; residents' writing is not a staff action.
    assert db.session.scalars(select(Follow).where(Follow.user_id == resident.id,
                                                   Follow.resource_id == debate.id)).one()
    assert logged(db, "create") == []


@pytest.mark.parametrize("phase_values", [{}, {"creation_enabled": False}])
def test_a_resident_cannot_create_when_the_phase_does_not_allow_it(db, component, set_phase,
                                                                   resident, phase_values):
    set_phase(**phase_values)
    assert not services.can_create_debate(resident, component)
    with pytest.raises(DomainError, match="cannot be created in this phase"):
        services.create_debate(resident, component, **RESIDENT_TEXT)


def test_creation_follows_the_active_phase(db, component, set_phase, resident, create_phase):
    set_phase(creation_enabled=True)
    later = create_phase(component.process, title={"en": "Closing"})
    assert services.can_create_debate(resident, component)
    current = next(p for p in component.process.phases if p.active)
    current.active, later.active = False, True
    db.session.commit()
    assert not services.can_create_debate(resident, component)


def test_nobody_creates_without_an_account_or_in_a_hidden_component(db, component, set_phase,
                                                                    resident, app):
    set_phase(creation_enabled=True)
    assert not services.can_create_debate(None, component)
    assert not services.can_create_debate(app.login_manager.anonymous_user(), component)
    component.published_at = None
    db.session.commit()
    assert not services.can_create_debate(resident, component)


def test_staff_create_official_debates_in_every_language_sanitized(db, component,
                                                                   process_admin):
    debate = services.create_debate(
        process_admin, component,
        title={"en": " Which streets? ", "es": "¿Qué calles?", "fr": ""},
        description={"en": '<p onclick="x()">Trees</p><script>alert(1)</script>',
                     "es": "<p>Árboles</p>"},
        start_at=now() + hours(1), end_at=now() + hours(5),
    )
    db.session.commit()

    assert debate.official and debate.author_id is None  # the council's
    assert debate.title == {"en": "Which streets?", "es": "¿Qué calles?"}
    assert debate.description == {"en": "<p>Trees</p>alert(1)", "es": "<p>Árboles</p>"}
    assert services.debate_status(debate) == "upcoming"
    # Who did it stays in the action log.
    [entry] = logged(db, "create")
    assert entry.user_id == process_admin.id and entry.process_id == component.process_id
    assert entry.resource_id == debate.id and entry.resource_label["en"] == "Which streets?"


def test_residents_cannot_create_official_debates(db, component, set_phase, resident):
    set_phase(creation_enabled=True)
    with pytest.raises(DomainError, match="Only the staff"):
        services.create_debate(resident, component, **OFFICIAL_TEXT)


def test_staff_of_another_process_cannot_create_official_debates(db, component, create_user,
                                                                 create_process, grant):
    outsider = create_user()
    grant(outsider, create_process(), Role.PROCESS_ADMIN)
    with pytest.raises(DomainError):
        services.create_debate(outsider, component, **OFFICIAL_TEXT)


@pytest.mark.parametrize("start, end, field", [
    (2, 1, "end_at"),        # end before start
    (2, 2, "end_at"),        # no time at all
    (None, 2, "start_at"),   # only an end
    (2, None, "end_at"),     # only a start
])
def test_dates_come_both_and_in_order(db, component, process_admin, start, end, field):
    moment = now()
    with pytest.raises(DomainError) as error:
        services.create_debate(process_admin, component, **OFFICIAL_TEXT,
                               start_at=start and moment + hours(start),
                               end_at=end and moment + hours(end))
    assert error.value.field == field
    assert db.session.scalars(select(Debate)).all() == []


def test_the_category_must_be_of_this_process(db, component, process_admin, create_category,
                                              create_process, create_scope):
    other = create_category(create_process())
    with pytest.raises(DomainError) as error:
        services.create_debate(process_admin, component, **OFFICIAL_TEXT, category_id=other.id)
    assert error.value.field == "category_id"
    with pytest.raises(DomainError) as error:
        services.create_debate(process_admin, component, **OFFICIAL_TEXT, scope_id=987654)
    assert error.value.field == "scope_id"
    mine, scope = create_category(component.process), create_scope()
    debate = services.create_debate(process_admin, component, **OFFICIAL_TEXT,
                                    category_id=mine.id, scope_id=scope.id)
    assert debate.category is mine and debate.scope is scope


@pytest.mark.parametrize("field", ["title", "description"])
def test_empty_texts_are_refused(db, component, set_phase, resident, process_admin, field):
    set_phase(creation_enabled=True)
    with pytest.raises(DomainError) as error:
        services.create_debate(resident, component, **{**RESIDENT_TEXT, field: "   "})
    assert error.value.field == field
    with pytest.raises(DomainError) as error:
        services.create_debate(process_admin, component, **{**OFFICIAL_TEXT, field: {"en": ""}})
    assert error.value.field == field


# --- edits ------------------------------------------------------------------------------------

def test_the_author_edits_while_open_and_uncommented(db, component, create_debate, resident,
                                                     other_resident, process_admin):
    debate = create_debate(author=resident)
    assert services.can_edit_debate(resident, debate)
    assert not services.can_edit_debate(other_resident, debate)
    assert not services.can_edit_debate(process_admin, debate)  # staff: official ones only

    services.update_debate(resident, debate, title="A better title for this one",
                           description="Now with more detail.")
    db.session.commit()
    assert debate.title == {"ca": "A better title for this one"}  # its language kept

    with pytest.raises(DomainError):
        services.update_debate(other_resident, debate, **RESIDENT_TEXT)
    with pytest.raises(DomainError):
        services.update_debate(process_admin, debate, **RESIDENT_TEXT)


def test_the_author_cannot_edit_once_commented_or_closed(db, component, create_debate,
                                                         resident, other_resident):
    commented = create_debate(author=resident, comments_count=1)
    closed = create_debate(author=resident, closed_at=now(), conclusion={"ca": "Fet i fet."})
    hidden = create_debate(author=resident, hidden_at=now())
    for debate in (commented, closed, hidden):
        assert not services.can_edit_debate(resident, debate)
        with pytest.raises(DomainError, match="nobody has commented"):
            services.update_debate(resident, debate, **RESIDENT_TEXT)


def test_staff_edit_official_debates_even_with_comments(db, component, create_debate,
                                                        process_admin, resident):
    debate = create_debate(comments_count=3)
    assert services.can_admin_edit_debate(process_admin, debate)
    assert not services.can_admin_edit_debate(resident, debate)

    services.update_debate(process_admin, debate, title={"en": "New title"},
                           description={"en": "<p>New <em>text</em></p><iframe></iframe>"},
                           start_at=now(), end_at=now() + hours(24))
    db.session.commit()

    assert debate.title == {"en": "New title"}
    assert debate.description == {"en": "<p>New <em>text</em></p>"}
    assert services.debate_status(debate) == "open"
    assert [entry.user_id for entry in logged(db, "update")] == [process_admin.id]
    with pytest.raises(DomainError):
        services.update_debate(resident, debate, **OFFICIAL_TEXT)


# --- closing ---------------------------------------------------------------------------------

def test_the_author_closes_with_a_conclusion_and_followers_are_told(db, component,
                                                                    create_debate, resident,
                                                                    other_resident):
    from decide.notifications.services import follow

    debate = create_debate(author=resident)
    follow(resident, resource=debate)
    follow(other_resident, resource=debate)
    db.session.commit()
    assert services.can_close_debate(resident, debate)

    services.close_debate(resident, debate, "  We agreed to move the market.  ")
    db.session.commit()

    assert debate.is_closed and debate.closed_by_id == resident.id
    assert debate.conclusion == {"ca": "We agreed to move the market."}
    told = db.session.scalars(select(Notification).where(Notification.event == "debate_closed"))
    # The followers, never the one who closed it.
    assert {(n.user_id, n.resource_id, n.actor_id) for n in told} == {
        (other_resident.id, debate.id, resident.id)
    }
    assert logged(db, "close") == []  # not a staff action

    # Rewriting the conclusion keeps the first closing date and tells nobody again.
    closed_at = debate.closed_at
    services.close_debate(resident, debate, "We agreed to move it in May.")
    db.session.commit()
    assert debate.closed_at == closed_at
    assert debate.conclusion == {"ca": "We agreed to move it in May."}
    assert db.session.query(Notification).count() == 1


def test_staff_close_any_debate_and_it_is_logged(db, component, create_debate, resident,
                                                 process_admin):
    debate = create_debate(author=resident)
    official = create_debate()
    assert services.can_close_debate(process_admin, debate)

    services.close_debate(process_admin, debate, "Closed by the council for now.")
    services.close_debate(process_admin, official, {"en": "Most want trees.", "es": ""})
    db.session.commit()

    assert debate.conclusion == {"en": "Closed by the council for now."}  # the closer's language
    assert official.conclusion == {"en": "Most want trees."}
    assert {entry.resource_id for entry in logged(db, "close")} == {debate.id, official.id}


def test_others_cannot_close_and_a_conclusion_is_needed(db, component, create_debate,
                                                        resident, other_resident, create_user,
                                                        grant):
    debate = create_debate(author=resident)
    moderator = create_user()
    grant(moderator, component.process, Role.MODERATOR)
    for person in (other_resident, moderator):
        assert not services.can_close_debate(person, debate)
        with pytest.raises(DomainError, match="Only the author"):
            services.close_debate(person, debate, "Closing someone else's debate.")
    assert not services.can_close_debate(None, debate)
    for empty in ("", "   ", {"en": " "}, {}):
        with pytest.raises(DomainError) as error:
            services.close_debate(resident, debate, empty)
        assert error.value.field == "conclusion"
    assert not debate.is_closed


def test_a_hidden_debate_cannot_be_closed_by_its_author(db, component, create_debate, resident,
                                                        process_admin):
    debate = create_debate(author=resident, hidden_at=now())
    assert not services.can_close_debate(resident, debate)
    assert services.can_close_debate(process_admin, debate)


# --- comments ---------------------------------------------------------------------------------

def rules(debate):
    return get_manifest("debates").comment_rules(debate)


def test_comments_are_open_with_alignment_on_an_open_debate(component, create_debate):
    debate = create_debate()
    assert (rules(debate).enabled, rules(debate).blocked, rules(debate).alignment) == (
        True, False, True
    )


def test_a_closed_debate_takes_no_new_comments(db, component, create_debate, resident):
    debate = create_debate(author=resident)
    services.close_debate(resident, debate, "We reached an agreement.")
    assert rules(debate).enabled and rules(debate).blocked


@pytest.mark.parametrize("start, end, blocked", [
    (1, 2, True),      # not started yet
    (-2, -1, True),    # ended
    (-1, 1, False),    # running
])
def test_a_debate_with_dates_takes_comments_only_between_them(component, create_debate, start,
                                                               end, blocked):
    debate = create_debate(start_at=now() + hours(start), end_at=now() + hours(end))
    assert rules(debate).blocked is blocked


def test_the_settings_switch_comments(component, create_debate, set_phase, set_setting):
    debate = create_debate()
    set_phase(comments_blocked=True)
    assert rules(debate).enabled and rules(debate).blocked
    set_setting(comments_enabled=False)
    assert not rules(debate).enabled


# --- deletion ---------------------------------------------------------------------------------

def test_staff_delete_official_debates_without_comments(db, component, create_debate,
                                                        process_admin, resident):
    official = create_debate()
    commented = create_debate()
    add_comment(db, commented, resident, deleted_at=now())  # a deleted comment counts too
    residents = create_debate(author=resident)

    assert services.can_delete_debate(process_admin, official)
    assert not services.can_delete_debate(process_admin, commented)
    assert not services.can_delete_debate(process_admin, residents)
    with pytest.raises(DomainError, match="has comments"):
        services.delete_debate(process_admin, commented)
    with pytest.raises(DomainError, match="Only official"):
        services.delete_debate(process_admin, residents)
    with pytest.raises(DomainError):
        services.delete_debate(resident, official)

    services.delete_debate(process_admin, official)
    db.session.commit()
    assert db.session.get(Debate, official.id) is None
    assert [entry.resource_id for entry in logged(db, "delete")] == [official.id]


# --- the manifest's hooks ---------------------------------------------------------------------

def test_summary_stats_and_participation(db, component, create_debate, resident, app):
    manifest = get_manifest("debates")
    assert manifest.summary(component) == "0 debates"
    assert not manifest.has_participation(component)
    create_debate()
    create_debate()
    create_debate(hidden_at=now())
    assert manifest.summary(component) == "2 debates"
    assert {str(k): v for k, v in manifest.stats([component])[component.id].items()} == {
        "Debates": 2}
    assert not manifest.has_participation(component)  # only the council's debates
    official = create_debate()
    add_comment(db, official, resident)
    assert manifest.has_participation(component)


def test_a_residents_debate_is_participation(component, create_debate, resident):
    create_debate(author=resident)
    assert get_manifest("debates").has_participation(component)


def test_search_text_and_export(db, component, create_debate, resident):
    manifest = get_manifest("debates")
    debate = create_debate(description={"en": "<p>About <strong>trees</strong></p>"},
                           closed_at=now(), conclusion={"en": "Plant more."})
    mine = create_debate(author=resident)
    text = manifest.search_text(debate)
    assert "Official debate" in text and "Debate oficial" in text
    assert "About trees" in text and "<p>" not in text and "Plant more." in text

    rows = manifest.export(component)
    assert [row["id"] for row in rows] == [debate.id, mine.id]
    assert rows[0]["status"] == "closed" and rows[0]["description"] == "About trees"
    assert rows[0]["author"] == "" and rows[1]["author"] == "maria"


def test_find_debates_filters_and_never_lists_hidden_ones(db, component, create_debate,
                                                          create_category, create_scope,
                                                          resident):
    parent = create_category(component.process)
    child = create_category(component.process, parent=parent)
    scope = create_scope()
    open_one = create_debate(category_id=child.id, title={"en": "Árboles en la calle"})
    closed = create_debate(closed_at=now(), conclusion={"en": "Done."}, scope_id=scope.id)
    create_debate(hidden_at=now())
    mine = create_debate(author=resident, title={"ca": "Un 100% de carrers_amb arbres"},
                         description={"ca": "Més <strong>ombra</strong>"})

    def ids(**filters):
        return [debate.id for debate in services.find_debates(component, **filters)[0]]

    assert ids() == [mine.id, closed.id, open_one.id]
    assert ids(state="open") == [mine.id, open_one.id]
    assert ids(state="closed") == [closed.id]
    assert ids(category_ids=[parent.id, child.id]) == [open_one.id]
    assert ids(scope_id=scope.id) == [closed.id]
    assert ids(text="arboles") == [open_one.id]        # without accents, any case
    assert ids(text="ÁRBOLES calle") == [open_one.id]  # every word
    assert ids(text="árboles plaza") == []
    assert ids(text="100%") == [mine.id]               # no wildcards: plain text
    assert ids(text="carrers_amb") == [mine.id]
    assert ids(text="strong") == []                    # the markup is not text
    assert ids(text="<p>") == []
    assert ids(text="DESCRIPTION") == [closed.id, open_one.id]  # descriptions too
    assert ids(text="description", state="closed") == [closed.id]
    debates, total, page = services.find_debates(component, page=99, per_page=2)
    assert (total, page, [d.id for d in debates]) == (3, 2, [open_one.id])


def test_texts_of_the_wrong_shape_are_refused_not_crashed(db, component, create_debate,
                                                          set_phase, resident, process_admin):
    set_phase(creation_enabled=True)
    official = create_debate(author_id=process_admin.id)  # even an official one with an author
    assert not services.can_edit_debate(process_admin, official)
    with pytest.raises(DomainError, match="every language"):
        services.update_debate(process_admin, official, **RESIDENT_TEXT)
    with pytest.raises(DomainError, match="every language"):
        services.create_debate(process_admin, component, title={"en": "A title"},
                               description="plain")
    mine = create_debate(author=resident)
    with pytest.raises(DomainError, match="one language"):
        services.update_debate(resident, mine, title="A fine title for it", description={})
    with pytest.raises(DomainError):
        services.close_debate(resident, mine, ["not", "text"])
