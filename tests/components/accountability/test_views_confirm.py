"""The residents' confirmation on a result's page: a follower of a completed result says once
whether it was done as promised; everyone else is refused; bad input is told and kept."""

import html
import re

import pytest
from sqlalchemy import func
from sqlalchemy import select

from decide.components.accountability.models import Confirmation
from decide.core.models import utcnow
from decide.notifications.services import follow


def base(component) -> str:
    return f"/processes/{component.process.slug}/f/{component.id}/accountability"


def text(response) -> str:
    return response.get_data(as_text=True)


def squeeze(page: str) -> str:
    """The page's words without its tags, runs of white space as one space."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def confirmations(db) -> list[Confirmation]:
    db.session.expire_all()
    return db.session.scalars(select(Confirmation)).all()


@pytest.fixture
def completed(make_result, default_statuses):
    return make_result(title={"en": "New school yard"}, status=default_statuses()["completed"])


@pytest.fixture
def resident(db, create_user, completed):
    """A resident who follows the completed result."""
    user = create_user(nickname="ana")
    follow(user, resource=completed)
    db.session.commit()
    return user


def confirm(client, component, result, **data):
    return client.post(f"{base(component)}/results/{result.id}/confirm", data=data)


def test_a_follower_sees_the_question(client, login, component, completed, resident):
    login(resident)
    page = text(client.get(f"{base(component)}/results/{completed.id}"))
    form = page[page.index('class="confirm-form"'):]
    form = form[:form.index("</form>")]
    assert "<legend>Is it done as promised?</legend>" in form
    for value in ("yes", "partly", "no"):
        assert f'name="answer" type="radio" value="{value}"' in form
    assert 'for="comment">Your comment (optional)</label>' in form
    assert 'maxlength="1000"' in form and 'name="csrf_token"' in form
    assert f'action="{base(component)}/results/{completed.id}/confirm"' in page


def test_a_follower_confirms(client, login, db, component, completed, resident):
    login(resident)
    response = confirm(client, component, completed, answer="partly",
                       comment="The fountain is missing.")
    assert response.status_code == 303
    assert response.location.endswith(f"/results/{completed.id}#confirmation")
    [saved] = confirmations(db)
    assert (saved.user_id, saved.answer, saved.comment) == (resident.id, "partly",
                                                            "The fountain is missing.")
    page = squeeze(text(client.get(response.location)))
    assert "Thank you: your answer is counted and shown on this page." in page
    assert "You answered: Partly." in page and "Partly: 1" in page
    assert "ana" in page and "The fountain is missing." in page
    assert "Send my answer" not in page


def test_a_follower_confirms_once(client, login, db, component, completed, resident):
    login(resident)
    assert confirm(client, component, completed, answer="yes").status_code == 303
    assert confirm(client, component, completed, answer="no").status_code == 403
    assert [each.answer for each in confirmations(db)] == ["yes"]


def test_a_resident_who_does_not_follow_is_refused(client, login, db, component, completed,
                                                   create_user):
    login(create_user())
    page = text(client.get(f"{base(component)}/results/{completed.id}"))
    assert 'name="answer"' not in page
    assert ("The residents who follow this result are asked whether it was done as "
            "promised.") in page
    assert confirm(client, component, completed, answer="yes").status_code == 403
    assert confirmations(db) == []


def test_a_result_not_completed_cannot_be_confirmed(client, login, db, component, make_result,
                                                    create_user):
    result = make_result(progress=90)
    user = create_user()
    follow(user, resource=result)
    db.session.commit()
    login(user)
    assert 'name="answer"' not in text(client.get(f"{base(component)}/results/{result.id}"))
    assert confirm(client, component, result, answer="yes").status_code == 403
    assert confirmations(db) == []


def test_anonymous_visitors_are_sent_to_sign_in(client, db, component, completed):
    response = confirm(client, component, completed, answer="yes")
    assert response.status_code == 302 and "/signin" in response.location
    assert confirmations(db) == []


def test_a_verified_resident_is_asked_when_the_component_says_so(client, login, db, component,
                                                                 configure, completed,
                                                                 resident, verified):
    configure(verify_confirm=True)
    login(resident)
    page = text(client.get(f"{base(component)}/results/{completed.id}"))
    assert 'name="answer"' not in page
    assert "Verify your identity to say whether it was done as promised" in page
    response = confirm(client, component, completed, answer="yes")
    assert response.status_code == 303 and "/verification" in response.location
    assert confirmations(db) == []
    verified(resident)
    assert confirm(client, component, completed, answer="yes").status_code == 303
    assert len(confirmations(db)) == 1


@pytest.mark.parametrize("answer", ["", "maybe", "YES", "1", "<b>yes</b>"])
def test_a_bad_answer_is_told_and_the_comment_kept(client, login, db, component, completed,
                                                   resident, answer):
    login(resident)
    response = confirm(client, component, completed, answer=answer,
                       comment="Kept as typed & <i>so</i>")
    assert response.status_code == 400
    page = text(response)
    assert "Choose yes, partly or no." in page
    assert "Kept as typed &amp; &lt;i&gt;so&lt;/i&gt;</textarea>" in page
    assert confirmations(db) == []


def test_no_answer_at_all_is_told(client, login, db, component, completed, resident):
    login(resident)
    response = confirm(client, component, completed)
    assert response.status_code == 400
    assert "Choose yes, partly or no." in text(response)
    assert confirmations(db) == []


def test_a_comment_too_long_is_told_and_kept(client, login, db, component, completed,
                                             resident):
    login(resident)
    typed = "a" * 1000 + "b"
    response = confirm(client, component, completed, answer="yes", comment=typed)
    assert response.status_code == 400
    page = text(response)
    assert "Use at most 1000 characters." in page
    assert f"\n{typed}</textarea>" in page
    assert 'aria-invalid="true"' in page
    assert confirmations(db) == []
    # Exactly the limit is fine.
    assert confirm(client, component, completed, answer="yes",
                   comment="a" * 1000).status_code == 303


def test_control_characters_in_the_comment_are_refused(client, login, db, component,
                                                       completed, resident):
    login(resident)
    response = confirm(client, component, completed, answer="no", comment="bell\x07")
    assert response.status_code == 400
    assert "Remove the control characters from this text." in text(response)
    assert confirmations(db) == []


def test_html_in_a_comment_is_shown_escaped(client, login, db, component, completed,
                                            resident):
    login(resident)
    confirm(client, component, completed, answer="no",
            comment='<script>alert("x")</script><a href="https://evil.example">win</a>')
    page = text(client.get(f"{base(component)}/results/{completed.id}"))
    assert "<script>alert" not in page and '<a href="https://evil.example">' not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


def test_a_form_without_its_csrf_token_is_refused(client, login, db, component, completed,
                                                  resident):
    login(resident)
    response = client.post(f"{base(component)}/results/{completed.id}/confirm",
                           data={"answer": "yes"}, csrf=False)
    assert response.status_code == 400
    assert "This form has expired" in text(response)
    assert confirmations(db) == []


def test_a_confirmation_to_a_hidden_result_is_a_404(client, login, db, component, completed,
                                                    resident):
    completed.hidden_at = utcnow()
    db.session.commit()
    login(resident)
    assert confirm(client, component, completed, answer="yes").status_code == 404
    assert db.session.scalar(select(func.count(Confirmation.id))) == 0
