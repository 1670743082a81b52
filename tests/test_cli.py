"""The `flask decide` commands: the demo city (accounts, districts, processes) and mail
delivery."""

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlalchemy import select

from decide.comments.models import Comment
from decide.comments.models import CommentVote
from decide.components.debates.models import Debate
from decide.components.pages.models import Page
from decide.components.proposals.models import Endorsement
from decide.components.proposals.models import Proposal
from decide.components.proposals.models import Support
from decide.core.mail import queue_email
from decide.core.models import Organization
from decide.core.models import OutboxMessage
from decide.core.models import User
from decide.core.models import utcnow
from decide.core.passwords import password_problem
from decide.demo import DEMO_ACCOUNTS
from decide.demo.budget_data import VOTERS
from decide.demo.green_streets import RESIDENTS_DOMAIN
from decide.demo.green_streets import THRESHOLD
from decide.demo.participation import PROPOSALS
from decide.demo.participation import RESIDENTS
from decide.moderation.models import Report
from decide.notifications.models import Follow
from decide.notifications.models import Notification
from decide.spaces.models import Process
from decide.spaces.models import ProcessRole
from decide.spaces.models import Scope
from decide.spaces.services import active_phase
from decide.spaces.services import process_status
from decide.spaces.services import today_here

README = Path(__file__).resolve().parent.parent / "README.md"


def count(db, model_or_table) -> int:
    return db.session.scalar(select(func.count()).select_from(model_or_table))


@pytest.fixture
def demo_mode(app, monkeypatch):
    monkeypatch.setitem(app.config, "DEMO_MODE", True)


@pytest.fixture
def production_like(app, monkeypatch):
    monkeypatch.setitem(app.config, "DEMO_MODE", False)
    monkeypatch.setitem(app.config, "DEBUG", False)


def test_the_demo_refuses_to_run_outside_debug_or_demo_mode(db, runner, production_like):
    result = runner.invoke(args=["decide", "demo"])

    assert result.exit_code != 0
    assert "DEMO_MODE" in result.output
    assert count(db, User) == 0
    assert count(db, Organization) == 0


def test_the_demo_runs_in_debug_mode(app, db, runner, production_like, monkeypatch):
    monkeypatch.setitem(app.config, "DEBUG", True)

    result = runner.invoke(args=["decide", "demo"])

    assert result.exit_code == 0, result.output
    assert count(db, User) == len(DEMO_ACCOUNTS) + len(RESIDENTS) + len(VOTERS)


def test_the_demo_creates_the_city_once(db, runner, demo_mode):
    first = runner.invoke(args=["decide", "demo"])

    assert first.exit_code == 0, first.output
    organization = db.session.scalars(select(Organization)).one()
    assert organization.name
    assert set(organization.available_locales) == {"en", "es", "ca", "fr"}
    assert organization.terms_of_service["es"]
    everyone = db.session.scalars(select(User).order_by(User.email)).all()
    assert all(user.is_confirmed and user.accepted_terms_version == 1 for user in everyone)
    residents = [user for user in everyone if user.email.endswith("@" + RESIDENTS_DOMAIN)]
    assert sorted(user.nickname for user in residents) == sorted(
        r.nickname for r in RESIDENTS + VOTERS)
    assert {user.password_hash for user in residents} == {"!"}
    assert {user.notifications_email for user in residents} == {"none"}
    users = [user for user in everyone if user not in residents]
    assert sorted(user.email for user in users) == sorted(a.email for a in DEMO_ACCOUNTS)
    assert [user.email for user in users if user.admin] == ["admin@decide.example"]
    for account in DEMO_ACCOUNTS:
        assert f"{account.email} / {account.password}" in first.output
    before = [(user.id, user.password_hash) for user in users]

    rows = {table.name: count(db, table) for table in db.metadata.sorted_tables}
    assert rows["processes"] and rows["phases"] and rows["pages_pages"] and rows["action_logs"]
    participation = ("resources", "proposals_proposals", "proposals_supports",
                     "proposals_endorsements", "comments", "comment_votes", "debates_debates",
                     "moderation_reports", "follows", "notifications", "outbox",
                     "verification_census", "verification_verifications", "budgets_budgets",
                     "budgets_projects", "budgets_orders", "budgets_order_lines",
                     "resource_links")
    assert all(rows[table] for table in participation), rows

    second = runner.invoke(args=["decide", "demo"])

    assert second.exit_code == 0, second.output
    db.session.expire_all()
    assert count(db, Organization) == 1
    assert count(db, OutboxMessage) == rows["outbox"]  # the second run tells nobody anything
    assert {table.name: count(db, table) for table in db.metadata.sorted_tables} == rows
    users = db.session.scalars(select(User).where(User.id.in_([user.id for user in users]))
                               .order_by(User.email)).all()
    assert [(user.id, user.password_hash) for user in users] == before


