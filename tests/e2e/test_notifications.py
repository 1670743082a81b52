"""Notifications and follows in a real browser: the bell, the list, the e-mail preferences, a
notification e-mail with its one-click unsubscribe link, and following a process and a
resident.

Maria (who reads Catalan) has unread notifications in the demo city and follows proposals;
Ana (switched to English) follows. The file runs a demo city of its own (tests/e2e/staff.py):
it marks as read and unsubscribes what other files read.
"""

import re
import urllib.request

import pytest

from tests.e2e import staff
from tests.e2e.staff import catalog_text
from tests.e2e.staff import field_errors
from tests.e2e.staff import flash
from tests.e2e.staff import in_english
from tests.e2e.staff import proposal_url

pytestmark = pytest.mark.e2e

# This file's own demo city, and a signed-in browser per person (tests/e2e/staff.py).
server = staff.server
person = staff.person

MARIA = "maria@decide.example"
ANA = "ana@decide.example"
FOLLOWED = "Shaded benches along the riverside walk"  # Maria follows it in the demo


def bell_count(page) -> int:
    """The unread count on the bell; 0 when it shows none."""
    count = page.locator(".bell .bell__count")
    return int(count.inner_text()) if count.count() else 0


def comment_on(page, submit, url: str, words: str) -> None:
    page.goto(url)
    page.get_by_label("Your comment").fill(words)
    submit(page.get_by_role("button", name="Publish the comment"))
    assert words in page.locator(".comments").inner_text()


def test_the_bell_counts_what_is_unread_and_the_list_marks_it_read(server, person, check_page,
                                                                    submit):
    maria = person("maria")
    assert maria.locator("html").get_attribute("lang") == "ca"
    unread = bell_count(maria)
    assert 0 < unread < 20, "the demo leaves Maria a page of unread notifications"
    bell = maria.locator("header a.bell")
    assert re.search(rf"\b{unread}\b", bell.inner_text()), "the count is in the link's name"

    submit(bell)
    assert maria.locator("h1").inner_text() == catalog_text("ca", "Notifications")
    assert bell.get_attribute("aria-current") == "page"
    assert maria.locator(".notification--unread").count() == unread
    first = maria.locator(".notification").first
    assert first.get_by_role("link").count() == 1, "it leads to what it is about"
    check_page(maria, "notifications-ca")

    # One by one: the button names the notification it marks.
    mark = first.get_by_role("button")
    assert first.locator(".notification__text").inner_text() in mark.inner_text()
    submit(mark)
    assert catalog_text("ca", "The notification is marked as read.") in flash(maria)
    assert bell_count(maria) == unread - 1
    assert "notification--unread" not in maria.locator(".notification").first.get_attribute(
        "class")
    check_page(maria, "notifications-one-read-ca")

    # A press whose form expired asks again on a page of its own.
    mark_all = maria.get_by_role("button", name=catalog_text("ca", "Mark all as read"))
    mark_all.locator("xpath=..").locator("input[name=csrf_token]").evaluate(
        "field => field.value = 'expired'")
    submit(mark_all)
    assert maria.locator("h1").inner_text() == catalog_text(
        "ca", "Mark all your notifications as read?")
    assert bell_count(maria) == unread - 1
    check_page(maria, "notifications-confirm-ca")
    submit(maria.locator("main form button[type=submit]"))
    assert bell_count(maria) == 0
    assert maria.locator(".notification--unread").count() == 0
    assert maria.locator(".results-count").inner_text() == catalog_text(
        "ca", "You have read all your notifications.")
    assert maria.get_by_role("button", name=catalog_text("ca", "Mark all as read")).count() == 0
    check_page(maria, "notifications-all-read-ca")

    # Opening one leads to its page.
    target = maria.locator(".notification a").first
    href = target.get_attribute("href")
    submit(target)
    assert maria.url.startswith(f"{server.url}{href.split('#')[0]}")


