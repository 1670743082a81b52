"""The residents' pages of budgets: the budgets, the projects list (filters, orders, pages, a
fixed number of queries), a project's page, the ballot's buttons without JavaScript, checkout
with its receipt shown once, cancelling; who may do what; bad input in every form."""

import re

import pytest
from sqlalchemy import select

from decide.components.budgets.models import Order
from decide.components.budgets.results import receipt_hash
from decide.core.models import ResourceLink
from decide.core.models import utcnow
from decide.spaces.models import Role
from tests.conftest import STAFF_PASSWORD


def base(component) -> str:
    return f"/processes/{component.process.slug}/f/{component.id}/budgets"


def text(response) -> str:
    return response.get_data(as_text=True)


def squeeze(page: str) -> str:
    """The page's text with runs of white space as one space (and &#39; as ')."""
    return " ".join(page.replace("&#39;", "'").split())


@pytest.fixture
def voting(configure):
    """Voting open, a project rule easy to reason about (1 to 3 projects, any cost), and no
    census verification needed unless a test asks for it."""
    configure(voting_enabled=True, vote_rule="project_range", vote_range_min=1,
              vote_range_max=3, verify_vote=False)


@pytest.fixture
def budget(make_budget):
    return make_budget(title={"en": "North district"}, total=100_000)


@pytest.fixture
def resident(create_user):
    return create_user(nickname="ana", name="Ana Ruiz", email="ana@example.org")


def order_of(db, user, budget):
    db.session.expire_all()
    return db.session.scalars(select(Order).where(Order.user_id == user.id,
                                                  Order.budget_id == budget.id)).first()


def add(client, component, budget, project, **data):
    return client.post(f"{base(component)}/{budget.id}/projects/{project.id}/add", data=data)


def remove(client, component, budget, project, **data):
    return client.post(f"{base(component)}/{budget.id}/projects/{project.id}/remove", data=data)


# --- the budgets ----------------------------------------------------------------------------

def test_one_budget_redirects_to_its_projects(client, component, budget):
    response = client.get(f"{base(component)}/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{base(component)}/{budget.id}/projects/")


def test_the_budgets_show_the_residents_ballot_in_each(client, login, db, component, voting,
                                                       make_budget, make_project, resident):
    north = make_budget(title={"en": "North district"})
    south = make_budget(title={"en": "South district"})
    east = make_budget(title={"en": "East district"})
    make_project(north)
    page = text(client.get(f"{base(component)}/"))
    assert "North district" in page and "South district" in page
    assert "Not started" not in page  # anonymous: no ballot to speak of
    login(resident)
    add(client, component, north, make_project(north))
    db.session.add(Order(budget_id=south.id, user_id=resident.id, checked_out_at=utcnow()))
    db.session.commit()
    page = squeeze(text(client.get(f"{base(component)}/")))
    assert "In progress: 1 project, not voted yet" in page
    assert "You have voted" in page
    assert "Not started" in page
    assert page.index("North district") < page.index("South district") < page.index(
        east.title["en"])


def test_no_budget_yet(client, component):
    page = text(client.get(f"{base(component)}/"))
    assert "There are no budgets here yet." in page


# --- who sees what --------------------------------------------------------------------------

@pytest.fixture
def pages(component, budget, make_project):
    project = make_project(budget)
    root = f"{base(component)}/{budget.id}"
    return [f"{root}/projects/", f"{root}/projects/{project.id}", f"{root}/results",
            f"{root}/ballots", f"{base(component)}/how-winners-are-chosen"]


@pytest.mark.parametrize("persona", ["anonymous", "resident", "verified", "staff", "admin"])
def test_every_page_is_public(client, login, create_user, verified, grant, process, pages,
                              voting, persona):
    if persona != "anonymous":
        user = create_user(admin=persona == "admin", password=STAFF_PASSWORD)
        if persona == "verified":
            verified(user)
        if persona == "staff":
            grant(user, process, Role.PROCESS_ADMIN)
        login(user, STAFF_PASSWORD)
    for url in pages:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("persona", ["anonymous", "resident", "process admin"])