def test_every_demo_account_signs_in_with_its_listed_password(app, db, runner, demo_mode):
    assert runner.invoke(args=["decide", "demo"]).exit_code == 0

    for account in DEMO_ACCOUNTS:
        client = app.test_client()
        response = client.post("/signin", data={"email": account.email,
                                                "password": account.password})
        assert response.status_code == 302, account.email
        assert client.get("/account").status_code == 200, account.email
        assert (client.get("/admin/").status_code == 200) == account.is_staff, account.email


def test_the_demo_city_has_the_processes_of_the_design(app, db, runner, demo_mode, client):
    assert runner.invoke(args=["decide", "demo"]).exit_code == 0
    today = today_here()
    processes = {p.slug: p for p in db.session.scalars(select(Process))}

    expected = {"green-streets": ("active", "Proposals"),
                "district-budgets": ("active", "Voting"),
                "budget-of-last-year": ("active", "Implementation"),
                "riverside-park": ("upcoming", None),
                "old-town-squares": ("past", "Conclusions"),
                "night-buses": ("upcoming", None)}
    assert set(processes) == set(expected)
    for slug, (status, phase) in expected.items():
        process = processes[slug]
        assert process_status(process, today) == status, slug
        active = active_phase(process)
        assert (active.title["en"] if active else None) == phase, slug
        if active and status == "active":
            assert active.start_date <= today <= active.end_date, slug
        for text in (process.title, process.subtitle, process.description,
                     *(p.title for p in process.phases), *(c.name for c in process.categories)):
            assert set(text) == {"en", "es", "ca", "fr"}, (slug, text)
        assert any(c.parent_id for c in process.categories), slug
        [page] = [c for c in process.components if c.manifest_name == "pages"]
        assert page.is_published
        body = db.session.scalars(select(Page).where(Page.component_id == page.id)).one().body
        assert set(body) == {"en", "es", "ca", "fr"}
    assert [p.slug for p in processes.values() if not p.is_published] == ["night-buses"]
    scopes = db.session.scalars(select(Scope)).all()
    assert len(scopes) >= 4 and all(set(s.name) == {"en", "es", "ca", "fr"} for s in scopes)

    roles = {(r.user.nickname, r.process.slug, r.role)
             for r in db.session.scalars(select(ProcessRole))}
    assert roles == {(account.nickname, slug, role) for account in DEMO_ACCOUNTS
                     for slug, role in account.roles}
    assert {role for _nickname, _slug, role in roles} == {"process_admin", "moderator",
                                                           "valuator"}

    home = client.get("/").get_data(as_text=True)
    assert home.index("Green Streets") < home.index("Riverside Park Plan") < home.index(
        "Old Town Squares")
    assert "Night Buses" not in home


def green_streets(db) -> dict:
    """The components of Green Streets by kind."""
    process = db.session.scalars(select(Process).where(Process.slug == "green-streets")).one()
    return {component.manifest_name: component for component in process.components}


def sign_in(client, nickname: str) -> None:
    [account] = [account for account in DEMO_ACCOUNTS if account.nickname == nickname]
    response = client.post("/signin", data={"email": account.email,
                                            "password": account.password})
    assert response.status_code == 302


