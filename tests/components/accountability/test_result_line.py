"""The line "This became the result “X”, now at N %" on the page of a proposal and of a budget
project that a visible result carries out."""

import html
import re

import pytest

from decide.core.models import ResourceLink
from decide.core.models import utcnow

LINE = "This became the result “New school yard”, now at 40%."


def text(response) -> str:
    return response.get_data(as_text=True)


def squeeze(page: str) -> str:
    """The page's text without its tags, runs of white space as one space."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", page)).split())


def result_url(result) -> str:
    return (f"/processes/{result.component.process.slug}/f/{result.component_id}"
            f"/accountability/results/{result.id}")


@pytest.fixture
def result(make_result):
    return make_result(title={"en": "New school yard"}, progress=40)


@pytest.fixture
def proposal_page(db, make_proposal, result):
    proposal = make_proposal(title="Shade in the school yard")
    db.session.add(ResourceLink(from_id=result.id, to_id=proposal.id,
                                name="included_proposals"))
    db.session.commit()
    return (f"/processes/{proposal.component.process.slug}/f/{proposal.component_id}"
            f"/proposals/{proposal.id}")


@pytest.fixture
def project_page(db, make_budget, make_project, result):
    project = make_project(make_budget(), title={"en": "Shade for the yard"})
    db.session.add(ResourceLink(from_id=result.id, to_id=project.id, name="included_projects"))
    db.session.commit()
    return (f"/processes/{project.component.process.slug}/f/{project.component_id}"
            f"/budgets/{project.budget_id}/projects/{project.id}")


def test_a_proposal_says_which_result_it_became(client, proposal_page, result):
    page = text(client.get(proposal_page))
    assert LINE in squeeze(page)
    assert f'<a href="{result_url(result)}">New school yard</a>' in page
    assert f'<progress max="100" value="40" aria-labelledby="result-line-{result.id}">' in page
    # Said once: not also as "This proposal became New school yard."
    assert "This proposal became" not in squeeze(page)


def test_a_project_says_which_result_it_became(client, project_page, result):
    page = text(client.get(project_page))
    assert LINE in squeeze(page)
    assert f'<a href="{result_url(result)}">New school yard</a>' in page


def test_no_line_for_a_hidden_result_or_an_unpublished_component(client, db, proposal_page,
                                                                 project_page, result,
                                                                 component):
    result.hidden_at = utcnow()
    db.session.commit()
    for url in (proposal_page, project_page):
        assert "This became the result" not in text(client.get(url))
    result.hidden_at = None
    component.published_at = None
    db.session.commit()
    for url in (proposal_page, project_page):
        assert "This became the result" not in text(client.get(url))


def test_no_line_in_an_app_without_accountability(client, app, monkeypatch, proposal_page,
                                                  project_page):
    monkeypatch.delitem(app.jinja_env.globals, "result_for")
    for url in (proposal_page, project_page):
        response = client.get(url)
        assert response.status_code == 200
        assert "This became the result" not in text(response)