def test_a_hidden_component_is_a_404_for_residents(client, login, db, create_user, grant,
                                                   process, component, pages, persona):
    component.published_at = None
    db.session.commit()
    if persona != "anonymous":
        user = create_user(password=STAFF_PASSWORD)
        if persona == "process admin":
            grant(user, process, Role.PROCESS_ADMIN)
        login(user, STAFF_PASSWORD)
    for url in pages:
        expected = 200 if persona == "process admin" else 404
        assert client.get(url).status_code == expected, url


def test_a_budget_of_another_component_is_a_404(client, create_component, process,
                                                make_budget, make_project, component):
    other = create_component(process, manifest_name="budgets")
    foreign = make_budget(other)
    project = make_project(foreign)
    for path in (f"{foreign.id}/projects/", f"{foreign.id}/projects/{project.id}",
                 f"{foreign.id}/results", f"{foreign.id}/ballots", f"{foreign.id}/checkout",
                 f"{foreign.id}/results.csv", "99999999999/projects/", "0/projects/"):
        assert client.get(f"{base(component)}/{path}").status_code in (302, 404), path
        assert client.get(f"{base(component)}/{path}").status_code != 200


def test_a_project_of_another_budget_is_a_404(client, component, budget, make_budget,
                                              make_project):
    other = make_project(make_budget())
    assert client.get(f"{base(component)}/{budget.id}/projects/{other.id}").status_code == 404
    assert client.get(
        f"{base(component)}/{budget.id}/projects/99999999999").status_code == 404


def test_a_hidden_project_is_a_404_and_out_of_the_list(client, component, budget, make_project):
    hidden = make_project(budget, title={"en": "Hidden by moderation"}, hidden_at=utcnow())
    assert client.get(f"{base(component)}/{budget.id}/projects/{hidden.id}").status_code == 404
    assert "Hidden by moderation" not in text(client.get(f"{base(component)}/{budget.id}"
                                                         "/projects/"))


# --- the projects list ----------------------------------------------------------------------

def test_the_list_filters_and_orders(client, login, component, budget, voting, process,
                                     create_category, create_scope, make_project, resident,
                                     configure):
    parks, scope = create_category(process, name={"en": "Parks"}), create_scope()
    cheap = make_project(budget, title={"en": "Benches by the river"}, amount=5_000,
                         category_id=parks.id, votes_count=1)
    dear = make_project(budget, title={"en": "A new library wing"}, amount=90_000,
                        scope_id=scope.id, votes_count=9)
    root = f"{base(component)}/{budget.id}/projects/"
    page = text(client.get(f"{root}?category={parks.id}"))
    assert "Benches by the river" in page and "A new library wing" not in page
    page = text(client.get(f"{root}?scope={scope.id}"))
    assert "A new library wing" in page and "Benches by the river" not in page
    page = text(client.get(f"{root}?order=amount_desc"))
    assert page.index("A new library wing") < page.index("Benches by the river")
    page = text(client.get(f"{root}?order=amount_asc"))
    assert page.index("Benches by the river") < page.index("A new library wing")
    # Votes are not shown while voting is open: no sorting by them, no counts.
    page = text(client.get(f"{root}?order=most_voted"))
    assert 'value="most_voted"' not in page and "Votes" not in page
    configure(show_votes=True)
    page = text(client.get(f"{root}?order=most_voted"))
    assert page.index("A new library wing") < page.index("Benches by the river")
    login(resident)
    add(client, component, budget, cheap, next=root)
    page = text(client.get(f"{root}?mine=1"))
    assert "Benches by the river" in page and "A new library wing" not in page
    assert dear.id  # listed above


def test_the_random_order_is_stable_for_the_session(client, component, budget, make_project):
    for number in range(12):
        make_project(budget, title={"en": f"Project number {number:02d}"})
    root = f"{base(component)}/{budget.id}/projects/"

    def order(page):
        return re.findall(r"Project number (\d\d)", page)

    first = order(text(client.get(root)))
    assert order(text(client.get(root))) == first
    assert sorted(first) == [f"{n:02d}" for n in range(12)]


