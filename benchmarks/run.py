"""`make bench`: requests per second and latency of Decide's pages against a bare Flask app,
and budget votes checked out per second by concurrent voters.

One run, start to end (docs/benchmarks.md explains how to read it):
1. creates a database of its own (PostgreSQL; SQLite only when none answers), runs
   `flask db upgrade` on it and generates a city with a fixed seed (benchmarks/dataset.py);
2. requests every Decide page once in-process (Flask test client): counts its SQL
   statements and checks that it shows what the city holds (20 proposals of 10,000, the
   search's matches in the order asked for, the 500 comments of the thread, 50 projects
   of 500, 25 results of the top-level ones, the overview's progress and counts);
3. starts Decide (wsgi:app) and the bare "hello" app (benchmarks/hello.py) under the same
   gunicorn settings, each on a free port of 127.0.0.1;
4. for every target: warms up, then sends a fixed number of requests (or as many as a
   time limit allows, for the slow pages) at a fixed concurrency from a separate
   load-generator process (wrk when installed, otherwise benchmarks/loadgen.py);
5. prints the table; then, on PostgreSQL only, measures votes: concurrent voters add
   projects and check out through the budgets services (benchmarks/votes.py), and prints
   their table; writes both as JSON to benchmarks/out/latest.json;
6. stops every process it started, by pid, and drops its database, also on failure or Ctrl-C.

A later issue adds its page with one line in TARGETS (and, if the path needs a new fact such
as a project id, one step in dataset.STEPS; a check of what the page must show).
"""

import argparse
import contextlib
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from pathlib import Path

from dataset import VOTE_RANGE
from dataset import BenchError
from dataset import Database
from dataset import Sizes
from dataset import generate
from dataset import migrate
from sqlalchemy import event
from votes import measure_votes
from votes import print_votes

from decide import create_app
from decide.components.accountability.views import PAGE_SIZE as RESULTS_PAGE_SIZE
from decide.components.budgets.views import PAGE_SIZE as PROJECTS_PAGE_SIZE
from decide.components.proposals.views import PAGE_SIZE
from decide.extensions import db

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "benchmarks"
OUT_FILE = BENCH_DIR / "out" / "latest.json"
SEED = 2026

WORKERS = 2
WORKER_CLASS = "gthread"
THREADS = 4
WRK_WARMUP_SECONDS = 2
MAX_SECONDS = 15
VOTE_THREADS = 8


# --- what a page must show: a 200 with an empty list or a broken search is no measure ----

CARD = re.compile(r'<h2 class="card__title"><a href="[^"]*/proposals/(\d+)"')
RESULTS = re.compile(r'class="results-count">(\d+) proposals?<')
COMMENT = re.compile(r'<article id="comment-(\d+)"')
PROJECT_CARD = re.compile(r'<article class="card project-card[^"]*" id="project-(\d+)"')
PROJECTS_COUNT = re.compile(r'class="results-count">(\d+) projects?<')
RESULT_CARD = re.compile(r'<article class="card result-card" id="result-(\d+)"')
RESULTS_COUNT = re.compile(r'class="results-count">(\d+) results?<')
OVERALL = re.compile(r'<progress id="progress-overall" max="100" value="(\d+)"')
CATEGORY_BAR = re.compile(r'<progress id="progress-category-(\d+)" max="100" value="(\d+)"')
STATUS_ROW = re.compile(r'<th scope="row">(?:<a [^>]*>)?([^<]+)(?:</a>)?</th>\s*'
                        r'<td class="number">([\d,]+)</td>')


def _listed(html: str) -> tuple[int | None, list[int]]:
    """The total the list announces and the ids of its cards, in order."""
    total = RESULTS.search(html)
    return (int(total.group(1)) if total else None), [int(i) for i in CARD.findall(html)]


def check_list(html: str, facts: dict) -> str:
    total, ids = _listed(html)
    expected = facts["proposals"]
    if total != expected or len(ids) != min(PAGE_SIZE, expected):
        raise BenchError(f"the list shows {len(ids)} proposals of {total}, "
                         f"not {min(PAGE_SIZE, expected)} of {expected}")
    return f"{len(ids)} of {total} proposals"


