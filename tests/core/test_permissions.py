"""Who may reach what: every back-office URL for every role, account pages, redirect targets.

The matrix walks the app's URL map, so a back-office page added later is checked without
touching this file: a page with a process in its address (`<slug>`) is a page of that
process (its process admins and the organization admins), any other page is for
organization admins only, unless it is listed in STAFF_PAGES below.
"""

import re
import time
from datetime import date
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest

from decide import create_app
from decide.components.accountability.models import Result
from decide.components.accountability.models import Status
from decide.components.accountability.models import TimelineEntry
from decide.components.budgets.models import Budget
from decide.components.budgets.models import Project
from decide.components.debates.models import Debate
from decide.components.proposals.models import Proposal
from decide.core.models import Organization
from decide.core.models import utcnow
from decide.core.permissions import is_safe_next
from decide.core.permissions import safe_next
from decide.extensions import db as _db
from decide.moderation.models import Report
from decide.spaces.models import Role
from decide.verification.models import Verification
from decide.verification.services import identity_hash


def _url_rules():
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return sorted(app.url_map.iter_rules(), key=lambda rule: (rule.rule, rule.endpoint))


RULES = _url_rules()

# Pages without a process in their address that every staff member opens: each shows only
# what that person may see (tests/admin and tests/spaces check what they list).
STAFF_PAGES = frozenset({"admin.dashboard", "admin.logs", "spaces_admin.processes"})
# Pages of a process that only organization admins use (as creating one is).
ORGANIZATION_PAGES_OF_A_PROCESS = frozenset({"spaces_admin.delete_process"})
# The moderation queue: every process admin and moderator (each sees the items of their
# processes); its buttons act on an item of the sample process.
MODERATION_QUEUE = frozenset({"moderation_admin.queue"})
MODERATION_BUTTONS = frozenset({"moderation_admin.hide", "moderation_admin.unhide",
                                "moderation_admin.dismiss"})
# A valuator of the process sees the proposals assigned to them and answers those (the
# sample proposal is assigned to the valuator persona); the rest is for its admins.
VALUATOR_PAGES = frozenset({"proposals_admin.index", "proposals_admin.answer"})

# Everyone the matrix tries, with the role they hold in the sample process.
PERSONAS = {
    "anonymous": None,
    "resident": None,
    "collaborator": Role.COLLABORATOR,
    "moderator": Role.MODERATOR,
    "valuator": Role.VALUATOR,
    "admin of another process": None,
    "process admin": Role.PROCESS_ADMIN,
    "organization admin": None,
}
SAMPLE_TITLE = "Sample process for the permission matrix"


def level(rule) -> str:
    if rule.endpoint in STAFF_PAGES:
        return "staff"
    if "slug" in rule.arguments and rule.endpoint not in ORGANIZATION_PAGES_OF_A_PROCESS:
        return "process"
    return "organization"


def expected(persona: str, rule) -> str:
    """"sign-in", "denied" (403) or "allowed"."""
    if persona == "anonymous":
        return "sign-in"
    if persona == "resident":
        return "denied"
    if persona == "organization admin":
        return "allowed"
    if rule.endpoint in MODERATION_QUEUE:
        moderators = ("process admin", "moderator", "admin of another process")
        return "allowed" if persona in moderators else "denied"
    if rule.endpoint in MODERATION_BUTTONS:
        return "allowed" if persona in ("process admin", "moderator") else "denied"
    if rule.endpoint in VALUATOR_PAGES and persona == "valuator":
        return "allowed"
    # Beyond the pages above (moderation, answers), collaborators, moderators and valuators
    # have no back-office rights in their process.
    if level(rule) == "staff" or (level(rule) == "process" and persona == "process admin"):
        return "allowed"
    return "denied"


def admin_cases():
    for rule in RULES:
        if rule.rule.startswith("/admin"):
            for method in sorted(rule.methods & {"GET", "POST"}):
                yield pytest.param(rule, method, id=f"{method} {rule.rule}")


ADMIN_CASES = list(admin_cases())
MATRIX = [
    pytest.param(case.values[0], case.values[1], persona, id=f"{case.id} {persona}")
    for case in ADMIN_CASES
    for persona in PERSONAS
]


