"""The city the benchmarks run against: a database of its own, migrated, filled in bulk.

`Database` creates a uniquely named PostgreSQL database through the `postgres` maintenance
database (BENCH_DATABASE_URL overrides its address) and drops it again; when no PostgreSQL
answers it falls back to an SQLite file in the run's temporary directory and says so.

`generate` fills it: every function in STEPS adds one part of the city with a fixed random
seed, inserting rows in bulk, and records in `facts` what the benchmark targets need in
their paths (a nickname, a process slug, a component and a proposal id) and what their
pages must then show (how many proposals a search finds, in which order). A later issue
adds its part with one function and one line in STEPS.
"""

import os
import random
import secrets
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from fractions import Fraction
from itertools import accumulate
from math import floor
from pathlib import Path
from urllib.parse import quote_plus

import psycopg
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.engine import make_url

from decide.comments.models import Comment
from decide.components.accountability.models import PROJECT_LINK
from decide.components.accountability.models import Result
from decide.components.accountability.models import Status
from decide.components.accountability.models import TimelineEntry
from decide.components.budgets.models import Budget
from decide.components.budgets.models import Order
from decide.components.budgets.models import OrderLine
from decide.components.budgets.models import Project
from decide.components.budgets.results import receipt_hash
from decide.components.proposals.models import Proposal
from decide.core.models import Resource
from decide.core.models import ResourceLink
from decide.core.models import User
from decide.core.passwords import hash_password
from decide.demo import load_organization
from decide.extensions import db
from decide.spaces.models import Category
from decide.spaces.models import Component
from decide.spaces.models import Phase
from decide.spaces.models import Process
from decide.spaces.models import Scope
from decide.verification.models import CensusEntry
from decide.verification.models import Verification
from decide.verification.services import identity_hash

ROOT = Path(__file__).resolve().parent.parent
MAINTENANCE_URL = "postgresql://127.0.0.1:5432/postgres"
# One Argon2 hash for every generated account: hashing 20,000 passwords would take minutes
# and measure nothing the pages do.
PASSWORD = "bench-password-nobody-signs-in-with"
EPOCH = datetime(2024, 1, 1)

FIRST_NAMES = (
    "Marta", "Jordi", "Núria", "Pau", "Laia", "Oriol", "Montse", "Arnau", "Carmen", "José",
    "Lucía", "Álvaro", "Inés", "Javier", "Pilar", "Sergio", "Camille", "Léa", "Théo", "Hugo",
    "Chloé", "Amélie", "Noé", "Zoé", "Emma", "Oliver", "Grace", "Samuel", "Fatima", "Youssef",
    "Aisha", "Mei", "Wei", "Priya", "Ravi", "Olga", "Ivan", "Ngozi", "Kwame", "Sofía",
)
SURNAMES = (
    "Vidal", "Puig", "Ferrer", "Soler", "Roca", "Serra", "Font", "García", "Martínez",
    "López", "Sánchez", "Pérez", "Gómez", "Moreau", "Lefèvre", "Dubois", "Lambert", "Girard",
    "Smith", "Jones", "Taylor", "Brown", "Okafor", "Mensah", "El Amrani", "Benali", "Chen",
    "Wang", "Patel", "Sharma", "Ivanova", "Kowalski", "Rossi", "Costa", "Silva", "Müller",
)
LOCALES = ("en", "es", "ca", "fr")


class BenchError(Exception):
    """A failure the benchmark reports in one line instead of a traceback."""


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