def test_green_streets_has_proposals_in_every_state(app, db, runner, demo_mode, client):
    assert runner.invoke(args=["decide", "demo"]).exit_code == 0
    components = green_streets(db)
    assert set(components) == {"pages", "proposals", "debates"}
    assert all(component.is_published for component in components.values())
    proposals = db.session.scalars(
        select(Proposal).where(Proposal.component_id == components["proposals"].id)
    ).all()
    shown = [p for p in proposals if p.is_published and not p.is_hidden]

    assert len(shown) >= 24
    answered = [p for p in shown if not p.is_withdrawn]
    assert {"accepted", "rejected", "evaluating", None} == {p.public_state for p in answered}
    assert all(p.cost for p in answered if p.public_state == "accepted")
    assert all(set(p.answer) == {"en", "es", "ca", "fr"} for p in answered if p.public_state)
    [pending] = [p for p in shown if p.state and p.answer_published_at is None]
    assert pending.title.startswith("A safe crossing")
    [withdrawn] = [p for p in shown if p.is_withdrawn]
    assert withdrawn.author.nickname == "zoe"
    assert [p.official for p in shown].count(True) == 2
    assert all(p.author is None for p in shown if p.official)
    [spam] = [p for p in proposals if p.is_hidden]
    assert spam.title.startswith("Buy my used bikes")
    [draft] = [p for p in proposals if not p.is_published]
    assert draft.author.nickname == "maria"
    assert len({p.locale for p in shown}) == 4

    # The counters are those of the services: as the data says, and as the rows say.
    assert {p.title: (p.supports_count, p.endorsements_count) for p in proposals} == {
        demo.title: (demo.supporters, demo.endorsers) for demo in PROPOSALS}
    supports = dict(db.session.execute(
        select(Support.proposal_id, func.count()).group_by(Support.proposal_id)).all())
    endorsements = dict(db.session.execute(
        select(Endorsement.proposal_id, func.count()).group_by(Endorsement.proposal_id)).all())
    assert supports == {p.id: p.supports_count for p in proposals if p.supports_count}
    assert endorsements == {p.id: p.endorsements_count for p in proposals
                            if p.endorsements_count}
    reached = [p for p in proposals if p.threshold_reached_at is not None]
    assert 1 <= len(reached) <= 3
    assert all(p.supports_count >= THRESHOLD for p in reached)
    assert all(p.supports_count < THRESHOLD for p in proposals if p not in reached)
    # Authors follow what they published.
    followed = {(f.user_id, f.resource_id) for f in db.session.scalars(select(Follow))}
    assert all((p.author_id, p.id) in followed for p in shown if p.author_id)

    # Published over the last two weeks, not in the order they were written.
    now = utcnow()
    dates = sorted(p.published_at for p in shown)
    assert now - timedelta(days=14) <= dates[0] and dates[-1] <= now
    assert dates[-1] - dates[0] >= timedelta(days=10) and len(set(dates)) == len(dates)
    recent = [p.id for p in sorted(shown, key=lambda p: p.published_at, reverse=True)]
    assert recent != sorted(recent, reverse=True)
    for p in shown:
        assert p.created_at <= p.published_at
        if p.answer_published_at:
            assert p.published_at < p.answered_at <= p.answer_published_at <= now

    listing = client.get(f"/processes/green-streets/f/{components['proposals'].id}"
                         "/proposals/?order=recent")
    assert listing.status_code == 200
    page = listing.get_data(as_text=True)
    newest = max(shown, key=lambda p: p.published_at)
    assert newest.title.replace("'", "&#39;") in page
    assert spam.title not in page and draft.title.replace("'", "&#39;") not in page


def test_green_streets_has_conversations_debates_and_reports(app, db, runner, demo_mode):
    assert runner.invoke(args=["decide", "demo"]).exit_code == 0
    components = green_streets(db)
    comments = db.session.scalars(select(Comment).order_by(Comment.id)).all()

    assert len(comments) >= 10
    assert {c.alignment for c in comments} == {-1, 0, 1}
    replies = [c for c in comments if c.parent_id is not None]
    assert replies and all(c.depth == c.parent.depth + 1 for c in replies)
    assert all(c.created_at > c.parent.created_at for c in replies)
    assert any(c.up_votes for c in comments) and any(c.down_votes for c in comments)
    votes = db.session.scalars(select(CommentVote)).all()
    for comment in comments:
        mine = [vote for vote in votes if vote.comment_id == comment.id]
        assert [vote.weight for vote in mine].count(1) == comment.up_votes
        assert [vote.weight for vote in mine].count(-1) == comment.down_votes
        assert comment.author_id not in {vote.user_id for vote in mine}
        assert comment.commentable.comments_count >= 1

    debates = db.session.scalars(
        select(Debate).where(Debate.component_id == components["debates"].id)
        .order_by(Debate.id)
    ).all()
    assert [debate.is_closed for debate in debates] == [False, True]
    assert all(debate.official and debate.comments_count for debate in debates)
    closed = debates[1]
    assert set(closed.conclusion) == {"en", "es", "ca", "fr"}
    assert all(c.created_at < closed.closed_at for c in comments
               if c.commentable_id == closed.id)

    reports = db.session.scalars(select(Report)).all()
    assert all(report.dismissed_at is None for report in reports)
    hidden = {report.resource_id for report in reports if report.resource.is_hidden}
    assert {report.resource.kind for report in reports
            if not report.resource.is_hidden} == {"proposal", "comment"}
    [spam] = hidden
    assert [report.resource_id for report in reports].count(spam) == 3  # the threshold