class Samples:
    """Real rows for every path argument: a published process with a phase, a category,
    a component of each registered kind and a role; another process; a scope."""

    def __init__(self, app, create_user, create_process, create_phase, create_category,
                 create_component, create_scope, grant):
        self.process = create_process(title={"en": SAMPLE_TITLE}, slug="sample")
        self.other = create_process(title={"en": "Another process"}, slug="another")
        holder = create_user(nickname="sample-holder", email="sample-holder@example.org")
        self.components = {
            kind: create_component(self.process, manifest_name=kind).id
            for kind in app.extensions["decide.components"]
        }
        self.values = {
            "slug": self.process.slug,
            "phase_id": create_phase(self.process).id,
            "category_id": create_category(self.process).id,
            "component_id": next(iter(self.components.values())),
            "role_id": grant(holder, self.process, Role.MODERATOR).id,
            "scope_id": create_scope().id,
            "direction": "up",
        }
        # Moderation: a hidden debate of the sample process with an open report, and the
        # holder reported (the participants' pages act on them).
        reporter = create_user(nickname="sample-reporter", email="sample-reporter@example.org")
        debate = Debate(component_id=self.components["debates"], author_id=holder.id,
                        title={"en": "Sample debate"}, hidden_at=utcnow())
        _db.session.add(debate)
        _db.session.flush()
        _db.session.add_all([
            Report(user_id=reporter.id, resource_id=debate.id, reason="spam"),
            Report(user_id=reporter.id, reported_user_id=holder.id, reason="spam"),
        ])
        _db.session.commit()
        self.values.update(resource_id=debate.id, user_id=holder.id)
        # Verification: the holder is verified (the revoke pages act on them).
        _db.session.add(Verification(user_id=holder.id, identity_hash=identity_hash("SAMPLE"),
                                     birth_date=date(1990, 5, 17)))
        _db.session.commit()
        # Proposals: a published one, assigned to the valuator persona when it signs in.
        self.proposal = Proposal(component_id=self.components["proposals"], title="A sample "
                                 "proposal for the matrix", body="Its text.", locale="en",
                                 author_id=holder.id, published_at=utcnow())
        _db.session.add(self.proposal)
        _db.session.commit()
        self.values["proposal_id"] = self.proposal.id
        # Debates: an official one nobody has commented on (edit, close, delete).
        official = Debate(component_id=self.components["debates"], official=True,
                          title={"en": "Sample official debate"},
                          description={"en": "<p>Its text.</p>"})
        _db.session.add(official)
        _db.session.commit()
        self.values["debate_id"] = official.id
        # Budgets: a budget without ballots holding a project (edit, delete, import, results).
        budget = Budget(component_id=self.components["budgets"], title={"en": "Sample budget"},
                        total=1000)
        _db.session.add(budget)
        _db.session.flush()
        project = Project(budget_id=budget.id, component_id=self.components["budgets"],
                          title={"en": "Sample project"}, amount=100)
        _db.session.add(project)
        _db.session.commit()
        self.values.update(budget_id=budget.id, project_id=project.id)
        # Accountability: a status, a result holding a timeline entry (edit, delete...).
        status = Status(component_id=self.components["accountability"], key="sample",
                        name={"en": "Sample status"})
        _db.session.add(status)
        _db.session.flush()
        result = Result(component_id=self.components["accountability"], reference="S-1",
                        title={"en": "Sample result"}, status_id=status.id)
        _db.session.add(result)
        _db.session.flush()
        entry = TimelineEntry(result_id=result.id, date=date(2026, 1, 1),
                              title={"en": "Sample entry"})
        _db.session.add(entry)
        _db.session.commit()
        self.values.update(result_id=result.id, status_id=status.id, entry_id=entry.id)

    def url(self, rule) -> str:
        values = dict(self.values)
        kind = rule.endpoint.partition(".")[0].removesuffix("_admin")
        if kind in self.components:  # a kind's own back office needs a component of it
            values["component_id"] = self.components[kind]
        missing = rule.arguments - values.keys()
        if missing:
            pytest.fail(f"Add sample values for {sorted(missing)} ({rule.rule}) to Samples.")
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(values[name]), path)
        return path


@pytest.fixture
def samples(app, create_user, create_process, create_phase, create_category, create_component,
            create_scope, grant) -> Samples:
    return Samples(app, create_user, create_process, create_phase, create_category,
                   create_component, create_scope, grant)


@pytest.fixture
def become(client, create_user, grant, samples):
    """Sign the test client in as a persona of the matrix (anonymous: nothing to do).

    The session is written as sign-in writes it, without the sign-in form: the matrix has
    hundreds of cases and Argon2 is slow on purpose. Sign-in itself is tested elsewhere.
    """

    def sign_in(persona: str) -> None:
        if persona == "anonymous":
            return
        person = create_user(admin=persona == "organization admin")
        if PERSONAS[persona] is not None:
            grant(person, samples.process, PERSONAS[persona])
        if PERSONAS[persona] == Role.VALUATOR:
            samples.proposal.valuator_id = person.id
            _db.session.commit()
        if persona == "admin of another process":
            grant(person, samples.other, Role.PROCESS_ADMIN)
        with client.session_transaction() as session:
            session["_user_id"] = person.get_id()
            session["_fresh"] = True
            session["last_seen"] = time.time()
        assert client.get("/account").status_code == 200  # signed in indeed

    return sign_in


def request(client, method, url):
    return client.get(url) if method == "GET" else client.post(url, data={})


def redirects_to_sign_in(response, url) -> bool:
    if response.status_code != 302:
        return False
    location = urlsplit(response.headers["Location"])
    return location.path == "/signin" and parse_qs(location.query).get("next") == [url]


