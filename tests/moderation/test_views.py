"""The report pages through the client: who may report what, the happy paths, bad input
(400, the message next to the field, typed values kept, nothing saved), 404 for what the
visitor cannot see, the report link, and the profile of a blocked participant."""

import html
import re

import pytest
from markupsafe import escape

from decide.comments.models import Comment
from decide.core.models import utcnow
from decide.moderation.models import Report
from decide.spaces.models import Role

SCRIPT = "<script>alert('x')</script>"


def field_error(response, field_id: str) -> str:
    match = re.search(rf'<p class="field-error" id="{re.escape(field_id)}-error">(.*?)</p>',
                      response.get_data(as_text=True), re.S)
    return html.unescape(match.group(1)) if match else ""


def form_html(response) -> str:
    match = re.search(r'<form method="post" novalidate>(.*?)</form>',
                      response.get_data(as_text=True), re.S)
    assert match, "the page shows the form"
    return match.group(1)


def reports(db) -> int:
    return db.session.query(Report).count()


@pytest.fixture
def signed_in(login, user):
    login(user)
    return user


# --- reporting a resource ---------------------------------------------------------------

def test_a_resident_reports_a_debate(client, db, organization, debate, signed_in):
    page = client.get(f"/report/{debate.id}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Trees on Main Street" in body
    assert 'type="radio"' in body

    response = client.post(f"/report/{debate.id}",
                           data={"reason": "spam", "details": "Selling things"})

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/processes/green-streets")
    [entry] = db.session.query(Report).all()
    assert (entry.user_id, entry.resource_id, entry.reason, entry.details) == (
        signed_in.id, debate.id, "spam", "Selling things")
    follow = client.get(response.headers["Location"])
    assert "Thank you, moderators will review it" in follow.get_data(as_text=True)


def test_the_report_that_hides_the_item_goes_back_to_its_component(client, db, organization,
                                                                   debate, signed_in):
    organization.report_threshold = 1
    db.session.commit()
    response = client.post(f"/report/{debate.id}", data={"reason": "offensive"})
    assert response.status_code == 302
    component = debate.component
    assert response.headers["Location"] == (
        f"/processes/green-streets/f/{component.id}/")
    assert debate.is_hidden


def test_a_second_report_of_the_same_item_is_refused(client, db, organization, debate,
                                                     signed_in):
    client.post(f"/report/{debate.id}", data={"reason": "spam"})
    page = client.get(f"/report/{debate.id}")
    assert page.status_code == 200
    assert "You have already reported this" in page.get_data(as_text=True)
    assert 'type="radio"' not in page.get_data(as_text=True)
    again = client.post(f"/report/{debate.id}", data={"reason": "offensive", "details": "Again"})
    assert again.status_code == 400
    assert "You have already reported this" in form_html(again)
    assert "Again" in form_html(again)
    assert reports(db) == 1


def test_anonymous_visitors_are_sent_to_sign_in(client, db, organization, debate):
    for response in (client.get(f"/report/{debate.id}"),
                     client.post(f"/report/{debate.id}", data={"reason": "spam"})):
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/signin")
    assert reports(db) == 0


def test_an_author_cannot_report_their_own_debate(client, db, organization, debate, author,
                                                  login):
    login(author)
    assert client.get(f"/report/{debate.id}").status_code == 403
    assert client.post(f"/report/{debate.id}", data={"reason": "spam"}).status_code == 403
    assert reports(db) == 0


def test_what_the_resident_cannot_see_is_404(client, db, organization, create_debate, author,
                                             create_component, process, create_process,
                                             signed_in):
    hidden = create_debate(author=author, hidden_at=utcnow())
    draft = create_component(process, manifest_name="debates", published=False)
    unpublished_process = create_process(published=False)
    elsewhere = create_component(unpublished_process, manifest_name="debates")
    ids = [hidden.id, create_debate(component=draft).id, create_debate(component=elsewhere).id,
           999_999, 2**31, 10**30]
    for resource_id in ids:
        assert client.get(f"/report/{resource_id}").status_code == 404, resource_id
        assert client.post(f"/report/{resource_id}",
                           data={"reason": "spam"}).status_code == 404, resource_id
    assert reports(db) == 0


def test_a_moderator_sees_a_hidden_item_but_cannot_report_it(client, db, organization,
                                                             create_debate, author, signed_in,
                                                             grant, process):
    grant(signed_in, process, Role.MODERATOR)
    hidden = create_debate(author=author, hidden_at=utcnow())
    assert client.get(f"/report/{hidden.id}").status_code == 403


def test_a_comment_is_reported_and_goes_back_to_its_thread(client, db, organization, debate,
                                                           author, signed_in):
    comment = Comment(component_id=debate.component_id, author_id=author.id,
                      commentable_id=debate.id, body="You are all wrong", locale="en")
    db.session.add(comment)
    db.session.commit()
    assert "You are all wrong" in client.get(f"/report/{comment.id}").get_data(as_text=True)
    response = client.post(f"/report/{comment.id}", data={"reason": "offensive"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#comment-{comment.id}")


@pytest.mark.parametrize("data, field, message", [
    ({"details": "Nothing chosen"}, "reason", "Choose a reason."),
    ({"reason": "", "details": "Nothing chosen"}, "reason", "Choose a reason."),
    ({"reason": "boring", "details": "Not a reason"}, "reason", "Choose one of the reasons."),
    ({"reason": "spam", "details": "x" * 501}, "details", "Use at most 500 characters."),
    ({"reason": "spam", "details": "Null\x00byte"}, "details",
     "Remove the control characters from this text."),
])
def test_bad_input_is_refused_with_the_typed_values_kept(client, db, organization, debate,
                                                         signed_in, data, field, message):
    response = client.post(f"/report/{debate.id}", data=data)
    assert response.status_code == 400
    assert field_error(response, field) == message
    if "\x00" not in data["details"]:
        assert str(escape(data["details"])) in form_html(response)
    assert reports(db) == 0


def test_html_in_the_details_is_shown_escaped(client, db, organization, debate, signed_in):
    response = client.post(f"/report/{debate.id}", data={"details": SCRIPT})
    assert response.status_code == 400
    assert SCRIPT not in response.get_data(as_text=True)
    assert str(escape(SCRIPT)) in form_html(response)


def test_a_report_without_csrf_token_is_refused(client, db, organization, debate, signed_in):
    response = client.post(f"/report/{debate.id}", data={"reason": "spam"}, csrf=False)
    assert response.status_code == 400
    assert "This form has expired" in form_html(response)
    assert reports(db) == 0


# --- reporting a participant --------------------------------------------------------------

def test_a_resident_reports_another_participant(client, db, organization, author, signed_in):
    page = client.get("/profiles/author/report")
    assert page.status_code == 200
    assert "Ada Author" in page.get_data(as_text=True)
    response = client.post("/profiles/AUTHOR/report",
                           data={"reason": "offensive", "details": "Insults"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/profiles/author"
    [entry] = db.session.query(Report).all()
    assert (entry.reported_user_id, entry.resource_id, entry.reason) == (author.id, None,
                                                                         "offensive")
    again = client.post("/profiles/author/report", data={"reason": "spam"})
    assert again.status_code == 400
    assert reports(db) == 1


def test_who_cannot_report_a_participant(client, db, organization, author, create_user,
                                         signed_in):
    create_user(nickname="blocked", email="blocked@example.org", blocked_at=utcnow())
    deleted = create_user(nickname="gone", email="gone@example.org", deleted_at=utcnow())
    assert client.get(f"/profiles/{signed_in.nickname}/report").status_code == 403
    assert client.get("/profiles/blocked/report").status_code == 403
    assert client.get("/profiles/gone/report").status_code == 404
    assert client.get("/profiles/nobody/report").status_code == 404
    assert client.post("/profiles/blocked/report", data={"reason": "spam"}).status_code == 403
    assert deleted.id and reports(db) == 0


def test_bad_input_on_the_participant_form(client, db, organization, author, signed_in):
    response = client.post("/profiles/author/report",
                           data={"reason": "nonsense", "details": SCRIPT})
    assert response.status_code == 400
    assert field_error(response, "reason") == "Choose one of the reasons."
    assert str(escape(SCRIPT)) in form_html(response)
    assert reports(db) == 0


def test_anonymous_visitors_are_sent_to_sign_in_to_report_a_participant(client, organization,
                                                                       author):
    response = client.get("/profiles/author/report")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/signin")


# --- the report link and the profile -----------------------------------------------------

def test_the_profile_links_to_the_report_form_for_other_signed_in_residents(
        client, organization, author, login, user):
    link = 'href="/profiles/author/report"'
    assert link not in client.get("/profiles/author").get_data(as_text=True)
    login(author)
    assert 'href="/profiles/author/report"' not in client.get("/profiles/author").get_data(
        as_text=True)
    client.post("/signout")
    login(user)
    assert link in client.get("/profiles/author").get_data(as_text=True)


def test_the_profile_of_a_blocked_participant_shows_nothing_of_theirs(client, db,
                                                                      organization, author,
                                                                      login, user):
    author.blocked_at = utcnow()
    db.session.commit()
    login(user)
    page = client.get("/profiles/author")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Blocked participant" in body
    assert "Ada Author" not in body
    assert "@author" not in body
    assert "/profiles/author/report" not in body


def test_the_report_link_macro(app, db, organization, debate, author, user):
    from flask_login import login_user

    template = app.jinja_env.from_string(
        '{% from "moderation/_report.html" import report_link %}'
        '[{{ report_link(resource=item) }}][{{ report_link(user=person) }}]'
    )
    with app.test_request_context():
        assert template.render(item=debate, person=author) == "[][]"  # anonymous
        login_user(user)
        rendered = template.render(item=debate, person=author)
        assert f'href="/report/{debate.id}"' in rendered
        assert 'href="/profiles/author/report"' in rendered
        assert "Report" in rendered
    with app.test_request_context():
        login_user(author)
        assert template.render(item=debate, person=author) == "[][]"  # their own
