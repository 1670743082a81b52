"""The residents' pages of proposals: the list (filters, orders, pages, a fixed number of
queries), a proposal's page, writing in two steps, editing, withdrawing, supports and
endorsements through the buttons; who may do what; bad input in every form."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy import select

from decide.components.proposals.models import Endorsement
from decide.components.proposals.models import Proposal
from decide.components.proposals.models import Support
from decide.core.models import utcnow
from decide.notifications.models import Follow
from tests.components.proposals.conftest import BODY
from tests.components.proposals.conftest import TITLE


def base(component) -> str:
    return f"/processes/{component.process.slug}/f/{component.id}/proposals"


def text(response) -> str:
    return response.get_data(as_text=True)


def field_error(page: str, name: str) -> str:
    found = re.search(rf'id="{name}-error">(.*?)</p>', page, re.S)
    return found.group(1).strip() if found else ""


# --- the list -------------------------------------------------------------------------------

def test_the_list_shows_published_proposals_only(client, component, resident, make_proposal):
    make_proposal(title="Shade for the bus stops, please")
    make_proposal(title="A draft nobody sees yet, ok", published_at=None, author=resident)
    make_proposal(title="Hidden by the moderators now", hidden_at=utcnow())
    make_proposal(title="Withdrawn by its own author", withdrawn_at=utcnow())
    page = text(client.get(f"{base(component)}/"))
    assert "Shade for the bus stops, please" in page
    assert "A draft nobody sees yet" not in page
    assert "Hidden by the moderators" not in page
    assert "Withdrawn by its own author" not in page
    assert "1 proposal" in page
    withdrawn = text(client.get(f"{base(component)}/?state=withdrawn"))
    assert "Withdrawn by its own author" in withdrawn


def test_the_author_finds_the_draft_from_the_list(client, login, component, resident,
                                                  make_proposal):
    draft = make_proposal(author=resident, title="My draft about the square", published_at=None)
    login(resident)
    page = text(client.get(f"{base(component)}/"))
    assert f'{base(component)}/{draft.id}/preview' in page


def test_the_list_filters_searches_and_orders(client, login, component, resident,
                                              make_proposal):
    make_proposal(title="Benches along the river walk", body="Somewhere to sit down.",
                  supports_count=1)
    make_proposal(title="Trees in the school playground", body="Shade for the children.",
                  supports_count=9)
    make_proposal(author=resident, title="Water fountains in the parks",
                  body="Drinking water for all.")
    page = text(client.get(f"{base(component)}/?q=TREES"))
    assert "Trees in the school playground" in page and "Benches" not in page
    page = text(client.get(f"{base(component)}/?order=most_supported"))
    assert page.index("Trees in the school") < page.index("Benches along")
    login(resident)
    page = text(client.get(f"{base(component)}/?mine=1"))
    assert "Water fountains" in page and "Benches" not in page


def test_hidden_supports_are_neither_shown_nor_sorted_by(client, component, configure,
                                                         make_proposal):
    configure(supports_enabled=True, supports_hidden=True)
    make_proposal(supports_count=7)
    page = text(client.get(f"{base(component)}/?order=most_supported"))
    assert "7 supports" not in page
    assert 'value="most_supported"' not in page


def test_the_list_pages_keep_the_filters(client, component, make_proposal):
    for number in range(25):
        make_proposal(title=f"Street trees, proposal number {number}")
    page = text(client.get(f"{base(component)}/?q=street&order=recent"))
    assert "25 proposals" in page
    assert "Page 1 of 2" in page
    assert re.search(r'href="[^"]*page=2[^"]*"', page)
    link = re.search(r'href="([^"]*page=2[^"]*)"', page).group(1).replace("&amp;", "&")
    assert "q=street" in link and "order=recent" in link
    second = text(client.get(link))
    assert "Page 2 of 2" in second and "number 0<" in second.replace("</a>", "<")


@pytest.mark.parametrize("query", [
    "page=-3", "page=abc", "page=99999999999999999999", "category=abc", "scope=99999999999999",
    "state=<script>", "order=drop", "q=%25%27%22", "mine=1", "category=-1",
])
def test_odd_addresses_never_fail(client, component, make_proposal, query):
    make_proposal()
    response = client.get(f"{base(component)}/?{query}")
    assert response.status_code == 200
    assert "<script>" not in text(response)


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_list_runs_a_fixed_number_of_queries(client, login, component, resident,
                                                 create_user, make_proposal, count_queries,
                                                 create_category, create_scope, process,
                                                 configure, signed_in):
    configure(supports_enabled=True, endorsements_enabled=True, creation_enabled=True)
    category, scope = create_category(process), create_scope()
    if signed_in:
        login(resident)

    def add(number):
        for _ in range(number):
            make_proposal(author=create_user(), category_id=category.id, scope_id=scope.id)

    def queries() -> int:
        with count_queries() as counter:
            assert client.get(f"{base(component)}/?order=recent").status_code == 200
        return counter.count

    add(3)
    few = queries()
    add(27)
    assert queries() == few


# --- a proposal's page ----------------------------------------------------------------------

def test_a_proposal_shows_what_residents_wrote_escaped(client, component, resident,
                                                       make_proposal):
    proposal = make_proposal(author=resident, title="<script>alert(1)</script> in the title",
                             body="<b>bold?</b> see https://example.org/plan\n\nSecond part.",
                             address="Main <Street> 3")
    page = text(client.get(f"{base(component)}/{proposal.id}"))
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; in the title" in page
    assert "&lt;b&gt;bold?&lt;/b&gt;" in page
    assert '<a href="https://example.org/plan"' in page
    assert "<p>Second part.</p>" in page
    assert "Main &lt;Street&gt; 3" in page
    assert "Ana Ruiz" in page


def test_an_official_proposal_and_a_published_answer(client, component, make_proposal):
    now = utcnow()
    proposal = make_proposal(official=True, state="accepted", answered_at=now,
                             answer_published_at=now, answer={"en": "<p>We will do it.</p>"},
                             cost=12000)
    page = text(client.get(f"{base(component)}/{proposal.id}"))
    assert "Official proposal" in page
    assert "Accepted" in page and "We will do it." in page
    waiting = make_proposal(state="rejected", answered_at=now, answer={"en": "<p>Secret</p>"})
    page = text(client.get(f"{base(component)}/{waiting.id}"))
    assert "Secret" not in page and "Rejected" not in page


def test_a_withdrawn_proposal_stays_visible_and_marked(client, component, make_proposal,
                                                       configure):
    configure(supports_enabled=True)
    proposal = make_proposal(withdrawn_at=utcnow())
    page = text(client.get(f"{base(component)}/{proposal.id}"))
    assert "Withdrawn" in page
    assert f"{proposal.id}/support" not in page


def test_supports_block_for_a_resident(client, login, component, resident, neighbour,
                                       configure, make_proposal):
    configure(supports_enabled=True, support_limit=3, endorsements_enabled=True)
    proposal = make_proposal(author=resident, supports_count=4)
    login(neighbour)
    page = text(client.get(f"{base(component)}/{proposal.id}"))
    assert "4 supports" in page
    assert "You have 3 supports left." in page
    assert f'action="{base(component)}/{proposal.id}/support"' in page
    assert f'action="{base(component)}/{proposal.id}/endorse"' in page
    assert "/notifications/" in page or "Follow" in page  # the follow button
    configure(supports_hidden=True)
    assert "4 supports" not in text(client.get(f"{base(component)}/{proposal.id}"))
    configure(supports_hidden=False, supports_blocked=True)
    page = text(client.get(f"{base(component)}/{proposal.id}"))
    assert "Supports are closed." in page
    assert f"{proposal.id}/support\"" not in page


def test_supporting_and_endorsing_through_the_buttons(client, login, db, component, resident,
                                                      neighbour, configure, make_proposal):
    configure(supports_enabled=True, endorsements_enabled=True, support_limit=1)
    proposal, other = make_proposal(author=resident), make_proposal()
    login(neighbour)
    url = f"{base(component)}/{proposal.id}"
    response = client.post(f"{url}/support")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"{url}#supports")
    db.session.expire_all()
    assert proposal.supports_count == 1
    page = text(client.get(url))
    assert "You support this proposal." in page and "You have 0 supports left." in page
    refused = client.post(f"{base(component)}/{other.id}/support")
    assert refused.status_code == 400
    assert "withdraw one to support this proposal" in text(refused)
    assert client.post(f"{url}/unsupport").status_code == 302
    assert client.post(f"{url}/endorse").status_code == 302
    page = text(client.get(url))
    assert "Bo Lind" in page and "1 participant backs this proposal" in page
    assert client.post(f"{url}/unendorse").status_code == 302
    db.session.expire_all()
    assert (proposal.supports_count, proposal.endorsements_count) == (0, 0)


def test_a_button_without_its_token_changes_nothing(client, login, db, component, neighbour,
                                                    configure, make_proposal):
    configure(supports_enabled=True)
    proposal = make_proposal()
    login(neighbour)
    response = client.post(f"{base(component)}/{proposal.id}/support", csrf=False)
    assert response.status_code == 400
    assert "This form has expired" in text(response)
    assert db.session.scalar(select(func.count(Support.id))) == 0


# --- writing in two steps -------------------------------------------------------------------

def form_data(**overrides) -> dict:
    values = {"title": TITLE, "body": BODY, "category_id": "", "scope_id": "", "address": ""}
    values.update(overrides)
    return values


def test_write_preview_publish(client, login, db, component, resident, configure,
                               make_proposal, process, create_category):
    configure(creation_enabled=True)
    category = create_category(process, name={"en": "Trees"})
    similar = make_proposal(title="Trees along the main street, both sides")
    login(resident)
    page = text(client.get(f"{base(component)}/new"))
    assert 'name="title"' in page and "Trees" in page
    response = client.post(f"{base(component)}/new",
                           data=form_data(category_id=str(category.id)))
    assert response.status_code == 302
    draft = db.session.scalars(select(Proposal).where(Proposal.published_at.is_(None))).one()
    assert response.headers["Location"].endswith(f"/{draft.id}/preview")
    preview = text(client.get(f"{base(component)}/{draft.id}/preview"))
    assert "Similar proposals" in preview
    assert f'{base(component)}/{similar.id}"' in preview
    # The show address of a draft leads its author to the preview.
    assert client.get(f"{base(component)}/{draft.id}").headers["Location"].endswith("/preview")
    # A second "new" goes back to the draft.
    assert client.get(f"{base(component)}/new").headers["Location"].endswith(
        f"/{draft.id}/preview")
    edit = client.post(f"{base(component)}/{draft.id}/edit",
                       data=form_data(title="Trees along the main street, please"))
    assert edit.headers["Location"].endswith("/preview")
    published = client.post(f"{base(component)}/{draft.id}/publish")
    assert published.headers["Location"].endswith(f"/{draft.id}")
    db.session.expire_all()
    assert draft.is_published and draft.title == "Trees along the main street, please"
    assert db.session.scalar(select(Follow.id).where(Follow.resource_id == draft.id))


def test_discard_a_draft(client, login, db, component, resident, configure):
    configure(creation_enabled=True)
    login(resident)
    client.post(f"{base(component)}/new", data=form_data())
    draft = db.session.scalars(select(Proposal)).one()
    assert "Discard this draft?" in text(client.get(f"{base(component)}/{draft.id}/discard"))
    assert client.post(f"{base(component)}/{draft.id}/discard").status_code == 302
    assert db.session.scalar(select(func.count(Proposal.id))) == 0


@pytest.mark.parametrize(("data", "name", "message"), [
    ({"title": "x" * 14}, "title", "Use between 15 and 150 characters."),
    ({"title": "x" * 151}, "title", "Use between 15 and 150 characters."),
    ({"title": ""}, "title", "Fill in this field."),
    ({"body": ""}, "body", "Fill in this field."),
    ({"body": "x" * 501}, "body", "Use between 15 and 500 characters."),
    ({"address": "x" * 256}, "address", "Use at most 255 characters."),
    ({"category_id": "abc"}, "category_id", "Choose one of the categories of this process."),
    ({"scope_id": "123456"}, "scope_id", "Choose one of the scopes in the list."),
    ({"scope_id": "99999999999999999999"}, "scope_id", "Choose one of the scopes in the list."),
    ({"title": "A title with a \x00 inside"}, "title",
     "Remove the control characters from this text."),
])
def test_bad_input_is_refused_and_kept(client, login, db, component, resident, configure,
                                       data, name, message):
    configure(creation_enabled=True)
    login(resident)
    response = client.post(f"{base(component)}/new",
                           data=form_data(**{"address": "<b>Here</b>", **data}))
    assert response.status_code == 400
    page = text(response)
    assert field_error(page, name) == message
    assert "&lt;b&gt;Here&lt;/b&gt;" in page or name == "address"
    assert db.session.scalar(select(func.count(Proposal.id))) == 0


def test_line_breaks_count_as_one_character(client, login, db, component, resident,
                                            configure):
    configure(creation_enabled=True, proposal_length=100)
    login(resident)
    body = "\r\n".join(["x" * 24] * 4)  # 96 characters and 3 breaks: 99 as typed, 102 sent
    response = client.post(f"{base(component)}/new", data=form_data(body=body,
                                                                    category_id="²"))
    assert response.status_code == 400  # the odd category only
    assert field_error(text(response), "body") == ""
    assert client.post(f"{base(component)}/new", data=form_data(body=body)).status_code == 302
    assert db.session.scalars(select(Proposal)).one().body == body.replace("\r\n", "\n")


def test_a_category_of_another_process_is_refused(client, login, db, component, resident,
                                                  configure, create_process, create_category):
    configure(creation_enabled=True)
    elsewhere = create_category(create_process())
    login(resident)
    response = client.post(f"{base(component)}/new",
                           data=form_data(category_id=str(elsewhere.id)))
    assert response.status_code == 400
    assert field_error(text(response), "category_id") == (
        "Choose one of the categories of this process.")


def test_html_is_kept_as_text(client, login, db, component, resident, configure):
    configure(creation_enabled=True)
    login(resident)
    client.post(f"{base(component)}/new", data=form_data(
        title="<script>alert(1)</script> trees", body="<img src=x onerror=alert(1)> shade"))
    draft = db.session.scalars(select(Proposal)).one()
    assert draft.title == "<script>alert(1)</script> trees"
    page = text(client.get(f"{base(component)}/{draft.id}/preview"))
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; trees" in page


def test_an_edit_form_keeps_what_was_typed(client, login, db, component, resident,
                                           make_proposal):
    proposal = make_proposal(author=resident)
    login(resident)
    page = text(client.get(f"{base(component)}/{proposal.id}/edit"))
    assert f'value="{TITLE}"' in page
    response = client.post(f"{base(component)}/{proposal.id}/edit",
                           data=form_data(title="Short <b>", body="Kept <i>body</i> text here"))
    assert response.status_code == 400
    page = text(response)
    assert 'value="Short &lt;b&gt;"' in page and "Kept &lt;i&gt;body&lt;/i&gt; text here" in page
    ok = client.post(f"{base(component)}/{proposal.id}/edit",
                     data=form_data(title="Trees along the whole main street"))
    assert ok.headers["Location"].endswith(f"/{proposal.id}")
    db.session.expire_all()
    assert proposal.title == "Trees along the whole main street"


# --- who may do what ------------------------------------------------------------------------

@pytest.fixture
def scene(db, component, configure, resident, make_proposal):
    """Everything open; a published proposal of `resident` and a draft of theirs."""
    configure(creation_enabled=True, supports_enabled=True, endorsements_enabled=True,
              proposal_edit_time=0)
    return {"proposal": make_proposal(author=resident),
            "draft": make_proposal(author=resident, published_at=None,
                                   title="A draft of the author, private")}


PERSONAS = ["anonymous", "author", "other", "blocked", "deleted", "admin"]
# (method, path under the proposal or the component, target) → outcome per persona:
# "ok" (200 or a redirect that did it), "login" (sent to sign in), 403, 404.
MATRIX = {
    ("GET", "new", None): {"anonymous": "login", "author": "ok", "other": "ok",
                           "blocked": "login", "deleted": "login", "admin": "ok"},
    ("GET", "", "proposal"): {p: "ok" for p in PERSONAS},
    ("GET", "edit", "proposal"): {"anonymous": "login", "author": "ok", "other": 403,
                                  "blocked": "login", "deleted": "login", "admin": 403},
    ("GET", "withdraw", "proposal"): {"anonymous": "login", "author": "ok", "other": 403,
                                      "blocked": "login", "deleted": "login", "admin": 403},
    ("POST", "support", "proposal"): {"anonymous": "login", "author": "ok", "other": "ok",
                                      "blocked": "login", "deleted": "login", "admin": "ok"},
    ("POST", "endorse", "proposal"): {"anonymous": "login", "author": "ok", "other": "ok",
                                      "blocked": "login", "deleted": "login", "admin": "ok"},
    ("GET", "", "draft"): {"anonymous": 404, "author": "ok", "other": 404, "blocked": 404,
                           "deleted": 404, "admin": 404},
    ("GET", "preview", "draft"): {"anonymous": "login", "author": "ok", "other": 404,
                                  "blocked": "login", "deleted": "login", "admin": 404},
    ("GET", "edit", "draft"): {"anonymous": "login", "author": "ok", "other": 404,
                               "blocked": "login", "deleted": "login", "admin": 404},
    ("POST", "publish", "draft"): {"anonymous": "login", "author": "ok", "other": 404,
                                   "blocked": "login", "deleted": "login", "admin": 404},
    ("POST", "discard", "draft"): {"anonymous": "login", "author": "ok", "other": 404,
                                   "blocked": "login", "deleted": "login", "admin": 404},
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("case", list(MATRIX), ids=lambda case: f"{case[0]} {case[2]} {case[1]}")
def test_permission_matrix(client, login, db, component, resident, create_user, admin, scene,
                           persona, case):
    method, action, target = case
    expected = MATRIX[case][persona]
    if persona in ("author", "blocked", "deleted"):
        login(resident)
    elif persona == "other":
        login(create_user())
    elif persona == "admin":
        login(admin)
    if persona in ("blocked", "deleted"):
        setattr(resident, f"{persona}_at", utcnow())
        db.session.commit()
    path = base(component) + (f"/{scene[target].id}" if target else "") + (
        f"/{action}" if action else "")
    response = client.post(path) if method == "POST" else client.get(path)
    if expected == "ok":
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 302:
            assert "/signin" not in response.headers["Location"]
    elif expected == "login":
        assert response.status_code == 302
        assert "/signin" in response.headers["Location"]
    else:
        assert response.status_code == expected


def test_others_cannot_withdraw_or_edit_by_changing_the_id(client, login, db, component,
                                                           resident, neighbour, scene):
    login(neighbour)
    proposal = scene["proposal"]
    assert client.post(f"{base(component)}/{proposal.id}/withdraw").status_code == 403
    assert client.post(f"{base(component)}/{proposal.id}/edit",
                       data=form_data(title="Taken over by somebody else")).status_code == 403
    db.session.expire_all()
    assert proposal.title == TITLE and not proposal.is_withdrawn


def test_a_proposal_of_another_component_is_not_found(client, component, make_proposal,
                                                      create_component, process):
    other = create_component(process, manifest_name="proposals")
    proposal = make_proposal(other)
    assert client.get(f"{base(component)}/{proposal.id}").status_code == 404
    assert client.get(f"{base(component)}/{2**40}").status_code == 404


def test_withdraw_after_confirmation(client, login, db, component, resident, scene):
    login(resident)
    proposal = scene["proposal"]
    page = text(client.get(f"{base(component)}/{proposal.id}/withdraw"))
    assert "Withdraw this proposal?" in page
    assert client.post(f"{base(component)}/{proposal.id}/withdraw").status_code == 302
    db.session.expire_all()
    assert proposal.is_withdrawn


def test_no_withdraw_button_once_supported(client, login, db, component, resident, neighbour,
                                           scene):
    proposal = scene["proposal"]
    db.session.add(Support(proposal_id=proposal.id, user_id=neighbour.id))
    db.session.commit()
    login(resident)
    assert f"{proposal.id}/withdraw" not in text(client.get(f"{base(component)}/{proposal.id}"))
    assert client.post(f"{base(component)}/{proposal.id}/withdraw").status_code == 403


def test_no_edit_after_the_window(client, login, db, component, resident, make_proposal):
    proposal = make_proposal(author=resident, published_at=utcnow() - timedelta(minutes=30))
    login(resident)
    assert f"{proposal.id}/edit" not in text(client.get(f"{base(component)}/{proposal.id}"))
    assert client.get(f"{base(component)}/{proposal.id}/edit").status_code == 403


def test_creation_closed_means_no_new_button_and_403(client, login, component, resident):
    login(resident)
    assert "/new" not in text(client.get(f"{base(component)}/"))
    assert client.get(f"{base(component)}/new").status_code == 403


def test_endorsers_are_listed_by_name(client, db, component, create_user, configure,
                                      make_proposal):
    configure(endorsements_enabled=True)
    proposal = make_proposal(endorsements_count=2)
    for name in ("Carla Puig", "Dan Holm"):
        db.session.add(Endorsement(proposal_id=proposal.id, user_id=create_user(name=name).id))
    db.session.commit()
    page = text(client.get(f"{base(component)}/{proposal.id}"))
    assert "Carla Puig" in page and "Dan Holm" in page
