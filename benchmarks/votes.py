"""The votes measurement of `make bench`: ballots checked out per second on PostgreSQL by
concurrent voters, through the budgets services, every change committed.

The voters are the verified residents without a ballot that dataset.add_budgets prepared.
Each of `threads` threads takes the next voter and does what that resident's requests do:
adds 3 to 5 projects (the budget's rule; the popular ones more often, as in the dataset's
ballots), one call each, then checks out. Every call runs
as a request does: in an app context of its own, with its own session and transaction on
a connection of the pool (one per thread), loading the account, the budget and the project
first and committing at the end. One voter votes first, alone and unmeasured: a refusal
there (a broken dataset) stops the run before any load. Then the measured voters, until
all have voted or `max_seconds` have passed (no new voter starts; those under way finish).

Afterwards the database must agree: one more checked-out ballot per voter, every
project's vote count equal to the ballots holding it, no ballot outside the rule.

It measures the services and PostgreSQL's row locks, not HTTP: no page is rendered (the
receipt e-mail is), no CSRF or session cookie is read. All threads share one Python
interpreter, so the Python side runs one thread at a time; PostgreSQL, with its own
processes, runs beside it.
"""

import random
import threading
import time
from dataclasses import dataclass
from dataclasses import field

from dataset import BenchError
from dataset import draw_ballot
from loadgen import percentile
from sqlalchemy import event
from sqlalchemy import func
from sqlalchemy import select

from decide.components.budgets import services
from decide.components.budgets.models import Budget
from decide.components.budgets.models import Order
from decide.components.budgets.models import OrderLine
from decide.components.budgets.models import Project
from decide.core.models import User
from decide.extensions import db

OPERATIONS = ("checkout", "add-project")


