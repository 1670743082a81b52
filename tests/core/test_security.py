"""CSRF on every POST, security headers and cookies, no inline code, rate limits, bad input.

The sweeps walk the app's URL map, so an endpoint added later is covered (or the test says
which sample values it needs).
"""

import io
import re
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from html.parser import HTMLParser
from urllib.parse import quote
from urllib.parse import urlsplit

import pytest
from flask_babel import force_locale
from flask_babel import gettext
from limits import parse as parse_limit

from decide import create_app
from decide.comments.models import Comment
from decide.components.accountability.files import BASE_COLUMNS
from decide.components.accountability.models import Result
from decide.components.accountability.models import Status
from decide.components.accountability.models import TimelineEntry
from decide.components.budgets.models import Budget
from decide.components.budgets.models import Order
from decide.components.budgets.models import OrderLine
from decide.components.budgets.models import Project
from decide.components.budgets.results import receipt_hash
from decide.components.debates.models import Debate
from decide.components.proposals.models import Endorsement
from decide.components.proposals.models import Proposal
from decide.components.proposals.models import Support
from decide.config import Config
from decide.core.models import Organization
from decide.core.models import User
from decide.core.models import utcnow
from decide.core.services import make_token
from decide.moderation.models import Report
from decide.notifications.models import Follow
from decide.notifications.models import Notification
from decide.spaces.models import Role
from decide.verification.models import CensusEntry
from decide.verification.models import Verification
from decide.verification.services import identity_hash
from tests.conftest import DEFAULT_PASSWORD
from tests.conftest import STAFF_PASSWORD

CSRF_MESSAGE = ("This form has expired or was not sent from this site. "
                "Check what you wrote and send it again.")
NEW_PASSWORD = "a-brand-new-long-passphrase"


