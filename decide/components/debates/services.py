"""Debates: put by staff (official, in every language) or, when the active phase allows it, by
residents (in their own language); edited, closed with a conclusion, deleted.

As in Decidim: a resident edits their debate while it is open and nobody has commented yet;
staff edit official debates; the author or staff close a debate with a conclusion, and a
closed debate takes no new comments; a debate with a start and an end takes comments only
between them. Services flush, never commit; staff actions go to the action log.
"""

import html
import re
import unicodedata
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func
from sqlalchemy import select

from decide.comments.models import Comment
from decide.components import CommentRules
from decide.components.debates.models import Debate
from decide.core.html import plain_text
from decide.core.html import sanitize_translated
from decide.core.i18n import translate
from decide.core.models import Resource
from decide.core.models import utcnow
from decide.core.services import DomainError
from decide.core.services import record_action
from decide.extensions import db
from decide.notifications.services import follow
from decide.notifications.services import notify_followers
from decide.spaces.models import Category
from decide.spaces.models import Scope
from decide.spaces.services import can_admin_process
from decide.spaces.services import can_see_component
from decide.spaces.services import component_settings

TITLE_MAX = 150
RESIDENT_TITLE_MIN = 15
RESIDENT_DESCRIPTION_MIN = 15
RESIDENT_DESCRIPTION_MAX = 10_000
STAFF_DESCRIPTION_MAX = 50_000
CONCLUSION_MIN = 10
CONCLUSION_MAX = 10_000
PAGE_SIZE = 20
STATES = ("open", "closed")


# --- permissions ---------------------------------------------------------------------------

def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def _is_staff(user, component) -> bool:
    """Process admins and admins; None is the system (the demo city, commands)."""
    return user is None or can_admin_process(user, component.process)


def _is_author(user, debate: Debate) -> bool:
    return _signed_in(user) and debate.author_id is not None and debate.author_id == user.id


def can_create_debate(user, component) -> bool:
    """Residents (staff too) write a debate when the active phase enables it."""
    return (_signed_in(user) and can_see_component(user, component)
            and bool(component_settings(component)["creation_enabled"]))


def can_edit_debate(user, debate: Debate) -> bool:
    """Its author, while it is open, visible and nobody has commented on it yet (official
    debates are edited in the back office)."""
    return (not debate.official and _is_author(user, debate) and not debate.is_closed
            and not debate.is_hidden and debate.comments_count == 0)


def can_close_debate(user, debate: Debate) -> bool:
    """Its author (while visible) or the process's staff; a closed debate's conclusion can
    be rewritten the same way."""
    if not _signed_in(user):
        return False
    if can_admin_process(user, debate.component.process):
        return True
    return _is_author(user, debate) and not debate.is_hidden


def can_admin_edit_debate(user, debate: Debate) -> bool:
    """Staff edit the official debates; a resident's words stay theirs (moderators hide)."""
    return debate.official and _signed_in(user) and _is_staff(user, debate.component)


def can_delete_debate(user, debate: Debate) -> bool:
    return can_admin_edit_debate(user, debate) and not _has_comments(debate)


def _has_comments(debate: Debate) -> bool:
    """Deleted and hidden comments count too: their replies belong to the thread."""
    if debate.comments_count:
        return True
    return db.session.scalar(
        select(Comment.id).where(Comment.commentable_id == debate.id).limit(1)
    ) is not None


# --- timing ----------------------------------------------------------------------------------

def debate_status(debate: Debate, now: datetime | None = None) -> str:
    """"closed", "upcoming" (before its start), "ended" (after its end) or "open"."""
    if debate.is_closed:
        return "closed"
    now = now or utcnow()
    if debate.start_at is not None and now < debate.start_at:
        return "upcoming"
    if debate.end_at is not None and now > debate.end_at:
        return "ended"
    return "open"


