"""Who may reach what: every back-office URL for every role, account pages, redirect targets.

The matrix walks the app's URL map, so a back-office page added later is checked without
touching this file.
"""

import re
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest

from decide import create_app
from decide.core.models import Organization
from decide.core.permissions import is_safe_next
from decide.core.permissions import safe_next
from decide.spaces.models import Role


def _url_rules():
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return sorted(app.url_map.iter_rules(), key=lambda rule: (rule.rule, rule.endpoint))


RULES = _url_rules()
# Sample values for path arguments of back-office URLs; a new argument name must be added
# (the `samples` fixture creates the rows they name and fills in their ids).
ADMIN_PATH_VALUES: dict[str, str] = {"slug": "sample", "direction": "up"}


@pytest.fixture
def samples(monkeypatch, create_user, create_process, create_phase, create_category,
            create_component, create_scope, grant):
    """A process with a phase, a category, a pages component and a role; a scope."""
    process = create_process(slug=ADMIN_PATH_VALUES["slug"])
    holder = create_user(nickname="sample-holder", email="sample-holder@example.org")
    ids = {
        "phase_id": create_phase(process).id,
        "category_id": create_category(process).id,
        "component_id": create_component(process, manifest_name="pages").id,
        "role_id": grant(holder, process, Role.MODERATOR).id,
        "scope_id": create_scope().id,
    }
    for name, value in ids.items():
        monkeypatch.setitem(ADMIN_PATH_VALUES, name, str(value))


def admin_cases():
    for rule in RULES:
        if rule.rule.startswith("/admin"):
            for method in sorted(rule.methods & {"GET", "POST"}):
                yield pytest.param(rule, method, id=f"{method} {rule.rule}")


ADMIN_CASES = list(admin_cases())


def admin_url(rule) -> str:
    missing = rule.arguments - ADMIN_PATH_VALUES.keys()
    if missing:
        pytest.fail(f"Add sample values for {sorted(missing)} ({rule.rule}) to this test.")
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", ADMIN_PATH_VALUES[name], path)
    return path


def request(client, method, url):
    return client.get(url) if method == "GET" else client.post(url, data={})


def redirects_to_sign_in(response, url) -> bool:
    if response.status_code != 302:
        return False
    location = urlsplit(response.headers["Location"])
    return location.path == "/signin" and parse_qs(location.query).get("next") == [url]


@pytest.mark.nodb
def test_the_back_office_has_pages_to_check():
    paths = {rule.rule for rule in RULES}
    assert {"/admin/", "/admin/organization"} <= paths
    assert len(ADMIN_CASES) >= 3


@pytest.mark.parametrize("rule, method", ADMIN_CASES)
def test_back_office_sends_anonymous_visitors_to_sign_in(rule, method, client, samples):
    url = admin_url(rule)
    response = request(client, method, url)
    assert redirects_to_sign_in(response, url), (response.status_code, response.location)


@pytest.mark.parametrize("rule, method", ADMIN_CASES)
def test_back_office_refuses_residents(rule, method, client, db, user, login, samples):
    login(user)
    response = request(client, method, admin_url(rule))
    assert response.status_code == 403
    assert "Administration" not in response.get_data(as_text=True)


@pytest.mark.parametrize("rule, method", ADMIN_CASES)
def test_back_office_opens_for_admins(rule, method, client, admin, login, samples):
    login(admin)
    response = request(client, method, admin_url(rule))
    if method == "GET":
        assert response.status_code == 200
    else:  # an empty form: refused for its content, not for the person
        assert response.status_code in (200, 302, 303, 400)


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
