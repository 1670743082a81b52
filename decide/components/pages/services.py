"""Pages: read and save the page of a component (sanitized on save)."""

from sqlalchemy import select

from decide.components.pages.models import Page
from decide.core.html import sanitize_translated
from decide.core.services import record_action
from decide.extensions import db


def page_of(component) -> Page:
    """The component's page; a transient empty one until it is first saved."""
    page = db.session.scalars(select(Page).where(Page.component_id == component.id)).first()
    return page or Page(component_id=component.id, body={})


def save_page(actor, component, *, body: dict) -> Page:
    page = page_of(component)
    page.body = sanitize_translated(body)
    if page.id is None:
        db.session.add(page)
    db.session.flush()
    record_action(actor, "update", component, process_id=component.process_id,
                  details={"page": page.id})
    return page