class Database:
    """The run's own database. `create` makes it, `drop` removes it (safe to call twice)."""

    def __init__(self, workdir: Path):
        self.maintenance_url = os.environ.get("BENCH_DATABASE_URL", MAINTENANCE_URL)
        self.name = f"decide_bench_{os.getpid()}_{secrets.token_hex(4)}"
        self.backend = "postgresql"
        self.notice = ""
        self.url = ""
        self._sqlite_path = workdir / "bench.sqlite3"
        self._created = False

    def _connect(self):
        url = make_url(self.maintenance_url).set(drivername="postgresql")
        return psycopg.connect(url.render_as_string(hide_password=False), autocommit=True,
                               connect_timeout=5)

    def create(self) -> None:
        try:
            connection = self._connect()
        except psycopg.OperationalError as error:
            self.backend = "sqlite"
            self.name = str(self._sqlite_path)
            self.url = f"sqlite:///{self._sqlite_path}"
            self.notice = (f"PostgreSQL does not answer ({_first_line(error)}): "
                           "falling back to SQLite, whose figures are not comparable.")
            return
        self._created = True  # set first: drop() uses IF EXISTS, a Ctrl-C here leaves nothing
        with connection:
            connection.execute(f'CREATE DATABASE "{self.name}"')
        url = make_url(self.maintenance_url).set(drivername="postgresql+psycopg",
                                                 database=self.name)
        self.url = url.render_as_string(hide_password=False)

    def drop(self) -> None:
        if not self._created:
            return  # SQLite lives in the run's temporary directory, removed with it
        with self._connect() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self._created = False

    def describe(self) -> str:
        if self.backend == "sqlite":
            return f"sqlite {self.name}"
        return f"postgresql {make_url(self.url).render_as_string(hide_password=True)}"


def migrate(database_url: str, env: dict[str, str]) -> None:
    """`flask db upgrade`, exactly as an operator runs it."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT, env={**env, "DATABASE_URL": database_url},
        capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise BenchError(f"flask db upgrade failed:\n{result.stdout}{result.stderr}")


@dataclass(frozen=True)
class Sizes:
    users: int = 20_000
    proposals: int = 10_000
    thread: int = 500  # comments on one proposal
    projects: int = 500  # in the one budget of the budgets component
    ballots: int = 5_000  # checked out already, in bulk
    voters: int = 2_000  # verified, no ballot yet: the votes measurement's
    results: int = 400  # in the accountability component of the budget's process


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if char.isascii() and char.isalnum()).lower()


def add_organization(rng: random.Random, sizes: Sizes, facts: dict) -> None:
    facts["organization"] = load_organization().name


def add_users(rng: random.Random, sizes: Sizes, facts: dict) -> None:
    password_hash = hash_password(PASSWORD)
    rows = []
    for number in range(1, sizes.users + 1):
        first, surname = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
        nickname = f"{_ascii(first)[:8]}_{number}"
        created_at = EPOCH + timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
        confirmed = rng.random() < 0.9
        rows.append({
            "email": f"{nickname}@bench.decide.example",
            "nickname": nickname,
            "name": f"{first} {surname}",
            "password_hash": password_hash,
            "locale": rng.choice(LOCALES),
            "admin": number == 1,
            "confirmed_at": created_at + timedelta(minutes=5) if confirmed else None,
            "accepted_terms_version": 1,
            "accepted_terms_at": created_at,
            "session_token": f"{rng.getrandbits(128):032x}",
            "created_at": created_at,
            "updated_at": created_at,
        })
    for start in range(0, len(rows), 5_000):
        db.session.execute(insert(User), rows[start:start + 5_000])
    confirmed_rows = [row for row in rows if row["confirmed_at"] is not None] or rows
    facts["nickname"] = rng.choice(confirmed_rows)["nickname"]
    facts["users"] = len(rows)


WORDS = (
    "trees", "street", "bike", "lane", "park", "bench", "school", "library", "crossing",
    "market", "square", "fountain", "garden", "playground", "lights", "bus", "stop", "shade",
    "river", "path", "neighbourhood", "safer", "greener", "quieter", "wider", "new", "more",
)
# What the search target looks for: two words side by side, in a few percent of the
# proposals (any one word alone is in most of them).
SEARCH = "bike lane"


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize()


def _next_id(model) -> int:
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def _resources(rows: list[dict], kind_rows: list[dict], model) -> None:
    """Joined-table inheritance in bulk: the base rows, then the kind's rows, same ids."""
    for start in range(0, len(rows), 5_000):
        db.session.execute(insert(Resource), rows[start:start + 5_000])
        db.session.execute(insert(model.__table__), kind_rows[start:start + 5_000])


