"""Pages: read and save the page of a component (sanitized on save)."""

import re

from flask import g
from markupsafe import Markup
from sqlalchemy import select

from decide.components.pages.models import Page
from decide.core.html import sanitize_translated
from decide.core.i18n import translate
from decide.core.services import record_action
from decide.extensions import db

EXCERPT_LENGTH = 160


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


def _pages_of_process(process) -> dict[int, Page]:
    """The pages of every pages component of `process`, in one query, kept for the request.

    The process page asks for the summary of each component in turn: without this, a query
    per component.
    """
    cache = g.setdefault("pages_by_process", {})
    if process.id not in cache:
        ids = [c.id for c in process.components if c.manifest_name == "pages"]
        cache[process.id] = {
            page.component_id: page
            for page in db.session.scalars(select(Page).where(Page.component_id.in_(ids)))
        } if ids else {}
    return cache[process.id]


FIRST_PARAGRAPH = re.compile(r"<p\b[^>]*>(.*?)</p>", re.S)
BLOCK_END = re.compile(r"</(?:p|h[1-6]|li|blockquote|pre|td|th|caption)>")


def excerpt(component) -> str:
    """The page's first paragraph in the reader's language, as plain text, shortened."""
    page = _pages_of_process(component.process).get(component.id)
    html = translate(page.body if page else {})
    first = FIRST_PARAGRAPH.search(html)
    # Without a paragraph, the whole text, with a space where one block ends.
    html = first.group(1) if first else BLOCK_END.sub(lambda end: end.group(0) + " ", html)
    text = Markup(html).striptags()  # noqa: S704 - sanitized on save, and only stripped here
    if len(text) <= EXCERPT_LENGTH:
        return text
    return text[:EXCERPT_LENGTH].rsplit(" ", 1)[0].rstrip(",.;:") + "…"