def check_search(html: str, facts: dict) -> str:
    total, ids = _listed(html)
    expected = facts["search_ids"]
    if total != len(expected) or ids != expected[:PAGE_SIZE]:
        raise BenchError(f"the search shows {len(ids)} proposals of {total}, not the "
                         f"{min(PAGE_SIZE, len(expected))} most supported of {len(expected)}")
    return f"the {len(ids)} most supported of {total} matches"


def check_thread(html: str, facts: dict) -> str:
    shown = set(COMMENT.findall(html))
    replies = html.count("comment-list--replies")  # one list under each comment replied to
    if len(shown) != facts["thread"] or replies != facts["thread_parents"]:
        raise BenchError(f"the thread shows {len(shown)} comments and {replies} lists of "
                         f"replies, not {facts['thread']} and {facts['thread_parents']}")
    return f"{len(shown)} comments, {replies} of them with replies"


def check_projects(html: str, facts: dict) -> str:
    """The first page of the budget's projects (the list is paged), all of its budget's."""
    total = PROJECTS_COUNT.search(html)
    total = int(total.group(1)) if total else None
    ids = [int(i) for i in PROJECT_CARD.findall(html)]
    expected = min(PROJECTS_PAGE_SIZE, facts["projects"])
    if (total != facts["projects"] or len(set(ids)) != expected
            or not set(ids) <= set(facts["project_ids"])):
        raise BenchError(f"the list shows {len(set(ids))} projects of {total}, "
                         f"not {expected} of the budget's {facts['projects']}")
    return f"{len(ids)} of {total} projects (the first page)"


def check_results(html: str, facts: dict) -> str:
    """The first page of the results list: the top-level results, in their order."""
    total = RESULTS_COUNT.search(html)
    total = int(total.group(1)) if total else None
    ids = [int(i) for i in RESULT_CARD.findall(html)]
    expected = facts["result_ids"]
    if total != len(expected) or ids != expected[:RESULTS_PAGE_SIZE]:
        raise BenchError(f"the list shows {len(ids)} results of {total}, not the first "
                         f"{min(RESULTS_PAGE_SIZE, len(expected))} of {len(expected)}")
    return f"{len(ids)} of {total} results (the first page)"


def check_progress(html: str, facts: dict) -> str:
    """The overview: the overall progress, a bar per category and the results by status."""
    overall = OVERALL.search(html)
    overall = int(overall.group(1)) if overall else None
    categories = {int(id_): int(value) for id_, value in CATEGORY_BAR.findall(html)}
    statuses = {name.strip(): int(count.replace(",", ""))
                for name, count in STATUS_ROW.findall(html)}
    if overall != facts["results_progress"]:
        raise BenchError(f"the overall progress is {overall}%, not "
                         f"{facts['results_progress']}%")
    if categories != facts["results_by_category"]:
        raise BenchError(f"the categories' progress is {categories}, not "
                         f"{facts['results_by_category']}")
    if statuses != facts["results_by_status"]:
        raise BenchError(f"the results by status are {statuses}, not "
                         f"{facts['results_by_status']}")
    return (f"{overall}% overall, {len(categories)} categories, "
            f"{sum(statuses.values())} results in {len(statuses)} statuses")


@dataclass(frozen=True)
class Target:
    name: str
    path: str  # a str.format template filled from the dataset's facts
    server: str = "decide"  # "decide" (wsgi:app) or "hello" (benchmarks/hello.py)
    # What the page must show (raises BenchError, or says what it found).
    check: Callable[[str, dict], str] | None = None


PROPOSALS = "/processes/{process}/f/{proposals_component}/proposals/"
BUDGET = "/processes/{budgets_process}/f/{budgets_component}/budgets/{budget}/"
ACCOUNTABILITY = "/processes/{budgets_process}/f/{results_component}/accountability/"

# The baseline first; every later page is one more line here.
TARGETS = (
    Target("hello", "/", server="hello"),
    Target("home", "/"),
    Target("profile", "/profiles/{nickname}"),
    Target("signin", "/signin"),
    Target("proposals", PROPOSALS, check=check_list),
    Target("proposals-search", PROPOSALS + "?q={search}&order=most_supported",
           check=check_search),
    Target("thread", PROPOSALS + "{thread_proposal}", check=check_thread),
    Target("projects", BUDGET + "projects/", check=check_projects),
    Target("results", ACCOUNTABILITY + "results/", check=check_results),
    Target("progress", ACCOUNTABILITY, check=check_progress),
)
VOTES = "votes"  # the votes measurement, after the pages (benchmarks/votes.py)