def _url_rules():
    """The URL map of an app built with the default configuration."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return sorted(app.url_map.iter_rules(), key=lambda rule: (rule.rule, rule.endpoint))


RULES = _url_rules()
GET_RULES = [rule for rule in RULES if "GET" in rule.methods]
# The one-click unsubscribe of RFC 8058 is POSTed by a mail program, without a session: its
# signed token is the proof (tests/notifications/test_views.py checks a bad token changes
# nothing).
TOKEN_POSTS = {"notifications.unsubscribe"}
POST_RULES = [rule for rule in RULES if "POST" in rule.methods and rule.endpoint not in TOKEN_POSTS]


def translated(message: str, locale: str, **values) -> str:
    with force_locale(locale):
        return gettext(message, **values)


# --- sample values for path arguments -----------------------------------------------------

# Path arguments of processes and what they hold; the `samples` fixture fills in the ids.
SAMPLES: dict[str, str] = {}


@pytest.fixture
def samples(monkeypatch, db, admin, create_user, create_process, create_phase, create_category,
            create_component, create_scope, grant):
    """A published process "sample" with two phases, a category, two pages components (the
    second one is the sample, so it can move up) and a role; and a scope nothing uses.
    The admin follows the process and has an unread notification."""
    process = create_process(slug="sample")
    holder = create_user(nickname="sample-holder", email="sample-holder@example.org")
    create_phase(process, active=True)
    create_component(process)
    notification = Notification(user=admin, event="phase_activated", process=process,
                                data={"phase_title": {"en": "Sample phase"}})
    db.session.add_all([Follow(user=admin, process=process), notification])
    db.session.commit()
    values = {
        "slug": process.slug,
        "phase_id": create_phase(process).id,
        "category_id": create_category(process).id,
        "component_id": create_component(process).id,
        "role_id": grant(holder, process, Role.MODERATOR).id,
        "scope_id": create_scope().id,
        "direction": "up",
        "process_id": process.id,
        "notification_id": notification.id,
    }
    for name, value in values.items():
        monkeypatch.setitem(SAMPLES, name, str(value))
    # Moderation: a reported debate (report, hide, dismiss), a hidden one (unhide), the holder
    # reported (block, dismiss), and a blocked participant (unblock). In a process of its own:
    # a resident's debate is participation, and the sample process must stay deletable.
    debates_process = create_process(slug="sample-debates")
    create_phase(debates_process, active=True)
    debates = create_component(debates_process, manifest_name="debates")
    reported = Debate(component_id=debates.id, author_id=holder.id, title={"en": "Sample"})
    hidden = Debate(component_id=debates.id, author_id=holder.id, title={"en": "Hidden"},
                    hidden_at=utcnow())
    blocked = create_user(nickname="sample-blocked", email="sample-blocked@example.org",
                          blocked_at=utcnow())
    db.session.add_all([reported, hidden])
    db.session.flush()
    db.session.add_all([Report(user_id=blocked.id, resource_id=reported.id, reason="spam"),
                        Report(user_id=blocked.id, reported_user_id=holder.id, reason="spam")])
    db.session.commit()
    for name, value in {"resource_id": reported.id, "hidden_resource_id": hidden.id,
                        "user_id": holder.id, "blocked_user_id": blocked.id}.items():
        monkeypatch.setitem(SAMPLES, name, str(value))
    # Debates: residents may start one in the active phase; an official debate (its page,
    # closing, the back office) and one of the admin's own (edited on the public side).
    active = next(phase for phase in debates_process.phases if phase.active)
    debates.phase_settings = {str(active.id): {"creation_enabled": True}}
    official = Debate(component_id=debates.id, official=True, title={"en": "Official sample"},
                      description={"en": "<p>Its text.</p>"})
    admins = Debate(component_id=debates.id, author_id=admin.id,
                    title={"es": "Un debate de prueba"}, description={"es": "Su texto."})
    db.session.add_all([official, admins])
    db.session.commit()
    for name, value in {"component_id:debates": debates.id, "slug:debates": debates_process.slug,
                        "debate_id": official.id, "own_debate_id": admins.id}.items():
        monkeypatch.setitem(SAMPLES, name, str(value))
    # Proposals: a component of the kind (its URLs take it and its process, see path_values)
    # and a proposal answered by staff, its answer waiting to be published. In a process of
    # its own: a proposal is participation, and the sample process must stay deletable.
    proposals_process = create_process(slug="sample-proposals")
    create_phase(proposals_process, active=True)
    proposals = create_component(proposals_process, manifest_name="proposals")
    proposal = Proposal(component_id=proposals.id, author_id=holder.id, locale="en",
                        title="A sample proposal for the sweeps", body="Its text.",
                        published_at=utcnow(), state="accepted", answered_at=utcnow(),
                        answer={"en": "<p>Yes.</p>"})
    db.session.add(proposal)
    db.session.commit()
    monkeypatch.setitem(SAMPLES, "component_id:proposals", str(proposals.id))
    monkeypatch.setitem(SAMPLES, "slug:proposals", proposals_process.slug)
    monkeypatch.setitem(SAMPLES, "proposal_id", str(proposal.id))
    # Proposals, residents' side: all open in the active phase; the admin's own proposal
    # (edit, withdraw), one the admin supports and endorses (unsupport, unendorse), and the
    # admin's draft in a second component (preview, publish, discard: in the first one, a new
    # proposal can still be written).
    opened = {str(next(p for p in proposals_process.phases if p.active).id): {
        "creation_enabled": True, "supports_enabled": True, "endorsements_enabled": True}}
    proposals.settings, proposals.phase_settings = {"proposal_edit_time": 0}, opened
    drafts = create_component(proposals_process, manifest_name="proposals", phase_settings=opened)
    long_enough = "A sample text, long enough to be published."
    own = Proposal(component_id=proposals.id, author_id=admin.id, locale="es",
                   title="Una propuesta del admin", body=long_enough, published_at=utcnow())
    backed = Proposal(component_id=proposals.id, author_id=holder.id, locale="en",
                      title="A proposal the admin backs", body=long_enough,
                      published_at=utcnow(), supports_count=1, endorsements_count=1)
    draft = Proposal(component_id=drafts.id, author_id=admin.id, locale="es",
                     title="Un borrador del admin", body=long_enough)
    db.session.add_all([own, backed, draft])
    db.session.flush()
    db.session.add_all([Support(proposal_id=backed.id, user_id=admin.id),
                        Endorsement(proposal_id=backed.id, user_id=admin.id)])
    db.session.commit()
    for name, value in {"own_proposal_id": own.id, "backed_proposal_id": backed.id,
                        "draft_proposal_id": draft.id, "component_id:drafts": drafts.id}.items():
        monkeypatch.setitem(SAMPLES, name, str(value))
    # Comments on the reported debate (the resource_id above): the admin's own (edit,
    # delete) and the holder's (the admin votes on it).
    own = Comment(component_id=debates.id, commentable_id=reported.id, author_id=admin.id,
                  body="A sample comment", locale="en")
    voted = Comment(component_id=debates.id, commentable_id=reported.id, author_id=holder.id,
                    body="Another sample comment", locale="en")
    db.session.add_all([own, voted])
    db.session.commit()
    monkeypatch.setitem(SAMPLES, "comment_id", str(own.id))
    monkeypatch.setitem(SAMPLES, "voted_comment_id", str(voted.id))
    # Verification: a census holding the admin's identity (the admin verifies) and the
    # holder verified (revoked).
    db.session.add_all([
        CensusEntry(identity_hash=identity_hash("SAMPLE-ADMIN"), birth_date=date(1990, 5, 17)),
        Verification(user_id=holder.id, identity_hash=identity_hash("SAMPLE-HOLDER"),
                     birth_date=date(1990, 5, 17)),
    ])
    db.session.commit()
    # Budgets, residents' side: voting open to all (no census) for 1 to 3 projects, with
    # cancelling; the admin's ballot in one budget holds one project (add another, remove it,
    # vote), and the admin has voted in a second budget (cancel). In a process of its own.
    budgets_process = create_process(slug="sample-budgets")
    create_phase(budgets_process, active=True)
    budgets_phase = next(phase for phase in budgets_process.phases if phase.active)
    budgets = create_component(
        budgets_process, manifest_name="budgets",
        settings={"vote_rule": "project_range", "vote_range_min": 1, "vote_range_max": 3,
                  "verify_vote": False, "can_cancel": True},
        phase_settings={str(budgets_phase.id): {"voting_enabled": True}})
    ballot_budget = Budget(component_id=budgets.id, title={"en": "Sample budget"}, total=1000)
    voted_budget = Budget(component_id=budgets.id, title={"en": "Voted budget"}, total=1000)
    db.session.add_all([ballot_budget, voted_budget])
    db.session.flush()
    addable, chosen, voted_for = (
        Project(budget_id=budget.id, component_id=budgets.id, title={"en": title}, amount=100)
        for budget, title in ((ballot_budget, "Addable"), (ballot_budget, "Chosen"),
                              (voted_budget, "Voted for")))
    voted_for.votes_count = 1
    db.session.add_all([addable, chosen, voted_for])
    db.session.flush()
    draft_ballot = Order(budget_id=ballot_budget.id, user_id=admin.id)
    cast_ballot = Order(budget_id=voted_budget.id, user_id=admin.id, checked_out_at=utcnow(),
                        receipt_hash=receipt_hash("SAMPLE-RECEIPT"), ballot_key="sample")
    db.session.add_all([draft_ballot, cast_ballot])
    db.session.flush()
    db.session.add_all([OrderLine(order_id=draft_ballot.id, project_id=chosen.id),
                        OrderLine(order_id=cast_ballot.id, project_id=voted_for.id)])
    db.session.commit()
    for name, value in {"component_id:budgets": budgets.id, "slug:budgets": budgets_process.slug,
                        "budget_id": ballot_budget.id, "project_id": addable.id,
                        "chosen_project_id": chosen.id,
                        "voted_budget_id": voted_budget.id}.items():
        monkeypatch.setitem(SAMPLES, name, str(value))
    # Budgets, back office: a budget without ballots (deleted), one closed for a recount
    # (its winners confirmed), and an accepted proposal of the process with a cost (imported).
    empty_budget = Budget(component_id=budgets.id, title={"en": "Empty budget"}, total=1000)
    closed_budget = Budget(component_id=budgets.id, title={"en": "Closed budget"}, total=1000,
                           closed_at=utcnow())
    ideas = create_component(budgets_process, manifest_name="proposals")
    accepted = Proposal(component_id=ideas.id, author_id=holder.id, locale="en",
                        title="An accepted sample proposal", body="Its text.",
                        published_at=utcnow(), state="accepted", answered_at=utcnow(),
                        answer_published_at=utcnow(), cost=100)
    db.session.add_all([empty_budget, closed_budget, accepted])
    db.session.commit()
    for name, value in {"empty_budget_id": empty_budget.id, "closed_budget_id": closed_budget.id,
                        "accepted_proposal_id": accepted.id}.items():
        monkeypatch.setitem(SAMPLES, name, str(value))
    # Accountability, in a process of its own: a status, a completed result the admin follows
    # (confirmed) with a timeline entry, a budget with a selected project (results from it),
    # and a second component without statuses (the usual ones are created).
    results_process = create_process(slug="sample-accountability")
    create_phase(results_process, active=True)
    results = create_component(results_process, manifest_name="accountability")
    no_statuses = create_component(results_process, manifest_name="accountability")
    winners = create_component(results_process, manifest_name="budgets")
    status = Status(component_id=results.id, key="sample", name={"en": "Sample status"},
                    progress=100)
    winners_budget = Budget(component_id=winners.id, title={"en": "Winners"}, total=1000)
    db.session.add_all([status, winners_budget])
    db.session.flush()
    result = Result(component_id=results.id, reference="S-1", title={"en": "Sample result"},
                    status_id=status.id, progress=100, completed_at=utcnow())
    db.session.add_all([result, Project(budget_id=winners_budget.id, component_id=winners.id,
                                        title={"en": "Winner"}, amount=100,
                                        selected_at=utcnow())])
    db.session.flush()
    entry = TimelineEntry(result_id=result.id, date=date(2026, 1, 1),
                          title={"en": "Sample entry"})
    db.session.add_all([entry, Follow(user=admin, resource_id=result.id)])
    db.session.commit()
    for name, value in {"component_id:accountability": results.id,
                        "slug:accountability": results_process.slug,
                        "component_id:no_statuses": no_statuses.id, "result_id": result.id,
                        "status_id": status.id, "entry_id": entry.id,
                        "winners_budget_id": winners_budget.id}.items():
        monkeypatch.setitem(SAMPLES, name, str(value))


def budget_values(budget: str = "budget_id", **project) -> list[dict]:
    values = {"slug": SAMPLES.get("slug:budgets"), "component_id": SAMPLES.get(
        "component_id:budgets"), "budget_id": SAMPLES.get(budget)}
    return [{**values, **{name: SAMPLES.get(key) for name, key in project.items()}}]


def proposal_values(proposal: str, component: str = "component_id:proposals") -> list[dict]:
    return [{"slug": SAMPLES.get("slug:proposals"), "component_id": SAMPLES.get(component),
             "proposal_id": SAMPLES.get(proposal)}]


def path_values(rule, user: User) -> list[dict]:
    """One or more sets of values for the rule's arguments, or a failure naming the rule."""
    samples = {
        "static": [{"filename": "css/app.css"}],
        "core.legal": [{"page": page} for page in ("terms", "privacy", "accessibility")],
        "core.profile": [{"nickname": user.nickname}],
        "auth.confirm": [
            {"token": make_token("confirm", {"u": user.id, "e": user.email})},
            {"token": "not-a-token"},
        ],
        "core.confirm_email_change": [
            {"token": make_token("change-email",
                                 {"u": user.id, "e": "moved@example.org", "old": user.email})},
            {"token": "not-a-token"},
        ],
        "auth.reset": [{"token": make_token("reset", {"u": user.id,
                                                      "h": user.password_hash[-16:]})}],
        "moderation.report_user": [{"nickname": user.nickname}],
        "moderation_admin.unhide": [{"resource_id": SAMPLES.get("hidden_resource_id")}],
        "debates.edit": [{"slug": SAMPLES.get("slug:debates"),
                          "component_id": SAMPLES.get("component_id:debates"),
                          "debate_id": SAMPLES.get("own_debate_id")}],
        "moderation_admin.unblock": [{"user_id": SAMPLES.get("blocked_user_id")}],
        "notifications.unsubscribe": [{"token": make_token("unsubscribe", {"u": user.id})},
                                      {"token": "not-a-token"}],
        "notifications.follow": [{"kind": "users", "target_id": user.id}],
        "notifications.unfollow": [{"kind": "processes", "target_id": SAMPLES.get("process_id")}],
        "comments.vote": [{"comment_id": SAMPLES.get("voted_comment_id")}],
        "proposals.edit": proposal_values("own_proposal_id"),
        "proposals.withdraw": proposal_values("own_proposal_id"),
        "proposals.unsupport": proposal_values("backed_proposal_id"),
        "proposals.unendorse": proposal_values("backed_proposal_id"),
        "proposals.preview": proposal_values("draft_proposal_id", "component_id:drafts"),
        "proposals.publish": proposal_values("draft_proposal_id", "component_id:drafts"),
        "proposals.discard": proposal_values("draft_proposal_id", "component_id:drafts"),
        "budgets.remove": budget_values(project_id="chosen_project_id"),
        "budgets.cancel": budget_values("voted_budget_id"),
        "budgets.voted": budget_values("voted_budget_id"),
        "budgets_admin.delete_budget": budget_values("empty_budget_id"),
        "budgets_admin.results_page": budget_values("closed_budget_id"),
        "budgets_admin.confirm_winners": budget_values("closed_budget_id"),
        "accountability_admin.default_statuses": [{
            "slug": SAMPLES.get("slug:accountability"),
            "component_id": SAMPLES.get("component_id:no_statuses")}],
    }
    if not rule.arguments:
        return [{}]
    if rule.endpoint not in samples and SAMPLES and rule.arguments <= SAMPLES.keys():
        values = {name: SAMPLES[name] for name in rule.arguments}
        # A kind's own pages (public or back office) need a component of that kind.
        kind = rule.endpoint.partition(".")[0].removesuffix("_admin")
        if "component_id" in values and f"component_id:{kind}" in SAMPLES:
            values["component_id"] = SAMPLES[f"component_id:{kind}"]
            values["slug"] = SAMPLES.get(f"slug:{kind}", values["slug"])
        return [values]
    if rule.endpoint not in samples:
        pytest.fail(f"Add sample path values for {rule.endpoint} ({rule.rule}) to this test.")
    return samples[rule.endpoint]


