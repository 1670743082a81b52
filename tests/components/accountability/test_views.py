"""The residents' pages of accountability: the progress overview (overall, per category and
scope, by status), the results list (filters, pages, a fixed number of queries), a result's
page (facts, sub-results, timeline, where it comes from, confirmations, follow offer,
comments); who sees what."""

import html
import re
from datetime import date

import pytest

from decide.components.accountability import views
from decide.components.accountability.models import Confirmation
from decide.components.proposals.models import Support
from decide.core.models import ResourceLink
from decide.core.models import utcnow
from decide.notifications.services import follow
from decide.spaces.models import Role
from tests.conftest import STAFF_PASSWORD


def base(component) -> str:
    return f"/processes/{component.process.slug}/f/{component.id}/accountability"


def text(response) -> str:
    return response.get_data(as_text=True)


def squeeze(page: str) -> str:
    """The page's words without its tags, runs of white space as one space."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def bars(page: str) -> dict[str, str]:
    """Each <progress> of the page by its id: its value."""
    return dict(re.findall(r'<progress id="([^"]+)" max="100" value="(\d+)"', page))


def link(db, result, target, name) -> None:
    db.session.add(ResourceLink(from_id=result.id, to_id=target.id, name=name))
    db.session.commit()


# --- the progress overview ------------------------------------------------------------------

def test_the_overview_averages_the_top_level_results(client, component, make_result,
                                                      default_statuses):
    statuses = default_statuses()
    parent = make_result(status=statuses["in_progress"], progress=40)
    make_result(parent=parent, progress=100)  # counted in its parent's 40, not again
    make_result(status=statuses["completed"])
    make_result(status=statuses["not_started"])
    make_result(progress=25)  # without a status
    make_result(progress=100, hidden_at=utcnow())  # hidden: not counted
    page = text(client.get(f"{base(component)}/"))
    # (40 + 100 + 0 + 25) / 4 = 41.25
    assert bars(page)["progress-overall"] == "41"
    page = squeeze(page)
    assert "Average progress of 4 results" in page and "41%" in page


def test_the_overview_weights_by_amount_when_every_result_has_one(client, component,
                                                                 make_result):
    make_result(progress=100, amount=30_000)
    make_result(progress=0, amount=10_000)
    assert bars(text(client.get(f"{base(component)}/")))["progress-overall"] == "75"
    make_result(progress=50)  # no amount: the plain average again, (100 + 0 + 50) / 3
    assert bars(text(client.get(f"{base(component)}/")))["progress-overall"] == "50"


def test_the_overview_counts_by_status_and_links_to_the_list(client, component, make_result,
                                                             default_statuses):
    statuses = default_statuses()
    for _ in range(3):
        make_result(status=statuses["in_progress"])
    make_result(status=statuses["completed"])
    make_result(progress=5)
    page = text(client.get(f"{base(component)}/"))
    table = squeeze(page[page.index('class="table status-counts"'):])
    assert "Not started 0" in table and "In preparation 0" in table
    assert "In progress 3" in table and "Completed 1" in table
    assert "Without a status 1" in table
    assert f'href="{base(component)}/results/?status={statuses["in_progress"].id}"' in page
    assert f'href="{base(component)}/results/?status=none"' in page
    # A status without results is named, not linked to an empty list.
    assert f'?status={statuses["not_started"].id}"' not in page


def test_the_overview_shows_progress_per_category_and_scope(client, component, process,
                                                            make_result, create_category,
                                                            create_scope):
    parks = create_category(process, name={"en": "Parks"})
    create_category(process, name={"en": "Mobility"})  # no result: not listed
    north, south = create_scope(name={"en": "North"}), create_scope(name={"en": "South"})
    create_scope(name={"en": "East"})  # no result: not listed
    make_result(progress=20, category_id=parks.id, scope_id=north.id)
    make_result(progress=60, category_id=parks.id, scope_id=south.id)
    make_result(progress=90, scope_id=south.id)
    page = text(client.get(f"{base(component)}/"))
    found = bars(page)
    assert found[f"progress-category-{parks.id}"] == "40"
    assert found[f"progress-scope-{north.id}"] == "20"
    assert found[f"progress-scope-{south.id}"] == "75"
    assert f'<label for="progress-category-{parks.id}">Parks</label>' in page
    assert f'<label for="progress-scope-{south.id}">South</label>' in page
    assert "Mobility" not in page and "East" not in page
    assert f'href="{base(component)}/results/?category={parks.id}"' in page
    assert f'href="{base(component)}/results/?scope={south.id}"' in page
    squeezed = squeeze(page)
    assert "The 2 results of “Parks”" in squeezed and "The 1 result of “North”" in squeezed


def test_the_overview_without_results(client, component):
    page = text(client.get(f"{base(component)}/"))
    assert "No results are published yet." in page and "<progress" not in page


def test_the_overview_speaks_the_readers_language(client, component, make_result, create_user,
                                                  login):
    make_result(progress=50)
    login(create_user(locale="fr"))
    page = text(client.get(f"{base(component)}/"))
    assert "50\u00a0%" in page


def test_the_overview_runs_a_constant_number_of_queries(client, component, process,
                                                        make_result, default_statuses,
                                                        create_category, create_scope,
                                                        count_queries):
    statuses = list(default_statuses().values())

    def add(number):
        for index in range(number):
            make_result(status=statuses[index % 4], amount=1_000 + index,
                        category_id=create_category(process).id, scope_id=create_scope().id)

    def queries() -> int:
        with count_queries() as counter:
            assert client.get(f"{base(component)}/").status_code == 200
        return counter.count

    add(3)
    few = queries()
    add(27)
    assert queries() == few


# --- the results list -----------------------------------------------------------------------

def test_the_list_shows_the_top_level_results(client, component, process, make_result,
                                              default_statuses, create_category,
                                              create_scope):
    statuses = default_statuses()
    parks, north = create_category(process, name={"en": "Parks"}), create_scope(
        name={"en": "North"})
    parent = make_result(title={"en": "New school yard"}, status=statuses["in_progress"],
                         progress=45, amount=250_000, category_id=parks.id,
                         scope_id=north.id, start_date=date(2026, 2, 1),
                         end_date=date(2026, 11, 30), children_count=3)
    for number in range(3):
        make_result(parent=parent, title={"en": f"Yard part {number}"})
    page = text(client.get(f"{base(component)}/results/"))
    assert f'href="{base(component)}/results/{parent.id}">New school yard</a>' in page
    assert "Yard part" not in page
    assert bars(page)[f"progress-{parent.id}"] == "45"
    page = squeeze(page)
    for fact in ("Status In progress", "Start date February 1, 2026",
                 "End date November 30, 2026", "Category Parks", "Scope North",
                 "Amount €250,000", "3 sub-results", "45%", "1 result"):
        assert fact in page, fact
    assert "Progress of “New school yard”" in page


def test_the_list_filters(client, component, process, make_result, default_statuses,
                          create_category, create_scope):
    statuses = default_statuses()
    parks = create_category(process, name={"en": "Parks"})
    trees = create_category(process, parent=parks, name={"en": "Trees"})
    north = create_scope(name={"en": "North"})
    make_result(title={"en": "Benches"}, status=statuses["completed"], category_id=parks.id)
    make_result(title={"en": "Plane trees"}, status=statuses["in_progress"],
                category_id=trees.id, scope_id=north.id)
    make_result(title={"en": "Library"}, progress=5)
    root = f"{base(component)}/results/"

    def titles(query: str) -> set[str]:
        page = text(client.get(root + query))
        return {name for name in ("Benches", "Plane trees", "Library") if name in page}

    assert titles("") == {"Benches", "Plane trees", "Library"}
    assert titles(f"?status={statuses['completed'].id}") == {"Benches"}
    assert titles("?status=none") == {"Library"}
    assert titles(f"?category={parks.id}") == {"Benches", "Plane trees"}  # and its children
    assert titles(f"?category={trees.id}") == {"Plane trees"}
    assert titles(f"?scope={north.id}") == {"Plane trees"}
    assert titles(f"?status={statuses['in_progress'].id}&scope={north.id}") == {"Plane trees"}
    assert titles(f"?status={statuses['completed'].id}&scope={north.id}") == set()
    page = text(client.get(f"{root}?status={statuses['completed'].id}&scope={north.id}"))
    assert "No result matches these filters." in page and "Clear the filters" in page
    # The form keeps what was chosen.
    page = text(client.get(f"{root}?category={trees.id}&scope={north.id}"))
    assert f'<option value="{trees.id}" selected>' in page
    assert f'<option value="{north.id}" selected>' in page


def test_the_filter_form_is_labelled_and_works_without_javascript(client, component, process,
                                                                  create_category,
                                                                  create_scope,
                                                                  default_statuses):
    default_statuses()
    create_category(process)
    create_scope()
    page = text(client.get(f"{base(component)}/results/"))
    start = page.index('role="search"')
    form = page[start:page.index("</form>", start)]
    for name in ("status", "category", "scope"):
        assert f'<label for="filter-{name}">' in form
        assert f'id="filter-{name}" name="{name}"' in form
    assert '<button type="submit" class="button">Filter</button>' in form


@pytest.mark.parametrize("query", [
    "?status=999999", "?status=abc", "?status=", "?category=999999", "?category=x",
    "?scope=99999999999999", "?scope=-1", "?page=x", "?page=99999999999999999",
    "?category=1e9", "?scope=%E2%80%8B",
])
def test_unknown_filter_values_are_ignored(client, component, make_result, query):
    make_result(title={"en": "Benches"})
    response = client.get(f"{base(component)}/results/{query}")
    assert response.status_code == 200
    assert "Benches" in text(response)


def test_a_nul_character_in_a_filter_is_refused_not_a_500(client, component):
    assert client.get(f"{base(component)}/results/?status=%00").status_code == 400


def test_the_filters_of_another_component_are_ignored(client, component, make_status,
                                                      create_component, process, make_result):
    other = create_component(process, manifest_name="accountability")
    foreign = make_status(other, name={"en": "Foreign status"})
    make_result(title={"en": "Benches"})
    page = text(client.get(f"{base(component)}/results/?status={foreign.id}"))
    assert "Benches" in page and "Foreign status" not in page


def test_the_list_is_paginated(client, component, make_result, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for number in range(5):
        make_result(title={"en": f"Result number {number}"}, weight=number)
    root = f"{base(component)}/results/"
    page = squeeze(text(client.get(root)))
    assert "Result number 0" in page and "Result number 1" in page
    assert "Result number 2" not in page
    assert "5 results" in page and "Page 1 of 3" in page
    assert 'href="' + root + '?page=2" rel="next"' in text(client.get(root))
    page = text(client.get(f"{root}?page=3"))
    assert "Result number 4" in page and "Result number 3" not in page
    # Past the end: the last page.
    assert "Result number 4" in text(client.get(f"{root}?page=40"))


def test_the_pages_keep_the_filters(client, component, make_result, default_statuses,
                                    monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    done = default_statuses()["completed"]
    make_result(status=done)
    make_result(status=done)
    page = text(client.get(f"{base(component)}/results/?status={done.id}"))
    assert f"?page=2&amp;status={done.id}" in page or f"?status={done.id}&amp;page=2" in page


def test_the_list_runs_a_constant_number_of_queries(client, component, process, make_result,
                                                    default_statuses, create_category,
                                                    create_scope, count_queries, login,
                                                    create_user):
    statuses = list(default_statuses().values())
    category, scope = create_category(process), create_scope()

    def add(number):
        for index in range(number):
            parent = make_result(status=statuses[index % 4], category_id=category.id,
                                 scope_id=scope.id, amount=5_000, start_date=date(2026, 1, 1),
                                 end_date=date(2026, 12, 31), children_count=1)
            make_result(parent=parent)

    def queries() -> int:
        with count_queries() as counter:
            assert client.get(f"{base(component)}/results/").status_code == 200
        return counter.count

    login(create_user())
    add(3)
    few = queries()
    add(27)
    assert queries() == few


# --- a result -------------------------------------------------------------------------------

def test_a_result_page_shows_what_the_council_says(client, component, process, make_result,
                                                   make_status, make_entry, create_category,
                                                   create_scope):
    status = make_status(name={"en": "Works running"},
                         description={"en": "The contractor is on site."}, progress=60)
    parent = make_result(title={"en": "Greener schools"})
    result = make_result(
        parent=parent, title={"en": "New school yard"}, status=status,
        description={"en": "<p>Shade and <strong>fountains</strong>.</p>"},
        start_date=date(2026, 2, 1), end_date=date(2026, 11, 30), amount=250_000,
        category_id=create_category(process, name={"en": "Schools"}).id,
        scope_id=create_scope(name={"en": "North"}).id)
    make_entry(result, date=date(2026, 2, 3), title={"en": "Tender published"},
               description={"en": "<p>Three offers.</p>"})
    make_entry(result, date=date(2026, 4, 20), title={"en": "Works started"})
    page = text(client.get(f"{base(component)}/results/{result.id}"))
    assert "<h1>New school yard</h1>" in page
    assert "<p>Shade and <strong>fountains</strong>.</p>" in page
    assert bars(page)["progress-result"] == "60"
    assert f'href="{base(component)}/results/{parent.id}">Greener schools</a>' in page
    squeezed = squeeze(page)
    for fact in ("Status Works running", "The contractor is on site.",
                 "Start date February 1, 2026", "End date November 30, 2026",
                 "Category Schools", "Scope North", "Amount €250,000", "60%"):
        assert fact in squeezed, fact
    # The timeline, newest first.
    assert squeezed.index("Works started") < squeezed.index("Tender published")
    assert "April 20, 2026" in squeezed and "<p>Three offers.</p>" in page


def test_a_result_page_lists_its_children_with_their_progress(client, component,
                                                              make_result):
    parent = make_result(title={"en": "Greener schools"}, progress=55, children_count=2)
    first = make_result(parent=parent, title={"en": "North school"}, progress=10)
    second = make_result(parent=parent, title={"en": "South school"}, progress=100)
    make_result(parent=parent, title={"en": "Hidden school"}, hidden_at=utcnow())
    page = text(client.get(f"{base(component)}/results/{parent.id}"))
    found = bars(page)
    assert found[f"progress-child-{first.id}"] == "10"
    assert found[f"progress-child-{second.id}"] == "100"
    assert f'href="{base(component)}/results/{first.id}">North school</a>' in page
    assert "Hidden school" not in page


def test_where_a_result_comes_from(client, db, component, make_result, make_budget,
                                   make_project, make_proposal):
    budget = make_budget(title={"en": "Whole city"})
    project = make_project(budget, title={"en": "Shade for the yard"}, amount=40_000,
                           votes_count=123)
    proposal = make_proposal(title="Trees in the school yard", supports_count=57)
    withdrawn = make_proposal(title="Hidden idea", hidden_at=utcnow())
    result = make_result()
    for target, name in ((project, "included_projects"), (proposal, "included_proposals"),
                         (withdrawn, "included_proposals")):
        link(db, result, target, name)
    page = text(client.get(f"{base(component)}/results/{result.id}"))
    squeezed = squeeze(page)
    assert "Where it comes from" in squeezed
    proposals = f"/processes/{component.process.slug}/f/{proposal.component_id}/proposals"
    assert f'href="{proposals}/{proposal.id}"' in page
    assert "Trees in the school yard" in squeezed and "57 supports" in squeezed
    assert "Shade for the yard" in squeezed and "Whole city" in squeezed
    assert "€40,000" in squeezed
    assert "Hidden idea" not in squeezed
    # Votes only once the budget's results may show them.
    assert "123 votes" not in squeezed


def test_a_projects_votes_show_when_its_budget_shows_them(client, db, component, make_result,
                                                          make_budget, make_project,
                                                          configure, budgets_component):
    project = make_project(make_budget(), votes_count=123)
    result = make_result()
    link(db, result, project, "included_projects")
    configure(budgets_component, show_votes=True)
    assert "123 votes" in squeeze(text(client.get(f"{base(component)}/results/{result.id}")))


def test_the_residents_confirmation_is_shown_beside_the_councils_status(
        client, db, component, make_result, default_statuses, create_user):
    result = make_result(status=default_statuses()["completed"])
    answers = [("yes", "Well done"), ("yes", ""), ("partly", "<script>alert(1)</script>"),
               ("no", "The fountain leaks")]
    for answer, comment in answers:
        user = create_user(nickname=f"neighbour{len(comment)}")
        db.session.add(Confirmation(result_id=result.id, user_id=user.id, answer=answer,
                                    comment=comment))
    db.session.commit()
    page = text(client.get(f"{base(component)}/results/{result.id}"))
    squeezed = squeeze(page)
    assert "The council says Completed · 100%" in squeezed
    assert "Yes: 2" in squeezed and "Partly: 1" in squeezed and "No: 1" in squeezed
    assert "Done as promised, according to 2 of the 4 residents who answered." in squeezed
    assert "Well done" in squeezed and "The fountain leaks" in squeezed
    assert "neighbour9" in squeezed  # "Well done": the author's nickname
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_no_confirmation_block_before_the_result_is_completed(client, component, make_result):
    result = make_result(progress=50)
    page = text(client.get(f"{base(component)}/results/{result.id}"))
    assert "Done as promised?" not in page and 'name="answer"' not in page


@pytest.mark.parametrize("reason, sentence", [
    ("author", "You wrote a proposal behind this result: follow it to hear how it goes."),
    ("supporter", "You supported a proposal behind this result: follow it to hear how it goes."),
    ("voter", "You voted for a project behind this result: follow it to hear how it goes."),
])
def test_the_follow_offer_says_why(client, db, login, component, make_result, make_proposal,
                                   make_budget, make_project, ballot, create_user, reason,
                                   sentence):
    resident = create_user(nickname="ana")
    result = make_result()
    if reason == "voter":
        project = make_project(make_budget())
        link(db, result, project, "included_projects")
        order = ballot(project.budget, project)
        order.user_id = resident.id
    else:
        proposal = make_proposal(**({"author_id": resident.id} if reason == "author" else {}))
        link(db, result, proposal, "included_proposals")
        if reason == "supporter":
            db.session.add(Support(proposal_id=proposal.id, user_id=resident.id))
    db.session.commit()
    login(resident)
    page = text(client.get(f"{base(component)}/results/{result.id}"))
    assert sentence in squeeze(page) and 'follow-button">Follow</button>' in page
    follow(resident, resource=result)
    db.session.commit()
    page = text(client.get(f"{base(component)}/results/{result.id}"))
    assert sentence not in squeeze(page) and 'follow-button">Stop following</button>' in page


def test_a_result_page_has_its_comments(client, component, make_result):
    result = make_result()
    page = text(client.get(f"{base(component)}/results/{result.id}"))
    assert 'id="comments"' in page


# --- who sees what --------------------------------------------------------------------------

@pytest.fixture
def pages(component, make_result):
    result = make_result()
    return [f"{base(component)}/", f"{base(component)}/results/",
            f"{base(component)}/results/{result.id}"]


@pytest.mark.parametrize("persona", ["anonymous", "resident", "staff", "admin"])
def test_every_page_is_public(client, login, create_user, grant, process, pages, persona):
    if persona != "anonymous":
        user = create_user(admin=persona == "admin", password=STAFF_PASSWORD)
        if persona == "staff":
            grant(user, process, Role.PROCESS_ADMIN)
        login(user, STAFF_PASSWORD)
    for url in pages:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("persona", ["anonymous", "resident", "process admin"])
def test_an_unpublished_component_is_a_404_for_residents(client, login, db, create_user, grant,
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


def test_a_result_of_another_component_is_a_404(client, component, create_component, process,
                                                make_result):
    foreign = make_result(create_component(process, manifest_name="accountability"))
    for result_id in (foreign.id, 99999999999, 0):
        assert client.get(f"{base(component)}/results/{result_id}").status_code == 404
        assert client.post(f"{base(component)}/results/{result_id}/confirm",
                           data={"answer": "yes"}).status_code in (302, 404)


@pytest.mark.parametrize("persona, expected", [("anonymous", 404), ("resident", 404),
                                               ("moderator", 200)])
def test_a_hidden_result_is_a_404_for_residents(client, login, create_user, grant, process,
                                                component, make_result, persona, expected):
    hidden = make_result(title={"en": "Hidden by moderation"}, hidden_at=utcnow())
    if persona != "anonymous":
        user = create_user(password=STAFF_PASSWORD)
        if persona == "moderator":
            grant(user, process, Role.MODERATOR)
        login(user, STAFF_PASSWORD)
    response = client.get(f"{base(component)}/results/{hidden.id}")
    assert response.status_code == expected
    assert "Hidden by moderation" not in text(client.get(f"{base(component)}/results/"))
