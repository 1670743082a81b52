"""The one HTML sanitizer: staff rich text by allowlist, resident text escaped and linkified."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from bleach.linkifier import Linker
from markupsafe import escape

from decide.core.html import _nofollow
from decide.core.html import resident_text
from decide.core.html import sanitize_html
from decide.core.html import sanitize_translated

pytestmark = pytest.mark.nodb


@pytest.mark.parametrize("html", [
    "<p>A <strong>bold</strong> and <em>calm</em> text.</p>",
    '<p><a href="https://example.org/x" title="Example">a link</a></p>',
    "<h2>Title</h2><ul><li>one</li><li>two</li></ul><ol><li>first</li></ol>",
    "<blockquote>quoted</blockquote><pre><code>code()</code></pre><hr>",
    '<table><caption>Cost</caption><thead><tr><th scope="col">A</th></tr></thead>'
    "<tbody><tr><td>1</td></tr></tbody></table>",
    '<p lang="es">En español</p>',
    '<a href="mailto:council@example.org">write</a>',
])
def test_allowed_markup_is_kept(html):
    assert sanitize_html(html) == html


@pytest.mark.parametrize("html, forbidden", [
    ("<p>hi</p><script>alert(1)</script>", "<script"),
    ("<style>body{display:none}</style><p>hi</p>", "<style"),
    ('<p onclick="alert(1)">hi</p>', "onclick"),
    ('<img src="x" onerror="alert(1)">', "onerror"),
    ('<a href="javascript:alert(1)">x</a>', "javascript:"),
    ('<a href="JaVaScRiPt:alert(1)">x</a>', "alert(1)\""),
    ('<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', "data:"),
    ('<p style="color:red">hi</p>', "style="),
    ('<iframe src="https://evil.example"></iframe>', "<iframe"),
    ("<!-- a comment --><p>hi</p>", "<!--"),
    ('<form action="/signout"><button>x</button></form>', "<form"),
    ('<svg><script>alert(1)</script></svg>', "<script"),
])
def test_dangerous_markup_is_removed(html, forbidden):
    cleaned = sanitize_html(html)
    assert forbidden.lower() not in cleaned.lower()
    assert "<script" not in cleaned.lower()


def test_link_with_javascript_scheme_loses_its_href_but_keeps_its_text():
    assert sanitize_html('<a href="javascript:alert(1)">click</a>') == "<a>click</a>"


def test_sanitize_translated_cleans_every_locale_and_drops_empty_ones():
    cleaned = sanitize_translated({
        "en": "<p onclick='x()'>Hello</p>",
        "es": "<script>bad()</script><p>Hola</p>",
        "fr": "",
    })
    assert cleaned == {"en": "<p>Hello</p>", "es": "bad()<p>Hola</p>"}


def test_sanitize_html_accepts_nothing():
    assert sanitize_html(None) == ""
    assert sanitize_html("   ") == ""


def test_resident_text_is_escaped():
    html = resident_text('<script>alert("x")</script> <b onclick="y">bold</b>')
    assert "<script" not in html
    assert "<b" not in html
    assert "&lt;script&gt;" in html
    assert "&lt;b onclick=" in html


def test_resident_links_are_clickable_with_nofollow_ugc():
    html = resident_text("See https://example.org/plan?a=1&b=2 and www.example.com today")
    assert '<a href="https://example.org/plan?a=1&amp;b=2" rel="nofollow ugc">' in html
    assert 'href="http://www.example.com" rel="nofollow ugc"' in html


def test_resident_text_cannot_smuggle_a_javascript_link():
    html = resident_text('javascript:alert(1) <a href="javascript:alert(1)">x</a>')
    assert "<a" not in html.replace("&lt;a", "")
    assert 'href="javascript' not in html


def test_resident_text_keeps_paragraphs_and_line_breaks():
    html = resident_text("First line\nsecond line\n\nNew paragraph")
    assert html == "<p>First line<br>second line</p><p>New paragraph</p>"


def test_resident_text_of_nothing_is_empty():
    assert resident_text(None) == ""
    assert resident_text("") == ""


def test_resident_text_filter_escapes_in_a_template(app):
    template = app.jinja_env.from_string("{{ text|resident_text }}")
    html = template.render(text="<i>hi</i> https://example.org")
    assert "&lt;i&gt;hi&lt;/i&gt;" in html
    assert 'rel="nofollow ugc"' in html


def test_resident_text_in_threads_at_once_gives_each_its_own_text():
    # gunicorn's gthread workers render pages in threads: a linker shared between them
    # mixed up, lost or failed on the texts of pages rendered at once.
    texts = [f"Comment {number} about https://example.org/{number}" for number in range(8)]
    expected = [str(resident_text(text)) for text in texts]

    def render(number):
        return [str(resident_text(texts[number])) for _ in range(200)]

    with ThreadPoolExecutor(max_workers=len(texts)) as pool:
        rendered = list(pool.map(render, range(len(texts))))
    for number, htmls in enumerate(rendered):
        assert set(htmls) == {expected[number]}


@pytest.mark.parametrize("text", [
    "Plain words. With a stop, 'quotes' & \"more\" <b>tags</b>.",
    "Line\r\nends\rof every\n\nkind",
    "A NUL\x00between.example.com and e-mail ana@example.org",
    "No dot here: http or www alone, mailto: nothing",
    "Tricky\x00.com after a NUL, and (www.example.org/x?a=1&b=2).",
])
def test_resident_text_without_an_address_skips_the_parser_and_reads_the_same(text):
    # Most texts hold no address and skip bleach's parser; they must come out exactly as the
    # parser gives them (it drops NULs and reads every line end as "\n").
    linked = Linker(callbacks=[_nofollow], skip_tags={"pre", "code"}).linkify(str(escape(text)))
    paragraphs = [p.replace("\n", "<br>") for p in linked.split("\n\n")]
    assert resident_text(text) == "".join(f"<p>{p}</p>" for p in paragraphs if p.strip())
