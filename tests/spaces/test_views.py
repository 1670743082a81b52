"""What residents see of the processes: the home page, /processes, a process and the
addresses of its components (DESIGN.md §2)."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import delete

from decide.components.pages.models import Page
from decide.core.models import Organization
from decide.core.models import utcnow
from decide.spaces.models import Category
from decide.spaces.models import Component
from decide.spaces.models import Phase
from decide.spaces.models import Process
from decide.spaces.models import ProcessRole
from decide.spaces.models import Scope
from decide.spaces.services import create_process
from decide.spaces.services import today_here
from tests.conftest import STAFF_PASSWORD

LOCALES = ("en", "es", "ca", "fr")


@pytest.fixture
def organization(db):
    organization = Organization.current(LOCALES)
    organization.name = "Vilanova City Council"
    organization.time_zone = "Europe/Madrid"
    db.session.add(organization)
    db.session.commit()
    return organization


@pytest.fixture
def today(organization):
    return today_here()


@pytest.fixture
def make_scope(create_scope):
    def make(name: str, code: str, **names) -> Scope:
        return create_scope(name={"en": name, **names}, code=code)

    return make


def _text(value) -> dict:
    return {"en": value} if isinstance(value, str) else value


@pytest.fixture
def make_process(create_process, create_phase, create_category, today):
    """A process around today (`starts` and `ends` in days from today), with its phases as
    (title, starts, ends, active) and its categories by name."""

    def make(title="", *, starts: int = -10, ends: int = 30, published: bool = True,
             phases=(), categories=(), **overrides) -> Process:
        values = {"start_date": today + timedelta(days=starts),
                  "end_date": today + timedelta(days=ends)}
        if title:
            values["title"] = _text(title)
        values.update(overrides)
        process = create_process(published=published, **values)
        for phase_title, phase_starts, phase_ends, active in phases:
            create_phase(process, title=_text(phase_title), active=active,
                         start_date=today + timedelta(days=phase_starts),
                         end_date=today + timedelta(days=phase_ends))
        for name in categories:
            create_category(process, name=_text(name))
        return process

    return make


@pytest.fixture
def staff_member(create_user):
    """A user with a staff password, to be given a role in a process."""
    return create_user(password=STAFF_PASSWORD, nickname="jordi", email="jordi@example.org")


@pytest.fixture
def make_component(db, create_component):
    """A component (pages unless told) and, given a body, its page."""

    def make(process: Process, name: str = "How this process works", *, kind: str = "pages",
             published: bool = True, body: dict | None = None) -> Component:
        component = create_component(process, manifest_name=kind, published=published,
                                     name={"en": name})
        if body is not None:
            db.session.add(Page(component_id=component.id, body=body))
            db.session.commit()
        return component

    return make


def page_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def titles_in(html: str) -> list[str]:
    """The titles of the process cards, in the order the page shows them."""
    return re.findall(r'class="card__title"><a href="[^"]+">([^<]+)</a>', html)


def card_of(html: str, title: str) -> str:
    cards = re.findall(r"<article class=\"card process-card.*?</article>", html, re.S)
    [card] = [card for card in cards if f">{title}</a>" in card]
    return card


# --- home -------------------------------------------------------------------------------

def test_home_shows_open_processes_first_then_upcoming_then_past_promoted_first(
        client, make_process):
    make_process("Old Market", starts=-400, ends=-30)
    make_process("Harbour Plan", starts=-300, ends=-1, promoted=True)
    make_process("Riverside Park", starts=20, ends=120)
    make_process("Library Hours", starts=5, ends=60)
    make_process("School Paths", starts=40, ends=90, promoted=True)
    make_process("Green Streets", starts=-20, ends=100,
                 phases=[("Proposals", -20, 12, True)])
    make_process("District Budgets", starts=-60, ends=40, promoted=True,
                 phases=[("Voting", -5, 30, True)])
    make_process("Night Buses", starts=-10, ends=10, phases=[("Supports", -10, 0, True)])
    make_process("Secret Draft", starts=-5, ends=5, published=False)

    html = page_of(client.get("/"))

    assert "<h1>Vilanova City Council</h1>" in html
    assert titles_in(html) == [
        # open now: promoted first, then what closes soonest
        "District Budgets", "Night Buses", "Green Streets",
        # coming soon: promoted first, then by start
        "School Paths", "Library Hours", "Riverside Park",
        # finished: promoted first, then the latest ended
        "Harbour Plan", "Old Market",
    ]
    assert html.index(">Open now</h2>") < html.index(">Coming soon</h2>") < html.index(
        ">Finished</h2>")
    green = card_of(html, "Green Streets")
    assert "Proposals" in green and "12 days left" in green
    assert "ends today" in card_of(html, "Night Buses")
    assert "in 5 days" in card_of(html, "Library Hours")
    assert "Secret Draft" not in html


def test_home_shows_the_latest_past_processes_and_links_to_all(client, make_process):
    for number in range(5):
        make_process(f"Past {number}", starts=-300, ends=-10 - number)

    html = page_of(client.get("/"))

    assert titles_in(html) == ["Past 0", "Past 1", "Past 2"]
    assert 'href="/processes?status=past"' in html


def test_home_without_processes_says_so(client, organization):
    html = page_of(client.get("/"))

    assert "No participatory process is published yet." in html
    assert 'href="/processes"' in html


def test_home_shows_the_phase_in_the_readers_language(client, make_process):
    make_process({"en": "Green Streets", "es": "Calles Verdes"},
                 phases=[({"en": "Proposals", "es": "Propuestas"}, -3, 4, True)])

    html = page_of(client.get("/", headers={"Accept-Language": "es"}))

    assert "Calles Verdes" in html
    assert "Propuestas" in html
    assert "Green Streets" not in html


# --- /processes ------------------------------------------------------------------------

@pytest.fixture
def city(make_process, make_scope):
    centre = make_scope("Centre", "centre", es="Centro")
    north = make_scope("North", "north", es="Norte")
    make_process("Green Streets", scope=centre,
                 categories=[{"en": "Mobility", "es": "Movilidad"}, "Trees"])
    make_process("District Budgets", scope=north, categories=[{"en": "Mobility",
                                                               "es": "Movilidad"}])
    make_process("Riverside Park", starts=10, ends=50, scope=north, categories=["Parks"])
    make_process("Budget of last year", starts=-400, ends=-5, categories=["Culture"])
    make_process("Hidden Plan", published=False, scope=centre, categories=["Secrets"])
    return {"centre": centre, "north": north}


def test_the_list_shows_every_published_process(client, city):
    html = page_of(client.get("/processes"))

    assert sorted(titles_in(html)) == ["Budget of last year", "District Budgets",
                                       "Green Streets", "Riverside Park"]
    assert "4 processes" in html
    assert "Hidden Plan" not in html and "Secrets" not in html


@pytest.mark.parametrize("status, titles", [
    ("active", ["District Budgets", "Green Streets"]),
    ("upcoming", ["Riverside Park"]),
    ("past", ["Budget of last year"]),
])
def test_the_list_filters_by_status(client, city, status, titles):
    html = page_of(client.get(f"/processes?status={status}"))

    assert sorted(titles_in(html)) == titles
    assert f'<option value="{status}" selected>' in html


def test_the_list_filters_by_scope(client, city):
    north = city["north"]

    html = page_of(client.get(f"/processes?scope={north.id}"))

    assert sorted(titles_in(html)) == ["District Budgets", "Riverside Park"]
    assert f'<option value="{north.id}" selected>North</option>' in html


def test_the_list_combines_the_filters(client, city):
    html = page_of(client.get(f"/processes?status=active&scope={city['north'].id}"
                              "&category=Mobility"))

    assert titles_in(html) == ["District Budgets"]
    assert "Clear the filters" in html


def test_the_category_filter_lists_the_names_in_the_readers_language(client, city):
    html = page_of(client.get("/processes", headers={"Accept-Language": "es"}))

    options = re.search(r'<select id="filter-category" name="category">(.*?)</select>', html,
                        re.S).group(1)
    # Each name once, even when two processes have it; only published processes count.
    assert re.findall(r"<option>([^<]+)</option>", options) == [
        "Culture", "Movilidad", "Parks", "Trees"]

    html = page_of(client.get("/processes?category=Movilidad",
                              headers={"Accept-Language": "es"}))

    assert sorted(titles_in(html)) == ["District Budgets", "Green Streets"]
    assert "<option selected>Movilidad</option>" in html


def test_the_category_filter_offers_every_category_whatever_the_other_filters(client, city):
    html = page_of(client.get("/processes?status=upcoming"))

    assert "<option>Mobility</option>" in html
    assert "<option>Culture</option>" in html


@pytest.mark.parametrize("query", [
    "status=someday",
    "status=",
    "scope=north",
    "scope=1%20OR%201=1",
    "scope=-1",
    "scope=99999999999999999999999999",
    "category=%27%3B%20DROP%20TABLE%20processes%3B--",
    "category=%25",
    "category=" + "x" * 5000,
    "status=active&status=past&scope=&category=",
])
def test_bad_filter_values_never_fail(client, city, query):
    response = client.get(f"/processes?{query}")

    assert response.status_code == 200
    main = response.get_data(as_text=True).split("<main", 1)[1]
    assert "x" * 300 not in main  # an overlong value is not echoed back


def test_a_nul_character_in_a_filter_is_refused_by_core_not_a_500(client, city):
    assert client.get("/processes?category=%00").status_code == 400


def test_an_unknown_status_or_a_scope_that_is_not_a_number_is_ignored(client, city):
    html = page_of(client.get("/processes?status=someday&scope=north"))

    assert len(titles_in(html)) == 4


def test_an_unknown_category_finds_nothing_and_says_so(client, city):
    html = page_of(client.get("/processes?category=" + "x" * 5000))

    assert titles_in(html) == []
    assert "No process matches these filters." in html
    assert "0 processes" in html


def test_the_filters_are_a_plain_get_form(client, city):
    html = page_of(client.get("/processes"))

    form = re.search(r'<form method="get" action="/processes"[^>]*>(.*?)</form>', html, re.S)
    assert form, "a GET form, so filtering works without JavaScript"
    assert "<script" not in html
    for name in ("status", "scope", "category"):
        assert f'name="{name}"' in form.group(1)


# --- a process --------------------------------------------------------------------------

def test_a_process_page_shows_everything_a_resident_needs(client, db, admin, make_scope,
                                                        today, make_component):
    scope = make_scope("Centre", "centre", es="Centro")
    process = create_process(
        admin, slug="green-streets",
        title={"en": "Green Streets", "es": "Calles Verdes"},
        subtitle={"en": "Trees and benches", "es": "Árboles y bancos"},
        description={"en": "<p>Plant <strong>trees</strong>.</p><script>alert(1)</script>",
                     "es": '<p onclick="steal()">Planta <strong>árboles</strong>.</p>'},
        start_date=today - timedelta(days=20), end_date=today + timedelta(days=100),
        scope_id=scope.id,
    )
    process.published_at = utcnow()
    for position, (title, starts, ends, active) in enumerate([
            ({"en": "Information", "es": "Información"}, -20, -11, False),
            ({"en": "Proposals", "es": "Propuestas"}, -10, 12, True),
            ({"en": "Supports", "es": "Apoyos"}, 13, 40, False)]):
        process.phases.append(Phase(title=title, start_date=today + timedelta(days=starts),
                                    end_date=today + timedelta(days=ends), position=position,
                                    active=active))
    db.session.commit()
    make_component(process, "How this process works",
                   body={"en": "<p>Read this first, it explains everything.</p>"})
    make_component(process, "Rules", body={"en": "<p>Be kind.</p>"})
    make_component(process, "Draft", published=False)

    html = page_of(client.get("/processes/green-streets", headers={"Accept-Language": "es"}))

    assert "<h1>Calles Verdes</h1>" in html
    assert "Árboles y bancos" in html
    assert "Planta <strong>árboles</strong>." in html
    assert "onclick" not in html and "steal()" not in html
    assert "Centro" in html
    # The timeline: every phase with its dates, the active one marked for assistive tech.
    steps = re.findall(r"<li class=\"timeline__item[^\"]*\"[^>]*>.*?</li>", html, re.S)
    assert len(steps) == 3
    assert [('aria-current="step"' in step) for step in steps] == [False, True, False]
    assert "Propuestas" in steps[1] and "timeline__item--active" in steps[1]
    assert "timeline__item--done" in steps[0] and "timeline__item--next" in steps[2]
    assert html.count('aria-current="step"') == 1
    # The published components in their order, each with its summary; not the draft.
    assert html.index("How this process works") < html.index(">Rules</a>")
    assert "Read this first, it explains everything." in html
    assert "Be kind." in html
    assert "Draft" not in html
    assert "Preview" not in html

    english = page_of(client.get("/processes/green-streets"))
    assert "Plant <strong>trees</strong>." in english
    assert "<script" not in english and "alert(1)" not in english.split("</header>")[1]


def test_a_process_page_shows_the_dates_of_each_phase(client, make_process, today):
    process = make_process("Green Streets", phases=[("Proposals", 0, 6, True)])

    html = page_of(client.get(f"/processes/{process.slug}"))

    from flask_babel import format_date
    assert format_date(today, "medium") in html
    assert format_date(today + timedelta(days=6), "medium") in html
    assert "6 days left" in html


def test_the_title_falls_back_to_the_default_language(client, make_process):
    process = make_process({"en": "Green Streets"})

    html = page_of(client.get(f"/processes/{process.slug}", headers={"Accept-Language": "fr"}))

    assert "<h1>Green Streets</h1>" in html
    assert '<html lang="fr">' in html


def test_an_unknown_process_is_404(client, organization):
    assert client.get("/processes/no-such-process").status_code == 404


def test_a_component_of_a_kind_no_longer_installed_is_left_out(client, make_process,
                                                               make_component):
    process = make_process("Green Streets")
    make_component(process, "Old meetings", kind="meetings")
    make_component(process, "Rules", body={"en": "<p>Be kind.</p>"})

    html = page_of(client.get(f"/processes/{process.slug}"))

    assert "Rules" in html
    assert "Old meetings" not in html


# --- unpublished: residents see nothing, the staff of the process a preview ----------------

@pytest.fixture
def draft(make_process, make_component):
    process = make_process("Secret Plan", slug="secret-plan", published=False,
                           phases=[("Information", -1, 5, True)])
    make_component(process, "How it will work", body={"en": "<p>Soon.</p>"})
    return process


@pytest.mark.parametrize("who", ["anonymous", "resident", "staff of another process"])
def test_an_unpublished_process_is_404_for_residents(client, draft, who, user, staff_member,
                                                     login, make_process, grant):
    if who == "resident":
        login(user)
    elif who == "staff of another process":
        grant(staff_member, make_process("Other"), "process_admin")
        login(staff_member)

    assert client.get("/processes/secret-plan").status_code == 404
    component = draft.components[0]
    assert client.get(f"/processes/secret-plan/f/{component.id}/").status_code == 404
    assert client.get(f"/processes/secret-plan/f/{component.id}/pages/").status_code == 404
    assert "Secret Plan" not in page_of(client.get("/processes"))


@pytest.mark.parametrize("role", ["admin", "process_admin", "collaborator", "moderator",
                                  "valuator"])
def test_the_staff_of_the_process_preview_it_with_a_banner(client, draft, role, staff_member,
                                                           admin, login, grant):
    if role == "admin":
        login(admin)
    else:
        grant(staff_member, draft, role)
        login(staff_member)

    html = page_of(client.get("/processes/secret-plan"))

    assert "<h1>Secret Plan</h1>" in html
    assert 'class="preview-banner"' in html
    assert "only the staff of the process can see it" in html
    component = draft.components[0]
    page = page_of(client.get(f"/processes/secret-plan/f/{component.id}/pages/"))
    assert "Soon." in page and 'class="preview-banner"' in page


def test_an_unpublished_component_is_404_for_residents_and_a_preview_for_staff(
        client, make_process, make_component, user, admin, login):
    process = make_process("Green Streets")
    component = make_component(process, "Draft page", published=False,
                               body={"en": "<p>Not yet.</p>"})
    base = f"/processes/{process.slug}/f/{component.id}"

    assert client.get(f"{base}/").status_code == 404
    assert client.get(f"{base}/pages/").status_code == 404
    login(user)
    assert client.get(f"{base}/pages/").status_code == 404
    assert "Draft page" not in page_of(client.get(f"/processes/{process.slug}"))

    client.post("/signout")
    login(admin)
    html = page_of(client.get(f"/processes/{process.slug}"))
    assert "Draft page" in html and 'badge--preview' in html
    page = page_of(client.get(f"{base}/pages/"))
    assert "Not yet." in page and 'class="preview-banner"' in page


# --- component addresses (DESIGN.md §2) -------------------------------------------------------

def test_the_bare_component_address_redirects_to_the_kind_index(client, make_process,
                                                                make_component):
    process = make_process("Green Streets")
    component = make_component(process)

    response = client.get(f"/processes/{process.slug}/f/{component.id}/")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/processes/{process.slug}/f/{component.id}/pages/"


def test_a_component_under_another_process_is_404(client, make_process, make_component):
    mine = make_process("Green Streets")
    other = make_process("District Budgets")
    component = make_component(other, body={"en": "<p>Budgets.</p>"})

    assert client.get(f"/processes/{other.slug}/f/{component.id}/pages/").status_code == 200
    assert client.get(f"/processes/{mine.slug}/f/{component.id}/").status_code == 404
    assert client.get(f"/processes/{mine.slug}/f/{component.id}/pages/").status_code == 404


def test_a_component_of_another_kind_is_404_under_pages(client, make_process, make_component):
    process = make_process("Green Streets")
    debates = make_component(process, "Meetings", kind="meetings")

    assert client.get(f"/processes/{process.slug}/f/{debates.id}/pages/").status_code == 404
    assert client.get(f"/processes/{process.slug}/f/{debates.id}/").status_code == 404


def test_an_unknown_component_is_404(client, make_process):
    process = make_process("Green Streets")

    assert client.get(f"/processes/{process.slug}/f/999999/").status_code == 404
    assert client.get(f"/processes/{process.slug}/f/999999/pages/").status_code == 404
    assert client.get(f"/processes/{process.slug}/f/abc/pages/").status_code == 404
    huge = "9" * 26  # past what the database's integer columns hold
    assert client.get(f"/processes/{process.slug}/f/{huge}/").status_code == 404
    assert client.get(f"/processes/{process.slug}/f/{huge}/pages/").status_code == 404


# --- a constant number of queries ------------------------------------------------------------

def build_city(db, size: int, today, user) -> Process:
    """`size` processes, each with `size` phases and categories; the first also holds `size`
    components with their pages, and `user` has a role in it. Written in one transaction."""
    scopes = [Scope(name={"en": f"District {n}"}, code=f"d{size}-{n}") for n in range(3)]
    processes = []
    for number in range(size):
        starts, ends = ((-30, 30), (10, 60), (-400, -5))[number % 3]
        process = Process(
            slug=f"process-{size}-{number}", title={"en": f"Process {number}"},
            start_date=today + timedelta(days=starts), end_date=today + timedelta(days=ends),
            promoted=number % 4 == 0, scope=scopes[number % 3], published_at=utcnow(),
            phases=[Phase(title={"en": f"Phase {n}"}, position=n, active=n == 0,
                          start_date=today + timedelta(days=starts),
                          end_date=today + timedelta(days=ends)) for n in range(size)],
            categories=[Category(name={"en": f"Category {number}-{n}"}, position=n)
                        for n in range(size)],
        )
        processes.append(process)
    first = processes[0]
    first.components = [
        Component(manifest_name="pages", name={"en": f"Page {n}"}, weight=n, settings={},
                  phase_settings={}, published_at=utcnow() if n % 5 != 4 else None)
        for n in range(size)
    ]
    db.session.add_all(processes)
    db.session.add(ProcessRole(process=first, user=user, role="collaborator"))
    db.session.flush()
    db.session.add_all(Page(component_id=c.id, body={"en": f"<p>Text {c.id}</p>"})
                       for c in first.components)
    db.session.commit()
    return first


@pytest.mark.parametrize("who", ["anonymous", "role holder"])
def test_the_public_pages_run_the_same_number_of_queries_for_3_and_30(
        db, client, user, login, who, count_queries, today):
    if who == "role holder":
        login(user)

    def queries(size: int) -> dict[str, int]:
        first = build_city(db, size, today, user)
        counts = {}
        for path in ("/", "/processes", "/processes?status=active&category=Category+0-1",
                     f"/processes/{first.slug}"):
            db.session.expire_all()
            with count_queries() as counter:
                response = client.get(path)
            assert response.status_code == 200, path
            counts[path.replace(first.slug, "<slug>")] = counter.count
        for model in (ProcessRole, Page, Component, Category, Phase, Process, Scope):
            db.session.execute(delete(model))
        db.session.commit()
        db.session.expunge_all()
        return counts

    small = queries(3)
    large = queries(30)

    assert large == small