def test_the_demo_accounts_have_something_to_see(app, db, runner, demo_mode, client):
    assert runner.invoke(args=["decide", "demo"]).exit_code == 0
    people = {user.nickname: user for user in db.session.scalars(select(User))}
    maria, nadia = people["maria"], people["nadia"]

    supported = db.session.scalars(select(Support).where(Support.user_id == maria.id)).all()
    assert len(supported) >= 3
    followed = set(db.session.scalars(select(Follow.resource_id)
                                      .where(Follow.user_id == maria.id)))
    assert {support.proposal_id for support in supported} <= followed
    [hers] = db.session.scalars(select(Proposal).where(Proposal.author_id == maria.id,
                                                       Proposal.state == "accepted")).all()
    notifications = db.session.scalars(
        select(Notification).where(Notification.user_id == maria.id)).all()
    told = {(n.event, n.resource_id) for n in notifications}
    assert ("proposal_answered", hers.id) in told
    assert any(event == "comment_reply" for event, _resource in told)
    assert any(event == "support_threshold_reached" for event, _resource in told)
    # Each at the time of its event, over the last two weeks.
    moments = sorted(n.created_at for n in notifications)
    assert utcnow() - timedelta(days=14) < moments[0] and moments[-1] < utcnow()
    for notification in notifications:
        resource = notification.resource
        if notification.event == "proposal_answered":
            assert notification.created_at == resource.answer_published_at
        elif notification.event in ("comment_created", "comment_reply"):
            assert notification.created_at == resource.created_at
    # Maria chose every event by e-mail: her notifications wait in the outbox.
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.user_id == maria.id)) == len(notifications)
    assigned = db.session.scalars(select(Proposal).where(Proposal.valuator_id == nadia.id))
    assert [p.state for p in assigned] == [None, None]  # hers to answer

    sign_in(client, "nadia")
    proposals = green_streets(db)["proposals"]
    link = f"/admin/processes/green-streets/f/{proposals.id}/proposals/"
    assert link in client.get("/admin/").get_data(as_text=True)  # waiting for her
    client.post("/signout")

    sign_in(client, "sofia")
    queue = client.get("/admin/moderation").get_data(as_text=True)
    assert "Aparcamiento subterráneo bajo la plaza Mayor" in queue
    assert "Los árboles ensucian" in queue
    assert "Buy my used bikes" in client.get("/admin/moderation?tab=hidden").get_data(
        as_text=True)
    resident = app.test_client()
    refused = resident.post("/signin", data={"email": f"pau@{RESIDENTS_DOMAIN}",
                                             "password": "!"})
    assert refused.status_code == 400
    assert "The e-mail address or the password is not right." in refused.get_data(as_text=True)


@pytest.mark.parametrize("account", DEMO_ACCOUNTS, ids=lambda account: account.nickname)
def test_demo_passwords_pass_the_apps_own_rules(app, account):
    personal = (account.nickname, account.name, account.email.split("@")[0])

    assert password_problem(account.password, staff=account.is_staff, personal=personal) is None
    if account.is_staff:
        assert len(account.password) >= 15


@pytest.mark.nodb
def test_the_readme_lists_every_demo_account():
    lines = README.read_text("utf-8").splitlines()

    for account in DEMO_ACCOUNTS:
        assert f"{account.email} / {account.password}" in lines


def test_deliver_sends_the_pending_mail(app, db, runner, user):
    queue_email(user, "Waiting", "core/confirm", link="https://decide.test/confirm/abc")
    db.session.commit()

    result = runner.invoke(args=["decide", "deliver"])

    assert result.exit_code == 0, result.output
    assert "sent 1 message(s)" in result.output
    db.session.expire_all()
    assert db.session.scalars(select(OutboxMessage)).one().sent_at is not None
    [path] = Path(app.config["MAIL_DIR"]).glob("*.eml")
    assert "Subject: Waiting" in path.read_text()

    again = runner.invoke(args=["decide", "deliver"])
    assert again.exit_code == 0
    assert "sent" not in again.output
