"""/admin/logs: every recorded action as a sentence, filtered, paginated, and only what the
reader administers."""

import re
from datetime import datetime
from datetime import timedelta
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func
from sqlalchemy import select

from decide.admin import views
from decide.core.models import ActionLog
from decide.core.models import Organization
from decide.spaces import services
from decide.spaces.models import Role
from tests.conftest import STAFF_PASSWORD


def page_text(response) -> str:
    """The visible text of the page, one space between words."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace(" .", ".").strip()


def sentences(response) -> list[str]:
    """The log entries of the page, newest first, as their visible text."""
    html = response.get_data(as_text=True)
    items = re.findall(r'<li class="log__entry">(.*?)</li>', html, flags=re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", item)).strip() for item in items]


def entry(db, *, user=None, process_id=None, action="update", resource_type="process",
          label="Green Streets", when=None, resource_id=1) -> ActionLog:
    row = ActionLog(user_id=user.id if user else None, process_id=process_id, action=action,
                    resource_type=resource_type, resource_id=resource_id,
                    resource_label={"en": label}, details={},
                    created_at=when or datetime(2025, 3, 20, 12, 0))
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def process_admin(create_user):
    return create_user(nickname="pat", name="Pat Admin", email="pat@example.org",
                       password=STAFF_PASSWORD)


# --- sentences ------------------------------------------------------------------------------

def test_each_entry_reads_as_a_sentence_with_who_and_when(client, db, admin, login,
                                                           create_process, create_user):
    admin.name = "Marta Vidal"
    process = create_process(title={"en": "Green Streets"}, published=False)
    create_user(nickname="anna", name="Anna Puig")
    services.publish_process(admin, process)
    phase = services.create_phase(admin, process, title={"en": "Ideas"}, description={},
                                  start_date=process.start_date, end_date=process.end_date)
    services.activate_phase(None, phase)
    services.grant_role(admin, process, identifier="anna", role=Role.MODERATOR)
    services.create_scope(admin, name={"en": "North"}, code="N")
    db.session.commit()
    login(admin)

    response = client.get("/admin/logs")

    assert response.status_code == 200
    lines = sentences(response)
    assert len(lines) == 5
    assert lines[0].startswith("Marta Vidal created the scope North — ")
    assert lines[1].startswith("Marta Vidal made Anna Puig moderator — ")
    assert lines[1].endswith("In the process Green Streets")
    assert lines[2].startswith("The system activated the phase Ideas — ")
    assert lines[3].startswith("Marta Vidal added the phase Ideas — ")
    assert lines[4].startswith("Marta Vidal published the process Green Streets — ")
    assert "In the process" not in lines[4]  # the process is already named
    html = response.get_data(as_text=True)
    assert '<a href="/profiles/council">Marta Vidal</a> published the process' in html
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ">', html)


def test_the_time_is_shown_in_the_organizations_zone(client, db, admin, login):
    db.session.add(Organization(name="Pune", time_zone="Asia/Kolkata", default_locale="en",
                                available_locales=["en"]))
    entry(db, user=admin, action="publish", when=datetime(2025, 3, 20, 18, 45))
    login(admin)

    line = sentences(client.get("/admin/logs"))[0]

    assert line == ("Resident 1 published the process Green Streets — "
                    "Mar 21, 2025, 12:15 AM")


def test_an_unknown_combination_reads_as_a_generic_sentence(client, db, admin, login):
    entry(db, user=admin, action="polish", resource_type="widget", label="Shiny")
    entry(db, user=admin, action="delete", resource_type="widget", label="Old", resource_id=7)
    login(admin)

    lines = sentences(client.get("/admin/logs"))

    assert [line.split(" — ")[0] for line in lines] == [
        "Resident 1: Deleted (widget Old)",  # a known action of an unknown kind
        "Resident 1: polish (widget Shiny)",
    ]


def test_later_modules_add_their_own_sentences(app, client, db, admin, login, monkeypatch):
    vocabulary = {key: dict(value)
                  for key, value in app.extensions["decide.log_vocabulary"].items()}
    monkeypatch.setitem(app.extensions, "decide.log_vocabulary", vocabulary)
    views.register_log_sentences(app, {("hide", "comment"): "%(who)s hid the comment %(what)s"},
                                 actions={"hide": "Hidden"}, resource_types={"comment": "Comment"})
    entry(db, user=admin, action="hide", resource_type="comment", label="Spam")
    login(admin)

    response = client.get("/admin/logs")

    assert sentences(response)[0].startswith("Resident 1 hid the comment Spam — ")
    assert '<option value="hide">Hidden</option>' in response.get_data(as_text=True)


def test_names_are_escaped_in_sentences(client, db, create_user, admin, login):
    villain = create_user(name="<script>alert(1)</script>", nickname="villain")
    entry(db, user=villain, label="<img src=x onerror=alert(1)>")
    login(admin)

    html = client.get("/admin/logs").get_data(as_text=True)

    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<strong>&lt;img src=x onerror=alert(1)&gt;</strong>" in html


def test_deleted_participants_and_the_system_are_named_without_a_link(client, db, admin,
                                                                      login, create_user):
    gone = create_user(nickname="gone", deleted_at=datetime(2025, 1, 1))
    entry(db, user=gone, when=datetime(2025, 3, 20, 12, 0))
    entry(db, user=None, action="activate", resource_type="phase", label="Vote",
          when=datetime(2025, 3, 21, 12, 0))
    login(admin)

    response = client.get("/admin/logs")

    assert [line.split(" — ")[0] for line in sentences(response)] == [
        "The system activated the phase Vote",
        "A deleted participant edited the process Green Streets",
    ]
    assert "/profiles/gone" not in response.get_data(as_text=True)


# --- who sees what --------------------------------------------------------------------------

def test_process_admins_see_only_the_entries_of_their_processes(
    client, db, admin, login, process_admin, create_process, grant
):
    mine = create_process(title={"en": "Mine"})
    other = create_process(title={"en": "Other"})
    grant(process_admin, mine, Role.PROCESS_ADMIN)
    entry(db, user=admin, process_id=mine.id, label="Mine")
    entry(db, user=admin, process_id=other.id, label="Other")
    entry(db, user=admin, resource_type="scope", label="North")  # organization-wide
    login(process_admin)

    response = client.get("/admin/logs")

    assert response.status_code == 200
    assert [line.split(" — ")[0] for line in sentences(response)] == [
        "Resident 1 edited the process Mine"
    ]
    html = response.get_data(as_text=True)
    assert f'<option value="{mine.id}">Mine</option>' in html
    assert "Other" not in page_text(response)
    # Asking for the other process by its number shows nothing of it.
    assert sentences(client.get(f"/admin/logs?process_id={other.id}")) == []


def test_admins_see_every_entry(client, db, admin, login, create_process):
    first, second = create_process(), create_process()
    entry(db, user=admin, process_id=first.id, label="First")
    entry(db, user=admin, process_id=second.id, label="Second")
    entry(db, user=admin, resource_type="scope", label="North")
    login(admin)

    assert len(sentences(client.get("/admin/logs"))) == 3


@pytest.mark.parametrize("role", [Role.COLLABORATOR, Role.MODERATOR, Role.VALUATOR])
def test_other_staff_reach_the_log_but_see_no_entry(client, db, admin, login, create_user,
                                                    create_process, grant, role):
    process = create_process()
    holder = create_user(password=STAFF_PASSWORD)
    grant(holder, process, role)
    entry(db, user=admin, process_id=process.id)
    login(holder)

    response = client.get("/admin/logs")

    assert response.status_code == 200
    assert sentences(response) == []
    assert "0 entries" in page_text(response)


@pytest.mark.parametrize("role, shown", [
    (Role.PROCESS_ADMIN, True), (Role.MODERATOR, False), (Role.VALUATOR, False),
    (Role.COLLABORATOR, False),
])
def test_the_log_and_the_processes_are_in_the_navigation_of_process_admins_only(
        client, db, process_admin, login, create_process, grant, role, shown):
    """Other staff would find both empty ("You administer no process")."""
    grant(process_admin, create_process(), role)
    login(process_admin)

    html = client.get("/admin/").get_data(as_text=True)

    assert ('<a href="/admin/logs">Action log</a>' in html) is shown
    assert ('<a href="/admin/processes">Processes</a>' in html) is shown


# --- filters --------------------------------------------------------------------------------

@pytest.fixture
def mixed_log(db, admin, create_user, create_process):
    """Entries by two people, of two processes, with different actions and kinds."""
    other = create_user(nickname="bruno", name="Bruno")
    first, second = create_process(title={"en": "First"}), create_process(title={"en": "Second"})
    entry(db, user=admin, process_id=first.id, action="publish", label="First")
    entry(db, user=other, process_id=second.id, action="update", label="Second")
    entry(db, user=other, process_id=first.id, action="create", resource_type="phase",
          label="Ideas")
    entry(db, user=admin, action="create", resource_type="scope", label="North")
    return first, second


def labels(response) -> list[str]:
    return sorted(re.findall(r"<strong>(.*?)</strong>", response.get_data(as_text=True)))


@pytest.mark.parametrize("query, expected", [
    ("user=bruno", ["Ideas", "Second"]),
    ("user=%40Bruno", ["Ideas", "Second"]),
    ("user=council", ["First", "North"]),
    ("user=nobody", []),
    ("action=create", ["Ideas", "North"]),
    ("resource_type=scope", ["North"]),
    ("action=create&resource_type=phase", ["Ideas"]),
    ("user=bruno&action=update", ["Second"]),
    ("", ["First", "Ideas", "North", "Second"]),
])
def test_filters(client, admin, login, mixed_log, query, expected):
    login(admin)

    response = client.get(f"/admin/logs?{query}")

    assert response.status_code == 200
    assert labels(response) == expected


def test_filter_by_process(client, admin, login, mixed_log):
    first, second = mixed_log
    login(admin)

    assert labels(client.get(f"/admin/logs?process_id={first.id}")) == ["First", "Ideas"]
    assert labels(client.get(f"/admin/logs?process_id={second.id}")) == ["Second"]


def test_dates_are_calendar_days_in_the_organizations_zone(client, db, admin, login):
    db.session.add(Organization(name="Pune", time_zone="Asia/Kolkata", default_locale="en",
                                available_locales=["en"]))
    entry(db, user=admin, label="Late on the 20th", when=datetime(2025, 3, 20, 18, 29))
    entry(db, user=admin, label="Early on the 21st", when=datetime(2025, 3, 20, 18, 31))
    entry(db, user=admin, label="On the 22nd", when=datetime(2025, 3, 22, 6, 0))
    login(admin)

    def found(query):
        return labels(client.get(f"/admin/logs?{query}"))

    assert found("date_from=2025-03-20&date_to=2025-03-20") == ["Late on the 20th"]
    assert found("date_from=2025-03-21&date_to=2025-03-21") == ["Early on the 21st"]
    assert found("date_from=2025-03-21") == ["Early on the 21st", "On the 22nd"]
    assert found("date_to=2025-03-21") == ["Early on the 21st", "Late on the 20th"]
    assert found("date_from=2025-03-23") == []


def test_a_bad_date_is_marked_and_ignored(client, db, admin, login):
    entry(db, user=admin, label="Kept")
    login(admin)

    response = client.get("/admin/logs?date_from=2025-02-30&action=update")

    assert response.status_code == 200
    assert labels(response) == ["Kept"]
    assert "Enter a date like 2025-03-31." in page_text(response)


@pytest.mark.parametrize("query", [
    "user=%27%20OR%201%3D1%20--",
    "user=%25",
    "user=_",
    "user=" + "x" * 5000,
    "action=x%27%3B%20DROP%20TABLE%20action_logs%3B%20--",
    "action=%25",
    "resource_type=%27)%20OR%20(%271%27%3D%271",
    "process_id=1%20OR%201%3D1",
    "process_id=-1",
    "process_id=%C2%B2",
    "process_id=99999999999999999999999999",
    "process_id=1.5",
    "date_from=0001-01-01",
    "date_to=9999-12-31",
    "date_from=9999-12-31&date_to=0001-01-01",
    "date_from=2025-13-45",
    "date_from=%27%3B--",
    "date_to=2025-03-20T10:00",
    "page=-1",
    "page=0",
    "page=abc",
    "page=1e9",
    "page=99999999999999999999999999999",
    "page=%C2%B2",
    "page=",
    "user=%E2%80%AE&action=",
    "user=a%09b",
    "user=%01",
])
def test_bad_filter_values_never_fail(client, db, admin, login, query):
    # East of UTC, the first day of the calendar starts before the year 1 in UTC.
    db.session.add(Organization(name="Pune", time_zone="Asia/Kolkata", default_locale="en",
                                available_locales=["en"]))
    entry(db, user=admin, label="Still here")
    login(admin)

    response = client.get(f"/admin/logs?{query}")

    assert response.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(ActionLog)) == 1


def test_sql_in_a_filter_is_only_a_value(client, db, admin, login):
    entry(db, user=admin, label="Secret")
    login(admin)

    for query in ("user=%27%20OR%201%3D1%20--", "action=%27%20OR%20%271%27%3D%271",
                  "resource_type=%25", "process_id=1%20OR%201%3D1"):
        assert labels(client.get(f"/admin/logs?{query}")) == [], query


# --- pagination -----------------------------------------------------------------------------

@pytest.fixture
def many_entries(db, admin):
    start = datetime(2025, 3, 1, 12, 0)
    db.session.add_all(
        ActionLog(user_id=admin.id, action="update", resource_type="process", resource_id=n,
                  resource_label={"en": f"Process {n:03d}"}, details={},
                  created_at=start + timedelta(minutes=n))
        for n in range(1, 121)
    )
    db.session.commit()


def test_fifty_entries_a_page_newest_first(client, admin, login, many_entries):
    login(admin)

    first = client.get("/admin/logs")
    third = client.get("/admin/logs?page=3")

    first_lines = sentences(first)
    assert len(first_lines) == 50
    assert "Process 120" in first_lines[0] and "Process 071" in first_lines[-1]
    assert "120 entries" in page_text(first)
    assert "Page 1 of 3" in page_text(first)
    assert [("Process 020" in line, "Process 001" in line)
            for line in (sentences(third)[0], sentences(third)[-1])] == [(True, False),
                                                                         (False, True)]
    assert "Page 3 of 3" in page_text(third)


@pytest.mark.parametrize("page, shown", [
    ("0", 1), ("-4", 1), ("abc", 1), ("2", 2), ("4", 3), ("99999999999999999999", 3),
])
def test_a_page_out_of_range_shows_the_nearest_one(client, admin, login, many_entries, page,
                                                   shown):
    login(admin)

    response = client.get(f"/admin/logs?page={page}")

    assert response.status_code == 200
    assert f"Page {shown} of 3" in page_text(response)


def test_page_links_keep_the_filters_and_nothing_else(client, admin, login, many_entries):
    login(admin)

    html = client.get("/admin/logs?action=update&page=2&_external=1&_scheme=javascript"
                      "&user=&date_from=nonsense").get_data(as_text=True)

    links = re.findall(r'<a href="([^"]+)" rel="(prev|next)">', html)
    assert len(links) == 2
    for href, _rel in links:
        href = href.replace("&amp;", "&")
        assert href.startswith("/admin/logs?")
        query = parse_qs(urlsplit(href).query)
        assert query.keys() == {"action", "page"}
        assert query["action"] == ["update"]


def test_the_log_runs_a_constant_number_of_queries(client, db, admin, login, create_user,
                                                   create_process, count_queries,
                                                   monkeypatch):
    login(admin)

    def queries(entries: int, page_size: int) -> int:
        db.session.execute(ActionLog.__table__.delete())
        db.session.commit()
        for n in range(entries):
            person = create_user()
            process = create_process()
            entry(db, user=person, process_id=process.id, resource_type="phase",
                  label=f"Phase {n}")
        monkeypatch.setattr(views, "PAGE_SIZE", page_size)
        with count_queries() as counter:
            response = client.get("/admin/logs")
        assert len(sentences(response)) == min(entries, page_size)
        return counter.count

    few = queries(3, 50)
    many = queries(30, 50)
    small_pages = queries(30, 5)

    assert few == many == small_pages
