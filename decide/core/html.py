"""The one place that cleans HTML. Only this module imports bleach.

Staff rich text is sanitized on save against an allowlist; resident text is never HTML:
it is escaped, and its links made clickable with rel="nofollow ugc".
"""

import re
import threading
from functools import lru_cache
from functools import partial

import bleach
from bleach.linkifier import Linker
from markupsafe import Markup
from markupsafe import escape

ALLOWED_TAGS = frozenset({
    "p", "br", "strong", "b", "em", "i", "u", "s", "a", "ul", "ol", "li",
    "h2", "h3", "h4", "blockquote", "code", "pre", "hr",
    "table", "thead", "tbody", "tr", "th", "td", "caption",
})
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title", "lang", "hreflang"],
    "th": ["scope"],
    "*": ["lang"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})


def _nofollow(attrs, new=False):
    href_key = (None, "href")
    if href_key in attrs:
        attrs[(None, "rel")] = "nofollow ugc"
    return attrs


# Every address the linker finds has a dot right before a letter ("example.org"). Its own
# expression backtracks at every word (as slow as the parser on a long text); this is not.
_DOT_LETTER = re.compile(r"\.\w")

# A Linker keeps its parser's state between calls: shared by the threads of a gthread
# worker, two pages rendering at once got each other's text. One per thread.
_linkers = threading.local()


def _resident_linker() -> Linker:
    linker = getattr(_linkers, "linker", None)
    if linker is None:
        linker = _linkers.linker = Linker(callbacks=[_nofollow], skip_tags={"pre", "code"})
    return linker


_staff_clean = partial(
    bleach.clean,
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
)


def sanitize_html(html: str | None) -> str:
    """Staff rich text: keep the allowlisted tags, drop everything else."""
    return _staff_clean(html or "").strip()


def plain_text(html: str | None) -> str:
    """Rich text as plain text, for exports and short summaries (never shown as HTML)."""
    return Markup(html or "").striptags()  # noqa: S704 - only stripped, never shown


def sanitize_translated(texts: dict[str, str]) -> dict[str, str]:
    return {code: sanitize_html(text) for code, text in texts.items() if text}


@lru_cache(maxsize=1024)
def _linkified(escaped: str) -> str:
    """The texts that hold an address are parsed once, not at every view of their page."""
    return _resident_linker().linkify(escaped)


def resident_text(text: str | None) -> Markup:
    """Resident-written text as HTML: escaped, paragraphs kept, links clickable."""
    # Line ends and NULs normalized as the HTML parser would; then most texts, which hold
    # no address, skip the parser altogether (it costs a long thread most of its time) and
    # come out exactly as linkify would give them.
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    escaped = str(escape(text))
    may_link = _DOT_LETTER.search(escaped) and _resident_linker().url_re.search(escaped)
    linked = _linkified(escaped) if may_link else escaped
    paragraphs = [p.replace("\n", "<br>") for p in linked.split("\n\n")]
    return Markup("".join(f"<p>{p}</p>" for p in paragraphs if p.strip()))  # noqa: S704


def init_app(app) -> None:
    app.jinja_env.filters["resident_text"] = resident_text