def comment_rules(debate: Debate) -> CommentRules:
    """Shown when the component enables comments; closed to new ones when the phase blocks
    them, the debate is closed, or it has dates and now is outside them. Alignment always."""
    settings = component_settings(debate.component)
    return CommentRules(
        enabled=bool(settings["comments_enabled"]),
        blocked=bool(settings["comments_blocked"]) or debate_status(debate) != "open",
        alignment=True,
        verified_only=bool(settings["verify_comment"]),
    )


# --- checks shared by creation and edits -----------------------------------------------------

def _check_dates(start_at: datetime | None, end_at: datetime | None) -> None:
    if (start_at is None) != (end_at is None):
        raise DomainError(
            _("Give both a start and an end, or neither for an open-ended debate."),
            field="end_at" if start_at else "start_at",
        )
    if start_at is not None and end_at <= start_at:
        raise DomainError(_("The end must be after the start."), field="end_at")


def _check_category(component, category_id: int | None) -> None:
    if category_id is None:
        return
    category = db.session.get(Category, category_id)
    if category is None or category.process_id != component.process_id:
        raise DomainError(_("Choose a category of this process."), field="category_id")


def _check_scope(scope_id: int | None) -> None:
    if scope_id is not None and db.session.get(Scope, scope_id) is None:
        raise DomainError(_("Choose one of the scopes."), field="scope_id")


def _texts(value: dict) -> dict[str, str]:
    return {str(code): text.strip() for code, text in (value or {}).items()
            if isinstance(text, str) and text.strip()}


def _official_texts(title: dict, description: dict) -> tuple[dict, dict]:
    if not isinstance(title, dict) or not isinstance(description, dict):
        raise DomainError(_("Write the texts of an official debate in every language."))
    title = _texts(title)
    if not title:
        raise DomainError(_("Fill in this field."), field="title")
    description = sanitize_translated(_texts(description))
    if not description:
        raise DomainError(_("Fill in this field."), field="description")
    return title, description


def _resident_texts(locale: str, title: str, description: str) -> tuple[dict, dict]:
    if not isinstance(title, str) or not isinstance(description, str):
        raise DomainError(_("A resident's debate is written in one language."))
    title, description = title.strip(), description.strip()
    if not title:
        raise DomainError(_("Fill in this field."), field="title")
    if not description:
        raise DomainError(_("Fill in this field."), field="description")
    return {locale: title}, {locale: description}


def _log(actor, action: str, debate: Debate, **details) -> None:
    record_action(actor, action, debate, process_id=debate.component.process_id,
                  details={"component": debate.component_id, **details})


# --- writing ---------------------------------------------------------------------------------

def create_debate(actor, component, *, title, description, category_id: int | None = None,
                  scope_id: int | None = None, start_at: datetime | None = None,
                  end_at: datetime | None = None) -> Debate:
    """An official debate when `title` and `description` are {locale: text} (staff only; the
    description is rich text, sanitized); a resident's debate when they are plain strings
    (written in the author's language, the description plain text), if the phase allows it.

    Dates are naive UTC; both or neither (open-ended).
    """
    official = isinstance(title, dict)
    if official:
        if not _is_staff(actor, component):
            raise DomainError(_("Only the staff of this process can put official debates."))
        title, description = _official_texts(title, description)
    else:
        if not can_create_debate(actor, component):
            raise DomainError(_("Debates cannot be created in this phase."))
        title, description = _resident_texts(actor.locale, title, description)
    _check_dates(start_at, end_at)
    _check_category(component, category_id)
    _check_scope(scope_id)
    debate = Debate(
        component_id=component.id, component=component,
        author_id=None if official else actor.id,
        title=title, description=description, official=official,
        category_id=category_id, scope_id=scope_id, start_at=start_at, end_at=end_at,
        conclusion={},
    )
    db.session.add(debate)
    db.session.flush()
    if official:
        _log(actor, "create", debate)
    else:
        follow(actor, resource=debate)  # authors follow what they start
    return debate


