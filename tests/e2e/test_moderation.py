"""Reports, the moderators' queue and blocks, in a real browser, checked page by page.

Ana reports, Sofía (moderator of Green Streets, who reads Spanish) works the queue and the
organization admin blocks and unblocks. The file runs a demo city of its own (tests/e2e/
staff.py): what it hides and blocks, other files never see.
"""

import re

import pytest

from tests.e2e import staff
from tests.e2e.staff import catalog_text
from tests.e2e.staff import debate_url
from tests.e2e.staff import field_errors
from tests.e2e.staff import flash
from tests.e2e.staff import in_english
from tests.e2e.staff import proposal_url

pytestmark = pytest.mark.e2e

# This file's own demo city, and a signed-in browser per person (tests/e2e/staff.py).
server = staff.server
person = staff.person

THANKS = "Thank you, moderators will review it."
ALREADY = "You have already reported this. The moderators will review it."


def queue_item(page, text: str):
    return page.locator(".moderation-item", has_text=text)


def button(scope, name: str):
    """A button whose visible name starts with `name` (a hidden part says what it acts on)."""
    return scope.get_by_role("button", name=re.compile(rf"^{re.escape(name)}\b"))


def report(page, submit, reason: str, details: str = "") -> None:
    """Fill in and send the report form, in whatever language the page is."""
    page.locator(f"input[name=reason][value={reason}]").check()
    page.locator("textarea[name=details]").fill(details)
    submit(page.locator("main form [type=submit]"))


def test_a_resident_reports_a_proposal_a_comment_and_a_participant(server, person, check_page,
                                                                     submit):
    ana = person("ana")
    in_english(ana, submit)
    trees = proposal_url(server, "Replace the dead trees on Station Road")
    ana.goto(trees)
    report_link = ana.get_by_role("link", name=re.compile(r"^Report\W+Replace the dead trees"))
    submit(report_link)
    assert ana.locator("h1").inner_text() == "Report this content"
    assert ana.locator(".report__target").inner_text() == "Replace the dead trees on Station Road"
    check_page(ana, "report-proposal")

    # A second tab opens the same form now, to send it after the first.
    second_tab = ana.context.new_page()
    second_tab.goto(ana.url)

    # No reason, then details longer than 500 characters (a browser that ignores maxlength).
    submit(ana.get_by_role("button", name="Send the report"))
    assert field_errors(ana) == {"reason": "Choose a reason."}
    assert "Some fields need your attention" in ana.get_by_role("alert").inner_text()
    check_page(ana, "report-without-reason")

    ana.get_by_label(re.compile("^Spam")).check()
    details = ana.get_by_label("Details (optional)")
    details.evaluate("field => field.removeAttribute('maxlength')")
    details.fill("Looks like an advert. " * 30)
    submit(ana.get_by_role("button", name="Send the report"))
    assert field_errors(ana) == {"details": "Use at most 500 characters."}
    assert ana.get_by_label(re.compile("^Spam")).is_checked(), "the choice is kept"
    check_page(ana, "report-details-too-long")

    details.fill("The same text is on a shop's leaflet.")
    submit(ana.get_by_role("button", name="Send the report"))
    assert ana.url == trees
    assert THANKS in flash(ana)

    # Twice: the form says so instead of asking again, and the other tab is refused.
    ana.goto(trees)
    submit(report_link)
    assert ALREADY in ana.locator("main").inner_text()
    assert ana.get_by_role("button", name="Send the report").count() == 0
    check_page(ana, "report-already-sent")
    report(second_tab, submit, "offensive")
    assert ALREADY in second_tab.get_by_role("alert").inner_text()
    check_page(second_tab, "report-refused-twice")
    second_tab.close()

    # A comment in a thread: the report form quotes it.
    ana.goto(proposal_url(server, "Arbres a tot el carrer Major"))
    comment = "Yes please! Carrer Major is unbearable in August."
    submit(ana.get_by_role("link", name=re.compile(rf"^Report\W+{re.escape(comment)}")))
    assert ana.locator(".report__target").inner_text() == comment
    check_page(ana, "report-comment")
    ana.get_by_label(re.compile("^Offensive")).check()
    submit(ana.get_by_role("button", name="Send the report"))
    assert THANKS in flash(ana)

    # A participant, from their profile.
    ana.goto(f"{server.url}/profiles/grace")
    submit(ana.get_by_role("link", name=re.compile(r"^Report this participant")))
    assert ana.locator("h1").inner_text() == "Report this participant"
    assert "@grace" in ana.locator(".report__target").inner_text()
    check_page(ana, "report-participant")
    report(ana, submit, "spam", "Posts the same link to a shop everywhere.")
    assert ana.url == f"{server.url}/profiles/grace"
    assert THANKS in flash(ana)

    # The moderator finds the proposal and the comment in the queue; the admin finds Grace.
    sofia = person("sofia")
    sofia.goto(f"{server.url}/admin/moderation")
    item = queue_item(sofia, "Replace the dead trees on Station Road")
    assert "The same text is on a shop's leaflet." in item.inner_text()
    assert "@ana" in item.inner_text()
    assert queue_item(sofia, comment).count() == 1

    admin = person("admin")
    admin.goto(f"{server.url}/admin/moderation/users")
    grace = admin.locator(".moderation-item", has_text="@grace")
    assert "Posts the same link to a shop everywhere." in grace.inner_text()
    assert "Spam (1)" in grace.inner_text()