SERVERS = {
    "decide": "wsgi:app",
    "hello": "hello:app",
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark Decide's pages under gunicorn.")
    parser.add_argument("--requests", type=int, default=2000,
                        help="measured requests per target (default: %(default)s)")
    parser.add_argument("--concurrency", type=int, default=8,
                        help="connections open at once (default: %(default)s)")
    parser.add_argument("--users", type=int, default=Sizes.users,
                        help="generated accounts (default: %(default)s)")
    parser.add_argument("--proposals", type=int, default=Sizes.proposals,
                        help="generated proposals (default: %(default)s)")
    parser.add_argument("--thread", type=int, default=Sizes.thread,
                        help="comments on the proposal of the thread target "
                             "(default: %(default)s)")
    parser.add_argument("--projects", type=int, default=Sizes.projects,
                        help="projects in the budget of the projects target "
                             "(default: %(default)s)")
    parser.add_argument("--ballots", type=int, default=Sizes.ballots,
                        help="ballots checked out in that budget before the run "
                             "(default: %(default)s)")
    parser.add_argument("--voters", type=int, default=Sizes.voters,
                        help="verified residents without a ballot, who vote in the votes "
                             "measurement (default: %(default)s)")
    parser.add_argument("--results", type=int, default=Sizes.results,
                        help="results in the accountability component of the results and "
                             "progress targets (default: %(default)s)")
    parser.add_argument("--vote-threads", type=int, default=VOTE_THREADS,
                        help="voters voting at once, each thread with its own database "
                             "connection (default: %(default)s)")
    parser.add_argument("--warmup", type=int, default=None,
                        help="unmeasured requests per target first (default: requests / 5)")
    parser.add_argument("--max-seconds", type=int, default=MAX_SECONDS,
                        help="measure a target for at most this long, whatever --requests "
                             "says; its warm-up a fifth of it (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=SEED,
                        help="random seed of the generated city (default: %(default)s)")
    parser.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto",
                        help="wrk when installed (auto), or the Python one (default: auto)")
    parser.add_argument("--only", action="append", metavar="TARGET",
                        choices=[target.name for target in TARGETS] + [VOTES],
                        help="measure only this target, or the votes (repeatable; hello "
                             "always runs)")
    parser.add_argument("--show-queries", action="store_true",
                        help="print the SQL statements of every page")
    args = parser.parse_args(argv)
    if min(args.requests, args.concurrency, args.users, args.proposals, args.thread,
           args.projects, args.ballots, args.voters, args.results, args.vote_threads,
           args.max_seconds) < 1:
        parser.error("--requests, --concurrency, --users, --proposals, --thread, --projects, "
                     "--ballots, --voters, --results, --vote-threads and --max-seconds must "
                     "be at least 1")
    if args.projects < VOTE_RANGE[1]:
        parser.error(f"--projects must be at least {VOTE_RANGE[1]}: a ballot holds "
                     f"{VOTE_RANGE[0]} to {VOTE_RANGE[1]} of them")
    if args.warmup is None:
        args.warmup = max(50, args.requests // 5)
    if args.loadgen == "wrk" and not shutil.which("wrk"):
        parser.error("--loadgen wrk: wrk is not installed")
    if args.loadgen == "auto":
        args.loadgen = "wrk" if shutil.which("wrk") else "python"
    return args


def log(message: str) -> None:
    print(message, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _child_pids(pid: int) -> list[int]:
    """The processes whose parent is `pid` (gunicorn's workers), read from /proc."""
    children = []
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = entry.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(entry.parent.name))
    return children


def _is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Server:
    """One gunicorn master started by this run; `stop` ends it and its workers by pid."""

    def __init__(self, name: str, env: dict[str, str], logdir: Path):
        self.name = name
        self.port = free_port()
        self.log_path = logdir / f"{name}.log"
        self.command = [
            sys.executable, "-m", "gunicorn",
            "--workers", str(WORKERS), "--worker-class", WORKER_CLASS, "--threads", str(THREADS),
            "--bind", f"127.0.0.1:{self.port}", "--graceful-timeout", "5",
            "--log-level", "warning",
        ]
        if name == "hello":
            self.command += ["--pythonpath", str(BENCH_DIR)]
        self.command.append(SERVERS[name])
        self.env = env
        self.process: subprocess.Popen | None = None
        self.workers: list[int] = []

    def start(self) -> None:
        with open(self.log_path, "wb") as log_file:
            # A session of its own: a Ctrl-C in the terminal reaches this script only,
            # which then stops the server in order.
            self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env,
                                            stdout=log_file, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)

    def wait_ready(self, path: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"gunicorn ({self.name}) exited with {self.process.returncode}:"
                                 f"\n{self.log_tail()}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                try:
                    connection.request("GET", path)
                    if connection.getresponse().status == 200:
                        self.workers = _child_pids(self.process.pid)
                        return
                finally:
                    connection.close()
            time.sleep(0.1)
        raise BenchError(f"gunicorn ({self.name}) did not answer {path} within {timeout:.0f} s:"
                         f"\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        if self.process is None:
            return
        workers = set(self.workers) | set(_child_pids(self.process.pid))
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for pid in workers:  # normally gone with their master; never leave one behind
            if _is_alive(pid) and b"gunicorn" in _cmdline(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        self.process = None


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


class LoadGenerator:
    """Runs wrk or benchmarks/loadgen.py as a child process and reads its figures."""

    def __init__(self, kind: str, concurrency: int, max_seconds: int):
        self.kind = kind
        self.concurrency = concurrency
        self.max_seconds = max_seconds
        self.process: subprocess.Popen | None = None

    def describe(self) -> str:
        if self.kind == "wrk":
            return "wrk (1 thread)"
        return "benchmarks/loadgen.py (Python threads, http.client keep-alive)"

    def _run(self, command: list[str]) -> str:
        self.process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                        text=True, start_new_session=True)
        try:
            stdout, stderr = self.process.communicate()
        finally:
            self.stop()
        if not stdout.strip():
            raise BenchError(f"{command[0]} gave no figures:\n{stderr}")
        return stdout.strip().splitlines()[-1]

    def _wrk(self, url: str, seconds: int) -> dict:
        raw = json.loads(self._run([
            "wrk", "-t1", f"-c{self.concurrency}", f"-d{seconds}s", "--timeout", "30s",
            "-s", str(BENCH_DIR / "wrk.lua"), url,
        ]))
        return {
            "requests": raw["requests"],
            "errors": raw["errors"],
            "seconds": round(raw["seconds"], 3),
            "requests_per_second": round(raw["requests"] / raw["seconds"], 1),
            "p50_ms": round(raw["p50_us"] / 1000, 2),
            "p95_ms": round(raw["p95_us"] / 1000, 2),
            "p99_ms": round(raw["p99_us"] / 1000, 2),
            "max_ms": round(raw["max_us"] / 1000, 2),
        }

    def measure(self, url: str, requests: int, warmup: int) -> dict:
        if self.kind == "python":
            return json.loads(self._run([
                sys.executable, str(BENCH_DIR / "loadgen.py"), url,
                "--requests", str(requests), "--concurrency", str(self.concurrency),
                "--warmup", str(warmup), "--max-seconds", str(self.max_seconds),
            ]))
        # wrk runs for a duration, not a count: the warm-up measures the rate, and the
        # measured run lasts as long as `requests` take at that rate (whole seconds).
        rate = self._wrk(url, WRK_WARMUP_SECONDS)["requests_per_second"] or 1.0
        return self._wrk(url, min(self.max_seconds, max(1, round(requests / rate))))

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None


def check_pages(app, targets: list[Target], facts: dict, show: bool) -> dict[str, int]:
    """SQL statements of one anonymous request to each Decide page (after one warm-up);
    a page that does not answer 200, or does not show what its check expects, stops the
    run before any load is sent."""
    with app.app_context():
        engine = db.engine
    client = app.test_client(use_cookies=False)
    headers = {"Accept-Language": "en"}
    counts = {}
    for target in targets:
        if target.server != "decide":
            continue
        path = target.path.format(**facts)
        client.get(path, headers=headers)
        statements: list[str] = []

        def record(conn, cursor, statement, parameters, context, executemany,
                   statements=statements):
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", record)
        try:
            response = client.get(path, headers=headers)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        if response.status_code != 200:
            raise BenchError(f"{target.name}: GET {path} answered {response.status_code}, not 200")
        counts[target.name] = len(statements)
        if target.check is not None:
            try:
                found = target.check(response.get_data(as_text=True), facts)
            except BenchError as error:
                raise BenchError(f"{target.name}: GET {path}: {error}") from None
            log(f"{target.name}: {found}")
        if show:
            log(f"\n-- {target.name} {path}: {len(statements)} statement(s)")
            for statement in statements:
                log("   " + " ".join(statement.split()))
    with app.app_context():
        db.engine.dispose()
    return counts


def add_ratios(rows: list[dict]) -> None:
    """Requests/s of each target divided by the hello app's: the share of the ceiling."""
    baseline = next(row for row in rows if row["target"] == "hello")["requests_per_second"]
    for row in rows:
        row["ratio_to_hello"] = round(row["requests_per_second"] / baseline, 3) if baseline else 0.0


def print_table(rows: list[dict]) -> None:
    """One line per target; the path last and whole, however long."""
    header = (f"{'target':<16} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
              f"{'vs hello':>9} {'queries':>8} {'requests':>9} {'errors':>7}  path")
    log(header)
    log("-" * (len(header) - len("path") + max(len(row["path"]) for row in rows)))
    for row in rows:
        queries = "-" if row["queries"] is None else str(row["queries"])
        log(f"{row['target']:<16} {row['requests_per_second']:>8.1f} "
            f"{row['p50_ms']:>8.2f} {row['p95_ms']:>8.2f} {row['p99_ms']:>8.2f} "
            f"{row['ratio_to_hello']:>8.2f}x {queries:>8} {row['requests']:>9} "
            f"{row['errors']:>7}  {row['path']}")


def _stop_on_sigterm(signum, frame):
    raise KeyboardInterrupt


def bench(args: argparse.Namespace, cleanup: contextlib.ExitStack) -> int:
    started = time.monotonic()
    load_before = os.getloadavg()[0]
    if load_before > (os.cpu_count() or 1):
        log(f"NOTE: the machine is busy (load average {load_before:.1f} on {os.cpu_count()} "
            "CPUs): expect lower, noisier figures than on an idle machine.")
    targets = [t for t in TARGETS if t.server == "hello" or not args.only or t.name in args.only]
    workdir = Path(tempfile.mkdtemp(prefix="decide-bench-"))
    cleanup.callback(shutil.rmtree, workdir, ignore_errors=True)
    env = {
        **os.environ,
        "SECRET_KEY": secrets.token_hex(32),
        "RATELIMIT_ENABLED": "0",
        "INSTANCE_PATH": str(workdir / "instance"),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("REDIS_URL", None)

    database = Database(workdir)
    cleanup.callback(database.drop)
    database.create()
    if database.notice:
        log(f"NOTE: {database.notice}")
    log(f"database: {database.describe()}")
    env["DATABASE_URL"] = database.url

    step = time.monotonic()
    migrate(database.url, env)
    log(f"migrated in {time.monotonic() - step:.1f} s")

    step = time.monotonic()
    app = create_app({"SQLALCHEMY_DATABASE_URI": database.url, "SECRET_KEY": env["SECRET_KEY"],
                      "RATELIMIT_ENABLED": False})
    facts = generate(app, Sizes(users=args.users, proposals=args.proposals,
                                thread=args.thread, projects=args.projects,
                                ballots=args.ballots, voters=args.voters,
                                results=args.results), args.seed)
    dataset_seconds = time.monotonic() - step
    log(f"generated {facts['users']} users, {facts['proposals']} proposals, a thread of "
        f"{args.thread} comments, a budget of {facts['projects']} projects with "
        f"{facts['ballots']} ballots and {len(facts['voters'])} voters to come, "
        f"{facts['results']} results of its projects (seed {args.seed}) in "
        f"{dataset_seconds:.1f} s")

    queries = check_pages(app, targets, facts, args.show_queries)

    servers = {}
    for name in dict.fromkeys(target.server for target in targets):
        server = Server(name, env, workdir)
        cleanup.callback(server.stop)
        server.start()
        servers[name] = server
    for name, server in servers.items():
        server.wait_ready("/healthz" if name == "decide" else "/")
    log(f"gunicorn: {WORKERS} workers, {WORKER_CLASS}, {THREADS} threads each; "
        + ", ".join(f"{name} on port {server.port}" for name, server in servers.items()))

    loadgen = LoadGenerator(args.loadgen, args.concurrency, args.max_seconds)
    cleanup.callback(loadgen.stop)
    if loadgen.kind == "wrk":
        args.warmup = f"{WRK_WARMUP_SECONDS} s"
        plan = f"a {WRK_WARMUP_SECONDS} s warm-up, then about {args.requests} requests"
    else:
        plan = f"{args.warmup} warm-up requests, then {args.requests} measured"
    log(f"load: {loadgen.describe()}; per target {plan} (at most {args.max_seconds} s), "
        f"concurrency {args.concurrency}\n")

    rows = []
    for target in targets:
        path = target.path.format(**facts)
        figures = loadgen.measure(servers[target.server].url(path), args.requests, args.warmup)
        rows.append({"target": target.name, "path": path, "server": target.server,
                     "queries": queries.get(target.name), **figures})
    add_ratios(rows)
    print_table(rows)

    votes = None
    if args.only and VOTES not in args.only:
        log(f"\n{VOTES}: not measured (--only)")
    elif database.backend != "postgresql":
        log(f"\n{VOTES}: skipped: needs PostgreSQL (this run fell back to SQLite)")
    else:
        log(f"\n{VOTES}: {args.vote_threads} threads, each voter adds 3 to 5 projects (one "
            f"transaction each), then checks out; at most {args.max_seconds} s")
        votes = measure_votes(
            create_app({"SQLALCHEMY_DATABASE_URI": database.url,
                        "SECRET_KEY": env["SECRET_KEY"], "RATELIMIT_ENABLED": False,
                        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": args.vote_threads,
                                                      "max_overflow": 0}}),
            facts, threads=args.vote_threads, max_seconds=args.max_seconds, seed=args.seed)
        print_votes(votes, log)

    total = time.monotonic() - started
    load_after = os.getloadavg()[0]
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version(),
                    "load_average_before": round(load_before, 2),
                    "load_average_after": round(load_after, 2)},
        "database": database.backend,
        "database_notice": database.notice,
        "load_generator": loadgen.describe(),
        "gunicorn": {"workers": WORKERS, "worker_class": WORKER_CLASS, "threads": THREADS},
        "settings": {"requests": args.requests, "warmup": args.warmup,
                     "max_seconds": args.max_seconds, "concurrency": args.concurrency,
                     "users": args.users, "proposals": args.proposals, "thread": args.thread,
                     "projects": args.projects, "ballots": args.ballots,
                     "voters": args.voters, "results": args.results,
                     "vote_threads": args.vote_threads,
                     "seed": args.seed},
        "dataset_seconds": round(dataset_seconds, 1),
        "total_seconds": round(total, 1),
        "results": rows,
        "votes": votes,
    }
    OUT_FILE.parent.mkdir(parents=True, exist_ok=True)
    OUT_FILE.write_text(json.dumps(report, indent=2) + "\n")
    log(f"\nload average {load_before:.1f} before, {load_after:.1f} after; "
        f"{len(rows)} targets in {total:.0f} s; figures written to "
        f"{OUT_FILE.relative_to(ROOT)}")
    failed = [row["target"] for row in rows if row["errors"]]
    failed += [f"{VOTES} ({row['operation']})" for row in (votes or {}).get("results", ())
               if row["errors"]]
    if failed:
        log(f"FAILED: requests not answered 200, or calls refused, on {', '.join(failed)}")
        # The log goes with the run's temporary directory: show why while it is there.
        for name in dict.fromkeys(row["server"] for row in rows if row["errors"]):
            log(f"\nthe end of the {name} server's log:\n{servers[name].log_tail(60)}")
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    cleanup = contextlib.ExitStack()
    message = ""
    try:
        status = bench(args, cleanup)
    except BenchError as error:
        message, status = f"bench: {error}", 1
    except KeyboardInterrupt:
        message, status = "bench: interrupted", 130
    finally:
        # A second Ctrl-C must not cut the clean-up short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            cleanup.close()
        except Exception as error:  # noqa: BLE001 - report it, the run's result stands
            log(f"bench: clean-up failed: {error}")
            status = status or 1
    if message:
        log(message + "; every process it started is stopped and its database dropped")
    return status


if __name__ == "__main__":
    sys.exit(main())