def database_rows(db) -> dict:
    """Everything committed: what a request left behind, not what it had pending."""
    db.session.rollback()
    db.session.expire_all()
    return {
        table.name: sorted(db.session.execute(table.select()).all(), key=repr)
        for table in db.metadata.sorted_tables
    }


@pytest.mark.nodb
def test_the_back_office_has_pages_to_check():
    paths = {rule.rule for rule in RULES}
    assert {"/admin/", "/admin/organization", "/admin/logs"} <= paths
    assert len(ADMIN_CASES) >= 3
    assert any(level(case.values[0]) == "process" for case in ADMIN_CASES)


@pytest.mark.nodb
@pytest.mark.parametrize("endpoint", [
    "core_admin.organization", "spaces_admin.scopes", "spaces_admin.new_scope",
    "spaces_admin.edit_scope", "spaces_admin.delete_scope", "spaces_admin.new_process",
    "spaces_admin.delete_process",
])
def test_organization_pages_are_for_organization_admins_only(endpoint):
    rules = [rule for rule in RULES if rule.endpoint == endpoint]
    assert rules, endpoint
    assert all(level(rule) == "organization" for rule in rules)
    assert {expected(persona, rules[0]) for persona in PERSONAS if persona != "anonymous"} == {
        "denied", "allowed"
    }
    assert [persona for persona in PERSONAS if expected(persona, rules[0]) == "allowed"] == [
        "organization admin"
    ]


@pytest.mark.parametrize("rule, method, persona", MATRIX)
def test_back_office_matrix(rule, method, persona, client, db, samples, become):
    url = samples.url(rule)
    become(persona)
    outcome = expected(persona, rule)
    before = database_rows(db) if method == "POST" and outcome != "allowed" else None

    response = request(client, method, url)

    if outcome == "sign-in":
        assert redirects_to_sign_in(response, url), (response.status_code, response.location)
    elif outcome == "denied":
        assert response.status_code == 403, response.status_code
        body = response.get_data(as_text=True)
        assert SAMPLE_TITLE not in body
        if persona == "resident":
            assert "Administration" not in body
    elif method == "GET":
        assert response.status_code == 200, response.status_code
    else:  # an empty form: refused for its content (400), not for the person
        assert response.status_code in (200, 302, 303, 400), response.status_code
    if before is not None:
        assert database_rows(db) == before, "a refused POST changed the database"


def test_residents_see_no_link_to_the_back_office(client, user, admin, login):
    login(user)
    assert 'href="/admin/"' not in client.get("/").get_data(as_text=True)
    client.post("/signout")
    login(admin)
    assert 'href="/admin/"' in client.get("/").get_data(as_text=True)


def test_a_resident_cannot_change_the_organization(client, db, user, login):
    login(user)
    response = client.post("/admin/organization", data={
        "name": "Taken over", "time_zone": "UTC", "default_locale": "en",
        "available_locales": ["en"],
    })
    assert response.status_code == 403
    assert db.session.query(Organization).count() == 0


def test_a_demoted_admin_loses_the_back_office_at_once(client, db, admin, login):
    login(admin)
    assert client.get("/admin/").status_code == 200
    admin.admin = False
    db.session.commit()
    assert client.get("/admin/").status_code == 403


ACCOUNT_RULES = [
    rule
    for rule in RULES
    if (rule.rule.startswith("/account") or rule.endpoint == "auth.accept_terms")
    and "token" not in rule.arguments  # links from e-mails work signed out
]


def rule_id(rule) -> str:
    return rule.rule


@pytest.mark.parametrize("rule", ACCOUNT_RULES, ids=rule_id)
def test_account_pages_need_sign_in(rule, client, user, login):
    assert not rule.arguments
    anonymous = client.get(rule.rule)
    assert redirects_to_sign_in(anonymous, rule.rule)
    login(user)
    assert client.get(rule.rule).status_code == 200


@pytest.mark.parametrize("rule", [rule for rule in ACCOUNT_RULES if "POST" in rule.methods],
                         ids=rule_id)
def test_account_forms_refuse_anonymous_posts(rule, client, db):
    response = client.post(rule.rule, data={"name": "x", "password": "y", "confirm": "y"})
    assert redirects_to_sign_in(response, rule.rule)


@pytest.mark.nodb
@pytest.mark.parametrize("target", [
    "/", "/account", "/profiles/ana?tab=1", "/processes/green-streets#comments",
])
def test_paths_on_this_site_are_safe_redirect_targets(target):
    assert is_safe_next(target)
    assert safe_next(target, "/home") == target


@pytest.mark.nodb
@pytest.mark.parametrize("target", [
    None, "", "https://evil.example/", "http://evil.example", "//evil.example/x",
    "/\\evil.example", "\\\\evil.example", "javascript:alert(1)", "evil.example",
    "/\x00/account", "/\t/evil.example", " /account", "https:/evil.example", "///evil.example",
])
def test_other_redirect_targets_fall_back_to_the_default(target):
    assert not is_safe_next(target)
    assert safe_next(target, "/home") == "/home"
