"""Accountability services: statuses, results and their progress, timelines, follows,
notifications and the residents' confirmations. They flush, never commit, and raise
DomainError with a translatable message."""

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func
from sqlalchemy import select

from decide.components.accountability.models import Confirmation
from decide.components.accountability.models import Result
from decide.core.html import plain_text
from decide.core.i18n import translate
from decide.extensions import db

# --- manifest hooks -----------------------------------------------------------------------

def _count_results(ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    return dict(db.session.execute(
        select(Result.component_id, func.count(Result.id))
        .where(Result.component_id.in_(ids), Result.hidden_at.is_(None))
        .group_by(Result.component_id)).all())


def summary(component) -> str:
    """The line on the process page: "12 results"."""
    count = _count_results([component.id]).get(component.id, 0)
    return ngettext("%(num)d result", "%(num)d results", count)


def stats(components) -> dict[int, dict]:
    """Results and residents' confirmations per component: two queries."""
    ids = [component.id for component in components]
    results = _count_results(ids)
    confirmations = dict(db.session.execute(
        select(Result.component_id, func.count(Confirmation.id))
        .join(Confirmation, Confirmation.result_id == Result.id)
        .where(Result.component_id.in_(ids)).group_by(Result.component_id)).all()) if ids else {}
    return {id_: {_l("Results"): results.get(id_, 0),
                  _l("Confirmations"): confirmations.get(id_, 0)} for id_ in ids}


def has_participation(component) -> bool:
    """Residents' confirmations or comments: deleting the component would lose them."""
    return db.session.scalar(
        select(Result.id).outerjoin(Confirmation, Confirmation.result_id == Result.id)
        .where(Result.component_id == component.id,
               (Confirmation.id.is_not(None)) | (Result.comments_count > 0)).limit(1)
    ) is not None


def export_rows(component) -> list[dict]:
    """The results of the component for staff (the manifest's `export` hook), one query."""
    rows = db.session.scalars(
        select(Result).where(Result.component_id == component.id)
        .order_by(Result.weight, Result.id)).all()
    return [{
        "id": result.id,
        "reference": result.reference,
        "parent_id": result.parent_id or "",
        "title": translate(result.title),
        "description": plain_text(translate(result.description)),
        "status": result.status.label if result.status else "",
        "progress": result.progress,
        "start_date": result.start_date.isoformat() if result.start_date else "",
        "end_date": result.end_date.isoformat() if result.end_date else "",
        "category": translate(result.category.name) if result.category else "",
        "scope": translate(result.scope.name) if result.scope else "",
        "amount": result.amount if result.amount is not None else "",
        "comments": result.comments_count,
        "hidden": result.is_hidden,
    } for result in rows]