def test_preferences_and_a_notification_email_with_its_unsubscribe_link(server, person,
                                                                        check_page, submit):
    server.deliver(to=MARIA)  # what the demo city queued for her
    maria = person("maria")
    in_english(maria, submit)
    maria.goto(f"{server.url}/notifications")
    submit(maria.get_by_role("link", name="E-mail preferences"))
    assert maria.locator("h1").inner_text() == "Notification preferences"
    frequency = maria.locator("input[name=frequency]:checked")
    assert frequency.get_attribute("value") == "every"
    check_page(maria, "notification-preferences")

    # A value the page does not offer (a tampered form) is refused next to the choices.
    maria.locator("input[name=frequency][value=weekly]").evaluate(
        "radio => { radio.value = 'hourly'; radio.checked = true; }")
    submit(maria.get_by_role("button", name="Save"))
    assert field_errors(maria) == {"frequency": "Choose one of the options."}
    check_page(maria, "notification-preferences-error")

    for value, label in (("daily", "A daily digest"), ("weekly", "A weekly digest"),
                         ("none", "No e-mail"), ("every", "Every event")):
        maria.get_by_label(re.compile(f"^{label}")).check()
        submit(maria.get_by_role("button", name="Save"))
        assert "Your notification preferences are saved." in flash(maria)
        assert frequency.get_attribute("value") == value

    # Ana comments on a proposal Maria follows: Maria gets an e-mail at once.
    ana = person("ana")
    in_english(ana, submit)
    proposal = proposal_url(server, FOLLOWED)
    comment_on(ana, submit, proposal, "A bench every hundred metres would be enough.")
    [message] = server.deliver(to=MARIA)
    assert message["Subject"] == f"Ana García commented on “{FOLLOWED}”."
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = server.link_in(message, proposal.removeprefix(server.url))
    assert re.search(r"#comment-\d+$", link)
    unsubscribe = server.link_in(message, "/notifications/unsubscribe/")
    assert message["List-Unsubscribe"] == f"<{unsubscribe}>"

    # Its HTML part is a page like any other.
    mail = person()
    mail.set_content(message.get_body(preferencelist=("html",)).get_content())
    assert mail.get_by_role("link", name=f"Ana García commented on “{FOLLOWED}”.").get_attribute(
        "href") == link
    check_page(mail, "email-notification")

    maria.goto(link)  # to the comment itself
    assert "A bench every hundred metres would be enough." in maria.locator(
        f"#{link.split('#')[1]}").inner_text()

    # The unsubscribe link needs no sign-in; a damaged one says so.
    visitor = person()
    response = visitor.goto(unsubscribe + "x")
    assert response.status == 400
    assert visitor.locator("h1").inner_text() == "This link does not work"
    check_page(visitor, "unsubscribe-link-damaged")
    visitor.goto(unsubscribe)
    assert visitor.locator("h1").inner_text() == "You are unsubscribed"
    assert MARIA in visitor.locator("main").inner_text()
    check_page(visitor, "unsubscribed")

    maria.goto(f"{server.url}/notifications/preferences")
    assert frequency.get_attribute("value") == "none"
    unread = bell_count(maria)
    comment_on(ana, submit, proposal, "And drinking fountains near them, please.")
    assert server.deliver(to=MARIA) == [], "no more e-mail"
    maria.reload()
    assert bell_count(maria) == unread + 1, "still told on the site"

    # A mail program's own button (RFC 8058): a POST of the link, without a session.
    maria.get_by_label(re.compile("^Every event")).check()
    submit(maria.get_by_role("button", name="Save"))
    request = urllib.request.Request(unsubscribe, data=b"List-Unsubscribe=One-Click",
                                     method="POST")
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200
    maria.reload()
    assert frequency.get_attribute("value") == "none"


def test_residents_follow_a_process_and_a_resident(server, person, check_page, submit):
    process = f"{server.url}/processes/green-streets"
    visitor = person()
    visitor.goto(process)
    assert visitor.get_by_role("button", name="Follow").count() == 0, "sign in first"

    ana = person("ana")
    in_english(ana, submit)
    ana.goto(process)
    submit(ana.locator("main").get_by_role("button", name="Follow"))
    assert "You follow “Green Streets”: you will be notified of what happens." in flash(ana)
    assert ana.locator("main").get_by_role("button", name="Stop following").is_visible()
    check_page(ana, "process-followed")

    # What a followed process tells: a phase that starts.
    server.deliver(to=ANA)
    admin = person("admin")
    admin.goto(f"{server.url}/admin/processes/green-streets/phases")
    submit(admin.get_by_role("button", name=re.compile(r"^Activate\W+Supports")))
    assert "“Supports” is now the active phase." in flash(admin)
    [message] = server.deliver(to=ANA)
    told = "The phase “Supports” of “Green Streets” has started."
    assert message["Subject"] == told
    ana.goto(f"{server.url}/notifications")
    assert ana.locator(".notification__text").first.inner_text() == told
    assert bell_count(ana) >= 1
    admin.goto(f"{server.url}/admin/processes/green-streets/phases")
    submit(admin.get_by_role("button", name=re.compile(r"^Activate\W+Proposals")))

    ana.goto(process)
    submit(ana.locator("main").get_by_role("button", name="Stop following"))
    assert "You no longer follow “Green Streets”." in flash(ana)
    assert ana.locator("main").get_by_role("button", name="Follow").is_visible()

    # A resident, from their profile; nobody follows themselves.
    ana.goto(f"{server.url}/profiles/grace")
    submit(ana.locator("main").get_by_role("button", name="Follow"))
    assert "You follow “Grace Taylor”" in flash(ana)
    check_page(ana, "profile-followed")
    submit(ana.locator("main").get_by_role("button", name="Stop following"))
    assert "You no longer follow “Grace Taylor”." in flash(ana)
    ana.goto(f"{server.url}/profiles/ana")
    assert ana.locator("main").get_by_role("button", name="Follow").count() == 0


def test_notifications_and_follows_work_without_javascript(server, person, submit):
    lucas = person("lucas", javascript=False)
    in_english(lucas, submit)
    proposal = proposal_url(server, FOLLOWED)
    lucas.goto(proposal)
    submit(lucas.locator("main").get_by_role("button", name="Follow"))
    assert lucas.locator("main").get_by_role("button", name="Stop following").is_visible()

    ana = person("ana")
    comment_on(ana, submit, proposal, "Benches in the shade, not in the full sun.")
    lucas.goto(f"{server.url}/notifications")
    assert bell_count(lucas) >= 1
    submit(lucas.get_by_role("button", name="Mark all as read"))
    assert bell_count(lucas) == 0
    submit(lucas.get_by_role("link", name="E-mail preferences"))
    lucas.get_by_label(re.compile("^A weekly digest")).check()
    submit(lucas.get_by_role("button", name="Save"))
    assert "Your notification preferences are saved." in flash(lucas)