def test_a_moderator_hides_shows_again_and_dismisses(server, person, check_page, submit):
    # Ana comments on a debate, Lucas reports the comment.
    ana = person("ana")
    in_english(ana, submit)
    debate = debate_url(server, "Which streets should get trees first?")
    ana.goto(debate)
    words = "Only the streets of people who shout the loudest, as always."
    ana.get_by_label("Your comment").fill(words)
    submit(ana.get_by_role("button", name="Publish the comment"))
    assert words in ana.locator(".comments").inner_text()

    lucas = person("lucas")
    lucas.goto(debate)
    submit(lucas.get_by_role("link", name=re.compile(re.escape(words[:40]))))
    report(lucas, submit, "offensive", "Mocks the neighbours.")
    assert lucas.url.startswith(debate)

    # Sofía's queue, in Spanish first: the demo's reports and Lucas's.
    sofia = person("sofia")
    assert sofia.locator("html").get_attribute("lang") == "es"
    sidebar = sofia.get_by_role("navigation", name=catalog_text("es", "Administration"))
    sofia.goto(f"{server.url}/admin/")
    submit(sidebar.get_by_role("link", name=catalog_text("es", "Moderation")))
    assert sofia.locator("h1").inner_text() == catalog_text("es", "Moderation")
    assert sidebar.get_by_role("link").all_inner_texts() == [
        catalog_text("es", name) for name in ("Dashboard", "Moderation")
    ], "no participants page (admins), no processes or log (process admins)"
    for text in (words, "Los árboles ensucian", "Aparcamiento subterráneo bajo la plaza Mayor"):
        assert queue_item(sofia, text).count() == 1, text
    check_page(sofia, "moderation-queue-es")

    in_english(sofia, submit)
    submit(button(queue_item(sofia, words), "Hide"))
    assert "The item is hidden, and its author is told why." in flash(sofia)
    assert queue_item(sofia, words).count() == 0
    submit(sofia.get_by_role("link", name="Hidden", exact=True))
    hidden = queue_item(sofia, words)
    assert "Hidden" in hidden.locator(".badges").inner_text()
    assert "Buy my used bikes" in sofia.locator(".moderation-queue").inner_text()  # the demo's
    check_page(sofia, "moderation-queue-hidden")

    # Ana is told, with the reason; the thread no longer shows the comment.
    ana.goto(f"{server.url}/notifications")
    notice = ana.locator(".notification").first
    assert notice.locator(".notification__text").inner_text() == (
        "Your comment on “Which streets should get trees first?” was hidden by moderation. "
        "Reason: offensive.")
    assert notice.locator("a").count() == 0, "nothing to open: it is hidden"
    check_page(ana, "notifications-content-hidden")
    visitor = person()
    visitor.goto(debate)
    assert words not in visitor.locator("main").inner_text()

    # The demo's spam, shown again: it keeps its three reports until they are dismissed.
    spam = "Buy my used bikes, cheap prices, call now!!!"
    submit(button(queue_item(sofia, spam), "Show again"))
    assert "The item is shown again." in flash(sofia)
    assert sofia.url.endswith("tab=hidden")
    assert queue_item(sofia, spam).count() == 0
    submit(sofia.get_by_role("link", name="Reported", exact=True))
    item = queue_item(sofia, spam)
    assert "3 open reports" in item.inner_text()
    submit(button(item, "Dismiss the reports"))
    assert "The reports are dismissed." in flash(sofia)
    assert queue_item(sofia, spam).count() == 0
    visitor.goto(proposal_url(server, "Buy my used bikes"))
    assert visitor.locator("h1").inner_text() == spam

    # A press refused (its form expired) asks again on a page of its own.
    item = queue_item(sofia, "Aparcamiento subterráneo bajo la plaza Mayor")
    item.locator("input[name=csrf_token]").last.evaluate("field => field.value = 'expired'")
    submit(button(item, "Dismiss the reports"))
    assert sofia.locator("h1").inner_text() == (
        "Dismiss the reports of “Aparcamiento subterráneo bajo la plaza Mayor”?")
    assert "expired" in sofia.get_by_role("alert").inner_text()
    check_page(sofia, "moderation-confirm")
    submit(sofia.get_by_role("button", name="Dismiss the reports"))
    assert "The reports are dismissed." in flash(sofia)
    assert queue_item(sofia, "Aparcamiento subterráneo").count() == 0

    assert sofia.goto(f"{server.url}/admin/moderation/users").status == 403

    # The admin reads it all in the action log.
    admin = person("admin")
    admin.goto(f"{server.url}/admin/logs?user=sofia")
    entries = admin.locator(".log__entry").all_inner_texts()
    assert any("hid the comment #" in entry for entry in entries), entries
    assert any(f"showed the proposal {spam} again" in entry for entry in entries)
    assert any(f"dismissed the reports of the proposal {spam}" in entry for entry in entries)
    assert any("dismissed the reports of the proposal Aparcamiento" in entry
               for entry in entries)
    check_page(admin, "action-log-moderation")