@pytest.mark.parametrize("query", [
    "page=-3", "page=abc", "page=99999999999999999999", "category=abc", "scope=99999999999999",
    "order=<script>", "order=most_voted", "mine=1", "category=-1", "next=//evil.example",
])
def test_odd_addresses_never_fail(client, component, budget, make_project, query):
    make_project(budget)
    response = client.get(f"{base(component)}/{budget.id}/projects/?{query}")
    assert response.status_code == 200
    assert "<script>" not in text(response)


def test_the_list_pages(client, component, budget, make_project):
    for number in range(55):
        make_project(budget, title={"en": f"Project number {number:02d}"})
    root = f"{base(component)}/{budget.id}/projects/"
    first = text(client.get(f"{root}?order=amount_asc"))
    assert "55 projects" in first and "Page 1 of 2" in first
    second = text(client.get(f"{root}?order=amount_asc&page=2"))
    assert "Page 2 of 2" in second
    assert len(set(re.findall(r"Project number (\d\d)", first))) == 50
    assert len(set(re.findall(r"Project number (\d\d)", second))) == 5


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_list_runs_a_fixed_number_of_queries(client, login, db, component, budget, voting,
                                                 make_project, resident, process,
                                                 create_category, create_scope, count_queries,
                                                 configure, signed_in):
    configure(show_votes=True)
    category, scope = create_category(process), create_scope()
    if signed_in:
        login(resident)

    def more(number):
        for _ in range(number):
            project = make_project(budget, category_id=category.id, scope_id=scope.id,
                                   selected_at=utcnow())
            if signed_in and len(order_of(db, resident, budget).lines if order_of(
                    db, resident, budget) else []) < 2:
                add(client, component, budget, project)

    def queries() -> int:
        with count_queries() as counter:
            assert client.get(f"{base(component)}/{budget.id}/projects/").status_code == 200
        return counter.count

    more(3)
    few = queries()
    more(27)
    assert queries() == few


# --- a project ------------------------------------------------------------------------------

def test_a_project_shows_its_facts_sanitized_description_and_proposals(
        client, db, component, budget, make_project, process, create_component, resident):
    from decide.components.proposals.models import Proposal

    ideas = create_component(process, manifest_name="proposals")
    origin = Proposal(component_id=ideas.id, author_id=resident.id, locale="en",
                      title="Shade in the playground", body="Trees, please.",
                      published_at=utcnow())
    draft = Proposal(component_id=ideas.id, author_id=resident.id, locale="en",
                     title="A draft nobody sees", body="Not yet.")
    db.session.add_all([origin, draft])
    db.session.flush()
    project = make_project(budget, title={"en": "Trees <for> the playground"},
                           description={"en": "<p>Twenty <strong>oaks</strong></p>"},
                           amount=42_000, address="Main Street 3")
    db.session.add_all([
        ResourceLink(from_id=project.id, to_id=origin.id, name="included_proposals"),
        ResourceLink(from_id=project.id, to_id=draft.id, name="included_proposals"),
    ])
    db.session.commit()
    page = text(client.get(f"{base(component)}/{budget.id}/projects/{project.id}"))
    assert "Trees &lt;for&gt; the playground" in page
    assert "<strong>oaks</strong>" in page
    assert "Main Street 3" in page
    assert "42,000" in page
    assert "Shade in the playground" in page
    assert f"/proposals/{origin.id}" in page
    assert "A draft nobody sees" not in page
    assert 'id="comments"' in page


def test_comments_on_projects_follow_the_settings(client, login, db, component, budget,
                                                  make_project, configure, resident):
    project = make_project(budget)
    url = f"{base(component)}/{budget.id}/projects/{project.id}"
    login(resident)
    assert 'name="body"' in text(client.get(url))
    configure(comments_blocked=True)
    assert 'name="body"' not in text(client.get(url))
    configure(comments_blocked=False, comments_enabled=False)
    assert 'id="comments"' not in text(client.get(url))