def _move_sequence(table: str) -> None:
    """Rows inserted with explicit ids: on PostgreSQL, move the table's id sequence past them."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"))


def add_proposals(rng: random.Random, sizes: Sizes, facts: dict) -> None:
    """"Green Streets" in its proposal phase, with `sizes.proposals` published proposals
    (supports, endorsements and comment counts spread as in a real city), and one proposal
    whose thread holds `sizes.thread` comments, nested up to the deepest level."""
    process = Process(slug="green-streets", title={"en": "Green Streets"},
                      start_date=EPOCH.date(), end_date=EPOCH.date() + timedelta(days=3650),
                      published_at=EPOCH)
    db.session.add(process)
    db.session.flush()
    db.session.add(Phase(process_id=process.id, title={"en": "Proposals"}, active=True,
                         start_date=process.start_date, end_date=process.end_date))
    component = Component(process_id=process.id, manifest_name="proposals",
                          name={"en": "Proposals"}, published_at=EPOCH, settings={},
                          phase_settings={})
    db.session.add(component)
    db.session.flush()
    authors = db.session.scalars(select(User.id).order_by(User.id)).all()
    first = _next_id(Resource)
    resources, proposals = [], []
    for number in range(sizes.proposals):
        created_at = EPOCH + timedelta(minutes=rng.randrange(365 * 24 * 60))
        resources.append({
            "id": first + number, "kind": "proposal", "component_id": component.id,
            "author_id": rng.choice(authors), "created_at": created_at,
            "comments_count": rng.randrange(30),
        })
        proposals.append({
            "id": first + number, "title": _sentence(rng, rng.randrange(4, 12)),
            "body": _sentence(rng, rng.randrange(20, 80)), "locale": rng.choice(LOCALES),
            "published_at": created_at, "supports_count": int(rng.paretovariate(1.2)) - 1,
            "endorsements_count": rng.randrange(5), "address": "", "official": False,
            "answer": {}, "cost_report": {}, "execution_period": {},
        })
    _resources(resources, proposals, Proposal)
    facts["process"] = process.slug
    facts["proposals_component"] = component.id
    facts["thread_proposal"] = first
    facts["proposals"] = sizes.proposals
    facts["thread"] = sizes.thread
    # What the list shows for the search sorted by supports (ties: the latest first), so
    # the benchmark can tell a working search from a page that ignores it.
    found = [row for row in proposals
             if SEARCH in row["title"].lower() or SEARCH in row["body"].lower()]
    found.sort(key=lambda row: (row["supports_count"], row["published_at"], row["id"]),
               reverse=True)
    facts["search"] = quote_plus(SEARCH)
    facts["search_ids"] = [row["id"] for row in found]

    first_comment = first + sizes.proposals
    rows, comments = [], []
    depths: dict[int, int] = {}
    for number in range(sizes.thread):
        comment_id = first_comment + number
        parent = rng.choice([None, None, *depths]) if depths else None
        if parent is not None and depths[parent] >= 3:
            parent = None
        depths[comment_id] = 0 if parent is None else depths[parent] + 1
        if parent is not None:  # a comment counts its direct replies, as the service does
            rows[parent - first_comment]["comments_count"] += 1
        rows.append({"id": comment_id, "kind": "comment", "component_id": component.id,
                     "author_id": rng.choice(authors), "comments_count": 0,
                     "created_at": EPOCH + timedelta(minutes=number)})
        comments.append({"id": comment_id, "commentable_id": first, "parent_id": parent,
                         "depth": depths[comment_id], "body": _sentence(rng, 25),
                         "locale": "en", "alignment": rng.choice((-1, 0, 1)),
                         "up_votes": rng.randrange(20), "down_votes": rng.randrange(5)})
    _resources(rows, comments, Comment)
    facts["thread_parents"] = len({row["parent_id"] for row in comments} - {None})
    db.session.execute(text("UPDATE resources SET comments_count = :n WHERE id = :id"),
                       {"n": sizes.thread, "id": first})
    _move_sequence("resources")


CATEGORIES = ("Mobility", "Green spaces", "Culture", "Education", "Sport", "Social care")
VOTE_RANGE = (3, 5)  # projects in a ballot: the budget's voting rule


def draw_ballot(rng: random.Random, project_ids: list[int], cum_weights: list[float]) -> list[int]:
    """3 to 5 projects, the popular ones more often, as residents choose them."""
    size = rng.randint(*VOTE_RANGE)
    chosen: set[int] = set()
    while len(chosen) < size:
        chosen.add(rng.choices(project_ids, cum_weights=cum_weights)[0])
    return sorted(chosen)


def add_budgets(rng: random.Random, sizes: Sizes, facts: dict) -> None:
    """"City Budget" in its voting phase: a budgets component whose one budget holds
    `sizes.projects` projects (ballots of 3 to 5 projects, verification required, the
    component's default), `sizes.ballots` ballots checked out already by verified residents,
    and `sizes.voters` more verified residents without a ballot, for the votes measurement.
    The vote counts are the ballots'; each verified resident has a census entry."""
    process = Process(slug="city-budget", title={"en": "City Budget"},
                      start_date=EPOCH.date(), end_date=EPOCH.date() + timedelta(days=3650),
                      published_at=EPOCH)
    db.session.add(process)
    db.session.flush()
    phase = Phase(process_id=process.id, title={"en": "Voting"}, active=True,
                  start_date=process.start_date, end_date=process.end_date)
    categories = [Category(process_id=process.id, name={"en": name}, position=number)
                  for number, name in enumerate(CATEGORIES)]
    db.session.add_all([phase, *categories])
    db.session.flush()
    component = Component(process_id=process.id, manifest_name="budgets",
                          name={"en": "Budgets"}, published_at=EPOCH,
                          settings={"vote_rule": "project_range",
                                    "vote_range_min": VOTE_RANGE[0],
                                    "vote_range_max": VOTE_RANGE[1]},
                          phase_settings={str(phase.id): {"voting_enabled": True}})
    db.session.add(component)
    db.session.flush()
    budget = Budget(component_id=component.id, title={"en": "Whole city"},
                    description={"en": "<p>Projects for the whole city.</p>"},
                    total=20_000_000)
    db.session.add(budget)
    db.session.flush()

    first = _next_id(Resource)
    project_ids = list(range(first, first + sizes.projects))
    popularity = [rng.paretovariate(1.5) for _ in project_ids]
    cum_weights = list(accumulate(popularity))

    # The residents: confirmed accounts, shuffled; the first vote in the measurement, the
    # next ones have voted already.
    people = db.session.scalars(select(User.id).where(User.confirmed_at.is_not(None))
                                .order_by(User.id)).all()
    people = rng.sample(people, min(len(people), sizes.voters + sizes.ballots))
    voters, ballot_holders = people[:sizes.voters], people[sizes.voters:]
    identities = {user_id: identity_hash(f"BENCH{user_id:08d}") for user_id in people}
    census, verifications = [], []
    for user_id in people:
        birth_date = (EPOCH - timedelta(days=rng.randrange(18 * 365, 90 * 365))).date()
        census.append({"identity_hash": identities[user_id], "birth_date": birth_date,
                       "created_at": EPOCH})
        verifications.append({"user_id": user_id, "identity_hash": identities[user_id],
                              "birth_date": birth_date, "created_at": EPOCH})
    for start in range(0, len(people), 5_000):
        db.session.execute(insert(CensusEntry), census[start:start + 5_000])
        db.session.execute(insert(Verification), verifications[start:start + 5_000])

    votes = dict.fromkeys(project_ids, 0)
    first_order = _next_id(Order)
    orders, lines = [], []
    for number, user_id in enumerate(ballot_holders):
        checked_out_at = EPOCH + timedelta(minutes=rng.randrange(60 * 24 * 30))
        orders.append({
            "id": first_order + number, "budget_id": budget.id, "user_id": user_id,
            "identity_hash": identities[user_id], "channel": "online",
            "created_at": checked_out_at - timedelta(minutes=rng.randrange(1, 60)),
            "checked_out_at": checked_out_at,
            "receipt_hash": receipt_hash(f"{rng.getrandbits(80):020X}"),
            "ballot_key": f"{rng.getrandbits(128):032x}",
        })
        for project_id in draw_ballot(rng, project_ids, cum_weights):
            lines.append({"order_id": first_order + number, "project_id": project_id})
            votes[project_id] += 1

    resources, projects = [], []
    for project_id in project_ids:
        created_at = EPOCH + timedelta(minutes=rng.randrange(30 * 24 * 60))
        resources.append({"id": project_id, "kind": "project", "component_id": component.id,
                          "author_id": None, "created_at": created_at, "comments_count": 0})
        projects.append({
            "id": project_id, "budget_id": budget.id, "code": None,
            "title": {"en": _sentence(rng, rng.randrange(3, 9))},
            "description": {"en": f"<p>{_sentence(rng, rng.randrange(20, 60))}.</p>"},
            "amount": rng.randrange(5, 400) * 1_000,
            "category_id": rng.choice(categories).id, "scope_id": None, "address": "",
            "votes_count": votes[project_id], "selected_at": None,
        })
    _resources(resources, projects, Project)
    for start in range(0, len(orders), 5_000):
        db.session.execute(insert(Order), orders[start:start + 5_000])
    for start in range(0, len(lines), 5_000):
        db.session.execute(insert(OrderLine), lines[start:start + 5_000])
    _move_sequence("resources")
    _move_sequence("budgets_orders")

    facts["budgets_process"] = process.slug
    facts["budgets_component"] = component.id
    facts["budget"] = budget.id
    facts["projects"] = sizes.projects
    facts["project_ids"] = project_ids
    facts["project_cum_weights"] = cum_weights  # how popular each one is
    facts["ballots"] = len(orders)
    facts["voters"] = voters
    facts["vote_range"] = VOTE_RANGE


# key, English name, default progress: the statuses create_default_statuses makes.
STATUSES = (("not_started", "Not started", 0), ("in_preparation", "In preparation", 10),
            ("in_progress", "In progress", 50), ("completed", "Completed", 100))
DISTRICTS = ("centre", "north", "riverside", "old-town", "east", "west")
TIMELINE = ("Tender published", "Works started", "Halfway", "Opened to the public")


def rolled_up(rows: list[dict]) -> int:
    """A parent's progress, as the accountability services keep it (and the overview adds
    up the top-level results): the average, weighted by amount when every row has an amount
    above zero, rounded half up."""
    if all(row["amount"] for row in rows):
        average = Fraction(sum(row["progress"] * row["amount"] for row in rows),
                           sum(row["amount"] for row in rows))
    else:
        average = Fraction(sum(row["progress"] for row in rows), len(rows))
    return floor(average + Fraction(1, 2))


def add_accountability(rng: random.Random, sizes: Sizes, facts: dict) -> None:
    """"City Budget" in its implementation too: an accountability component with
    `sizes.results` results (a tenth of the top-level ones split into 2 to 4 parts), in the
    four default statuses, some with a progress set by hand, each linked to a project of the
    budget, with 0 to 4 timeline entries; the parents' progress rolled up. What the list
    and the overview must show goes into `facts`."""
    process = db.session.scalars(select(Process).where(Process.slug == facts["budgets_process"])
                                 ).one()
    component = Component(process_id=process.id, manifest_name="accountability",
                          name={"en": "What we are doing"}, published_at=EPOCH, settings={},
                          phase_settings={})
    scopes = [Scope(code=f"bench-{code}", name={"en": code.title()}, position=number)
              for number, code in enumerate(DISTRICTS)]
    db.session.add_all([component, *scopes])
    db.session.flush()
    statuses = [Status(component_id=component.id, key=key, name={"en": name}, progress=progress,
                       position=position)
                for position, (key, name, progress) in enumerate(STATUSES)]
    db.session.add_all(statuses)
    db.session.flush()
    categories = db.session.scalars(select(Category.id).where(Category.process_id == process.id)
                                    ).all()

    first = _next_id(Resource)
    rows: list[dict] = []

    def result(parent: dict | None) -> dict:
        status = rng.choice(statuses)
        manual = rng.random() < 0.1
        start = EPOCH.date() + timedelta(days=rng.randrange(365))
        row = {
            "id": first + len(rows), "parent_id": parent["id"] if parent else None,
            "reference": f"R-{len(rows) + 1}", "title": {"en": _sentence(rng, rng.randrange(3, 9))},
            "description": {"en": f"<p>{_sentence(rng, rng.randrange(15, 40))}.</p>"},
            "status_id": status.id,
            "progress": rng.randrange(101) if manual else status.progress,
            "progress_manual": manual, "start_date": start,
            "end_date": start + timedelta(days=rng.randrange(30, 400)),
            "category_id": parent["category_id"] if parent else rng.choice(categories),
            "scope_id": rng.choice(scopes).id, "amount": rng.randrange(5, 400) * 1_000,
            "weight": len(rows), "children_count": 0, "updated_at": EPOCH,
            "completed_at": None,
        }
        rows.append(row)
        return row

    top = []
    while len(rows) < sizes.results:
        parent = result(None)
        top.append(parent)
        if rng.random() < 0.1 and len(rows) + 2 <= sizes.results:
            children = [result(parent) for _ in range(min(rng.randint(2, 4),
                                                          sizes.results - len(rows)))]
            parent["children_count"] = len(children)
            parent["progress"], parent["progress_manual"] = rolled_up(children), False
    for row in rows:
        if row["progress"] == 100:
            row["completed_at"] = datetime.combine(row["end_date"], datetime.min.time())
    resources = [{"id": row["id"], "kind": "result", "component_id": component.id,
                  "author_id": None, "created_at": EPOCH, "comments_count": 0} for row in rows]
    _resources(resources, rows, Result)

    project_ids = facts["project_ids"]
    links, entries = [], []
    for row in rows:
        links.append({"from_id": row["id"], "to_id": rng.choice(project_ids),
                      "name": PROJECT_LINK, "created_at": EPOCH})
        for number in range(rng.randrange(5)):
            entries.append({"result_id": row["id"], "title": {"en": TIMELINE[number]},
                            "description": {"en": f"<p>{_sentence(rng, 12)}.</p>"},
                            "date": row["start_date"] + timedelta(days=20 * number),
                            "created_at": EPOCH})
    db.session.execute(insert(ResourceLink), links)
    db.session.execute(insert(TimelineEntry), entries)
    _move_sequence("resources")

    facts["results_component"] = component.id
    facts["results"] = len(rows)
    # The list: the top-level results in their order. The overview: their progress, in all
    # and per category, and how many are in each status (parts count in their parent).
    facts["result_ids"] = [row["id"] for row in top]
    facts["results_progress"] = rolled_up(top)
    facts["results_by_status"] = {
        status.name["en"]: sum(1 for row in top if row["status_id"] == status.id)
        for status in statuses}
    facts["results_by_category"] = {
        category_id: rolled_up([row for row in top if row["category_id"] == category_id])
        for category_id in sorted({row["category_id"] for row in top})}


STEPS: tuple[Callable[[random.Random, Sizes, dict], None], ...] = (
    add_organization,
    add_users,
    add_proposals,
    add_budgets,
    add_accountability,
)


def generate(app, sizes: Sizes, seed: int) -> dict:
    """Fill the migrated database; returns the facts the targets' paths are built from."""
    rng = random.Random(seed)
    facts: dict = {}
    with app.app_context():
        for step in STEPS:
            step(rng, sizes, facts)
            db.session.flush()
        db.session.commit()
        db.session.remove()
    return facts