def test_the_admin_blocks_and_unblocks_a_participant(server, person, check_page, submit):
    maria = person("maria")
    maria.goto(f"{server.url}/profiles/lucas/report")
    report(maria, submit, "offensive", "Insults in every comment.")

    admin = person("admin")
    admin.goto(f"{server.url}/admin/")
    submit(admin.get_by_role("link", name="Reported and blocked participants"))
    assert admin.locator("h1").inner_text() == "Reported and blocked participants"
    lucas_item = admin.locator(".moderation-item", has_text="@lucas")
    assert "Insults in every comment." in lucas_item.inner_text()
    check_page(admin, "participants-reported")

    submit(lucas_item.get_by_role("link", name=re.compile(r"^Block\b")))
    assert admin.locator("h1").inner_text() == "Block lucas"
    check_page(admin, "block-form")
    submit(admin.get_by_role("button", name="Block the participant"))
    assert field_errors(admin) == {"justification": "Use between 15 and 1000 characters."}
    check_page(admin, "block-form-errors")
    admin.get_by_label("Justification").fill("Insulted other residents in many comments.")
    admin.get_by_label("Also hide everything this participant wrote").check()
    submit(admin.get_by_role("button", name="Block the participant"))
    assert "lucas is blocked." in flash(admin)

    submit(admin.get_by_role("link", name="Blocked participants", exact=True))
    blocked = admin.locator(".moderation-item", has_text="@lucas")
    assert "Insulted other residents in many comments." in blocked.inner_text()
    assert "Hidden by the block" in blocked.inner_text()
    check_page(admin, "participants-blocked")

    # Everything Lucas wrote is hidden: his proposal waits in the hidden tab.
    admin.goto(f"{server.url}/admin/moderation?tab=hidden")
    assert queue_item(admin, "Des arceaux vélo devant chaque école").count() == 1

    # Lucas cannot sign in, and says so; his profile says he is blocked.
    lucas = person()
    lucas.goto(f"{server.url}/signin")
    lucas.get_by_label("E-mail address").fill("lucas@decide.example")
    lucas.get_by_label("Password", exact=True).fill("meadow-violin-comet")
    submit(lucas.locator("main").get_by_role("button", name="Sign in"))
    assert "This account has been blocked" in lucas.get_by_role("alert").inner_text()
    assert lucas.locator('header a[href="/profiles/lucas"]').count() == 0
    check_page(lucas, "signin-blocked")
    lucas.goto(f"{server.url}/profiles/lucas")
    assert lucas.locator("h1").inner_text() == "Blocked participant"
    assert "Lucas Moreau" not in lucas.locator("main").inner_text()
    check_page(lucas, "profile-blocked")

    # Unblocked: he signs in again; what the block hid stays hidden.
    admin.goto(f"{server.url}/admin/moderation/users?tab=blocked")
    submit(button(admin.locator(".moderation-item", has_text="@lucas"), "Unblock"))
    assert "lucas is unblocked and can sign in again." in flash(admin)
    assert admin.locator(".moderation-item", has_text="@lucas").count() == 0
    person("lucas")  # signs in
    admin.goto(f"{server.url}/admin/moderation?tab=hidden")
    assert queue_item(admin, "Des arceaux vélo devant chaque école").count() == 1

    admin.goto(f"{server.url}/admin/logs?resource_type=user")
    entries = admin.locator(".log__entry").all_inner_texts()
    assert any("blocked Lucas Moreau" in entry for entry in entries)
    assert any("unblocked Lucas Moreau" in entry for entry in entries)


def test_reporting_and_moderating_work_without_javascript(server, person, submit):
    debate = debate_url(server, "Should cars be kept out of the old town on Sundays?")
    maria = person("maria", javascript=False)
    maria.goto(debate)
    submit(maria.locator("main a[href^='/report/']").first)
    report(maria, submit, "does_not_belong", "Not about green streets at all.")
    assert maria.url == debate
    assert maria.locator(".flash--success").count() == 1

    sofia = person("sofia", javascript=False)
    in_english(sofia, submit)
    sofia.goto(f"{server.url}/admin/moderation")
    item = queue_item(sofia, "Not about green streets at all.")
    submit(button(item, "Hide"))
    assert "The item is hidden, and its author is told why." in flash(sofia)
    submit(sofia.get_by_role("link", name="Hidden", exact=True))
    submit(button(queue_item(sofia, "Not about green streets at all."), "Show again"))
    submit(sofia.get_by_role("link", name="Reported", exact=True))
    submit(button(queue_item(sofia, "Not about green streets at all."), "Dismiss the reports"))
    assert queue_item(sofia, "Not about green streets at all.").count() == 0