# --- the ballot without JavaScript ----------------------------------------------------------

def test_add_and_remove_post_back_to_the_page_and_update_the_summary(
        client, login, db, component, budget, voting, make_project, resident):
    park = make_project(budget, title={"en": "A park by the river"}, amount=30_000)
    login(resident)
    root = f"{base(component)}/{budget.id}/projects/"
    before = squeeze(text(client.get(root)))
    assert "You have chosen 0 projects." in before
    response = add(client, component, budget, park, next=f"{root}?order=amount_asc")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{root}?order=amount_asc")
    page = squeeze(text(client.get(f"{root}?order=amount_asc")))
    assert "The project is in your ballot." in page
    assert "You have chosen 1 project." in page
    assert "In your ballot" in page
    assert "Check and vote" in page
    assert [line.project_id for line in order_of(db, resident, budget).lines] == [park.id]
    response = remove(client, component, budget, park,
                      next=f"{root.replace('projects/', '')}projects/{park.id}")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/projects/{park.id}")
    page = squeeze(text(client.get(response.headers["Location"])))
    assert "The project is out of your ballot." in page
    assert "You have chosen 0 projects." in page
    assert order_of(db, resident, budget).lines == []


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x",
                                    "javascript:alert(1)", ""])
def test_the_button_never_leaves_the_site(client, login, component, budget, voting,
                                          make_project, resident, target):
    project = make_project(budget)
    login(resident)
    response = add(client, component, budget, project, next=target)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{base(component)}/{budget.id}/projects/")


def test_anonymous_visitors_are_asked_to_sign_in(client, db, component, budget, voting,
                                                 make_project):
    project = make_project(budget)
    page = text(client.get(f"{base(component)}/{budget.id}/projects/"))
    assert "Sign in to vote" in page and "Add to my ballot" not in page
    response = add(client, component, budget, project)
    assert response.status_code == 302 and "/signin" in response.headers["Location"]
    assert db.session.scalars(select(Order)).first() is None


def test_unverified_residents_are_guided_to_verify_then_back(client, login, db, component,
                                                              budget, voting, configure,
                                                              make_project, resident,
                                                              verified, create_user):
    configure(verify_vote=True)
    project = make_project(budget)
    login(resident)
    root = f"{base(component)}/{budget.id}/projects/"
    page = text(client.get(root))
    assert "Verify your identity to vote" in page
    assert "/verification?next=" in page
    assert "Add to my ballot" not in page
    response = add(client, component, budget, project, next=root)
    assert response.status_code == 303
    assert "/verification?next=" in response.headers["Location"]
    assert order_of(db, resident, budget) is None
    verified(resident)
    page = text(client.get(root))
    assert "Add to my ballot" in page and "Verify your identity" not in page


def test_a_refusal_is_said_instead_of_the_button(client, login, component, budget, voting,
                                                 configure, make_project, resident):
    make_project(budget)
    login(resident)
    configure(voting_enabled=False)
    page = text(client.get(f"{base(component)}/{budget.id}/projects/"))
    assert "Voting is closed." in page and "Add to my ballot" not in page


def test_a_full_ballot_says_so_and_refuses_more(client, login, db, component, budget, voting,
                                                configure, make_project, resident):
    configure(vote_range_max=1)
    first, second = make_project(budget), make_project(budget)
    login(resident)
    assert add(client, component, budget, first).status_code == 303
    page = text(client.get(f"{base(component)}/{budget.id}/projects/"))
    assert "Your ballot is full" in page
    response = add(client, component, budget, second)
    assert response.status_code == 400
    assert 'class="alert alert--error"' in text(response)
    assert [line.project_id for line in order_of(db, resident, budget).lines] == [first.id]