def build(rule, values: dict) -> str:
    path = rule.rule
    for name, value in values.items():
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", quote(str(value), safe=""), path)
    assert "<" not in path, path
    return path


# --- checks on every response ---------------------------------------------------------------

def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def assert_security_headers(response):
    csp = csp_directives(response)
    assert csp, f"no Content-Security-Policy on {response.request.path}"
    for kind in ("script-src", "style-src"):
        sources = csp.get(kind, csp.get("default-src"))
        assert sources, f"{kind} is not restricted"
        assert "'unsafe-inline'" not in sources
        assert "'unsafe-eval'" not in sources
        assert "*" not in sources
    assert csp["default-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] in {
        "no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin",
    }


class InlineCodeFinder(HTMLParser):
    """Collects whatever a CSP without 'unsafe-inline' would block (or a sanitizer missed)."""

    def __init__(self):
        super().__init__()
        self.problems = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and not attributes.get("src"):
            self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("<style> element")
        for name, value in attrs:
            if name == "style":
                self.problems.append(f"style= on <{tag}>")
            if name.startswith("on"):
                self.problems.append(f"{name}= on <{tag}>")
            if name in {"href", "src", "action", "formaction"} and value and \
                    value.strip().lower().startswith("javascript:"):
                self.problems.append(f"javascript: URL on <{tag}>")