def update_debate(actor, debate: Debate, *, title, description, category_id: int | None = None,
                  scope_id: int | None = None, start_at: datetime | None = None,
                  end_at: datetime | None = None) -> None:
    """Staff edit an official debate ({locale: text}) at any time; an author edits their own
    (plain strings, kept in the language it was written in) while nobody has commented."""
    component = debate.component
    if debate.official:
        if not _is_staff(actor, component):
            raise DomainError(_("Only the staff of this process can edit an official debate."))
        title, description = _official_texts(title, description)
    else:
        if not can_edit_debate(actor, debate):
            raise DomainError(
                _("You can edit your debate only while it is open and nobody has commented.")
            )
        locale = next(iter(debate.title), actor.locale)
        title, description = _resident_texts(locale, title, description)
    _check_dates(start_at, end_at)
    _check_category(component, category_id)
    _check_scope(scope_id)
    debate.title, debate.description = title, description
    debate.category_id, debate.scope_id = category_id, scope_id
    debate.start_at, debate.end_at = start_at, end_at
    db.session.flush()
    if _is_staff(actor, component):
        _log(actor, "update", debate)


def close_debate(actor, debate: Debate, conclusion) -> None:
    """Close with a conclusion ({locale: text} from the back office, a plain string in the
    closer's language from the debate's page). Closing again rewrites the conclusion; the
    followers are told the first time."""
    if actor is not None and not can_close_debate(actor, debate):
        raise DomainError(_("Only the author or the staff of this process can close this "
                            "debate."))
    texts = _texts(conclusion) if isinstance(conclusion, dict) else _texts(
        {actor.locale if actor is not None else "": conclusion}
    )
    if not texts:
        raise DomainError(_("Write the conclusion of the debate."), field="conclusion")
    first_time = not debate.is_closed
    debate.conclusion = texts
    debate.closed_at = debate.closed_at or utcnow()
    debate.closed_by_id = actor.id if actor is not None else None
    db.session.flush()
    if _is_staff(actor, debate.component):
        _log(actor, "close", debate)
    if first_time:
        notify_followers("debate_closed", debate, actor=actor)


def delete_debate(actor, debate: Debate) -> None:
    """Official debates nobody has commented on (a resident's debate is hidden by
    moderation, never deleted by staff)."""
    if not debate.official or not _is_staff(actor, debate.component):
        raise DomainError(_("Only official debates can be deleted."))
    if _has_comments(debate):
        raise DomainError(_("This debate has comments, so it cannot be deleted. Close it "
                            "instead."))
    _log(actor, "delete", debate)
    db.session.delete(debate)
    db.session.flush()


# --- reading ---------------------------------------------------------------------------------

TAG = re.compile(r"<[^>]*>")