def test_a_project_that_does_not_fit_says_so(client, login, db, component, budget, voting,
                                             configure, make_project, resident):
    configure(vote_rule="minimum_percent", vote_minimum_percent=50)
    big = make_project(budget, amount=80_000, title={"en": "A big one"})
    other = make_project(budget, amount=30_000, title={"en": "Too much now"})
    login(resident)
    add(client, component, budget, big)
    page = squeeze(text(client.get(f"{base(component)}/{budget.id}/projects/{other.id}")))
    assert "It costs more than what is left in your ballot" in page
    assert add(client, component, budget, other).status_code == 400
    assert len(order_of(db, resident, budget).lines) == 1


@pytest.mark.parametrize("path", ["abc/add", "-1/add", "99999999999/add", "{other}/add",
                                  "{other}/remove", "{hidden}/add"])
def test_bad_project_ids_are_404(client, login, db, component, budget, voting, make_budget,
                                 make_project, resident, path):
    other = make_project(make_budget())
    hidden = make_project(budget, hidden_at=utcnow())
    login(resident)
    url = f"{base(component)}/{budget.id}/projects/" + path.format(other=other.id,
                                                                  hidden=hidden.id)
    assert client.post(url).status_code == 404
    assert db.session.scalars(select(Order)).first() is None


def test_an_expired_form_shows_the_button_again(client, login, db, component, budget, voting,
                                                make_project, resident):
    project = make_project(budget, title={"en": "The park"})
    login(resident)
    response = add(client, component, budget, project, csrf_token="forged",
                   next="/processes")
    assert response.status_code == 400
    page = text(response)
    assert "This form has expired" in page
    assert 'name="next" type="hidden" value="/processes"' in page or \
        'value="/processes"' in page
    assert order_of(db, resident, budget) is None


# --- checkout, receipt, cancel --------------------------------------------------------------

def checkout(client, component, budget, **data):
    return client.post(f"{base(component)}/{budget.id}/checkout", data=data)


def test_checkout_shows_the_ballot_then_the_receipt_once(client, login, db, component, budget,
                                                         voting, make_project, resident, mails):
    park = make_project(budget, title={"en": "A park"}, amount=30_000)
    login(resident)
    url = f"{base(component)}/{budget.id}/checkout"
    page = squeeze(text(client.get(url)))
    assert "Choose 1 more project to vote." in page and 'novalidate' not in page
    add(client, component, budget, park)
    page = squeeze(text(client.get(url)))
    assert "A park" in page and "30,000" in page
    assert "Once you vote, your ballot is final." in page
    response = checkout(client, component, budget)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{base(component)}/{budget.id}/voted")
    page = text(client.get(response.headers["Location"]))
    code = re.search(r'<p class="receipt__code"><code>([^<]+)</code>', page).group(1)
    order = order_of(db, resident, budget)
    assert order.is_checked_out and order.receipt_hash == receipt_hash(code)
    # Shown once: a reload no longer has it, and nothing else does.
    again = text(client.get(response.headers["Location"]))
    assert code not in again and "was shown once" in again
    assert code not in text(client.get(f"{base(component)}/{budget.id}/projects/"))
    assert any(code in message.get_body(("plain",)).get_content() for message in mails())
    # The ballot is final: no more buttons.
    listing = text(client.get(f"{base(component)}/{budget.id}/projects/"))
    assert "You have voted." in listing
    assert "Remove from my ballot" not in listing and "Check and vote" not in listing


def test_checking_out_twice_says_so(client, login, db, component, budget, voting,
                                    make_project, resident):
    project = make_project(budget)
    login(resident)
    add(client, component, budget, project)
    assert checkout(client, component, budget).status_code == 303
    response = checkout(client, component, budget)
    assert response.status_code == 400
    error = re.search(r'<div class="alert alert--error" role="alert">(.*?)</div>', text(response),
                      re.S)
    assert error and "already" in error.group(1)
    db.session.expire_all()
    assert project.votes_count == 1


def test_checkout_of_a_ballot_that_breaks_the_rule_is_refused(client, login, db, component,
                                                               budget, voting, resident):
    login(resident)
    response = checkout(client, component, budget)
    assert response.status_code == 400
    assert 'class="alert alert--error"' in text(response)
    assert order_of(db, resident, budget) is None or not order_of(db, resident,
                                                                 budget).is_checked_out