@dataclass
class Figures:
    """What the threads record of one kind of call: seconds and SQL statements of each."""

    latencies: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class Votes:
    """One measurement: the voters' plan, the statement counter, the figures per call."""

    def __init__(self, app, facts: dict, seed: int):
        self.app = app
        self.budget_id = facts["budget"]
        rng = random.Random(seed)
        # Each voter's projects, drawn before the clock starts as the dataset's ballots were
        # (the popular projects more often: their rows are the ones the checkouts contend for).
        projects, weights = facts["project_ids"], facts["project_cum_weights"]
        self.plan = [(user_id, draw_ballot(rng, projects, weights))
                     for user_id in facts["voters"]]
        self.vote_range = facts["vote_range"]
        self.figures = {name: Figures() for name in OPERATIONS}
        self.local = threading.local()
        self.lock = threading.Lock()
        self.cpu_seconds = 0.0  # of this process (the voters' Python side) while measured

    def _count(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if getattr(self.local, "statements", None) is not None:
            self.local.statements += 1

    def _call(self, name: str, user_id: int, project_id: int | None) -> bool:
        """One request's worth: load, call the service, commit; True when it went through."""
        self.local.statements = 0
        error = ""
        start = time.perf_counter()
        with self.app.app_context():
            try:
                user = db.session.get(User, user_id)
                budget = db.session.get(Budget, self.budget_id)
                if project_id is None:
                    services.checkout_order(user, budget)
                else:
                    services.add_project(user, db.session.get(Project, project_id), budget)
                db.session.commit()
            except Exception as exception:  # noqa: BLE001 - counted and reported
                db.session.rollback()
                error = f"{type(exception).__name__}: {exception}".splitlines()[0]
        elapsed = time.perf_counter() - start
        statements, self.local.statements = self.local.statements, None
        with self.lock:
            figures = self.figures[name]
            if error:
                figures.errors.append(error)
            else:
                figures.latencies.append(elapsed)
                figures.statements.append(statements)
        return not error

    def vote(self, user_id: int, project_ids: list[int]) -> None:
        """A voter's requests, in order; the first refused one ends the voter's turn."""
        for project_id in project_ids:
            if not self._call("add-project", user_id, project_id):
                return
        self._call("checkout", user_id, None)

    def run(self, threads: int, max_seconds: float) -> float:
        """The first voter alone (unmeasured), then the others on `threads` threads; returns
        the seconds of the measured part."""
        with self.app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", self._count)
        try:
            self.vote(*self.plan[0])
            for figures in self.figures.values():
                if figures.errors:
                    raise BenchError(f"votes: the first voter was refused: {figures.errors[0]}")
                figures.latencies.clear()
                figures.statements.clear()
            queue = iter(self.plan[1:])
            deadline = time.perf_counter() + max_seconds

            def worker() -> None:
                while time.perf_counter() < deadline:
                    with self.lock:
                        voter = next(queue, None)
                    if voter is None:
                        return
                    self.vote(*voter)

            pool = [threading.Thread(target=worker) for _ in range(threads)]
            start, cpu = time.perf_counter(), time.process_time()
            for thread in pool:
                thread.start()
            for thread in pool:
                thread.join()
            self.cpu_seconds = time.process_time() - cpu
            return time.perf_counter() - start
        finally:
            event.remove(engine, "before_cursor_execute", self._count)

    def check(self, ballots_before: int) -> str:
        """The database after the run: the ballots, the counts and the rule hold."""
        low, high = self.vote_range
        with self.app.app_context():
            checked_out = (Order.budget_id == self.budget_id,
                           Order.checked_out_at.is_not(None))
            ballots = db.session.scalar(select(func.count(Order.id)).where(*checked_out))
            lines = (select(func.count(OrderLine.id).label("lines"))
                     .join(Order, Order.id == OrderLine.order_id).where(*checked_out)
                     .group_by(OrderLine.order_id).subquery())
            sizes = db.session.execute(select(func.min(lines.c.lines),
                                              func.max(lines.c.lines))).one()
            stored = dict(db.session.execute(
                select(Project.id, Project.votes_count)
                .where(Project.budget_id == self.budget_id)).all())
            recount = dict(db.session.execute(
                select(OrderLine.project_id, func.count(OrderLine.id))
                .join(Order, Order.id == OrderLine.order_id).where(*checked_out)
                .group_by(OrderLine.project_id)).all())
        expected = ballots_before + 1 + len(self.figures["checkout"].latencies)
        if ballots != expected:
            raise BenchError(f"votes: {ballots} checked-out ballots in the budget, "
                             f"not {expected}")
        wrong = [key for key, count in stored.items() if count != recount.get(key, 0)]
        if wrong:
            raise BenchError(f"votes: {len(wrong)} projects count other votes than their "
                             f"ballots (project {wrong[0]}: {stored[wrong[0]]}, "
                             f"ballots {recount.get(wrong[0], 0)})")
        if sizes[0] < low or sizes[1] > high:
            raise BenchError(f"votes: ballots of {sizes[0]} to {sizes[1]} projects, "
                             f"outside the rule's {low} to {high}")
        return (f"{ballots} checked-out ballots in the budget ({ballots_before} before), "
                f"each of {sizes[0]} to {sizes[1]} projects, every project's vote count "
                "equal to its ballots")

    def results(self, seconds: float) -> list[dict]:
        rows = []
        for name in OPERATIONS:
            figures = self.figures[name]
            latencies = sorted(figures.latencies)
            counts = sorted(figures.statements)
            rows.append({
                "operation": name,
                "count": len(latencies),
                "errors": len(figures.errors),
                "first_error": figures.errors[0] if figures.errors else "",
                "seconds": round(seconds, 3),
                "per_second": round(len(latencies) / seconds, 1) if seconds else 0.0,
                "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
                "p95_ms": round(percentile(latencies, 0.95) * 1000, 2),
                "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
                "max_ms": round(latencies[-1] * 1000, 2) if latencies else 0.0,
                "statements": (f"{counts[0]}" if counts and counts[0] == counts[-1]
                               else f"{counts[0]}-{counts[-1]}" if counts else "-"),
            })
        return rows


def measure_votes(app, facts: dict, *, threads: int, max_seconds: float,
                  seed: int) -> dict:
    """Run the measurement on `app` (its pool must hold `threads` connections) and check
    the database; the figures per operation, the check's sentence and the settings."""
    if len(facts["voters"]) < 2:
        raise BenchError("votes: the dataset prepared fewer than 2 voters (--users too small)")
    votes = Votes(app, facts, seed)
    try:
        seconds = votes.run(threads, max_seconds)
        check = votes.check(facts["ballots"])
    finally:
        with app.app_context():
            db.engine.dispose()
    rows = votes.results(seconds)
    return {
        "threads": threads,
        "voters_prepared": len(facts["voters"]),
        "seconds": round(seconds, 3),
        "python_cpu_seconds": round(votes.cpu_seconds, 3),
        "votes_per_second": rows[0]["per_second"],
        "check": check,
        "results": rows,
    }


def print_votes(report: dict, log) -> None:
    """The votes table, in the pages' table style: one line per kind of call."""
    header = (f"{'operation':<16} {'per s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
              f"{'statements':>11} {'count':>9} {'errors':>7}")
    log(header)
    log("-" * len(header))
    for row in report["results"]:
        log(f"{row['operation']:<16} {row['per_second']:>8.1f} {row['p50_ms']:>8.2f} "
            f"{row['p95_ms']:>8.2f} {row['p99_ms']:>8.2f} {row['statements']:>11} "
            f"{row['count']:>9} {row['errors']:>7}")
    checkout = report["results"][0]
    log(f"votes: {checkout['count']} ballots checked out in {report['seconds']:.1f} s by "
        f"{report['threads']} threads: {report['votes_per_second']:.1f} votes/s; the voters' "
        f"Python used {report['python_cpu_seconds']:.1f} s of CPU (one interpreter: at most "
        "one CPU)")
    log(f"votes: {report['check']}")
    for row in report["results"]:
        if row["errors"]:
            log(f"votes: {row['errors']} {row['operation']} calls failed, the first: "
                f"{row['first_error']}")