def _fold(text: str) -> str:
    """Lower-case and without accents, so "arbres" finds "Àrbres"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _searchable(title: dict, description: dict) -> str:
    texts = [*(title or {}).values(),
             *(html.unescape(TAG.sub(" ", text)) for text in (description or {}).values())]
    return _fold(" ".join(texts))


def find_debates(component, *, state: str = "", category_ids: list[int] | None = None,
                 scope_id: int | None = None, text: str = "", page: int = 1,
                 per_page: int = PAGE_SIZE) -> tuple[list[Debate], int, int]:
    """A page of the component's visible debates (never the hidden ones), newest first, with
    the total and the page actually shown: two queries, whatever the number of debates.

    Words are searched in every language of the title and the description, ignoring case
    and accents: the texts are stored as JSON (where the database sees escapes, not
    letters), and a debates component holds hundreds of debates, not millions, so the
    matching happens here, on the titles and descriptions alone.
    """
    conditions = [Debate.component_id == component.id, Resource.hidden_at.is_(None)]
    if state == "open":
        conditions.append(Debate.closed_at.is_(None))
    elif state == "closed":
        conditions.append(Debate.closed_at.is_not(None))
    if category_ids is not None:
        conditions.append(Debate.category_id.in_(category_ids))
    if scope_id is not None:
        conditions.append(Debate.scope_id == scope_id)
    newest_first = (Debate.created_at.desc(), Debate.id.desc())
    words = [_fold(word) for word in text.split()[:10]]
    if words:
        rows = db.session.execute(
            select(Debate.id, Debate.title, Debate.description).where(*conditions)
            .order_by(*newest_first)
        ).all()
        found = [row.id for row in rows
                 if all(word in _searchable(row.title, row.description) for word in words)]
        total = len(found)
    else:
        total = db.session.scalar(select(func.count(Debate.id)).where(*conditions))
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    if words:
        shown = found[(page - 1) * per_page:page * per_page]
        by_id = {debate.id: debate for debate in db.session.scalars(
            select(Debate).where(Debate.id.in_(shown))
        )} if shown else {}
        return [by_id[debate_id] for debate_id in shown], total, page
    debates = db.session.scalars(
        select(Debate).where(*conditions).order_by(*newest_first)
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    return debates, total, page


def commented_ids(debates) -> set[int]:
    """Which of these debates have any comment (deleted and hidden ones too): one query."""
    ids = [debate.id for debate in debates]
    if not ids:
        return set()
    return set(db.session.scalars(
        select(Comment.commentable_id).where(Comment.commentable_id.in_(ids)).distinct()
    ))


def count_debates(component) -> int:
    return db.session.scalar(
        select(func.count(Debate.id)).where(Debate.component_id == component.id,
                                            Resource.hidden_at.is_(None))
    )


# --- the manifest's hooks ----------------------------------------------------------------------

def summary(component) -> str:
    count = count_debates(component)
    return ngettext("%(num)d debate", "%(num)d debates", count)


def stats(components) -> dict[int, dict]:
    ids = [component.id for component in components]
    counts = dict(db.session.execute(
        select(Debate.component_id, func.count(Debate.id))
        .where(Debate.component_id.in_(ids), Resource.hidden_at.is_(None))
        .group_by(Debate.component_id)
    ).all())
    return {id_: {_l("Debates"): counts.get(id_, 0)} for id_ in ids}


def has_participation(component) -> bool:
    """Residents wrote a debate or commented on one."""
    resident_debate = select(Debate.id).where(Debate.component_id == component.id,
                                              Resource.author_id.is_not(None)).limit(1)
    debates = select(Debate.id).where(Debate.component_id == component.id)
    commented = select(Comment.id).where(Comment.commentable_id.in_(debates)).limit(1)
    return (db.session.scalar(resident_debate) is not None
            or db.session.scalar(commented) is not None)



def search_text(debate: Debate) -> str:
    """Every language of the title, description and conclusion, as plain text."""
    parts = [*debate.title.values(), *(plain_text(text) for text in debate.description.values()),
             *(debate.conclusion or {}).values()]
    return " ".join(part for part in parts if part)


def _when(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") + "Z" if value else ""


def export(component) -> list[dict]:
    """Every debate of the component, hidden ones too (marked), for staff."""
    debates = db.session.scalars(
        select(Debate).where(Debate.component_id == component.id)
        .order_by(Debate.created_at, Debate.id)
    ).all()
    return [{
        "id": debate.id,
        "title": translate(debate.title),
        "description": plain_text(translate(debate.description)),
        "official": debate.official,
        "author": debate.author.nickname if debate.author else "",
        "category": translate(debate.category.name) if debate.category else "",
        "scope": translate(debate.scope.name) if debate.scope else "",
        "start_at": _when(debate.start_at),
        "end_at": _when(debate.end_at),
        "status": debate_status(debate),
        "closed_at": _when(debate.closed_at),
        "conclusion": translate(debate.conclusion),
        "comments": debate.comments_count,
        "hidden": debate.is_hidden,
        "created_at": _when(debate.created_at),
    } for debate in debates]