def test_checkout_needs_sign_in_and_the_visitors_own_budget(client, component, budget,
                                                            make_budget, create_component,
                                                            process):
    url = f"{base(component)}/{budget.id}/checkout"
    response = client.post(url)
    assert response.status_code == 302 and "/signin" in response.headers["Location"]
    other = make_budget(create_component(process, manifest_name="budgets"))
    assert client.get(f"{base(component)}/{other.id}/checkout").status_code in (302, 404)


def test_cancelling_when_allowed(client, login, db, component, budget, voting, configure,
                                 make_project, resident):
    project = make_project(budget)
    login(resident)
    add(client, component, budget, project)
    checkout(client, component, budget)
    url = f"{base(component)}/{budget.id}/cancel"
    assert client.get(url).status_code == 403
    assert "Cancel my vote" not in text(client.get(f"{base(component)}/{budget.id}/projects/"))
    assert client.post(url).status_code == 400
    configure(can_cancel=True)
    assert "Cancel my vote" in text(client.get(f"{base(component)}/{budget.id}/projects/"))
    assert "Keep my vote" in text(client.get(url))
    response = client.post(url)
    assert response.status_code == 303
    order = order_of(db, resident, budget)
    assert not order.is_checked_out and [line.project_id for line in order.lines] == [project.id]
    db.session.expire_all()
    assert project.votes_count == 0
    page = squeeze(text(client.get(response.headers["Location"])))
    assert "Your vote is cancelled." in page and "Check and vote" in page
    # Once voting closes, the server refuses to cancel, whatever the page said.
    checkout(client, component, budget)
    configure(voting_enabled=False)
    assert client.post(url).status_code == 400
    assert order_of(db, resident, budget).is_checked_out


def test_the_server_refuses_what_the_page_no_longer_offers(client, login, db, component,
                                                           budget, voting, configure,
                                                           make_budget, make_project, resident):
    project = make_project(budget)
    login(resident)
    configure(voting_enabled=False)
    response = add(client, component, budget, project)
    assert response.status_code == 400
    assert "Voting is not open" in text(response)
    assert order_of(db, resident, budget) is None
    # One budget per resident: the other budget says why, and refuses.
    configure(voting_enabled=True, vote_in="one")
    add(client, component, budget, project)
    south = make_budget(title={"en": "South district"})
    other = make_project(south)
    page = squeeze(text(client.get(f"{base(component)}/{south.id}/projects/")))
    assert "You are already voting in another budget here" in page
    assert "Add to my ballot" not in page
    assert add(client, component, south, other).status_code == 400
    assert order_of(db, resident, south) is None


def test_the_buttons_are_enhanced_by_a_script_file_only(client, app, login, component, budget,
                                                        voting, make_project, resident):
    make_project(budget)
    login(resident)
    page = text(client.get(f"{base(component)}/{budget.id}/projects/"))
    assert re.search(r'<script src="/static/js/budgets\.js[^"]*" defer></script>', page)
    assert '<form method="post" class="inline-form" data-ballot' in page
    assert 'id="ballot-announce"' in page and 'aria-live="polite"' in page
    assert 'data-refresh="ballot"' in page
    script = client.get("/static/js/budgets.js")
    assert script.status_code == 200 and "data-ballot" in text(script)
    script.close()


def test_a_title_in_one_other_language_says_which(client, component, budget, make_project):
    project = make_project(budget, title={"es": "Fuentes en los parques"},
                           description={"es": "<p>Agua para todos.</p>"})
    listing = text(client.get(f"{base(component)}/{budget.id}/projects/"))
    assert 'lang="es">Fuentes en los parques</a>' in listing
    page = text(client.get(f"{base(component)}/{budget.id}/projects/{project.id}"))
    assert '<h1 lang="es">Fuentes en los parques</h1>' in page
    assert '<div class="prose" lang="es">' in page
    english = make_project(budget, title={"en": "Benches"})
    assert 'lang="en">Benches' not in text(client.get(
        f"{base(component)}/{budget.id}/projects/{english.id}"))