def assert_no_inline_code(response):
    finder = InlineCodeFinder()
    finder.feed(response.get_data(as_text=True))
    assert finder.problems == [], f"{response.request.path}: {finder.problems}"


def check_page(response):
    for step in [*response.history, response]:
        assert step.status_code < 500, step.request.path
        assert_security_headers(step)
        if step.mimetype == "text/html":
            assert_no_inline_code(step)


def sign_in_as(role, login, user, admin):
    if role == "resident":
        login(user)
    elif role == "admin":
        login(admin)


# --- every GET page -------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["anonymous", "resident", "admin"])
@pytest.mark.parametrize("rule", GET_RULES, ids=lambda rule: rule.endpoint)
def test_every_page_has_security_headers_and_no_inline_code(rule, role, client, user, admin,
                                                            login, samples):
    sign_in_as(role, login, user, admin)
    for values in path_values(rule, user):
        response = client.get(build(rule, values), follow_redirects=True)
        check_page(response)
        response.close()


def test_error_and_form_error_pages_have_security_headers_and_no_inline_code(
        app, client, user, login, monkeypatch):
    pages = [
        client.get("/no/such/page"),                       # 404
        client.get("/signout"),                            # 405
        client.post("/signin", data={"email": "x", "password": ""}),  # 400 with field errors
        client.post("/signup", data={}, csrf=False),       # 400 with the CSRF message
        client.post("/locale", data={"locale": "xx"}),     # 400 error page
    ]
    monkeypatch.setitem(app.config, "RATELIMIT_ACCOUNT", "1 per minute")
    client.post("/password/forgot", data={"email": "a@example.org"})
    pages.append(client.post("/password/forgot", data={"email": "a@example.org"}))  # 429
    login(user)
    pages.append(client.get("/admin/"))                   # 403
    assert [page.status_code for page in pages] == [404, 405, 400, 400, 400, 429, 403]
    for page in pages:
        check_page(page)


# --- cookies and https ----------------------------------------------------------------------

def session_cookie_header(response) -> str:
    cookies = [value for value in response.headers.getlist("Set-Cookie")
               if value.startswith("session=")]
    assert cookies, "no session cookie set"
    return cookies[-1]


def test_session_cookie_is_httponly_and_samesite_lax(client, user):
    response = client.post("/signin", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    cookie = session_cookie_header(response)
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http (development): a Secure cookie would be lost


def test_behind_https_the_session_cookie_is_secure_and_hsts_is_sent(client, user):
    response = client.post("/signin", data={"email": user.email, "password": DEFAULT_PASSWORD},
                           base_url="https://localhost")
    assert response.status_code == 302
    cookie = session_cookie_header(response)
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    hsts = response.headers["Strict-Transport-Security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 15_552_000  # 180 days
    page = client.get("/", base_url="https://localhost")
    assert "Strict-Transport-Security" in page.headers


def test_plain_http_sends_no_hsts(client):
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_signed_in_pages_are_not_cached(client, user, login):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    login(user)
    assert "no-store" in client.get("/account").headers["Cache-Control"]


# --- CSRF on every POST ---------------------------------------------------------------------

class ReusableUpload(io.BytesIO):
    """A file for a case the sweeps post twice: the test client closes the files it sent;
    this one rewinds instead."""

    name = "sample.csv"

    def close(self):
        self.seek(0)


@dataclass
class PostCase:
    data: dict
    signed_in: bool = True          # as the admin; False: anonymous (sign-in, sign-up)
    kept: dict = field(default_factory=dict)  # typed values the form page shows back
    renders_form: bool = True
    pending_terms: bool = False


PROCESS_FORM = {"title-en": "Green <Streets>", "subtitle-en": "Trees & more",
                "slug": "green-streets", "start_date": "2030-03-01", "end_date": "2030-06-30"}
PROCESS_KEPT = {"title-en": "Green <Streets>", "subtitle-en": "Trees & more"}
PHASE_FORM = {"title-en": "Ideas <now>", "start_date": "2030-03-01", "end_date": "2030-03-31"}
PROPOSAL_FORM = {"title": "Árboles <en> la calle Mayor",
                 "body": "Más sombra & menos calor <b>ya</b>"}
BUDGET_FORM = {"title-en": "North <district>", "description-en": "<p>Its <b>parks</b></p>",
               "total": "1000", "weight": "0", "receipts_linked": "False"}
BUDGET_KEPT = {"title-en": "North <district>", "description-en": "<p>Its <b>parks</b></p>"}
BUDGET_PROJECT_FORM = {"title-en": "A <new> park", "description-en": "<p>Green</p>",
                       "amount": "100", "address": "Main <street> 3"}
BUDGET_PROJECT_KEPT = {"title-en": "A <new> park", "address": "Main <street> 3"}
RESULT_FORM = {"title-en": "Shade <trees>", "description-en": "<p>Forty <b>trees</b></p>",
               "progress": "", "amount": "400", "proposal_ids": "", "project_ids": "",
               "weight": "0"}
RESULT_KEPT = {"title-en": "Shade <trees>", "description-en": "<p>Forty <b>trees</b></p>"}
ENTRY_FORM = {"date": "2026-02-01", "title-en": "Tender <out>", "description-en": "<p>Out</p>"}
ENTRY_KEPT = {"title-en": "Tender <out>"}
STATUS_FORM = {"key": "tender_out", "name-en": "Tender <out>", "progress": "20"}
STATUS_KEPT = {"key": "tender_out", "name-en": "Tender <out>"}
RESULTS_CSV = (",".join((*BASE_COLUMNS, "title_en")) + "\r\n"
               + "N-1" + "," * len(BASE_COLUMNS) + "From <the> file\r\n").encode()


def post_cases(user: User, admin: User) -> dict[str, PostCase]:
    return {
        "core.set_locale": PostCase({"locale": "fr", "next": "/"}, renders_form=False),
        "auth.logout": PostCase({}, renders_form=False),
        "core.account": PostCase(
            {"name": "Nova <Name>", "nickname": "novanick", "locale": "fr"},
            kept={"name": "Nova <Name>", "nickname": "novanick"},
        ),
        "core.change_email": PostCase(
            {"email": "new-address@example.org", "password": STAFF_PASSWORD},
            kept={"email": "new-address@example.org"},
        ),
        "core.password": PostCase({"current_password": STAFF_PASSWORD,
                                   "password": NEW_PASSWORD + "-for-staff"}),
        "core.delete_account": PostCase({"password": STAFF_PASSWORD, "confirm": "y"}),
        "auth.accept_terms": PostCase({}, pending_terms=True),
        "auth.resend": PostCase({"email": user.email}, kept={"email": user.email}),
        "auth.forgot": PostCase({"email": admin.email}, kept={"email": admin.email}),
        "auth.reset": PostCase({"password": NEW_PASSWORD + "-for-staff"}),
        "auth.login": PostCase({"email": admin.email, "password": STAFF_PASSWORD},
                               signed_in=False, kept={"email": admin.email}),
        "auth.signup": PostCase(
            {"name": "Ana <Ruiz>", "nickname": "anaruiz", "email": "ana@example.org",
             "password": NEW_PASSWORD, "locale": "es", "accept_terms": "y"},
            signed_in=False,
            kept={"name": "Ana <Ruiz>", "nickname": "anaruiz", "email": "ana@example.org"},
        ),
        "pages_admin.edit": PostCase({"body-en": "<p>Page <b>kept</b></p>"},
                                     kept={"body-en": "<p>Page <b>kept</b></p>"}),
        "spaces_admin.new_process": PostCase(PROCESS_FORM, kept=PROCESS_KEPT),
        "spaces_admin.edit_process": PostCase({**PROCESS_FORM, "slug": "sample"},
                                              kept=PROCESS_KEPT),
        "spaces_admin.publish_process": PostCase({}),
        "spaces_admin.unpublish_process": PostCase({}),
        "spaces_admin.delete_process": PostCase({}),
        "spaces_admin.new_phase": PostCase(PHASE_FORM, kept={"title-en": "Ideas <now>"}),
        "spaces_admin.edit_phase": PostCase(PHASE_FORM, kept={"title-en": "Ideas <now>"}),
        "spaces_admin.move_phase": PostCase({}),
        "spaces_admin.activate_phase": PostCase({}),
        "spaces_admin.delete_phase": PostCase({}),
        "spaces_admin.new_category": PostCase({"name-en": "Parks <b>"},
                                              kept={"name-en": "Parks <b>"}),
        "spaces_admin.edit_category": PostCase({"name-en": "Parks <b>"},
                                               kept={"name-en": "Parks <b>"}),
        "spaces_admin.delete_category": PostCase({}),
        "spaces_admin.new_component": PostCase({"manifest_name": "pages", "name-en": "About <b>"},
                                               kept={"name-en": "About <b>"}),
        "spaces_admin.edit_component": PostCase({"name-en": "About <b>"},
                                                kept={"name-en": "About <b>"}),
        "spaces_admin.move_component": PostCase({}),
        "spaces_admin.publish_component": PostCase({}),
        "spaces_admin.unpublish_component": PostCase({}),
        "spaces_admin.delete_component": PostCase({}),
        "spaces_admin.new_role": PostCase({"identifier": user.email, "role": "moderator"},
                                          kept={"identifier": user.email}),
        "spaces_admin.edit_role": PostCase({"role": "valuator"}),
        "spaces_admin.revoke_role": PostCase({}),
        "spaces_admin.new_scope": PostCase({"name-en": "North <b>", "code": "N<9>"},
                                           kept={"name-en": "North <b>", "code": "N<9>"}),
        "spaces_admin.edit_scope": PostCase({"name-en": "North <b>", "code": "N<9>"},
                                            kept={"name-en": "North <b>", "code": "N<9>"}),
        "spaces_admin.delete_scope": PostCase({}),
        "proposals_admin.answer": PostCase(
            {"state": "rejected", "answer-en": "<p>No <b>budget</b></p>"},
            kept={"answer-en": "<p>No <b>budget</b></p>"},
        ),
        "proposals_admin.bulk": PostCase({"proposal_ids": SAMPLES.get("proposal_id"),
                                          "action": "publish_answers"}),
        "proposals_admin.new": PostCase(
            {"title": "An official <b>proposal</b>", "body": "Its <i>text</i>"},
            kept={"title": "An official <b>proposal</b>", "body": "Its <i>text</i>"},
        ),
        "proposals.new": PostCase(PROPOSAL_FORM, kept=PROPOSAL_FORM),
        "proposals.edit": PostCase(PROPOSAL_FORM, kept=PROPOSAL_FORM),
        "proposals.publish": PostCase({}),
        "proposals.discard": PostCase({}),
        "proposals.withdraw": PostCase({}),
        "proposals.support": PostCase({}),
        "proposals.unsupport": PostCase({}),
        "proposals.endorse": PostCase({}),
        "proposals.unendorse": PostCase({}),
        "budgets.add": PostCase({}),
        "budgets.remove": PostCase({}),
        "budgets.checkout": PostCase({}),
        "budgets.cancel": PostCase({}),
        "budgets_admin.new_budget": PostCase(BUDGET_FORM, kept=BUDGET_KEPT),
        "budgets_admin.edit_budget": PostCase(BUDGET_FORM, kept=BUDGET_KEPT),
        "budgets_admin.delete_budget": PostCase({}),
        "budgets_admin.new_project": PostCase(BUDGET_PROJECT_FORM, kept=BUDGET_PROJECT_KEPT),
        "budgets_admin.edit_project": PostCase(BUDGET_PROJECT_FORM, kept=BUDGET_PROJECT_KEPT),
        "budgets_admin.delete_project": PostCase({}),
        "budgets_admin.import_proposals": PostCase(
            {"proposal_ids": SAMPLES.get("accepted_proposal_id")}),
        "budgets_admin.confirm_winners": PostCase({}),
        "budgets_admin.paper_ballot": PostCase(
            {"document": "sample <admin>", "birth_date": "1990-05-17",
             "project_ids": SAMPLES.get("project_id")}, kept={"document": "sample <admin>"}),
        "accountability.confirm": PostCase({"answer": "partly", "comment": "Late <but> done"},
                                           kept={"comment": "Late <but> done"}),
        "accountability_admin.new": PostCase(RESULT_FORM, kept=RESULT_KEPT),
        "accountability_admin.edit": PostCase(RESULT_FORM, kept=RESULT_KEPT),
        "accountability_admin.progress": PostCase(
            {"status_id": "", "progress": "60", "entry_date": "2026-04-01",
             "entry_title-en": "Works <started>"}, kept={"entry_title-en": "Works <started>"}),
        "accountability_admin.delete": PostCase({}),
        "accountability_admin.timeline": PostCase(ENTRY_FORM, kept=ENTRY_KEPT),
        "accountability_admin.edit_entry": PostCase(ENTRY_FORM, kept=ENTRY_KEPT),
        "accountability_admin.delete_entry": PostCase({}),
        "accountability_admin.default_statuses": PostCase({}),
        "accountability_admin.new_status": PostCase(STATUS_FORM, kept=STATUS_KEPT),
        "accountability_admin.edit_status": PostCase(STATUS_FORM, kept=STATUS_KEPT),
        "accountability_admin.delete_status": PostCase({}),
        "accountability_admin.from_budget": PostCase(
            {"budget_id": SAMPLES.get("winners_budget_id")}),
        "accountability_admin.import": PostCase({"file": ReusableUpload(RESULTS_CSV)}),
        "notifications.mark_all_read": PostCase({}),
        "notifications.mark_read": PostCase({}),
        "notifications.preferences": PostCase({"frequency": "daily"}),
        "notifications.follow": PostCase({}),
        "notifications.unfollow": PostCase({}),
        "moderation.report_resource": PostCase({"reason": "spam", "details": "Ads <b>here</b>"},
                                               kept={"details": "Ads <b>here</b>"}),
        "moderation.report_user": PostCase({"reason": "offensive", "details": "Rude <b>"},
                                           kept={"details": "Rude <b>"}),
        "moderation_admin.hide": PostCase({}),
        "moderation_admin.unhide": PostCase({}),
        "moderation_admin.dismiss": PostCase({}),
        "moderation_admin.block": PostCase({"justification": "Insults <b>residents</b>!"},
                                           kept={"justification": "Insults <b>residents</b>!"}),
        "moderation_admin.unblock": PostCase({}),
        "debates.new": PostCase(
            {"title": "Should the <market> move?", "description": "It <blocks> the street."},
            kept={"title": "Should the <market> move?", "description": "It <blocks> the street."},
        ),
        "debates.edit": PostCase(
            {"title": "A clearer <title> for it", "description": "A <clearer> text."},
            kept={"title": "A clearer <title> for it", "description": "A <clearer> text."},
        ),
        "debates.close": PostCase({"conclusion": "We <agreed> on it."},
                                  kept={"conclusion": "We <agreed> on it."}),
        "debates_admin.new": PostCase(
            {"title-en": "An official <b>debate</b>", "description-en": "<p>Its <b>text</b></p>"},
            kept={"title-en": "An official <b>debate</b>",
                  "description-en": "<p>Its <b>text</b></p>"},
        ),
        "debates_admin.edit": PostCase(
            {"title-en": "Renamed <b>debate</b>", "description-en": "<p>Its text</p>"},
            kept={"title-en": "Renamed <b>debate</b>"},
        ),
        "debates_admin.close": PostCase({"conclusion-en": "Most <want> trees."},
                                        kept={"conclusion-en": "Most <want> trees."}),
        "debates_admin.delete": PostCase({}),
        "moderation_admin.dismiss_user": PostCase({}),
        "comments.create": PostCase({"body": "A <b>comment</b>", "alignment": "1"},
                                    kept={"body": "A <b>comment</b>"}),
        "comments.edit": PostCase({"body": "Edited <b>text</b>"},
                                  kept={"body": "Edited <b>text</b>"}),
        "comments.reply": PostCase({"body": "A <b>reply</b>"}, kept={"body": "A <b>reply</b>"}),
        "comments.delete": PostCase({}),
        "comments.vote": PostCase({"weight": "1"}),
        "verification.verify": PostCase({"document": "<sample-admin>",
                                         "birth_date": "1990-05-17"},
                                        kept={"document": "<sample-admin>"}),
        "verification_admin.census": PostCase(
            {"file": ReusableUpload(b"document_number,birth_date\nN1,1990-05-17\n")}),
        "verification_admin.delete_census": PostCase({}),
        "verification_admin.revoke": PostCase({}),
        "core_admin.organization": PostCase(
            {"name": "Villa <Nueva>", "time_zone": "Europe/Madrid", "default_locale": "es",
             "available_locales": ["en", "es"], "terms_of_service-en": "<p>Terms kept</p>",
             "new_terms_version": "y", "report_threshold": "4"},
            kept={"name": "Villa <Nueva>", "terms_of_service-en": "<p>Terms kept</p>"},
        ),
    }


def database_rows(db) -> dict:
    db.session.expire_all()
    return {
        table.name: sorted(db.session.execute(table.select()).all(), key=repr)
        for table in db.metadata.sorted_tables
    }


def observable_state(client, db):
    """The database, whether the client is signed in, and the language it gets."""
    rows = database_rows(db)
    signed_in = client.get("/account").status_code == 200
    home = client.get("/", follow_redirects=True).get_data(as_text=True)
    return rows, signed_in, re.search(r'<html lang="([^"]+)"', home).group(1)


@pytest.fixture
def csrf_setup(db, client, user, admin, login, samples):
    """An unconfirmed resident (for resend), an organization, and the admin in Spanish."""
    def setup(endpoint) -> PostCase:
        user.confirmed_at = None
        admin.locale = "es"
        organization = Organization.current(("en", "es", "ca", "fr"))
        db.session.add(organization)
        db.session.commit()
        case = post_cases(user, admin).get(endpoint)
        if case is None:
            pytest.fail(f"Add {endpoint} to post_cases: every POST endpoint must be swept.")
        if case.signed_in:
            login(admin)
        if case.pending_terms:
            organization.terms_version = 2
            db.session.commit()
        return case

    return setup


def url_for_post(rule, user):
    values = path_values(rule, user)[0]
    return build(rule, values)


@pytest.mark.parametrize("rule", POST_RULES, ids=lambda rule: rule.endpoint)
def test_post_without_csrf_token_is_refused_and_changes_nothing(rule, client, db, user,
                                                                csrf_setup):
    case = csrf_setup(rule.endpoint)
    url = url_for_post(rule, user)
    before = observable_state(client, db)
    headers = {} if case.signed_in else {"Accept-Language": "es"}

    response = client.post(url, data=case.data, csrf=False, headers=headers)

    assert 400 <= response.status_code < 500, response.status_code
    assert observable_state(client, db) == before
    check_page(response)
    # The same request with a token is accepted: the test above can fail.
    accepted = client.post(url, data=case.data, headers=headers)
    assert accepted.status_code in (200, 302, 303), accepted.get_data(as_text=True)
    assert observable_state(client, db) != before


def test_post_with_a_wrong_csrf_token_is_refused(client, db, admin, login):
    login(admin)
    response = client.post("/account", data={"name": "Other", "nickname": "other",
                                             "locale": "en", "csrf_token": "forged"})
    assert response.status_code == 400
    db.session.refresh(admin)
    assert admin.name != "Other"


def test_token_of_another_session_is_refused(app, client, db, admin, login):
    other = app.test_client()
    foreign_token = other.csrf_token()
    login(admin)
    response = client.post("/account", data={"name": "Other", "nickname": "other",
                                             "locale": "en", "csrf_token": foreign_token})
    assert response.status_code == 400
    db.session.refresh(admin)
    assert admin.name != "Other"


FORM_RULES = [rule for rule in POST_RULES
              if rule.endpoint not in {"core.set_locale", "auth.logout"}]


@pytest.mark.parametrize("rule", FORM_RULES, ids=lambda rule: rule.endpoint)
def test_form_without_csrf_token_shows_translated_message_and_keeps_typed_values(
        rule, client, user, csrf_setup):
    case = csrf_setup(rule.endpoint)
    headers = {} if case.signed_in else {"Accept-Language": "es"}

    response = client.post(url_for_post(rule, user), data=case.data, csrf=False,
                           headers=headers)

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert '<html lang="es">' in page
    # A form shown on another page's address names where it posts (the confirmation of a
    # result is on the result's page).
    form = re.search(r'<form method="post"(?: action="[^"]*")?(?: class="[^"]*")?'
                     r'(?: enctype="multipart/form-data")? novalidate>(.*?)</form>', page, re.S)
    assert form, "the form is shown again"
    message = translated(CSRF_MESSAGE, "es")
    assert str(escape_html(message)) in form.group(1)
    for name, value in case.kept.items():
        assert escape_html(value) in form.group(1), f"{name} was not kept"
    assert "csrf_token" in form.group(1)  # a fresh token to send it again


def test_signout_without_token_keeps_the_session(client, admin, login):
    login(admin)
    response = client.post("/signout", csrf=False)
    assert response.status_code == 400
    assert client.get("/account").status_code == 200


def test_locale_switch_without_token_says_why(client):
    response = client.post("/locale", data={"locale": "es"}, csrf=False,
                           headers={"Accept-Language": "fr"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert translated(CSRF_MESSAGE, "fr") in page.replace("&#39;", "'")
    assert client.get("/", headers={"Accept-Language": "fr"}).data.count(b'lang="fr"') >= 1


def escape_html(value: str) -> str:
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&#34;").replace("'", "&#39;"))


# --- rate limits ----------------------------------------------------------------------------

def limit_per_second(text: str) -> float:
    limit = parse_limit(text)
    return limit.amount / limit.get_expiry()


@pytest.mark.nodb
def test_default_address_limit_is_looser_than_the_account_limit():
    assert limit_per_second(Config.RATELIMIT_ADDRESS) > 5 * limit_per_second(
        Config.RATELIMIT_ACCOUNT)
    assert parse_limit(Config.RATELIMIT_ACCOUNT).amount <= 20


def limited_post(endpoint: str, email: str, user: User) -> tuple[str, dict]:
    data = {
        "auth.login": {"email": email, "password": "wrong-password-here"},
        "auth.signup": {"name": "Someone", "nickname": email.split("@")[0][:20],
                        "email": email, "password": NEW_PASSWORD, "locale": "en",
                        "accept_terms": "y"},
        "auth.forgot": {"email": email},
        "auth.resend": {"email": email},
    }[endpoint]
    url = {"auth.login": "/signin", "auth.signup": "/signup", "auth.forgot": "/password/forgot",
           "auth.resend": "/confirm"}[endpoint]
    return url, data


LIMITED = ["auth.login", "auth.signup", "auth.forgot", "auth.resend"]


@pytest.mark.parametrize("endpoint", LIMITED)
def test_rate_limited_per_account(endpoint, app, client, user, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_ACCOUNT", "3 per minute")
    monkeypatch.setitem(app.config, "RATELIMIT_ADDRESS", "50 per minute")
    url, data = limited_post(endpoint, "target@example.org", user)
    statuses = [client.post(url, data=data).status_code for _ in range(4)]
    assert 429 not in statuses[:3]
    assert statuses[3] == 429
    # The e-mail typed is the key, whatever its case or spaces.
    _, shouting = limited_post(endpoint, "target@example.org", user)
    shouting["email"] = "  TARGET@Example.org "
    assert client.post(url, data=shouting).status_code == 429
    # Another account from the same address is not affected.
    other_url, other = limited_post(endpoint, "neighbour@example.org", user)
    assert client.post(other_url, data=other).status_code != 429


@pytest.mark.parametrize("endpoint", LIMITED)
def test_rate_limited_per_address(endpoint, app, client, user, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_ACCOUNT", "50 per minute")
    monkeypatch.setitem(app.config, "RATELIMIT_ADDRESS", "3 per minute")
    statuses = []
    for number in range(4):
        url, data = limited_post(endpoint, f"person{number}@example.org", user)
        statuses.append(client.post(url, data=data).status_code)
    assert 429 not in statuses[:3]
    assert statuses[3] == 429
    other = app.test_client()
    url, data = limited_post(endpoint, "far-away@example.org", user)
    response = other.post(url, data=data, environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert response.status_code != 429


def test_help_desk_residents_still_sign_in_after_one_resident_is_locked_out(
        app, create_user, monkeypatch):
    """Many residents on one machine: one resident's typos lock that account only."""
    monkeypatch.setitem(app.config, "RATELIMIT_ACCOUNT", "3 per minute")
    monkeypatch.setitem(app.config, "RATELIMIT_ADDRESS", "30 per minute")
    clumsy = create_user()
    desk = app.test_client()
    for _ in range(3):
        desk.post("/signin", data={"email": clumsy.email, "password": "not-my-password"})
    locked = desk.post("/signin", data={"email": clumsy.email, "password": DEFAULT_PASSWORD})
    assert locked.status_code == 429

    for _ in range(6):
        resident = create_user()
        kiosk = app.test_client()  # same address, a fresh browser session per resident
        response = kiosk.post("/signin", data={"email": resident.email,
                                               "password": DEFAULT_PASSWORD})
        assert response.status_code == 302
        assert kiosk.get("/account").status_code == 200


def test_reset_link_is_limited_per_link_not_site_wide(app, client, db, user, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_ACCOUNT", "2 per minute")
    monkeypatch.setitem(app.config, "RATELIMIT_ADDRESS", "50 per minute")
    attacker = app.test_client()
    for _ in range(3):
        attacker.post("/password/reset/forged-token", data={"password": NEW_PASSWORD})
    assert attacker.post("/password/reset/forged-token",
                         data={"password": NEW_PASSWORD}).status_code == 429
    token = make_token("reset", {"u": user.id, "h": user.password_hash[-16:]})
    response = client.post(f"/password/reset/{token}", data={"password": NEW_PASSWORD})
    assert response.status_code == 302


def test_too_many_requests_page_is_translated_inside_the_layout(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_ACCOUNT", "1 per minute")
    headers = {"Accept-Language": "es"}
    data = {"email": "someone@example.org", "password": "whatever-it-is"}
    client.post("/signin", data=data, headers=headers)
    response = client.post("/signin", data=data, headers=headers)
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert '<html lang="es">' in page
    assert escape_html(translated("Too many attempts", "es")) in page
    assert escape_html(
        translated("For your security, wait a few minutes before you try again.", "es")
    ) in page
    assert '<main id="content"' in page
    assert 'class="site-footer"' in page


def test_rate_limits_only_count_posts(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_ADDRESS", "2 per minute")
    for _ in range(5):
        assert client.get("/signin").status_code == 200


# --- query and path parameters --------------------------------------------------------------

NASTY = [
    "' OR 1=1 --",
    '"; DROP TABLE users; --',
    "1; SELECT pg_sleep(5)",
    "%' AND '1'='1",
    "-1",
    "0",
    "99999999999999999999999999",
    "x" * 5000,
    "ñandú 😀 中文 العربية",
    "../../../etc/passwd",
    "<script>alert(1)</script>",
    "\x00",
    "%00",
    "javascript:alert(1)",
    "//evil.example/",
]


def query_string(payload: str) -> str:
    return "&".join(f"{name}={quote(payload, safe='')}"
                    for name in ("next", "q", "page", "sort", "order", "locale", "filter"))


@pytest.mark.parametrize("role", ["anonymous", "admin"])
@pytest.mark.parametrize("rule", [rule for rule in GET_RULES if rule.endpoint != "static"],
                         ids=lambda rule: rule.endpoint)
def test_query_parameters_never_cause_an_error(rule, role, client, user, admin, login,
                                               samples):
    sign_in_as(role, login, user, admin)
    for values in path_values(rule, user)[:1]:
        url = build(rule, values)
        for payload in NASTY:
            response = client.get(f"{url}?{query_string(payload)}")
            assert response.status_code < 500, (url, payload)
            assert b"<script>alert(1)" not in response.data
            assert response.status_code != 302 or is_local(response.headers["Location"])


def is_local(location: str) -> bool:
    parts = urlsplit(location)
    return parts.netloc in ("", "localhost") and not location.startswith("//")


@pytest.mark.parametrize("rule", [rule for rule in GET_RULES if rule.arguments
                                  and rule.endpoint != "static"],
                         ids=lambda rule: rule.endpoint)
def test_path_parameters_never_cause_an_error(rule, client, user, admin, login):
    if rule.rule.startswith("/admin"):
        login(admin)  # signed out, the back office sends everyone to sign in first
    for payload in NASTY:
        values = {name: payload for name in rule.arguments}
        response = client.get(build(rule, values))
        if response.status_code == 308:  # "//" in the path: Werkzeug merges the slashes
            assert is_local(response.headers["Location"])
            continue
        assert response.status_code in (400, 404), (rule.rule, payload, response.status_code)
        assert b"<script>alert(1)" not in response.data


@pytest.mark.parametrize("payload", NASTY)
def test_next_parameter_of_sign_in_never_leaves_the_site(payload, client, user):
    response = client.post("/signin", data={"email": user.email, "password": DEFAULT_PASSWORD,
                                            "next": payload})
    if "\x00" in payload:  # a control character in any field is refused
        assert response.status_code == 400
        return
    assert response.status_code == 302
    assert is_local(response.headers["Location"])
    assert not response.headers["Location"].startswith("javascript")


def test_profile_lookup_with_sql_metacharacters_finds_nobody(client, user):
    assert client.get(f"/profiles/{quote(user.nickname)}").status_code == 200
    for payload in ("' OR '1'='1", f"{user.nickname}' --", "%", "_" * len(user.nickname)):
        assert client.get(f"/profiles/{quote(payload, safe='')}").status_code == 404
